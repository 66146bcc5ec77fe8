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
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSchema, DB } from '../scenarios.js';
import { insertLoad, processCpuMs } from './insert-load.js';
import { startServer, type BenchServer } from '../servers.js';
import { SERVER_NODE_OPTIONS } from '../../src/cli/node-options.js';

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
  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...nodeArgs, cli, 'server', `--remote=punix:${sock}`, `--unixctl=${join(dir, 'base.ctl')}`, dbPath], { stdio: 'ignore' });
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

async function load(server: Running, connections: number, inFlight: number, durationMs: number): Promise<{ tps: number; cpuUsPerTxn: number; sysUsPerTxn: number }> {
  const pid = server.pid();
  if (pid === undefined) throw new Error('server not running');
  let c0 = processCpuMs(pid);
  let c1 = c0;
  const { count, elapsedMs } = await insertLoad(server.remote, connections, inFlight, durationMs, {
    before: () => { c0 = processCpuMs(pid); },
    after: () => { c1 = processCpuMs(pid); },
  });
  const sysMs = c1.sys - c0.sys;
  return { tps: (count / elapsedMs) * 1000, cpuUsPerTxn: ((c1.total - c0.total) * 1000) / count, sysUsPerTxn: (sysMs * 1000) / count };
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
