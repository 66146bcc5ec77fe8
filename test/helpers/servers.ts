/**
 * Process helpers shared by tests that start servers: the real ovsdb-server (reference) and ours
 * (dist/src/cli/main.js server), each in its own temp dir, listening on a unix socket (and, on
 * request, on a 127.0.0.1 port), with a unixctl control socket. The real server never listens on
 * anything but loopback or unix sockets.
 *
 * Usage:
 *   const srv = await startServer('real', { schemas: ['schemas/ovn-nb.ovsschema'] });
 *   ... connect to srv.remote ...
 *   await srv.stop();             // in afterAll
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, readFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliPath, ensureBuilt, repoRoot } from './build.js';

/** Which implementation to start. */
export type ServerKind = 'real' | 'ours';

export interface StartOptions {
  /** Schema files (absolute, or relative to the repo root); one database per schema. */
  readonly schemas: readonly string[];
  /** Also listen on ptcp:PORT:127.0.0.1 with a free port. */
  readonly tcp?: boolean;
  /** Extra server arguments. */
  readonly extraArgs?: readonly string[];
  /** Milliseconds to wait for the socket to accept (default 20 s for ours, 5 s for real). */
  readonly readyTimeoutMs?: number;
}

export interface ServerHandle {
  readonly kind: ServerKind;
  /** The temp dir holding databases, sockets and logs; removed by stop(). */
  readonly dir: string;
  /** Unix socket path of the JSON-RPC listener. */
  readonly sockPath: string;
  /** `unix:` + sockPath, the form every OVS client accepts. */
  readonly remote: string;
  /** `tcp:127.0.0.1:PORT` when started with tcp, else undefined. */
  readonly tcpRemote: string | undefined;
  /** Unixctl control socket path. */
  readonly ctlPath: string;
  /** Database paths (file for real, directory for ours), parallel to the schemas. */
  readonly dbPaths: readonly string[];
  readonly process: ChildProcess;
  /** Everything the server wrote to stdout/stderr so far (for failure messages). */
  output(): string;
  /** Kills the server (SIGTERM, then SIGKILL after 2 s) and removes the temp dir. */
  stop(): Promise<void>;
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 20_000, cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolvePromise({ stdout, stderr });
    });
  });
}

/** A free TCP port on 127.0.0.1 (bind to 0, read the port, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolvePromise(true);
    });
    s.once('error', () => resolvePromise(false));
  });
}

/** Polls until the unix socket accepts, the process exits, or the timeout passes. */
export async function waitForSocket(path: string, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`server exited with code ${proc.exitCode} before ${path} was ready`);
    if (existsSync(path) && (await canConnect(path))) return;
    if (Date.now() > deadline) throw new Error(`socket ${path} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A short temp dir (unix socket paths are limited to ~107 bytes). */
export function shortTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function schemaName(schemaPath: string): string {
  const parsed: unknown = JSON.parse(readFileSync(schemaPath, 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string') return parsed.name;
  throw new Error(`schema ${schemaPath} has no name`);
}

/** Creates one database per schema in `dir` with the kind's own tool; returns the paths. */
export async function createDatabases(kind: ServerKind, dir: string, schemas: readonly string[]): Promise<string[]> {
  const paths: string[] = [];
  for (const s of schemas) {
    const schemaPath = resolve(repoRoot, s);
    const name = schemaName(schemaPath);
    if (kind === 'real') {
      const db = join(dir, `${name}.db`);
      await run('ovsdb-tool', ['create', db, schemaPath]);
      paths.push(db);
    } else {
      const db = join(dir, `${name}.dbdir`);
      await run(process.execPath, [cliPath, 'tool', 'create', db, schemaPath]);
      paths.push(db);
    }
  }
  return paths;
}

function killAndWait(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const hard = setTimeout(() => proc.kill('SIGKILL'), 2000);
    proc.once('exit', () => {
      clearTimeout(hard);
      resolvePromise();
    });
    proc.kill('SIGTERM');
  });
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * ensureBuilt() under a cross-process lock: vitest runs test files in parallel forks, and two
 * concurrent tsc runs writing dist/ could hand a half-written file to a server being started.
 */
export async function ensureBuiltLocked(): Promise<void> {
  const lock = join(tmpdir(), 'ovsdb-ts-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // Held by another fork; a lock whose holder is gone (or older than 3 minutes) is stale.
      try {
        const holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
        if (!processAlive(holder) || Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // It went away meanwhile, or its pid file is not written yet.
      }
      if (Date.now() > deadline) throw new Error(`build lock ${lock} still held after 180 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    ensureBuilt();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Starts a server of the given kind on fresh databases created from `opts.schemas`. */
export async function startServer(kind: ServerKind, opts: StartOptions): Promise<ServerHandle> {
  if (kind === 'ours') await ensureBuiltLocked();
  const dir = shortTempDir(kind === 'real' ? 'ovr-' : 'ovt-');
  try {
    const dbPaths = await createDatabases(kind, dir, opts.schemas);
    const sockPath = join(dir, 'db.sock');
    const ctlPath = join(dir, 'ctl.sock');
    const port = opts.tcp === true ? await freePort() : undefined;
    const remotes = [`--remote=punix:${sockPath}`];
    if (port !== undefined) remotes.push(`--remote=ptcp:${port}:127.0.0.1`);
    const [cmd, args] =
      kind === 'real'
        ? ['ovsdb-server', [...remotes, `--unixctl=${ctlPath}`, '--no-chdir', `--log-file=${join(dir, 'ovsdb-server.log')}`, '-vconsole:off', ...(opts.extraArgs ?? []), ...dbPaths]]
        : [process.execPath, [cliPath, 'server', ...remotes, `--unixctl=${ctlPath}`, ...(opts.extraArgs ?? []), ...dbPaths]];
    const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
    proc.on('error', (e) => (out += `\nspawn error: ${e.message}`));
    const handle: ServerHandle = {
      kind,
      dir,
      sockPath,
      remote: `unix:${sockPath}`,
      tcpRemote: port === undefined ? undefined : `tcp:127.0.0.1:${port}`,
      ctlPath,
      dbPaths,
      process: proc,
      output: () => out,
      stop: async () => {
        await killAndWait(proc);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    try {
      await waitForSocket(sockPath, opts.readyTimeoutMs ?? (kind === 'ours' ? 20_000 : 5000), proc);
    } catch (e) {
      await handle.stop();
      throw new Error(`${kind} server did not start: ${e instanceof Error ? e.message : String(e)}\n${out}`);
    }
    return handle;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The server kinds an end-to-end scenario runs against: both by default (the real server first,
 * which validates the scenario itself), or a comma-separated E2E_SERVERS=real|ours subset.
 */
export function serverKinds(): ServerKind[] {
  const env = process.env['E2E_SERVERS'];
  if (env === undefined || env === '') return ['real', 'ours'];
  return env.split(',').filter((k): k is ServerKind => k === 'real' || k === 'ours');
}

/** Resolves once `pred(text())` holds, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitUntil(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A long-running child (a monitor, a daemon) whose output is collected; stop() kills it. */
export interface BackgroundProcess {
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawns `cmd args` in the background, collecting its output. */
export function spawnBackground(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): BackgroundProcess {
  const proc = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-50_000)));
  proc.on('error', (e) => (err += `\nspawn error: ${e.message}`));
  return { process: proc, stdout: () => out, stderr: () => err, stop: () => killAndWait(proc) };
}
