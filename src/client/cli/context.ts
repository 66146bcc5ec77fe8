/**
 * What every `ovsdb-ts client` command receives: parsed options, I/O (injected so tests run the
 * commands in-process), and the helpers that open a connection the way ovsdb-client's
 * open_rpc() does.
 */
import type { Buffer } from 'node:buffer';
import type { Connector } from '../channel.js';
import { OvsdbClient, splitRemotes } from '../client.js';
import type { TableStyle } from '../table-format.js';

/** Options shared by all commands (ovsdb-client's global options). */
export interface ClientCliOptions {
  readonly style: TableStyle;
  readonly leaderOnly: boolean;
  readonly timestamp: boolean;
  readonly force: boolean;
  readonly dbChangeAware: boolean | undefined;
  /** --timeout in seconds (0: none). */
  readonly timeoutSec: number;
}

/** Process I/O, injected. */
export interface ClientIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<Buffer>;
  readFile(path: string): Promise<string>;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  /** Aborts long-running commands (monitor, lock, wait): they then return 0. */
  readonly signal?: AbortSignal;
  /** Defaults to the transport layer's. */
  readonly connector?: Connector;
  /** unix:/var/run/openvswitch/db.sock unless overridden (tests). */
  readonly defaultRemote?: string;
}

/** An error that ends a command with one line on stderr and exit status 1. */
export class CommandError extends Error {}

export type NeedKind = 'none' | 'rpc' | 'database';

export interface Opened {
  readonly client: OvsdbClient;
  readonly database: string | undefined;
  /** Arguments after SERVER and DATABASE. */
  readonly rest: string[];
}

/** The default SERVER, as ovsdb-client's (rundir from OVS_RUNDIR, else /var/run/openvswitch). */
export function defaultRemote(io: ClientIo): string {
  return io.defaultRemote ?? `unix:${process.env['OVS_RUNDIR'] ?? '/var/run/openvswitch'}/db.sock`;
}

/** True if `arg` has the form of a remote: a letter first and a colon somewhere. */
export function looksLikeRemote(arg: string | undefined): boolean {
  return arg !== undefined && /^[A-Za-z]/.test(arg) && arg.includes(':');
}

/**
 * ovsdb-client's open_rpc(): takes SERVER if the first argument looks like one, then, when a
 * database is needed and not given, the next argument if the server has such a database,
 * else Open_vSwitch, else the only non-underscore database.
 */
export async function openRpc(
  args: readonly string[], minArgs: number, need: NeedKind, opts: ClientCliOptions, io: ClientIo, database?: string,
): Promise<Opened> {
  let idx = 0;
  let remote = defaultRemote(io);
  if (args.length > minArgs && looksLikeRemote(args[0])) remote = args[idx++] ?? remote;
  const remotes = splitRemotes(remote);
  let db = database;
  if (remotes.length > 1 && db === undefined && need === 'database') {
    if (args.length - idx > minArgs) db = args[idx++];
    else throw new CommandError('database name is required with multiple remotes');
  }
  // As ovsdb-client: the _Server check (connected, leader) applies only when choosing among
  // several remotes; a single remote is used as is.
  const connectOpts = {
    leaderOnly: opts.leaderOnly,
    ...(db !== undefined && remotes.length > 1 ? { database: db } : {}),
    ...(io.connector ? { connector: io.connector } : {}),
  };
  let client: OvsdbClient;
  try {
    client = await OvsdbClient.connect(remotes, connectOpts);
  } catch (err) {
    throw new CommandError(err instanceof Error ? err.message : String(err));
  }
  if (need === 'database' && db === undefined) {
    const dbs = (await client.listDbs()).sort();
    const candidate = args[idx];
    if (args.length - idx > minArgs && candidate !== undefined && dbs.includes(candidate)) {
      db = candidate;
      idx++;
    } else if (dbs.includes('Open_vSwitch')) {
      db = 'Open_vSwitch';
    } else {
      const named = dbs.filter((d) => !d.startsWith('_'));
      if (named.length !== 1) {
        client.close();
        throw new CommandError('could not find a default database, please specify a database name');
      }
      db = named[0];
    }
  }
  return { client, database: db, rest: args.slice(idx) };
}
