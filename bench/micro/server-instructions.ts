/**
 * Micro-benchmark (not run in CI): user-space instructions per transaction of our server under
 * the write-16 insert load, counted by valgrind's cachegrind. Unlike time, the count hardly
 * moves with the machine's neighbours (steady to about 5 %), so it compares builds that differ
 * by a few percent; it does not see cache misses, so a change that saves memory traffic (a
 * smaller row, a hash table with fewer dereferences) must be judged by time as well.
 *
 * The server of the build in ROOT runs under valgrind twice, serving `small` and then `large`
 * transactions from 16 connections; the difference of the two totals divided by the
 * difference of the counts leaves out start-up and shut-down. Needs `valgrind` on the PATH.
 *
 *   node dist/bench/micro/server-instructions.js [root=.] [small=2000] [large=6000]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OvsdbClient } from '../../src/client/index.js';
import { DB } from '../scenarios.js';
import { createBenchDb } from './insert-load.js';

/** Total instructions (cachegrind's "summary" line) of our server serving `count` inserts. */
async function instructions(root: string, count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-instr-'));
  try {
    const { cli, dbPath } = createBenchDb(root, dir, 'i');
    const sock = join(dir, 'i.sock');
    const out = join(dir, 'cachegrind.out');
    const child = spawn('valgrind', ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`,
      process.execPath, cli, 'server', `--remote=punix:${sock}`, dbPath], { stdio: 'ignore' });
    const t0 = performance.now();
    while (!existsSync(sock)) {
      if (child.exitCode !== null || performance.now() - t0 > 120_000) throw new Error('server under valgrind did not start (is valgrind installed?)');
      await new Promise((r) => setTimeout(r, 50));
    }
    const clients = await Promise.all(Array.from({ length: 16 }, () => OvsdbClient.connect(`unix:${sock}`, { requestTimeoutMs: 600_000 })));
    let sent = 0;
    await Promise.all(clients.map(async (c) => {
      while (sent < count) {
        const n = sent++;
        await c.transact(DB, [{ op: 'insert', table: 'Item', row: { name: `w${n}`, n } }]);
      }
    }));
    for (const c of clients) c.close();
    await new Promise<void>((res) => {
      child.once('exit', () => res());
      child.kill('SIGTERM');
    });
    const m = /summary: (\d+)/.exec(readFileSync(out, 'utf8'));
    if (!m) throw new Error('no cachegrind summary');
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const root = resolve(process.argv[2] ?? '.');
  const small = Number(process.argv[3] ?? 2000);
  const large = Number(process.argv[4] ?? 6000);
  process.stderr.write(`counting ${small} transactions under valgrind...\n`);
  const a = await instructions(root, small);
  process.stderr.write(`counting ${large} transactions under valgrind...\n`);
  const b = await instructions(root, large);
  process.stdout.write(`${root}: ${((b - a) / (large - small)).toFixed(0)} instructions per transaction\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
