/**
 * `ovsdb-ts client [OPTIONS] COMMAND [SERVER] [DATABASE] ARG...`: the commands of
 * ovsdb-client(1) with the same arguments, output and error lines. Each command is a function of
 * (arguments, options, io) returning an exit status, so tests run them in-process.
 */
import { Buffer } from 'node:buffer';
import type { Json } from '../../base/json.js';
import { isJsonObject } from '../../base/json.js';
import { RpcError } from '../channel.js';
import { OvsdbClient, splitRemotes } from '../client.js';
import { formatOvsJson, compareUtf8 } from '../ovs-json.js';
import { schemasEqual } from '../schema-compare.js';
import { parseSchemaInfo } from '../schema-info.js';
import { TablePrinter } from '../table-format.js';
import type { Cell } from '../table-format.js';
import { checkTransactionReply, runBackup, runRestore } from './backup-command.js';
import { CommandError, defaultRemote, openRpc } from './context.js';
import type { ClientCliOptions, ClientIo, NeedKind, Opened } from './context.js';
import { runDump } from './dump-command.js';
import { runMonitor } from './monitor-command.js';
import { parseJsonText } from '../../base/json-exact.js';

interface CommandSpec {
  readonly need: NeedKind;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly run: (args: string[], opts: ClientCliOptions, io: ClientIo) => Promise<number>;
}

/** Opens per `spec`, checks the argument count, runs `body`, closes. */
async function withRpc(
  name: string, args: string[], spec: { need: NeedKind; minArgs: number; maxArgs: number }, opts: ClientCliOptions, io: ClientIo,
  body: (o: Opened) => Promise<number>, database?: string,
): Promise<number> {
  const opened = await openRpc(args, spec.minArgs, spec.need, opts, io, database);
  try {
    if (opened.rest.length < spec.minArgs || opened.rest.length > spec.maxArgs) {
      throw new CommandError(`invalid syntax for '${name}' (use --help for help)`);
    }
    return await body(opened);
  } finally {
    opened.client.close();
  }
}

function parseJsonArg(s: string): Json {
  try {
    return parseJsonText(s);
  } catch (err) {
    throw new CommandError(`"${s}": ${err instanceof Error ? err.message : String(err)}`);
  }
}

function dbOf(o: Opened): string {
  if (o.database === undefined) throw new CommandError('no database');
  return o.database;
}

function simple(need: NeedKind, minArgs: number, maxArgs: number, name: string,
  body: (o: Opened, opts: ClientCliOptions, io: ClientIo) => Promise<number>): CommandSpec {
  return { need, minArgs, maxArgs, run: (args, opts, io) => withRpc(name, args, { need, minArgs, maxArgs }, opts, io, (o) => body(o, opts, io)) };
}

async function transactCommand(args: string[], opts: ClientCliOptions, io: ClientIo, query: boolean): Promise<number> {
  const name = query ? 'query' : 'transact';
  if (args.length < 1 || args.length > 2) throw new CommandError(`invalid syntax for '${name}' (use --help for help)`);
  const txn = parseJsonArg(args[args.length - 1] as string);
  if (!Array.isArray(txn) || txn.length === 0 || typeof txn[0] !== 'string') throw new CommandError('not a valid OVSDB query');
  const ops: Json[] = [...(txn as readonly Json[])];
  if (query) ops.push({ op: 'abort' });
  const abortIdx = ops.length - 2;
  return withRpc(name, args, { need: 'database', minArgs: 1, maxArgs: 1 }, opts, io, async (o) => {
    let result = await o.client.request('transact', ops);
    if (query && Array.isArray(result) && result.length === abortIdx + 1) {
      const last = result[abortIdx];
      if (isJsonObject(last) && last['error'] === 'aborted') result = result.slice(0, abortIdx);
    }
    io.stdout(`${formatOvsJson(result, { pretty: opts.style.pretty })}\n`);
    return 0;
  }, txn[0] as string);
}

