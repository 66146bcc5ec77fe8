/**
 * Starting the two servers under test side by side on unix sockets in a temp dir: ours
 * (`node dist/src/cli/main.js server`, database created with `ovsdb-ts tool create`) and the
 * real Open vSwitch ovsdb-server (database created with `ovsdb-tool create`). Both get the same
 * schema; the harness measures start time, resident memory and disk size through /proc and stat.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OvsdbClient } from '../src/client/index.js';
import { SERVER_NODE_OPTIONS } from '../src/cli/node-options.js';

export type Side = 'ours' | 'real';

const repoRoot = resolve(import.meta.dirname, '../..');
export const cliMain = join(repoRoot, 'dist/src/cli/main.js');

/** One running server. */
export interface BenchServer {
  readonly side: Side;
  readonly remote: string;
  readonly dbPath: string;
  pid(): number | undefined;
  /** Stops (SIGTERM) and starts again; resolves with the ms until a select answered. */
  restart(): Promise<number>;
  stop(): Promise<void>;
  rssBytes(): number;
  diskBytes(): number;
}

function dirSize(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((sum, e) => sum + dirSize(join(p, e)), 0);
}

async function waitReady(remote: string, child: ChildProcess, database: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with status ${child.exitCode}${last ? ` (${last})` : ''}`);
    try {
      const c = await OvsdbClient.connect(remote, { connectTimeoutMs: 2000, requestTimeoutMs: timeoutMs });
      try {
        await c.transact(database, [{ op: 'select', table: 'Item', where: [['n', '==', -1]], columns: ['n'] }]);
        return;
      } finally {
        c.close();
      }
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > end) throw new Error(`server not ready after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Creates the database and starts the server; throws with the reason if it cannot. With
 * `profileDir`, our server runs under `node --cpu-prof` and writes a .cpuprofile there on exit.
 * BENCH_OURS_NODE_ARGS (space-separated) adds node options to our server, e.g. `--trace-gc`,
 * and BENCH_OURS_OUT names a file that gets what it prints (appended).
 */
export async function startServer(side: Side, dir: string, schemaPath: string, database: string, profileDir?: string): Promise<BenchServer> {
  const sock = join(dir, `${side}.sock`);
  const ctl = join(dir, `${side}.ctl`);
  const dbPath = join(dir, `${side}.db`);
  const log = join(dir, `${side}.log`);
  if (side === 'real') execFileSync('ovsdb-tool', ['create', dbPath, schemaPath]);
  else execFileSync(process.execPath, [cliMain, 'tool', 'create', dbPath, schemaPath], { stdio: 'pipe' });
  let child: ChildProcess | undefined;
  const extraNodeArgs = (process.env['BENCH_OURS_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
  const launch = async (): Promise<number> => {
    rmSync(sock, { force: true });
    const t0 = performance.now();
    const outPath = process.env['BENCH_OURS_OUT'];
    const out = side === 'ours' && outPath ? openSync(outPath, 'a') : undefined;
    child = side === 'real'
      ? spawn('ovsdb-server', [`--remote=punix:${sock}`, `--unixctl=${ctl}`, '--no-chdir', `--log-file=${log}`, dbPath], { stdio: 'ignore' })
      : spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...extraNodeArgs, cliMain, 'server', `--remote=punix:${sock}`, `--unixctl=${ctl}`, `--log-file=${log}`, dbPath],
        { stdio: out === undefined ? 'ignore' : ['ignore', out, 'inherit'] });
    if (out !== undefined) closeSync(out);
    const c = child;
    while (!existsSync(sock)) {
      if (c.exitCode !== null) throw new Error(`${side} server exited with status ${c.exitCode}; see ${log}`);
      if (performance.now() - t0 > 120_000) throw new Error(`${side} server did not create ${sock}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitReady(`unix:${sock}`, c, database, 120_000);
    return performance.now() - t0;
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((res) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
      c.once('exit', () => { clearTimeout(timer); res(); });
      c.kill('SIGTERM');
    });
  };
  await launch();
  return {
    side, remote: `unix:${sock}`, dbPath,
    pid: () => child?.pid,
    restart: async () => { await stop(); return launch(); },
    stop,
    rssBytes: () => {
      const pid = child?.pid;
      if (pid === undefined) return Number.NaN;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : Number.NaN;
    },
    diskBytes: () => dirSize(dbPath),
  };
}
