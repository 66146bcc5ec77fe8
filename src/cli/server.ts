/**
 * `ovsdb-ts server`: the composition root of the OVSDB server (like ovsdb-server(1)). It opens
 * the LevelDB stores, replays them into engines, builds the hosts, the server, the listeners
 * and the control socket, and owns the process: pidfile, log file, --detach, signals, exit.
 *
 *   ovsdb-ts server [--remote=M]... [--unixctl=PATH] [--pidfile[=PATH]] [--log-file[=PATH]]
 *                   [--detach] [--fsync=always|never] [--rundir=DIR] DB...
 *
 * With no DB it serves a local OVN Northbound database (created on first use under
 * ./.ovsdb-ts/ovnnb_db) on ptcp:6641:127.0.0.1, which is what `npm start` runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { systemClock } from '../base/clock.js';
import type { JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import { parseSchema } from '../ovsdb/index.js';
import { OvsdbServer } from '../server/server.js';
import { registerServerCommands } from '../server/unixctl-commands.js';
import type { LogLevel } from '../server/ports.js';
import { VlogLogger, type LogSink } from '../server/vlog.js';
import { StandaloneStore } from '../storage/standalone-db-store.js';
import { formatAddress, parsePassiveAddress, type PassiveAddress } from '../transport/address.js';
import { flushPendingWrites, JsonRpcConnection } from '../transport/jsonrpc-connection.js';
import { listen, type Listener } from '../transport/listen.js';
import type { TlsFiles } from '../transport/tls-files.js';
import { UnixctlServer } from '../transport/unixctl.js';
import { parseJsonText } from '../base/json-exact.js';
import { randomUuid } from './random-uuid.js';
import { openDatabase } from './open-database.js';

const VERSION = 'ovsdb-ts 0.1.0';
const DETACHED_ENV = 'OVSDB_TS_DETACHED_CHILD';
/** OVS probes idle TCP/SSL peers every 5 s (lib/reconnect.h); unix sockets are not probed. */
const PROBE_INTERVAL_MS = 5000;

interface ServerCliOptions {
  remote: string[];
  unixctl?: string;
  pidfile?: string | boolean | undefined;
  logFile?: string | boolean | undefined;
  detach?: boolean;
  fsync: string;
  rundir?: string;
  privateKey?: string;
  certificate?: string;
  caCert?: string;
  verbose: string[];
}

/** Lowercase RFC 4122 text by construction: no need to re-validate it. */
const newUuid = (): Uuid => randomUuid();

