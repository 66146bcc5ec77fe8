/**
 * Micro-benchmark (not run in CI): server CPU time per small insert transaction, ours against
 * the real ovsdb-server, with the load of bench/scenarios.ts's write scenarios.
 *
 * On a shared 2-core machine throughput swings with whatever else runs, and a --cpu-prof of a
 * server that is preempted attributes the wait to the function it was in (a socket write shows
 * up as "writeUtf8String" because waking the client hands it the CPU). CPU time charged to the
 * server process (utime + stime from /proc/PID/stat) per transaction is far steadier, so this
 * reports both, alternating the two servers run by run.
 *
 *   node dist/bench/micro/server-cpu.js [connections=16] [inFlight=1] [durationMs=1500] [runs=3]
 *
 * With BASE_ROOT=DIR (a directory holding another build as DIR/dist and DIR/node_modules), a
 * third server "base" runs that build too, for before/after comparisons in the same run;
 * BASE_NODE_ARGS adds node options to it (e.g. --perf-basic-prof for Linux perf).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsdbClient } from '../../src/client/index.js';
import { benchSchema, DB } from '../scenarios.js';
import { startServer, type BenchServer } from '../servers.js';

type Side = 'ours' | 'real' | 'base';

interface Running {
  readonly side: Side;
  readonly remote: string;
  pid(): number | undefined;
  stop(): Promise<void>;
}

/** Our server from another build tree (BASE_ROOT), started as bench/servers.ts starts ours. */
async function startBase(root: string, dir: string, schemaPath: string): Promise<Running> {
  const cli = join(root, 'dist/src/cli/main.js');
  const sock = join(dir, 'base.sock');
  const dbPath = join(dir, 'base.db');
  execFileSync(process.execPath, [cli, 'tool', 'create', dbPath, schemaPath], { stdio: 'pipe' });
  const nodeArgs = (process.env['BASE_NODE_ARGS'] ?? '').split(' ').filter((x) => x.length > 0);
  const child = spawn(process.execPath, [...nodeArgs, cli, 'server', `--remote=punix:${sock}`, `--unixctl=${join(dir, 'base.ctl')}`, dbPath], { stdio: 'ignore' });
  const t0 = performance.now();
  while (!existsSync(sock)) {
    if (child.exitCode !== null || performance.now() - t0 > 30_000) throw new Error('base server did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    side: 'base', remote: `unix:${sock}`, pid: () => child.pid,
    stop: () => new Promise<void>((res) => {
      if (child.exitCode !== null) return res();
      child.once('exit', () => res());
      child.kill('SIGTERM');
    }),
  };
}

/** [utime, stime] of a process, in clock ticks (100 per second on Linux). */
function cpuTicks(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]), Number(fields[12])];
}

let serial = 0;

async function load(server: Running, connections: number, inFlight: number, durationMs: number): Promise<{ tps: number; cpuUsPerTxn: number; sysUsPerTxn: number }> {
  const cs = await Promise.all(Array.from({ length: connections }, () => OvsdbClient.connect(server.remote, { requestTimeoutMs: 60_000 })));
  const pid = server.pid();
  if (pid === undefined) throw new Error('server not running');
  let count = 0;
  const c0 = cpuTicks(pid);
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(cs.flatMap((c) => Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const r = await c.transact(DB, [{ op: 'insert', table: 'Item', row: { name: `w${serial++}`, n: serial } }]);
      const first = r[0];
      if (first === null || typeof first !== 'object' || Array.isArray(first) || 'error' in first) throw new Error(`transaction failed: ${JSON.stringify(r)}`);
      count++;
    }
  })));
  const elapsedMs = performance.now() - t0;
  const c1 = cpuTicks(pid);
  const userMs = (c1[0] - c0[0]) * 10;
  const sysMs = (c1[1] - c0[1]) * 10;
  for (const c of cs) c.close();
  return { tps: (count / elapsedMs) * 1000, cpuUsPerTxn: ((userMs + sysMs) * 1000) / count, sysUsPerTxn: (sysMs * 1000) / count };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const [connections = 16, inFlight = 1, durationMs = 1500, runs = 3] = process.argv.slice(2).map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-micro-'));
  const schemaPath = join(dir, 'bench.ovsschema');
  writeFileSync(schemaPath, JSON.stringify(benchSchema));
  const servers: Running[] = [];
  try {
    const sides: Side[] = ['ours', 'real'];
    for (const side of ['ours', 'real'] as const) {
      const started: BenchServer = await startServer(side, dir, schemaPath, DB);
      servers.push(started);
    }
    const baseRoot = process.env['BASE_ROOT'];
    if (baseRoot) {
      servers.push(await startBase(baseRoot, dir, schemaPath));
      sides.push('base');
    }
    const figures = new Map<Side, { tps: number[]; cpu: number[]; sys: number[] }>(sides.map((s) => [s, { tps: [], cpu: [], sys: [] }]));
    for (let i = 0; i < runs; i++) {
      for (const server of servers) {
        const f = await load(server, connections, inFlight, durationMs);
        const acc = figures.get(server.side);
        acc?.tps.push(f.tps);
        acc?.cpu.push(f.cpuUsPerTxn);
        acc?.sys.push(f.sysUsPerTxn);
        process.stderr.write(`${server.side} run ${i + 1}: ${f.tps.toFixed(0)} txn/s, ${f.cpuUsPerTxn.toFixed(1)} us CPU/txn (${f.sysUsPerTxn.toFixed(1)} in kernel)\n`);
      }
    }
    const ours = figures.get('ours');
    const real = figures.get('real');
    if (ours && real) {
      const line = (name: string, a: number[], b: number[]): string => `${name.padEnd(12)} ours ${median(a).toFixed(1).padStart(9)}  real ${median(b).toFixed(1).padStart(9)}  ours/real ${(median(a) / median(b)).toFixed(2)}`;
      process.stdout.write(`${connections} conn x ${inFlight} in flight, ${runs} runs of ${durationMs} ms (medians)\n`);
      process.stdout.write(`${line('txn/s', ours.tps, real.tps)}\n${line('us CPU/txn', ours.cpu, real.cpu)}\n${line('  of it sys', ours.sys, real.sys)}\n`);
    }
    const base = figures.get('base');
    if (ours && base && base.tps.length) {
      process.stdout.write(`base (before): ${median(base.tps).toFixed(0)} txn/s, ${median(base.cpu).toFixed(1)} us CPU/txn (${median(base.sys).toFixed(1)} sys); ours/base CPU ${(median(ours.cpu) / median(base.cpu)).toFixed(2)}\n`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
