/**
 * Micro-benchmark helper (not run in CI): runs our server alone under the write-16 load with
 * extra node options (e.g. --cpu-prof), for profiling without the real server in the run.
 *
 *   PROFILE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" \
 *     node dist/bench/micro/profile-server.js [connections=16] [durationMs=4000] [root=.]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBenchDb, insertLoad } from './insert-load.js';
import { SERVER_NODE_OPTIONS } from '../../src/cli/node-options.js';

async function main(): Promise<void> {
  const connections = Number(process.argv[2] ?? 16);
  const durationMs = Number(process.argv[3] ?? 4000);
  const root = resolve(process.argv[4] ?? '.');
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-prof-'));
  const { cli, dbPath } = createBenchDb(root, dir, 'p');
  const sock = join(dir, 'p.sock');
  const nodeArgs = (process.env['PROFILE_NODE_ARGS'] ?? '').split(' ').filter((x) => x.length > 0);
  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...nodeArgs, cli, 'server', `--remote=punix:${sock}`, dbPath], { stdio: 'inherit' });
  while (!existsSync(sock)) await new Promise((r) => setTimeout(r, 10));
  let u0 = process.cpuUsage();
  let u = u0;
  const { count, elapsedMs } = await insertLoad(`unix:${sock}`, connections, 1, durationMs, {
    before: () => { u0 = process.cpuUsage(); },
    after: () => { u = process.cpuUsage(u0); },
  });
  process.stdout.write(`${((count / elapsedMs) * 1000).toFixed(0)} txn/s; load generator ${((u.user + u.system) / count).toFixed(1)} us CPU/txn (${(u.system / count).toFixed(1)} sys)\n`);
  await new Promise<void>((res) => { child.once('exit', () => res()); child.kill('SIGTERM'); });
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
