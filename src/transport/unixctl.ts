/**
 * The control-socket protocol of Open vSwitch (lib/unixctl.c), so that the real `ovs-appctl -t
 * SOCK CMD ARGS...` and our `ovsdb-ts ctl` both work:
 *
 *   request  {"method": CMD, "params": ["arg", ...], "id": N}
 *   success  {"id": N, "result": TEXT, "error": null}
 *   failure  {"id": N, "result": null, "error": TEXT}
 *
 * Texts end with "\n" unless empty (OVS appends it). Argument-count and unknown-command errors
 * use OVS's exact wording. Built-in commands: `list-commands` and `version`.
 *
 * @example
 * const ctl = await UnixctlServer.listen('/run/ovsdb-ts.ctl', { version: 'ovsdb-ts 0.1.0' });
 * ctl.register('ovsdb-server/list-dbs', { minArgs: 0, maxArgs: 0, usage: '' }, () => dbs.join('\n'));
 * ctl.register('exit', { minArgs: 0, maxArgs: 0, usage: '' }, () => ({ text: '', afterReply: () => shutdown() }));
 * const r = await unixctlCall('/run/ovsdb-ts.ctl', 'ovsdb-server/list-dbs', []);
 */
import type { Json } from '../base/json.js';
import { jsonText } from '../base/json.js';
import { JsonRpcRemoteError } from '../jsonrpc/channel.js';
import type { JsonRpcRequest } from '../jsonrpc/messages.js';
import { connect } from './connect.js';
import { JsonRpcConnection } from './jsonrpc-connection.js';
import { listen, type Listener } from './listen.js';

export interface UnixctlCommandSpec {
  readonly minArgs: number;
  /** `Infinity` for no upper bound. */
  readonly maxArgs: number;
  /** Shown by list-commands after the name, e.g. "DB" or "[module]...". */
  readonly usage: string;
}

/** A reply text, or a text plus an action to run once the reply has been written (e.g. exit). */
export type UnixctlReply = string | { readonly text: string; readonly afterReply: () => void };

/** A command implementation. Throwing (or rejecting) sends the error's message as the error reply. */
export type UnixctlHandler = (args: readonly string[]) => Promise<UnixctlReply> | UnixctlReply;

/** Throw this from a handler for an error reply (any Error works; this one reads better). */
export class UnixctlError extends Error {
  override readonly name = 'UnixctlError';
}

export interface UnixctlServerOptions {
  /** The text `version` prints, e.g. "ovsdb-ts 0.1.0". */
  readonly version: string;
}

interface Command {
  readonly spec: UnixctlCommandSpec;
  readonly handler: UnixctlHandler;
}

/** OVS terminates every non-empty reply text with a newline. */
function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** A control socket listening on a unix path. */
export class UnixctlServer {
  private readonly commands = new Map<string, Command>();
  private readonly connections = new Set<JsonRpcConnection>();

  private constructor(
    readonly path: string,
    private readonly listener: Listener,
    options: UnixctlServerOptions,
  ) {
    this.register('list-commands', { minArgs: 0, maxArgs: 0, usage: '' }, () => this.listCommands());
    this.register('version', { minArgs: 0, maxArgs: 0, usage: '' }, () => options.version);
  }

  /** Creates the socket at `path` (replacing a stale socket file) and starts serving. */
  static async listen(path: string, options: UnixctlServerOptions): Promise<UnixctlServer> {
    let server: UnixctlServer | undefined;
    const pending: JsonRpcConnection[] = [];
    const listener = await listen({ kind: 'punix', path }, (socket) => {
      const conn = new JsonRpcConnection(socket, { peer: `unix:${path}`, limits: { maxMessageBytes: 1 << 20, maxDepth: 16 } });
      if (server) server.serve(conn);
      else pending.push(conn);
    });
    server = new UnixctlServer(path, listener, options);
    for (const conn of pending) server.serve(conn);
    return server;
  }

  /** Adds or replaces a command. */
  register(name: string, spec: UnixctlCommandSpec, handler: UnixctlHandler): void {
    this.commands.set(name, { spec, handler });
  }

  /** The names of registered commands, sorted. */
  commandNames(): string[] {
    return [...this.commands.keys()].sort();
  }

  /**
   * Stops listening, removes the socket file (at once) and drops open control connections.
   * Resolves without waiting for the peers to close their ends: a client that never reads
   * must not hold up a server's exit.
   */
  async close(): Promise<void> {
    const stopped = this.listener.close();
    for (const c of this.connections) c.close();
    if (this.connections.size === 0) await stopped;
  }

  /** Runs one command as if it had arrived on the socket (for tests and in-process use). */
  async execute(method: string, params: readonly Json[]): Promise<{ ok: true; text: string; afterReply: (() => void) | undefined } | { ok: false; text: string }> {
    const command = this.commands.get(method);
    if (!command) return { ok: false, text: withNewline(`"${method}" is not a valid command (use "list-commands" to see a list of valid commands)`) };
    const { minArgs, maxArgs } = command.spec;
    if (params.length < minArgs) return { ok: false, text: withNewline(`"${method}" command requires at least ${minArgs} arguments`) };
    if (params.length > maxArgs) return { ok: false, text: withNewline(`"${method}" command takes at most ${maxArgs} arguments`) };
    const args: string[] = [];
    for (const p of params) {
      if (typeof p !== 'string') return { ok: false, text: withNewline(`"${method}" command has non-string argument`) };
      args.push(p);
    }
    try {
      const reply = await command.handler(args);
      if (typeof reply === 'string') return { ok: true, text: withNewline(reply), afterReply: undefined };
      return { ok: true, text: withNewline(reply.text), afterReply: reply.afterReply };
    } catch (e) {
      return { ok: false, text: withNewline(e instanceof Error ? e.message : String(e)) };
    }
  }

  private serve(conn: JsonRpcConnection): void {
    this.connections.add(conn);
    conn.onClose(() => this.connections.delete(conn));
    conn.onMessage((m) => {
      if (m.kind !== 'request') return; // notifications and stray replies mean nothing here
      void this.answer(conn, m);
    });
  }

  private async answer(conn: JsonRpcConnection, m: JsonRpcRequest): Promise<void> {
    const r = await this.execute(m.method, m.params);
    if (!r.ok) {
      conn.respondError(m.id, r.text);
      return;
    }
    conn.respond(m.id, r.text);
    if (r.afterReply) {
      const after = r.afterReply;
      await conn.drained();
      after();
    }
  }

  /** The exact layout of OVS's list-commands ("  %-23s %s\n" per command, sorted). */
  private listCommands(): string {
    let out = 'The available commands are:\n';
    for (const name of this.commandNames()) {
      const usage = this.commands.get(name)?.spec.usage ?? '';
      out += `  ${name.padEnd(23)} ${usage}\n`;
    }
    return out;
  }
}

export type UnixctlResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string };

/**
 * Sends one command to a control socket (ours or a real OVS daemon's) and returns the reply
 * text; `ok: false` carries the server's error text. Rejects only if the socket cannot be used.
 */
export async function unixctlCall(path: string, command: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<UnixctlResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { socket } = await connect({ kind: 'unix', path }, { timeoutMs });
  const conn = new JsonRpcConnection(socket, { peer: `unix:${path}` });
  conn.onMessage(() => undefined);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const result = await conn.request(command, args);
    return { ok: true, text: typeof result === 'string' ? result : jsonText(result) };
  } catch (e) {
    if (e instanceof JsonRpcRemoteError) return { ok: false, text: typeof e.error === 'string' ? e.error : jsonText(e.error) };
    throw e;
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}
