/**
 * `ovsdb-ts cluster up|down|status CONFIG`: a whole local cluster from one file in
 * cluster-configs/ (members, their client remotes and Raft addresses, the databases they
 * serve). `up` creates the member databases on first use (create-cluster on the first member,
 * join-cluster on the others), starts one server process per member in the background with a
 * pidfile, a log file and a control socket under the run directory, waits until every database
 * has a leader, and prints the connection strings. `down` stops them (SIGTERM: a leader hands
 * over first). `status` shows each member's process and each database's Raft role.
 *
 *   <runDir>/<member>/<file>       member databases
 *   <runDir>/<member>.pid|.log|.ctl
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { isJsonObject } from '../base/json.js';
import { parseJsonText } from '../base/json-exact.js';

/** One member of a cluster config. */
export interface ClusterConfigMember {
  readonly name: string;
  /** Passive remotes for clients (ptcp:PORT:IP ...). */
  readonly remotes: readonly string[];
  /** Raft address per database name. */
  readonly raft: Readonly<Record<string, string>>;
}

export interface ClusterConfigDb {
  readonly name: string;
  /** Schema file, relative to the config file. */
  readonly schema: string;
  /** Directory name of the database under each member's directory. */
  readonly file: string;
  /** Which of a member's remotes clients use for this database (index into `remotes`). */
  readonly clientRemote: number;
}

export interface ClusterConfig {
  readonly name: string;
  readonly runDir: string;
  readonly electionTimerMs: number;
  readonly databases: readonly ClusterConfigDb[];
  readonly members: readonly ClusterConfigMember[];
}

const cliMain = fileURLToPath(new URL('./main.js', import.meta.url));

function fail(path: string, what: string): never {
  throw new Error(`${path}: ${what}`);
}

