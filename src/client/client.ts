/**
 * A typed OVSDB client (RFC 7047 plus the Open vSwitch extensions) for Node users and for
 * `ovsdb-ts client` and the benchmark.
 *
 * Connecting takes a list of remotes and tries them in turn until one serves, as OVS's
 * jsonrpc_session does. With a `database` and `leaderOnly` (the default, like ovsdb-client and
 * the IDL) a clustered database must report `connected: true` and `leader: true` in the server's
 * `_Server` Database row; a standalone one is always accepted. With `reconnect`, a lost
 * connection is re-established over the same list and every monitor is re-subscribed, version-3
 * monitors with monitor_cond_since from the last transaction id so only missed changes arrive.
 *
 * @example
 * const c = await OvsdbClient.connect('tcp:127.0.0.1:6641', { database: 'OVN_Northbound' });
 * const [r] = await c.transact('OVN_Northbound', [{ op: 'insert', table: 'Logical_Switch', row: { name: 'ls0' } }]);
 * const m = await c.monitor('OVN_Northbound', { Logical_Switch: { columns: ['name'] } });
 * m.replica.rows('Logical_Switch');
 */
import type { Json, JsonObject } from '../base/json.js';
import { canonicalJson, isJsonObject } from '../base/json.js';
import { RpcError } from './channel.js';
import type { ChannelHandlers, Connector, RpcChannel } from './channel.js';
import { Monitor } from './monitor.js';
import type { MonitorRequests, MonitorVersion } from './monitor.js';
import { parseSchemaInfo } from './schema-info.js';
import type { SchemaInfo } from './schema-info.js';
import { defaultConnector } from './connector.js';

export interface ClientOptions {
  /** With a clustered `database`, accept only a member that reports leader=true (default true). */
  readonly leaderOnly?: boolean;
  /** The database the caller means to use; enables the `_Server` check on connect. */
  readonly database?: string;
  /** Reject any request not answered within this time (default: no limit). */
  readonly requestTimeoutMs?: number;
  /** Give up connecting after this long over all remotes (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Reconnect (and re-subscribe monitors) when the connection drops (default false). */
  readonly reconnect?: boolean;
  /** Backoff between rounds over the remote list while reconnecting. */
  readonly reconnectDelayMs?: number;
  /** How to open a connection (default: the transport layer's tcp/unix/ssl). */
  readonly connector?: Connector;
}

export type LockEvent = 'locked' | 'stolen';
type LockListener = (event: LockEvent, lock: string) => void;
type NotificationListener = (method: string, params: readonly Json[]) => void;

/** One operation of a transaction (RFC 7047 §5.2); passed through untouched. */
export type Operation = { readonly op: string; readonly [member: string]: Json };

