/**
 * `ovsdb-ts ctl [-t TARGET] COMMAND [ARG...]`, interchangeable with ovs-appctl: one JSON-RPC
 * request `{"method": COMMAND, "params": [ARG...]}` on a control socket (ours or any Open
 * vSwitch daemon's), the reply string on stdout; an error reply goes to stderr followed by
 * `TARGET: server returned an error` and exit status 2, as utilities/ovs-appctl.c does.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Json } from '../base/json.js';
import { JsonRpcRemoteError } from '../jsonrpc/channel.js';
import { connect } from '../transport/connect.js';
import { JsonRpcConnection } from '../transport/jsonrpc-connection.js';
import { formatOvsJson } from '../client/ovs-json.js';
import { exitQuietlyOnEpipe } from './quiet-epipe.js';

/** Options of one ctl invocation. */
export interface CtlOptions {
  readonly target: string | undefined;
  readonly timeoutSec: number;
  readonly format: 'text' | 'json';
  readonly pretty: boolean;
  /** Directory of pidfiles and sockets for TARGET names that are not paths. */
  readonly rundir: string;
}

export interface CtlIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

const errnoText: { readonly [code: string]: string } = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  ENOTSOCK: 'Socket operation on non-socket',
};

function reason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  const c = typeof code === 'string' ? code : /\b(E[A-Z]+)\b/.exec(msg)?.[1];
  return c !== undefined ? (errnoText[c] ?? c) : msg;
}

function jsonTypeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return typeof v;
}

/** Resolves TARGET as ovs-appctl does: a path, or NAME → RUNDIR/NAME.PID.ctl via RUNDIR/NAME.pid. */
export function resolveTarget(target: string, rundir: string): string {
  if (target.startsWith('/')) return target;
  const pidfile = `${rundir}/${target}.pid`;
  let text: string;
  try {
    text = readFileSync(pidfile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read pidfile "${pidfile}" (${reason(err)})`);
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`cannot read pidfile "${pidfile}" (Invalid argument)`);
  return `${rundir}/${target}.${pid}.ctl`;
}

/**
 * Runs one command; returns the exit status (0, 1 for local failures, 2 for a server error).
 *
 * @example await runCtl(['ovsdb-server/list-dbs'], { target: '/run/ovsdb.ctl', ... }, io)
 */
export async function runCtl(words: readonly string[], opts: CtlOptions, io: CtlIo): Promise<number> {
  const fail = (msg: string, code = 1): number => {
    io.stderr(`ovsdb-ts ctl: ${msg}\n`);
    return code;
  };
  const [command, ...args] = words;
  if (command === undefined) return fail('at least one non-option argument is required (use --help for help)');
  if (opts.pretty && opts.format !== 'json') return fail('--pretty is supported with --format json only');
  const target = opts.target ?? 'ovs-vswitchd';
  let path: string;
  try {
    path = resolveTarget(target, opts.rundir);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const timeoutMs = opts.timeoutSec > 0 ? opts.timeoutSec * 1000 : 0;
  let conn: JsonRpcConnection;
  try {
    const { socket } = await connect({ kind: 'unix', path }, timeoutMs > 0 ? { timeoutMs } : {});
    conn = new JsonRpcConnection(socket, { peer: `unix:${path}` });
  } catch (err) {
    return fail(`cannot connect to "${path}" (${reason(err)})`);
  }
  conn.onMessage(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const call = conn.request(command, args);
    const result = timeoutMs > 0
      ? await Promise.race([call, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), timeoutMs); })])
      : await call;
    let text: string;
    if (opts.format === 'text') {
      if (typeof result !== 'string') return fail(`Unexpected reply type in JSON rpc reply: ${jsonTypeName(result)}`, 2);
      text = result;
    } else {
      text = formatOvsJson(result, { pretty: opts.pretty });
    }
    if (text.length > 0 && !text.endsWith('\n')) text += '\n';
    io.stdout(text);
    return 0;
  } catch (err) {
    if (err instanceof JsonRpcRemoteError) {
      let text = typeof err.error === 'string' ? err.error : formatOvsJson(err.error);
      if (text.length > 0 && !text.endsWith('\n')) text += '\n';
      io.stderr(text);
      return fail(`${target}: server returned an error`, 2);
    }
    return fail(`${target}: transaction error (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

/** Registers `ovsdb-ts ctl`. */
export function registerCtlCommand(program: Command): void {
  program
    .command('ctl')
    .description('send a command to a running server control socket (like ovs-appctl)')
    .usage('[-t TARGET] COMMAND [ARG...]')
    .argument('<command>', 'e.g. list-commands, ovsdb-server/list-dbs, cluster/status DB')
    .argument('[args...]', 'command arguments')
    .option('-t, --target <target>', 'pidfile name or socket path to contact (default ovs-vswitchd)')
    .option('-T, --timeout <secs>', 'wait at most SECS seconds for a response')
    .option('-f, --format <fmt>', 'output format: text or json', 'text')
    .option('--pretty', 'pretty-print JSON output (with --format json)')
    .option('-e, --execute', 'ignored, for compatibility')
    .allowUnknownOption()
    .action(async (command: string, args: string[], raw: { target?: string; timeout?: string; format: string; pretty?: boolean }) => {
      exitQuietlyOnEpipe();
      const io: CtlIo = { stdout: (s) => { process.stdout.write(s); }, stderr: (s) => { process.stderr.write(s); } };
      if (raw.format !== 'text' && raw.format !== 'json') {
        io.stderr(`ovsdb-ts ctl: value ${raw.format} on -f or --format is invalid\n`);
        process.exit(1);
      }
      const timeoutSec = raw.timeout === undefined ? 0 : Number(raw.timeout);
      if (raw.timeout !== undefined && (!/^\d+$/.test(raw.timeout) || timeoutSec === 0)) {
        io.stderr(`ovsdb-ts ctl: value ${raw.timeout} on -T or --timeout is invalid\n`);
        process.exit(1);
      }
      const code = await runCtl([command, ...args], {
        target: raw.target, timeoutSec, format: raw.format, pretty: raw.pretty === true,
        rundir: process.env['OVS_RUNDIR'] ?? '/var/run/openvswitch',
      }, io);
      process.exit(code);
    });
}