/** Reads and checks a cluster config; relative schema paths resolve against the file's directory. */
export function readClusterConfig(path: string): ClusterConfig & { readonly dir: string } {
  let v: unknown;
  try {
    v = parseJsonText(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(path, `cannot read cluster config (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isJsonObject(v)) fail(path, 'a cluster config is a JSON object');
  const str = (o: Record<string, unknown>, k: string, where: string): string => {
    const x = o[k];
    if (typeof x !== 'string' || x.length === 0) fail(path, `${where}.${k} must be a non-empty string`);
    return x;
  };
  const arr = (o: Record<string, unknown>, k: string, where: string): unknown[] => {
    const x = o[k];
    if (!Array.isArray(x) || x.length === 0) fail(path, `${where}.${k} must be a non-empty array`);
    return x;
  };
  const o = v as Record<string, unknown>;
  const databases = arr(o, 'databases', 'config').map((d, i): ClusterConfigDb => {
    if (!isJsonObject(d)) fail(path, `databases[${i}] must be an object`);
    const r = d as Record<string, unknown>;
    const clientRemote = r['clientRemote'] ?? 0;
    if (typeof clientRemote !== 'number' || !Number.isInteger(clientRemote) || clientRemote < 0) fail(path, `databases[${i}].clientRemote must be an index`);
    return { name: str(r, 'name', `databases[${i}]`), schema: str(r, 'schema', `databases[${i}]`), file: str(r, 'file', `databases[${i}]`), clientRemote };
  });
  const members = arr(o, 'members', 'config').map((m, i): ClusterConfigMember => {
    if (!isJsonObject(m)) fail(path, `members[${i}] must be an object`);
    const r = m as Record<string, unknown>;
    const remotes = arr(r, 'remotes', `members[${i}]`).map((x) => (typeof x === 'string' ? x : fail(path, `members[${i}].remotes must hold strings`)));
    const raftRaw = r['raft'];
    if (!isJsonObject(raftRaw)) fail(path, `members[${i}].raft must map database names to Raft addresses`);
    const raft: Record<string, string> = {};
    for (const db of databases) raft[db.name] = str(raftRaw as Record<string, unknown>, db.name, `members[${i}].raft`);
    return { name: str(r, 'name', `members[${i}]`), remotes, raft };
  });
  const timer = o['electionTimerMs'] ?? 1000;
  if (typeof timer !== 'number' || !Number.isInteger(timer) || timer < 100 || timer > 600_000) fail(path, 'electionTimerMs must be between 100 and 600000');
  return { name: str(o, 'name', 'config'), runDir: str(o, 'runDir', 'config'), electionTimerMs: timer, databases, members, dir: dirname(resolve(path)) };
}

interface Paths {
  readonly dir: string;
  readonly pid: string;
  readonly log: string;
  readonly ctl: string;
}

function memberPaths(cfg: ClusterConfig, m: ClusterConfigMember): Paths {
  const run = resolve(cfg.runDir);
  return { dir: join(run, m.name), pid: join(run, `${m.name}.pid`), log: join(run, `${m.name}.log`), ctl: join(run, `${m.name}.ctl`) };
}

/** Runs `ovsdb-ts ARGS` to completion; rejects with its stderr. */
function runSelf(args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, cliMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(err.trim() || `ovsdb-ts ${args.join(' ')} exited ${code ?? 'on a signal'}`))));
  });
}

function pidOf(p: Paths): number | undefined {
  try {
    const pid = Number(readFileSync(p.pid, 'utf8').trim());
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function activeRemote(passive: string): string {
  const m = /^p(tcp|ssl):(\d+)(?::(.*))?$/.exec(passive);
  if (m !== null) return `${m[1] ?? 'tcp'}:${m[3] ?? '127.0.0.1'}:${m[2] ?? ''}`;
  return passive.replace(/^punix:/, 'unix:');
}

/** The --db= string of every member for one database. */
export function connectionString(cfg: ClusterConfig, db: ClusterConfigDb): string {
  return cfg.members.map((m) => activeRemote(m.remotes[db.clientRemote] ?? '')).join(',');
}

async function createMembers(cfg: ClusterConfig & { dir: string }, say: (s: string) => void): Promise<void> {
  const [first, ...rest] = cfg.members;
  if (first === undefined) return;
  for (const db of cfg.databases) {
    const firstDb = join(memberPaths(cfg, first).dir, db.file);
    if (!existsSync(firstDb)) {
      mkdirSync(dirname(firstDb), { recursive: true });
      await runSelf(['tool', `--election-timer=${cfg.electionTimerMs}`, 'create-cluster', firstDb, resolve(cfg.dir, db.schema), first.raft[db.name] ?? '']);
      say(`created ${db.name} on ${first.name} (${firstDb})`);
    }
    for (const m of rest) {
      const path = join(memberPaths(cfg, m).dir, db.file);
      if (existsSync(path)) continue;
      mkdirSync(dirname(path), { recursive: true });
      await runSelf(['tool', 'join-cluster', path, db.name, m.raft[db.name] ?? '', ...cfg.members.filter((x) => x !== m).map((x) => x.raft[db.name] ?? '')]);
      say(`prepared ${m.name} to join ${db.name}`);
    }
  }
}

function startMember(cfg: ClusterConfig, m: ClusterConfigMember): number {
  const p = memberPaths(cfg, m);
  const log = openSync(p.log, 'a');
  try {
    const args = [
      ...process.execArgv, cliMain, 'server', ...m.remotes.map((r) => `--remote=${r}`), `--unixctl=${p.ctl}`, `--pidfile=${p.pid}`,
      `--log-file=${p.log}`, '-vconsole:off', ...cfg.databases.map((db) => join(p.dir, db.file)),
    ];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    return child.pid ?? 0;
  } finally {
    closeSync(log);
  }
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${Math.round(timeoutMs / 1000)} s; see the member logs`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function roleOf(cfg: ClusterConfig, m: ClusterConfigMember, db: string): Promise<string | undefined> {
  try {
    const status = await runSelf(['ctl', '-t', memberPaths(cfg, m).ctl, 'cluster/status', db]);
    return /^Role: (\w+)$/m.exec(status)?.[1];
  } catch {
    return undefined;
  }
}

/** `cluster up`: returns the exit code. */
export async function clusterUp(path: string, say: (s: string) => void): Promise<number> {
  const cfg = readClusterConfig(path);
  mkdirSync(resolve(cfg.runDir), { recursive: true });
  await createMembers(cfg, say);
  for (const m of cfg.members) {
    const p = memberPaths(cfg, m);
    const running = pidOf(p);
    if (running !== undefined) {
      say(`${m.name}: already running (pid ${running})`);
      continue;
    }
    const pid = startMember(cfg, m);
    say(`${m.name}: started (pid ${pid}), log ${p.log}`);
  }
  for (const db of cfg.databases) {
    await waitFor(`a leader for ${db.name}`, async () => {
      for (const m of cfg.members) if ((await roleOf(cfg, m, db.name)) === 'leader') return true;
      return false;
    }, 30_000);
  }
  say(`cluster ${cfg.name} is up: ${cfg.members.length} members, every one a full entry point`);
  for (const db of cfg.databases) say(`  ${db.name}: --db=${connectionString(cfg, db)}`);
  const nb = cfg.databases.find((d) => d.name === 'OVN_Northbound');
  if (nb !== undefined) say(`  try: ovn-nbctl --db=${connectionString(cfg, nb)} show`);
  say(`  status: npx ovsdb-ts cluster status ${path}    stop: npx ovsdb-ts cluster down ${path}`);
  return 0;
}

/** `cluster down`: SIGTERM every member and wait for it to exit. */
export async function clusterDown(path: string, say: (s: string) => void): Promise<number> {
  const cfg = readClusterConfig(path);
  for (const m of cfg.members) {
    const p = memberPaths(cfg, m);
    const pid = pidOf(p);
    if (pid === undefined) {
      say(`${m.name}: not running`);
      continue;
    }
    process.kill(pid, 'SIGTERM');
    await waitFor(`${m.name} (pid ${pid}) to exit`, async () => pidOf(p) === undefined, 10_000);
    say(`${m.name}: stopped`);
  }
  return 0;
}

/** `cluster status`: one line per member and database. */
export async function clusterStatus(path: string, say: (s: string) => void): Promise<number> {
  const cfg = readClusterConfig(path);
  let down = 0;
  for (const m of cfg.members) {
    const p = memberPaths(cfg, m);
    const pid = pidOf(p);
    if (pid === undefined) {
      down++;
      say(`${m.name}: not running`);
      continue;
    }
    const roles = await Promise.all(cfg.databases.map(async (db) => `${db.name} ${(await roleOf(cfg, m, db.name)) ?? 'unknown'}`));
    say(`${m.name}: running (pid ${pid}), ${roles.join(', ')}`);
  }
  return down === 0 ? 0 : 3;
}

/** Registers `ovsdb-ts cluster up|down|status CONFIG`. */
export function registerClusterCommand(program: Command): void {
  const cluster = program.command('cluster').description('run a whole local cluster from a file in cluster-configs/');
  const say = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  const run = (fn: (path: string, say: (s: string) => void) => Promise<number>) => async (path: string): Promise<void> => {
    process.exitCode = await fn(path, say);
  };
  cluster.command('up').argument('<config>', 'cluster config (JSON)').description('create (first time) and start every member').action(run(clusterUp));
  cluster.command('down').argument('<config>', 'cluster config (JSON)').description('stop every member').action(run(clusterDown));
  cluster.command('status').argument('<config>', 'cluster config (JSON)').description("show each member's process and Raft roles").action(run(clusterStatus));
}
