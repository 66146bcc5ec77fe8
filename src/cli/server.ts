/**
 * `ovsdb-ts server`: the composition root of the OVSDB server (like ovsdb-server(1)). It parses
 * ovsdb-server's options (server-args.ts), opens each database through openDatabase(), builds
 * the server, the listeners and the control socket, and owns the process: pidfile, log file,
 * --detach, signals and exit (server-process.ts).
 *
 *   ovsdb-ts server [--remote=M]... [--unixctl=PATH] [--pidfile[=PATH]] [--log-file[=PATH]]
 *                   [--detach] [-vSPEC]... [--fsync=always|never] DB...
 *
 * As ovsdb-server, with no DB it serves $OVS_DBDIR/conf.db and fails if that does not exist.
 * `--demo` (what `npm start` runs) instead serves a local OVN Northbound database, created on
 * first use under ./.ovsdb-ts/ovnnb_db, on ptcp:6641:127.0.0.1.
 *
 * runServer(argv, io) is the whole command, `(args, io) => Promise<exit code>` (STYLE habit 15):
 * it resolves when the server has stopped (SIGTERM, SIGINT, SIGHUP or `exit`: 0) or failed to
 * start (1, the reason on stderr and in the log file).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { systemClock } from '../base/clock.js';
import type { JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { parseJsonText } from '../base/json-exact.js';
import type { Uuid } from '../base/uuid.js';
import { parseSchema } from '../ovsdb/index.js';
import type { DatabaseBackend } from '../server/database-backend.js';
import { parseDbColumnRef, readDbString, type DatabaseLookup } from '../server/db-remotes.js';
import { OvsdbServer } from '../server/server.js';
import { registerServerCommands } from '../server/unixctl-commands.js';
import { registerClusterCommands } from '../server/cluster-commands.js';
import { ClusteredHost } from '../server/cluster-host.js';
import { ClusterLockService } from '../server/cluster-locks.js';
import { VlogLogger } from '../server/vlog.js';
import { StandaloneStore } from '../storage/standalone-db-store.js';
import { parseTlsProtocols, type TlsFiles } from '../transport/tls-files.js';
import { UnixctlServer } from '../transport/unixctl.js';
import { checkDatabasePath, explainOpenError } from './database-dir.js';
import { openDatabase } from './open-database.js';
import { randomUuid } from './random-uuid.js';
import { parseServerArgs, serverUsage, type ServerArgs } from './server-args.js';
import { becomeUser, errnoText, LogFile, ovsDirs, runningPid, tryUnlink, writePidfile } from './server-process.js';
import { RemoteSet } from './server-remotes.js';

/** What `version` and `--version` print, in OVS's "PROGRAM (PACKAGE) VERSION" form. */
export const SERVER_VERSION = 'ovsdb-server (ovsdb-ts) 0.1.0';
const DETACHED_ENV = 'OVSDB_TS_DETACHED_CHILD';
/** Set by the ovs-compat-dir entry points: the process name to take (prctl PR_SET_NAME). */
export const PROCESS_TITLE_ENV = 'OVSDB_TS_PROCESS_TITLE';
const MONITORED_ENV = 'OVSDB_TS_MONITORED_CHILD';
/** The deaths after which --monitor restarts the server, as OVS's daemon-unix.c lists them. */
const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGPIPE', 'SIGSEGV', 'SIGXCPU', 'SIGXFSZ']);
/** OVS restarts a crashed daemon at most once every 10 seconds. */
const RESTART_INTERVAL_MS = 10_000;
/** How long shutdown waits for the databases to close (a clustered leader hands over first). */
const CLOSE_BOUND_MS = 3000;

/** Lowercase RFC 4122 text by construction: no need to re-validate it. */
const newUuid = (): Uuid => randomUuid();

