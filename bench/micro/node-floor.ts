/**
 * Micro-benchmark (not run in CI): the floor a Node server cannot go below on the write-16
 * load. A child process accepts JSON-RPC over a unix socket, JSON.parses each request and writes
 * a canned transact reply — no framer limits, no engine, no storage — and this reports its CPU
 * per request (utime + stime from /proc), with the same load generator as server-cpu.ts. Two
 * children take turns: one reads through 'data' events, one through the shared buffer our
 * transport uses (src/transport/socket-input.ts).
 *
 *   node dist/bench/micro/node-floor.js [connections=16] [durationMs=3000] [runs=3]
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptAccepted, readInput } from '../../src/transport/socket-input.js';
import { insertLoad, processCpuMs } from './insert-load.js';

/** The child: a server that answers each transact with one fixed-shape reply. */
function serve(path: string, sharedBuffer: boolean): void {
  const decoder = new TextDecoder();
  const server = createServer({ pauseOnConnect: true }, (accepted) => {
    const socket = sharedBuffer ? adoptAccepted(accepted) : accepted;
    let buffered = '';
    readInput(socket, (bytes: Uint8Array) => {
      buffered += decoder.decode(bytes);
      let depth = 0;
      let start = 0;
      let inString = false;
      let escaped = false;
      const out: string[] = [];
      for (let i = 0; i < buffered.length; i++) {
        const c = buffered.charCodeAt(i);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if ((c === 0x7d || c === 0x5d) && --depth === 0) {
          const request = JSON.parse(buffered.slice(start, i + 1)) as { id: unknown };
          out.push(JSON.stringify({ id: request.id, result: [{ uuid: ['uuid', '0f0e0d0c-0b0a-4908-8706-050403020100'] }], error: null }));
          start = i + 1;
        }
      }
      buffered = buffered.slice(start);
      if (out.length) socket.write(out.join(''));
    });
  });
  server.listen(path);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'serve') {
    serve(process.argv[3] ?? '', process.argv[4] === 'shared');
    return;
  }
  const [connections = 16, durationMs = 3000, runs = 3] = process.argv.slice(2).map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-floor-'));
  const kinds = ['data events', 'shared buffer'] as const;
  const paths = kinds.map((_, i) => join(dir, `floor${i}.sock`));
  const children = kinds.map((kind, i) => fork(process.argv[1] ?? '', ['serve', paths[i] ?? '', kind === 'shared buffer' ? 'shared' : 'data'], { stdio: 'ignore' }));
  try {
    const t0 = performance.now();
    while (!paths.every((p) => existsSync(p))) {
      if (performance.now() - t0 > 10_000) throw new Error('floor servers did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let run = 0; run < runs; run++) {
      for (let i = 0; i < kinds.length; i++) {
        const pid = children[i]?.pid;
        if (pid === undefined) throw new Error('no child pid');
        let c0 = processCpuMs(pid);
        let c1 = c0;
        const { count, elapsedMs: ms } = await insertLoad(`unix:${paths[i] ?? ''}`, connections, 1, durationMs, {
          before: () => { c0 = processCpuMs(pid); },
          after: () => { c1 = processCpuMs(pid); },
        });
        const cpuMs = c1.total - c0.total;
        process.stdout.write(`run ${run + 1}, ${kinds[i] ?? ''}: ${((count / ms) * 1000).toFixed(0)} requests/s, ${((cpuMs * 1000) / count).toFixed(1)} us CPU per request\n`);
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