async function schemaFileCommand(args: string[], opts: ClientCliOptions, io: ClientIo, name: string,
  body: (o: Opened, schema: Json) => Promise<number>): Promise<number> {
  if (args.length < 1 || args.length > 2) throw new CommandError(`invalid syntax for '${name}' (use --help for help)`);
  const file = args[args.length - 1] as string;
  let schema: Json;
  try {
    schema = parseJsonText(await io.readFile(file));
  } catch (err) {
    throw new CommandError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const info = parseSchemaInfo(schema);
  return withRpc(name, args, { need: 'database', minArgs: 1, maxArgs: 1 }, opts, io, (o) => body(o, schema), info.name);
}

async function waitCommand(args: string[], opts: ClientCliOptions, io: ClientIo): Promise<number> {
  if (args.length < 2 || args.length > 3) throw new CommandError(`invalid syntax for 'wait' (use --help for help)`);
  const database = args[args.length - 2] as string;
  const state = args[args.length - 1] as string;
  if (state !== 'connected' && state !== 'added' && state !== 'removed') throw new CommandError(`${state}: unknown state`);
  const remote = args.length > 2 ? (args[0] as string) : defaultRemote(io);
  const op: { [k: string]: Json } = { op: 'wait', table: 'Database', where: [['name', '==', database]], until: '==' };
  if (state === 'connected') {
    op['columns'] = ['connected'];
    op['rows'] = [{ connected: true }];
  } else {
    op['columns'] = [];
    op['rows'] = state === 'added' ? [{}] : [];
  }
  // Like jsonrpc_session: keep trying until the server is there.
  for (;;) {
    if (io.signal?.aborted) return 0;
    let client: OvsdbClient | undefined;
    try {
      client = await OvsdbClient.connect(splitRemotes(remote), { leaderOnly: false, ...(io.connector ? { connector: io.connector } : {}) });
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      try {
        await client.request('set_db_change_aware', [true]);
      } catch (err) {
        if (err instanceof RpcError) throw new CommandError(`${client.remote}: set_db_change_aware failed (${formatOvsJson(err.error, { sort: false })})`);
        throw err;
      }
      const result = await client.request('transact', ['_Server', op]);
      if (!Array.isArray(result)) throw new CommandError('result is not array');
      checkTransactionReply(result);
      return 0;
    } catch (err) {
      if (err instanceof CommandError || err instanceof RpcError) throw err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      client.close();
    }
  }
}

async function lockCommand(method: 'lock' | 'steal' | 'unlock', args: string[], opts: ClientCliOptions, io: ClientIo): Promise<number> {
  return withRpc(method, args, { need: 'rpc', minArgs: 1, maxArgs: 1 }, opts, io, async (o) => {
    const done = new Promise<number>((resolve) => {
      o.client.onNotification((m, params) => {
        io.stdout(`${m}\n${formatOvsJson([...params], { pretty: opts.style.pretty })}\n`);
      });
      o.client.onClose(() => resolve(1));
      io.signal?.addEventListener('abort', () => resolve(0), { once: true });
    });
    try {
      const r = await o.client.request(method, [o.rest[0] as string]);
      io.stdout(`${formatOvsJson(r, { pretty: opts.style.pretty })}\n`);
    } catch (err) {
      // ovsdb-client prints only successful replies (e.g. unlock of a lock not held: nothing).
      if (!(err instanceof RpcError)) throw err;
    }
    const code = await done;
    if (code !== 0) throw new CommandError(`${o.client.remote}: receive failed (connection closed)`);
    return code;
  });
}

const commands: { readonly [name: string]: CommandSpec } = {
  'list-dbs': simple('rpc', 0, 0, 'list-dbs', async (o, _opts, io) => {
    for (const db of (await o.client.listDbs()).sort(compareUtf8)) io.stdout(`${db}\n`);
    return 0;
  }),
  'get-schema': simple('database', 0, 0, 'get-schema', async (o, opts, io) => {
    io.stdout(`${formatOvsJson(await o.client.getSchema(dbOf(o)), { pretty: opts.style.pretty })}\n`);
    return 0;
  }),
  'get-schema-version': simple('database', 0, 0, 'get-schema-version', async (o, _opts, io) => {
    io.stdout(`${(await o.client.schemaInfo(dbOf(o))).version}\n`);
    return 0;
  }),
  'get-schema-cksum': simple('database', 0, 0, 'get-schema-cksum', async (o, _opts, io) => {
    io.stdout(`${(await o.client.schemaInfo(dbOf(o))).cksum ?? ''}\n`);
    return 0;
  }),
  'list-tables': simple('database', 0, 0, 'list-tables', async (o, opts, io) => {
    const schema = await o.client.schemaInfo(dbOf(o));
    const rows: Cell[][] = [...schema.tables.keys()].sort(compareUtf8).map((t) => [{ text: t }]);
    io.stdout(new TablePrinter(opts.style).format({ caption: undefined, headings: ['Table'], rows }));
    return 0;
  }),
  'list-columns': simple('database', 0, 1, 'list-columns', async (o, opts, io) => {
    const schema = await o.client.schemaInfo(dbOf(o));
    const only = o.rest[0];
    const rows: Cell[][] = [];
    for (const t of [...schema.tables.values()].sort((a, b) => compareUtf8(a.name, b.name))) {
      if (only !== undefined && only !== t.name) continue;
      for (const c of [...t.columns.values()].sort((a, b) => compareUtf8(a.name, b.name))) {
        const cells: Cell[] = [{ text: c.name }, { json: c.typeJson, column: undefined }];
        rows.push(only === undefined ? [{ text: t.name }, ...cells] : cells);
      }
    }
    const headings = only === undefined ? ['Table', 'Column', 'Type'] : ['Column', 'Type'];
    io.stdout(new TablePrinter(opts.style).format({ caption: undefined, headings, rows }));
    return 0;
  }),
  transact: { need: 'none', minArgs: 1, maxArgs: 2, run: (args, opts, io) => transactCommand(args, opts, io, false) },
  query: { need: 'none', minArgs: 1, maxArgs: 2, run: (args, opts, io) => transactCommand(args, opts, io, true) },
  monitor: simple('database', 1, Infinity, 'monitor', (o, opts, io) => runMonitor(o.client, dbOf(o), 1, o.rest, opts, io)),
  'monitor-cond': simple('database', 2, 3, 'monitor-cond', (o, opts, io) => runMonitor(o.client, dbOf(o), 2, o.rest, opts, io)),
  'monitor-cond-since': simple('database', 2, 4, 'monitor-cond-since', (o, opts, io) => runMonitor(o.client, dbOf(o), 3, o.rest, opts, io)),
  wait: { need: 'none', minArgs: 2, maxArgs: 3, run: waitCommand },
  convert: { need: 'none', minArgs: 1, maxArgs: 2, run: (args, opts, io) => schemaFileCommand(args, opts, io, 'convert', async (o, schema) => {
    if (opts.dbChangeAware !== false) await o.client.request('set_db_change_aware', [true]).catch(() => null);
    await o.client.request('convert', [dbOf(o), schema]);
    return 0;
  }) },
  'needs-conversion': { need: 'none', minArgs: 1, maxArgs: 2, run: (args, opts, io) => schemaFileCommand(args, opts, io, 'needs-conversion', async (o, schema) => {
    io.stdout(schemasEqual(schema, await o.client.getSchema(dbOf(o))) ? 'no\n' : 'yes\n');
    return 0;
  }) },
  dump: simple('database', 0, Infinity, 'dump', async (o, opts, io) => {
    io.stdout(await runDump(o.client, dbOf(o), o.rest, opts));
    return 0;
  }),
  backup: simple('database', 0, 0, 'backup', async (o, _opts, io) => {
    if (io.stdoutIsTTY) throw new CommandError('not writing backup to a terminal; please redirect stdout to a file');
    for (const b of await runBackup(o.client, dbOf(o))) io.stdout(b.toString('utf8'));
    return 0;
  }),
  restore: simple('database', 0, 0, 'restore', async (o, opts, io) => {
    if (io.stdinIsTTY) throw new CommandError('not reading backup from a terminal; please redirect stdin from a file');
    await runRestore(o.client, dbOf(o), Buffer.from(await io.readStdin()), opts.force, io.stderr);
    return 0;
  }),
  lock: { need: 'rpc', minArgs: 1, maxArgs: 1, run: (args, opts, io) => lockCommand('lock', args, opts, io) },
  steal: { need: 'rpc', minArgs: 1, maxArgs: 1, run: (args, opts, io) => lockCommand('steal', args, opts, io) },
  unlock: { need: 'rpc', minArgs: 1, maxArgs: 1, run: (args, opts, io) => lockCommand('unlock', args, opts, io) },
};

/** The command names, for --help. */
export const clientCommandNames: readonly string[] = Object.keys(commands);

/**
 * Runs one `ovsdb-ts client` command. Errors become one line on stderr (`ovsdb-ts client: …`)
 * and status 1; `--timeout` expiring gives status 142 like ovsdb-client's SIGALRM.
 */
export async function runClientCommand(command: string, args: readonly string[], opts: ClientCliOptions, io: ClientIo): Promise<number> {
  const spec = commands[command];
  if (!spec) {
    io.stderr(`ovsdb-ts client: unknown command '${command}'; use --help for help\n`);
    return 1;
  }
  const work = spec.run([...args], opts, io).catch((err: unknown) => {
    const msg = err instanceof CommandError ? err.message
      : err instanceof RpcError ? `transaction returned error: ${formatOvsJson(err.error)}`
      : err instanceof Error ? err.message : String(err);
    io.stderr(`ovsdb-ts client: ${msg}\n`);
    return 1;
  });
  if (opts.timeoutSec <= 0) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      io.stderr(`ovsdb-ts client: timed out after ${opts.timeoutSec} s\n`);
      resolve(142);
    }, opts.timeoutSec * 1000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