/** Everything runServer touches outside its arguments. */
export interface ServerIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pid: number;
  readonly cwd: string;
  /** Registers a handler for a signal (the process's, in production). */
  onSignal(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', handler: () => void): void;
  /** Ends the process now: a storage failure, after which nothing more may be acknowledged. */
  exitNow(code: number): void;
  /** --detach in the foreground process: runs the command again in the background, returns its verdict. */
  detach(argv: readonly string[]): Promise<number>;
  /** True in the background process --detach started. */
  readonly detachedChild: boolean;
  /** In the background process: tells the foreground one that we serve. */
  notifyReady(): void;
  /** --monitor: runs the command again as a child, restarted when it crashes; resolves with its final status. */
  monitor(log: (message: string) => void): Promise<number>;
  /** True in the child a --monitor process supervises. */
  readonly monitoredChild: boolean;
  chdir(dir: string): void;
}

function packageRoot(): string {
  // dist/src/cli/server.js → the package root holds schemas/.
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

/** Registers `ovsdb-ts server`; its options are parsed by parseServerArgs, as getopt would. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run an OVSDB server (like ovsdb-server); `ovsdb-ts server --help` lists its options')
    .argument('[args...]', 'options and database directories, as for ovsdb-server')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      // Under the OVS-named entry point (ovs-compat-dir), /proc/PID/comm must read
      // "ovsdb-server": ovn-ctl's pidfile_is_running checks it.
      const title = process.env[PROCESS_TITLE_ENV];
      if (title !== undefined && title !== '') process.title = title;
      process.exit(await runServer(args, processServerIo()));
    });
}

/** Runs the server; resolves with the exit code once it has stopped or failed to start. */
export async function runServer(argv: readonly string[], io: ServerIo): Promise<number> {
  const parsed = parseServerArgs(argv);
  const dirs = ovsDirs(io.env);
  if (!parsed.ok) {
    io.stderr(`ovsdb-ts: ${parsed.error}\n`);
    return 1;
  }
  const args = parsed.args;
  if (args.help) {
    io.stdout(serverUsage(dirs));
    return 0;
  }
  if (args.version) {
    io.stdout(`${SERVER_VERSION}\n`);
    return 0;
  }
  if (args.unsupported.length > 0) {
    io.stderr(`ovsdb-ts: ${args.unsupported.join(', ')}: not supported by ovsdb-ts server yet\n`);
    return 1;
  }
  const logger = new VlogLogger(() => systemClock.wallMs());
  for (const spec of args.verbose) {
    const error = spec === '' ? undefined : logger.set(spec);
    if (spec === '') logger.setLevel(undefined, undefined, 'DBG');
    if (error !== undefined) {
      io.stderr(`ovsdb-ts: processing "${spec}": ${error}\n`);
      return 1;
    }
  }
  if (args.detach && !io.detachedChild) return io.detach(argv);
  if (args.monitor && !io.monitoredChild) return io.monitor((m) => io.stderr(`ovsdb-ts: monitor: ${m}\n`));
  if (io.detachedChild) logger.setLevel(undefined, 'console', 'OFF');
  else logger.setWriter('console', (line) => io.stderr(line));

  let logFile: LogFile | undefined;
  if (args.logFile !== undefined) {
    const path = resolve(io.cwd, args.logFile === true ? join(dirs.logdir, 'ovsdb-server.log') : args.logFile);
    try {
      logFile = LogFile.open(path);
    } catch (e) {
      io.stderr(`ovsdb-ts: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const file = logFile;
    logger.setWriter('file', (line) => file.write(line));
    logger.log('INFO', 'vlog', `opened log file ${path}`);
  }
  logger.log('INFO', 'server', SERVER_VERSION);

  const run = new ServerRun(args, io, logger, logFile, dirs);
  try {
    await run.start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`ovsdb-ts: ${message}\n`);
    logger.logToFile('EMER', 'server', message);
    await run.abort();
    return 1;
  }
  return run.stopped;
}

/** One server process from start to stop. */
class ServerRun {
  readonly #backends: DatabaseBackend[] = [];
  #server: OvsdbServer | undefined;
  #ctl: UnixctlServer | undefined;
  #remotes: RemoteSet | undefined;
  #pidfile: string | undefined;
  #stopping = false;
  #resolveStopped: (code: number) => void = () => undefined;
  /** Resolves with the exit code once the server has stopped. */
  readonly stopped = new Promise<number>((r) => (this.#resolveStopped = r));

  constructor(
    private readonly args: ServerArgs,
    private readonly io: ServerIo,
    private readonly logger: VlogLogger,
    private logFile: LogFile | undefined,
    private readonly dirs: { rundir: string; logdir: string; dbdir: string },
  ) {}

  async start(): Promise<void> {
    const { args, io, logger } = this;
    if (args.user !== undefined) becomeUser(args.user);
    if (args.sslProtocols !== undefined && !args.sslProtocols.startsWith('db:')) parseTlsProtocols(args.sslProtocols);
    const pidfile = args.pidfile === undefined ? undefined : resolve(io.cwd, args.pidfile === true ? join(this.dirs.rundir, 'ovsdb-server.pid') : args.pidfile);
    if (pidfile !== undefined && !args.overwritePidfile) {
      const other = runningPid(pidfile, io.pid);
      if (other !== undefined) throw new Error(`${pidfile}: already running as pid ${other}, aborting`);
    }

    const dbs = args.dbs.map((d) => resolve(io.cwd, d));
    const remotes = [...args.remotes];
    let unixctl = args.unixctl;
    if (args.demo) {
      if (dbs.length === 0) dbs.push(await ensureDemoNorthbound(io.cwd, logger));
      if (remotes.length === 0) remotes.push('ptcp:6641:127.0.0.1');
      unixctl ??= join(io.cwd, '.ovsdb-ts', 'ovsdb-server.ctl');
    }
    // ovsdb-server's default database; like it, fail if it does not exist.
    if (dbs.length === 0) dbs.push(join(this.dirs.dbdir, 'conf.db'));

    let fatal = false;
    const onFatal = (e: Error): void => {
      if (fatal) return;
      fatal = true;
      logger.log('EMER', 'server', `storage failure, stopping without acknowledging more: ${e.message}`);
      io.exitNow(1);
    };
    const server = (this.#server = new OvsdbServer({ clock: systemClock, newUuid, logger }));
    for (const dir of dbs) {
      checkDatabasePath(dir);
      let backend: DatabaseBackend;
      try {
        backend = await openDatabase(dir, { clock: systemClock, newUuid, logger, fsyncAlways: args.fsync === 'always', onFatal, tls: tlsFiles(args) });
      } catch (e) {
        throw explainOpenError(dir, e, io.pid);
      }
      this.#backends.push(backend);
      server.addDatabase(backend);
    }
    // Locks are cluster-wide when a clustered database is served: the first one (in argument
    // order, the same on every member) keeps the replicated lock table.
    const clustered = this.#backends.find((b): b is ClusteredHost => b instanceof ClusteredHost);
    if (clustered !== undefined) server.locks = new ClusterLockService(clustered, randomUuid().slice(0, 8), (ms, fn) => systemClock.setTimer(ms, fn));

    const ctlPath = resolve(io.cwd, unixctl ?? join(this.dirs.rundir, `ovsdb-server.${io.pid}.ctl`));
    const ctl = (this.#ctl = await listenControlSocket(ctlPath));
    const lookup: DatabaseLookup = (name) => server.database(name);
    const remoteSet = (this.#remotes = new RemoteSet(server, logger, () => tlsFiles(args, lookup, (m) => logger.log('WARN', 'server', m)), systemClock));
    registerServerCommands(ctl, server, {
      exit: () => this.shutdown('exit command'),
      remotes: remoteSet,
      vlog: logger,
      reopenLog: () => this.#reopenLog(),
      closeLog: () => this.#closeLog(),
    });
    // Commands of particular kinds of database (cluster/* of a clustered backend) register here,
    // once per database, on the same control socket.
    registerClusterCommands(ctl, server);

    io.onSignal('SIGTERM', () => this.shutdown('SIGTERM'));
    io.onSignal('SIGINT', () => this.shutdown('SIGINT'));
    io.onSignal('SIGHUP', () => this.shutdown('SIGHUP'));

    // The pidfile and the control socket exist before any client can connect (OVS order).
    if (pidfile !== undefined) {
      writePidfile(pidfile, io.pid);
      this.#pidfile = pidfile;
    }
    for (const remote of remotes) await remoteSet.add(remote);

    if (args.demo) {
      const remote = remoteSet.boundAddresses()[0] ?? '';
      const active = remote.replace(/^ptcp:(\d+):(.*)$/, 'tcp:$2:$1').replace(/^punix:/, 'unix:');
      io.stdout(`OVN Northbound database served on ${remote}\n  try: ovn-nbctl --db=${active} show\n  control: ovs-appctl -t ${ctlPath} list-commands\n`);
    }
    if (io.detachedChild) {
      if (!args.noChdir) io.chdir('/');
      io.notifyReady();
    }
  }

  /**
   * Stops within about a second however many clients stay connected: stop accepting, close
   * every session (their sockets with them) and every database (flushing its store; a clustered
   * one may first hand over leadership, hence the bound), then remove the pidfile and the
   * control socket, and resolve `stopped` with 0 whatever did not finish in time.
   */
  shutdown(why: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.logger.log('INFO', 'server', `${why}: exiting`);
    void (async () => {
      this.#remotes?.stopListening();
      const closed = await withBound(this.#server?.close() ?? Promise.resolve(), CLOSE_BOUND_MS);
      if (!closed) this.logger.log('WARN', 'server', `databases not closed after ${CLOSE_BOUND_MS} ms; exiting anyway`);
      await withBound(this.#ctl?.close() ?? Promise.resolve(), 500);
      if (this.#pidfile !== undefined) tryUnlink(this.#pidfile);
      this.#closeLog();
      this.#resolveStopped(0);
    })();
  }

  /** After a failed start: release what was opened, leave no pidfile or socket behind. */
  async abort(): Promise<void> {
    this.#remotes?.stopListening();
    if (this.#server) await withBound(this.#server.close(), CLOSE_BOUND_MS);
    else await withBound(Promise.allSettled(this.#backends.map((b) => b.close())), CLOSE_BOUND_MS);
    await withBound(this.#ctl?.close() ?? Promise.resolve(), 500);
    if (this.#pidfile !== undefined) tryUnlink(this.#pidfile);
    this.#closeLog();
  }

  #reopenLog(): void {
    if (this.logFile === undefined) throw new Error('Logging to file not configured');
    this.logFile.reopen();
    this.logger.log('INFO', 'vlog', `opened log file ${this.logFile.path}`);
  }

  #closeLog(): void {
    this.logFile?.close();
  }
}

/**
 * Control commands particular to one database's kind of storage. Nothing yet for standalone
 * databases; the clustered backend's cluster/* commands belong here.
 */

/** Opens the control socket, with OVS's wording when it cannot ("could not initialize control socket"). */
async function listenControlSocket(path: string): Promise<UnixctlServer> {
  if (!existsSync(dirname(path))) {
    throw new Error(`${path}: could not initialize control socket (No such file or directory: the run directory ${dirname(path)} does not exist)`);
  }
  try {
    return await UnixctlServer.listen(path, { version: SERVER_VERSION });
  } catch (e) {
    throw new Error(`${path}: could not initialize control socket (${errnoText(e)})`);
  }
}

/**
 * The SSL files and settings now. A `db:DB,TABLE,COLUMN` value (ovn-ctl passes
 * `db:OVN_Northbound,SSL,private_key` and the like) is the first non-empty value of that column,
 * read through `lookup` each time (so a pssl: remote opened after `ovn-nbctl set-ssl` uses the
 * new files); without `lookup` (before the databases are open) such values count as unset.
 */
export function tlsFiles(args: ServerArgs, lookup?: DatabaseLookup, warn?: (message: string) => void): TlsFiles | undefined {
  const value = (v: string | undefined): string | undefined => {
    if (v === undefined || !v.startsWith('db:')) return v;
    if (lookup === undefined) return undefined;
    const ref = parseDbColumnRef(v);
    if (typeof ref === 'string') {
      warn?.(ref);
      return undefined;
    }
    const r = readDbString(lookup, ref);
    if (r.error !== undefined) warn?.(r.error);
    return r.value;
  };
  const privateKey = value(args.privateKey);
  const certificate = value(args.certificate);
  const caCert = value(args.caCert);
  if (privateKey === undefined || certificate === undefined || caCert === undefined) return undefined;
  return { privateKeyPath: privateKey, certificatePath: certificate, caCertPath: caCert, protocols: value(args.sslProtocols), ciphers: value(args.sslCiphers) };
}

/** Resolves true if `p` settles within `ms`, false otherwise (never rejects). */
function withBound(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const cancel = systemClock.setTimer(ms, () => resolvePromise(false));
    p.then(() => true, () => true).then((v) => {
      cancel();
      resolvePromise(v);
    });
  });
}

/** Creates ./.ovsdb-ts/ovnnb_db from schemas/ovn-nb.ovsschema when it does not exist yet (--demo). */
async function ensureDemoNorthbound(cwd: string, logger: VlogLogger): Promise<string> {
  const dir = resolve(cwd, '.ovsdb-ts', 'ovnnb_db');
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

/** The real process behind ServerIo. */
function processServerIo(): ServerIo {
  const detachedChild = process.env[DETACHED_ENV] === '1';
  // The --detach parent reads our stderr only until we are ready, then closes it: later writes
  // (a --monitor's restart notes) must not kill us with EPIPE.
  if (detachedChild) for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    pid: process.pid,
    cwd: process.cwd(),
    onSignal: (signal, handler) => void process.on(signal, handler),
    exitNow: (code) => process.exit(code),
    detach: detachProcess,
    detachedChild,
    monitor: monitorProcess,
    monitoredChild: process.env[MONITORED_ENV] === '1',
    notifyReady: () => {
      if (process.send) process.send('ready', () => process.disconnect());
    },
    chdir: (dir) => process.chdir(dir),
  };
}

/**
 * --detach: re-runs this command in a new session with stdio closed, waits until the child says
 * it is serving (or dies), then returns its verdict as our exit code.
 */
function detachProcess(): Promise<number> {
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

/**
 * --monitor: supervises a copy of this command as OVS's monitor_daemon() does. A child killed by
 * a crash signal is restarted (the first time at once, then at most once every 10 s); any other
 * exit (SIGTERM's clean 0 included) ends the monitor with the child's status. The child's
 * "ready" is passed on to a --detach parent.
 */
function monitorProcess(log: (message: string) => void): Promise<number> {
  const script = process.argv[1] ?? '';
  const args = process.argv.slice(2);
  return new Promise((resolvePromise) => {
    let readySent = false;
    let lastRestartMs: number | undefined;
    const start = (): void => {
      const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, [MONITORED_ENV]: '1' },
      });
      child.on('message', () => {
        if (readySent || !process.send) return;
        readySent = true;
        process.send('ready', () => process.disconnect());
      });
      child.once('exit', (code, signal) => {
        if (signal === null || !CRASH_SIGNALS.has(signal)) {
          resolvePromise(code ?? 1);
          return;
        }
        const waitMs = lastRestartMs === undefined ? 0 : Math.max(0, lastRestartMs + RESTART_INTERVAL_MS - Date.now());
        log(`pid ${child.pid ?? 0} died, killed (${signal}), restarting${waitMs > 0 ? ` in ${Math.ceil(waitMs / 1000)} s` : ''}`);
        setTimeout(() => {
          lastRestartMs = Date.now();
          start();
        }, waitMs);
      });
    };
    start();
  });
}