function packageRoot(): string {
  // dist/src/cli/server.js → the package root holds schemas/.
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** An optional-value option followed by a DB directory took it as its value: give it back. */
function splitOptionalValue(value: string | boolean | undefined, dbs: string[]): string | boolean | undefined {
  if (typeof value === 'string' && existsSync(value) && statSync(value).isDirectory()) {
    dbs.unshift(value);
    return true;
  }
  return value;
}

/** Registers `ovsdb-ts server`. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run an OVSDB server (like ovsdb-server); with no DB, serve a local OVN Northbound database on ptcp:6641:127.0.0.1')
    .argument('[db...]', 'database directories created by `ovsdb-ts tool create`')
    .option('--remote <method>', 'listen on ptcp:PORT[:IP], punix:PATH or pssl:PORT[:IP] (repeatable)', collect, [])
    .option('--unixctl <path>', 'control socket path (default <rundir>/ovsdb-server.<pid>.ctl)')
    .option('--pidfile [path]', 'write the process id to PATH (default <rundir>/ovsdb-server.pid)')
    .option('--log-file [path]', 'also log to PATH (default <rundir>/ovsdb-server.log)')
    .option('--detach', 'run in the background once ready')
    .option('--fsync <mode>', 'always: every commit is durable; never: only {"op":"commit","durable":true}', 'never')
    .option('--rundir <dir>', 'directory for the default pidfile, control socket and log ($OVS_RUNDIR, else /tmp)')
    .option('--private-key <file>', 'PEM private key for pssl:')
    .option('--certificate <file>', 'PEM certificate for pssl:')
    .option('--ca-cert <file>', 'PEM CA certificate for pssl:')
    .option('-v, --verbose <spec>', 'vlog-style levels as in OVS: -vconsole:off, -vdbg, -vfile:info (repeatable)', collect, [])
    .option('--no-chdir', 'accepted for ovsdb-server compatibility (we never chdir)')
    .action(async (dbArgs: string[], opts: ServerCliOptions) => {
      const code = await runServer(dbArgs, opts);
      if (code !== undefined) process.exit(code);
    });
}

/** Runs the server; resolves undefined while it serves (the process then ends through shutdown). */
async function runServer(dbArgs: string[], opts: ServerCliOptions): Promise<number | undefined> {
  const dbs = [...dbArgs];
  opts.pidfile = splitOptionalValue(opts.pidfile, dbs);
  opts.logFile = splitOptionalValue(opts.logFile, dbs);
  if (opts.fsync !== 'always' && opts.fsync !== 'never') throw new Error(`--fsync must be "always" or "never", not "${opts.fsync}"`);
  const rundir = resolve(opts.rundir ?? process.env['OVS_RUNDIR'] ?? '/tmp');
  if (opts.detach && process.env[DETACHED_ENV] !== '1') return detach();

  const pidfile = opts.pidfile !== undefined && opts.pidfile !== false
    ? resolve(typeof opts.pidfile === 'string' ? opts.pidfile : join(rundir, 'ovsdb-server.pid'))
    : undefined;
  const other = pidfile === undefined ? undefined : runningPid(pidfile);
  if (other !== undefined) throw new Error(`${pidfile ?? ''}: pidfile check failed (already running as pid ${other})`);

  const levels = parseVerbose(opts.verbose);
  const consoleLevel = levels.console === undefined || levels.console === 'off' ? 'INFO' : levels.console;
  const stderrSink: LogSink = { minLevel: consoleLevel, write: (line) => process.stderr.write(line) };
  const logger = new VlogLogger(() => systemClock.wallMs(), process.env[DETACHED_ENV] === '1' || levels.console === 'off' ? [] : [stderrSink]);
  if (opts.logFile !== undefined && opts.logFile !== false) {
    const path = resolve(typeof opts.logFile === 'string' ? opts.logFile : join(rundir, 'ovsdb-server.log'));
    const fd = openSync(path, 'a');
    const fileLevel = levels.file ?? 'INFO';
    if (fileLevel !== 'off') logger.addSink({ minLevel: fileLevel, write: (line) => writeSync(fd, line) });
    logger.log('INFO', 'vlog', `opened log file ${path}`);
  }
  logger.log('INFO', 'server', VERSION);

  let defaultDb = false;
  if (dbs.length === 0) {
    dbs.push(await ensureDefaultNorthbound(logger));
    defaultDb = true;
    if (opts.remote.length === 0) opts.remote.push('ptcp:6641:127.0.0.1');
  }

  let fatal = false;
  const onFatal = (e: Error): void => {
    if (fatal) return;
    fatal = true;
    logger.log('EMER', 'server', `storage failure, stopping without acknowledging more: ${e.message}`);
    process.exit(1);
  };

  const server = new OvsdbServer({ clock: systemClock, newUuid, logger });
  for (const dir of dbs) {
    server.addDatabase(await openDatabase(dir, { clock: systemClock, newUuid, logger, fsyncAlways: opts.fsync === 'always', onFatal }));
  }

  const listeners: Listener[] = [];
  const ctlPath = resolve(opts.unixctl ?? join(rundir, `ovsdb-server.${process.pid}.ctl`));
  const ctl = await UnixctlServer.listen(ctlPath, { version: VERSION });

  let stopping = false;
  const shutdown = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logger.log('INFO', 'server', `${why}: exiting`);
    void (async () => {
      await Promise.allSettled(listeners.map((l) => l.close()));
      await server.close();
      await ctl.close().catch(() => undefined);
      if (pidfile) tryUnlink(pidfile);
      process.exit(0);
    })();
  };
  registerServerCommands(ctl, server, { exit: () => shutdown('exit command') });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => undefined);

  // The pidfile and the control socket exist before any client can connect (OVS order).
  if (pidfile) writeFileSync(pidfile, `${process.pid}\n`);

  const tls: TlsFiles | undefined = opts.privateKey && opts.certificate && opts.caCert
    ? { privateKeyPath: opts.privateKey, certificatePath: opts.certificate, caCertPath: opts.caCert }
    : undefined;
  try {
    for (const remote of opts.remote) {
      const address: PassiveAddress = parsePassiveAddress(remote);
      const probeIntervalMs = address.kind === 'punix' ? 0 : PROBE_INTERVAL_MS;
      const l = await listen(address, (socket, peer) => {
        server.attach(new JsonRpcConnection(socket, { peer, probeIntervalMs }));
      }, { tls, onError: (e) => logger.log('WARN', 'server', `${remote}: ${e.message}`) });
      listeners.push(l);
      logger.log('INFO', 'server', `listening on ${formatAddress(l.address)}`);
    }
  } catch (e) {
    if (pidfile) tryUnlink(pidfile);
    await ctl.close().catch(() => undefined);
    throw e;
  }

  if (defaultDb) {
    const remote = opts.remote[0] ?? '';
    const active = remote.replace(/^ptcp:(\d+):(.*)$/, 'tcp:$2:$1').replace(/^punix:/, 'unix:');
    process.stdout.write(`OVN Northbound database served on ${remote}\n  try: ovn-nbctl --db=${active} show\n  control: ovs-appctl -t ${ctlPath} list-commands\n`);
  }
  if (process.env[DETACHED_ENV] === '1' && process.send) {
    process.send('ready', () => process.disconnect());
  }
  return undefined;
}