/** Splits a comma-separated remote list (`tcp:a:1,tcp:b:2`). */
export function splitRemotes(remotes: string | readonly string[]): string[] {
  const list = typeof remotes === 'string' ? [remotes] : [...remotes];
  return list.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r.length > 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A connected client. Create with {@link OvsdbClient.connect}. */
export class OvsdbClient {
  private channel: RpcChannel | undefined;
  private closed = false;
  private readonly monitors = new Map<string, Monitor>();
  private nextMonitorId = 1;
  private readonly lockListeners: LockListener[] = [];
  private readonly notificationListeners: NotificationListener[] = [];
  private readonly closeListeners: ((error: Error | undefined) => void)[] = [];
  private readonly reconnectListeners: ((remote: string) => void)[] = [];
  private readonly heldLocks = new Set<string>();
  private readonly schemas = new Map<string, SchemaInfo>();
  private reconnecting: Promise<void> | undefined;

  private constructor(private readonly remotes: readonly string[], private readonly options: ClientOptions) {}

  /**
   * Connects to the first remote of the list that serves (see the module comment).
   * Throws `no servers were available` (or, for one remote, why it failed).
   */
  static async connect(remotes: string | readonly string[], options: ClientOptions = {}): Promise<OvsdbClient> {
    const list = splitRemotes(remotes);
    if (list.length === 0) throw new Error('no remote given');
    const client = new OvsdbClient(list, options);
    client.channel = await client.openAny(options.connectTimeoutMs ?? 10_000);
    return client;
  }

  /** The remote currently connected to. */
  get remote(): string {
    return this.channel?.name ?? '';
  }

  /** True until close() or (without `reconnect`) a lost connection. */
  get isConnected(): boolean {
    return this.channel !== undefined && !this.closed;
  }

  /**
   * Handlers for one channel. Events of a channel that is no longer the current one (a rejected
   * candidate, or the old connection after a reconnect) are ignored.
   */
  private handlers(holder: { ch?: RpcChannel }): ChannelHandlers {
    const current = (): boolean => holder.ch !== undefined && holder.ch === this.channel;
    return {
      onNotification: (method, params) => { if (current()) this.dispatch(method, params); },
      onRequest: (method, params) => {
        // RFC 7047 §4.1.11: answer echo with its params. Other server requests do not exist.
        if (method === 'echo') return [...params];
        return null;
      },
      onClose: (error) => { if (current()) this.lost(error); },
    };
  }

  private async openAny(timeoutMs: number): Promise<RpcChannel> {
    const deadline = Date.now() + timeoutMs;
    let lastError: Error | undefined;
    for (const remote of this.remotes) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let ch: RpcChannel | undefined;
      const holder: { ch?: RpcChannel } = {};
      try {
        ch = await withTimeout((this.options.connector ?? defaultConnector)(remote, this.handlers(holder)), left, `connecting to ${remote}`);
        holder.ch = ch;
        if (await this.acceptable(ch)) return ch;
        lastError = new Error(`${remote}: database ${this.options.database ?? ''} is not available here${this.options.leaderOnly === false ? '' : ' as leader'}`);
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err));
      }
      ch?.close();
    }
    if (this.remotes.length === 1 && lastError) throw lastError;
    throw new Error(`no servers were available${lastError ? ` (last error: ${lastError.message})` : ''}`);
  }

  /** ovsdb-client's should_stay_connected(): checks the `_Server` Database row. */
  private async acceptable(ch: RpcChannel): Promise<boolean> {
    const db = this.options.database;
    if (db === undefined) return true;
    let result: Json;
    try {
      result = await ch.request('transact', ['_Server', { op: 'select', table: 'Database', where: [['name', '==', db]] }]);
    } catch (err) {
      // A server without _Server (not OVS >= 2.9) cannot be clustered: accept it.
      if (err instanceof RpcError) return true;
      throw err;
    }
    const rows = Array.isArray(result) && isJsonObject(result[0]) ? result[0]['rows'] : undefined;
    const row = Array.isArray(rows) ? rows.find((r) => isJsonObject(r) && r['name'] === db) : undefined;
    if (!isJsonObject(row)) return false;
    if (row['model'] === 'standalone' || row['model'] === 'relay') return true;
    if (row['connected'] !== true) return false;
    if (this.options.leaderOnly !== false && row['leader'] !== true) return false;
    return true;
  }

  private dispatch(method: string, params: readonly Json[]): void {
    if (method === 'locked' || method === 'stolen') {
      const name = params[0];
      if (typeof name === 'string') {
        if (method === 'locked') this.heldLocks.add(name);
        else this.heldLocks.delete(name);
        for (const l of [...this.lockListeners]) l(method, name);
      }
    } else if (method === 'update' || method === 'update2' || method === 'update3') {
      const id = params[0];
      const m = this.monitors.get(canonicalJson(id ?? null));
      m?.applyNotification(method, params);
    } else if (method === 'monitor_canceled') {
      const m = this.monitors.get(canonicalJson(params[0] ?? null));
      if (m) {
        // The database was converted or removed: its schema may have changed too.
        m.canceled = true;
        this.monitors.delete(canonicalJson(params[0] ?? null));
        this.schemas.delete(m.database);
      }
    }
    for (const l of [...this.notificationListeners]) l(method, params);
  }

  private lost(error: Error | undefined): void {
    const wasOpen = this.channel !== undefined;
    this.channel = undefined;
    if (this.closed || !wasOpen) return;
    if (this.options.reconnect) {
      this.reconnecting ??= this.reconnectLoop().finally(() => { this.reconnecting = undefined; });
      return;
    }
    this.closed = true;
    for (const l of [...this.closeListeners]) l(error);
  }

  private async reconnectLoop(): Promise<void> {
    const delayMs = this.options.reconnectDelayMs ?? 250;
    for (;;) {
      if (this.closed) return;
      try {
        const ch = await this.openAny(this.options.connectTimeoutMs ?? 10_000);
        if (this.closed) {
          ch.close();
          return;
        }
        this.channel = ch;
        for (const m of this.monitors.values()) m.applyReply(await ch.request(m.method, m.requestParams()));
        for (const name of this.heldLocks) await ch.request('lock', [name]);
        for (const l of [...this.reconnectListeners]) l(ch.name);
        return;
      } catch {
        if (this.channel) {
          const ch = this.channel;
          this.channel = undefined;
          ch.close();
        }
        await sleep(delayMs);
      }
    }
  }

  /** Resolves once a reconnection in progress (if any) has finished. */
  async settled(): Promise<void> {
    await this.reconnecting;
  }

  /** Sends any request and returns its result; RpcError for an error reply. */
  async request(method: string, params: readonly Json[]): Promise<Json> {
    if (this.reconnecting) await this.reconnecting;
    const ch = this.channel;
    if (!ch || this.closed) throw new Error('not connected');
    const t = this.options.requestTimeoutMs;
    return t === undefined ? ch.request(method, params) : withTimeout(ch.request(method, params), t, method);
  }

  /** list_dbs (RFC 7047 §4.1.1). */
  async listDbs(): Promise<string[]> {
    const r = await this.request('list_dbs', []);
    if (!Array.isArray(r) || !r.every((x) => typeof x === 'string')) throw new Error('list_dbs response is not an array of strings');
    return r as string[];
  }

  /** get_schema (RFC 7047 §4.1.2), as JSON. */
  async getSchema(database: string): Promise<Json> {
    return this.request('get_schema', [database]);
  }

  /** The schema parsed for formatting and replication (cached per database). */
  async schemaInfo(database: string): Promise<SchemaInfo> {
    const cached = this.schemas.get(database);
    if (cached) return cached;
    const info = parseSchemaInfo(await this.getSchema(database));
    this.schemas.set(database, info);
    return info;
  }

  /**
   * transact (RFC 7047 §4.1.3): the result array, one entry per operation; an operation that
   * failed appears as `{error, details}` in it, as the server sent it.
   */
  async transact(database: string, operations: readonly Operation[] | readonly Json[]): Promise<Json[]> {
    const r = await this.request('transact', [database, ...operations]);
    if (!Array.isArray(r)) throw new Error('transact result is not an array');
    return [...(r as readonly Json[])];
  }

  /**
   * transact, but throws {@link TransactionError} if any operation failed (the server then
   * rolled the whole transaction back, RFC 7047 §4.1.3).
   */
  async transactOk(database: string, operations: readonly Operation[] | readonly Json[]): Promise<Json[]> {
    const results = await this.transact(database, operations);
    const i = results.findIndex((r) => isJsonObject(r) && typeof r['error'] === 'string');
    if (i >= 0) throw new TransactionError(results[i] as JsonObject, i);
    if (results.length > operations.length) {
      // A trailing extra result is the error that made the whole transaction fail (e.g. a commit-time constraint).
      const extra = results[results.length - 1];
      if (isJsonObject(extra) && typeof extra['error'] === 'string') throw new TransactionError(extra, results.length - 1);
    }
    return results;
  }

  /**
   * set_db_change_aware (Open vSwitch extension): after it, a converted or removed database
   * cancels its monitors with monitor_canceled instead of closing the connection.
   */
  async setDbChangeAware(aware = true): Promise<void> {
    await this.request('set_db_change_aware', [aware]);
  }

  /** echo (RFC 7047 §4.1.11). */
  async echo(...params: Json[]): Promise<Json> {
    return this.request('echo', params);
  }

  /**
   * Subscribes to `requests` and keeps `monitor.replica` current. Version 3 (monitor_cond_since)
   * is the default because it survives reconnection cheaply.
   */
  async monitor(database: string, requests: MonitorRequests, options: { version?: MonitorVersion; lastTxnId?: string } = {}): Promise<Monitor> {
    const schema = await this.schemaInfo(database);
    const id = `m${this.nextMonitorId++}`;
    const m = new Monitor(id, database, requests, options.version ?? 3, schema, options.lastTxnId, (mon) => this.cancelMonitor(mon),
      async (mon, table, where) => { await this.request('monitor_cond_change', [mon.id, mon.id, { [table]: [{ where }] }]); });
    this.monitors.set(canonicalJson(id), m);
    try {
      m.applyReply(await this.request(m.method, m.requestParams()));
    } catch (err) {
      this.monitors.delete(canonicalJson(id));
      throw err;
    }
    return m;
  }

  private async cancelMonitor(m: Monitor): Promise<void> {
    if (m.canceled) return;
    m.canceled = true;
    this.monitors.delete(canonicalJson(m.id));
    await this.request('monitor_cancel', [m.id]);
  }

  /** lock (RFC 7047 §4.1.8): true if acquired now; otherwise a `locked` notification follows. */
  async lock(name: string): Promise<boolean> {
    const r = await this.request('lock', [name]);
    const locked = isJsonObject(r) && r['locked'] === true;
    this.heldLocks.add(name);
    return locked;
  }

  /** steal (RFC 7047 §4.1.9): always acquires; the previous owner gets `stolen`. */
  async steal(name: string): Promise<boolean> {
    const r = await this.request('steal', [name]);
    this.heldLocks.add(name);
    return isJsonObject(r) && r['locked'] === true;
  }

  /** unlock (RFC 7047 §4.1.10). */
  async unlock(name: string): Promise<void> {
    this.heldLocks.delete(name);
    await this.request('unlock', [name]);
  }

  /** Listens for `locked` / `stolen` notifications. */
  onLock(listener: LockListener): () => void {
    return addListener(this.lockListeners, listener);
  }

  /** Listens for every notification (after the client handled it). */
  onNotification(listener: NotificationListener): () => void {
    return addListener(this.notificationListeners, listener);
  }

  /** Called once when the connection is lost for good (not after close()). */
  onClose(listener: (error: Error | undefined) => void): () => void {
    return addListener(this.closeListeners, listener);
  }

  /** Called after each successful reconnection, monitors re-subscribed. */
  onReconnect(listener: (remote: string) => void): () => void {
    return addListener(this.reconnectListeners, listener);
  }

  /** Closes the connection; pending requests reject. */
  close(): void {
    this.closed = true;
    const ch = this.channel;
    this.channel = undefined;
    ch?.close();
  }
}

/** An operation of a transaction failed: `error` and `details` as the server sent them. */
export class TransactionError extends Error {
  readonly error: string;
  readonly details: string | undefined;

  constructor(readonly result: JsonObject, readonly index: number) {
    const error = typeof result['error'] === 'string' ? result['error'] : 'error';
    const details = typeof result['details'] === 'string' ? result['details'] : undefined;
    super(`operation ${index + 1}: ${error}${details !== undefined ? `: ${details}` : ''}`);
    this.error = error;
    this.details = details;
  }
}

function addListener<T>(list: T[], l: T): () => void {
  list.push(l);
  return () => {
    const i = list.indexOf(l);
    if (i >= 0) list.splice(i, 1);
  };
}

/** Rejects with `<what>: timed out` if `p` has not settled after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}