/** The pid in `pidfile` if that process is alive (and not us), as OVS's pidfile check. */
function runningPid(pidfile: string): number | undefined {
  if (!existsSync(pidfile)) return undefined;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * The subset of OVS's -v/--verbose=[DEST:]LEVEL we honour: destinations console and file (any
 * module), levels off/emer/err/warn/info/dbg. Anything else is accepted and ignored.
 */
function parseVerbose(specs: readonly string[]): { console: LogLevel | 'off' | undefined; file: LogLevel | 'off' | undefined } {
  const out: { console: LogLevel | 'off' | undefined; file: LogLevel | 'off' | undefined } = { console: undefined, file: undefined };
  const levelOf: Record<string, LogLevel | 'off'> = { off: 'off', emer: 'EMER', err: 'ERR', warn: 'WARN', info: 'INFO', dbg: 'DBG' };
  for (const spec of specs) {
    const words = spec.toLowerCase().split(':');
    const level = words.map((w) => levelOf[w]).find((l) => l !== undefined);
    if (level === undefined) continue;
    const dests = words.filter((w) => w === 'console' || w === 'file');
    if (dests.length === 0 || dests.includes('console')) out.console = level;
    if (dests.length === 0 || dests.includes('file')) out.file = level;
  }
  return out;
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Creates ./.ovsdb-ts/ovnnb_db from schemas/ovn-nb.ovsschema when it does not exist yet. */
async function ensureDefaultNorthbound(logger: VlogLogger): Promise<string> {
  const dir = resolve('.ovsdb-ts', 'ovnnb_db');
  if (existsSync(dir)) return dir;
  const schemaPath = join(packageRoot(), 'schemas', 'ovn-nb.ovsschema');
  const json: unknown = parseJsonText(readFileSync(schemaPath, 'utf8'));
  if (!isJsonObject(json)) throw new Error(`${schemaPath}: not a schema`);
  parseSchema(json);
  mkdirSync(dirname(dir), { recursive: true });
  const store = await StandaloneStore.create(dir, json as JsonObject);
  await store.close();
  logger.log('INFO', 'server', `created ${dir} from ${schemaPath}`);
  return dir;
}

/**
 * --detach: re-runs this command in a new session with stdio closed, waits until the child says
 * it is serving (or dies), then returns its verdict as our exit code.
 */
function detach(): Promise<number> {
  const script = process.argv[1] ?? '';
  const args = process.argv.slice(2).filter((a) => a !== '--detach');
  return new Promise((resolvePromise) => {
    // process.execArgv: the child runs under the same Node options (src/cli/node-options.ts).
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, [DETACHED_ENV]: '1' },
    });
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('message', () => {
      child.stderr?.destroy();
      child.unref();
      child.disconnect();
      resolvePromise(0);
    });
    child.once('exit', (code) => {
      process.stderr.write(err);
      resolvePromise(code ?? 1);
    });
  });
}
