/**
 * The OVSDB server: hosted databases (plus `_Server`), client sessions, locks and the fan-out
 * of committed changes to monitors. It owns no sockets: the composition root accepts
 * connections and hands each one over as a JsonRpcChannel with attach().
 *
 *   listener ──socket──► JsonRpcConnection ──attach()──► Session ──► rpc-methods ──► DatabaseBackend
 *                                                           ▲                            │ onCommit
 *                                                           └──── monitor updates ◄──────┘
 *
 * @example
 * const server = new OvsdbServer({ clock: systemClock, newUuid, logger });
 * server.addDatabase(new StandaloneHost({ db, store, clock: systemClock, newUuid, logger, onFatal }));
 * await listen(parsePassiveAddress('ptcp:6641:127.0.0.1'), (socket, peer) =>
 *   server.attach(new JsonRpcConnection(socket, { peer, probeIntervalMs: 5000 })));
 */
import type { Json } from '../base/json.js';
import type { Clock } from '../base/clock.js';
import type { Uuid } from '../base/uuid.js';
import type { CloseInfo, JsonRpcChannel } from '../jsonrpc/channel.js';
import { encodeMessage, type JsonRpcId } from '../jsonrpc/messages.js';
import type { AppliedCommit, DatabaseBackend } from './database-backend.js';
import { LocalLockService, type LockService } from './locks.js';
import type { TableUpdates } from './monitor.js';
import type { Logger, UuidSource } from './ports.js';
import { handleNotification, handleRequest, UPDATE_METHOD, type RpcContext } from './rpc-methods.js';
import { ServerDatabase } from './server-database.js';
import { idKey, Session, type MonitorBinding, type SessionHost } from './session.js';

export interface OvsdbServerOptions {
  readonly clock: Clock;
  readonly newUuid: UuidSource;
  readonly logger: Logger;
  /** get_server_id's answer; random by default. */
  readonly serverId?: Uuid;
  /** Another lock service (cluster-wide locks); server-local locks by default. */
  readonly locks?: LockService;
}

interface Hosted {
  readonly backend: DatabaseBackend;
  readonly monitors: Set<MonitorBinding>;
  readonly unsubscribe: () => void;
}

export class OvsdbServer implements RpcContext, SessionHost {
  readonly serverId: Uuid;
  locks: LockService;
  readonly logger: Logger;
  readonly #dbs = new Map<string, Hosted>();
  readonly #sessions = new Set<Session>();
  readonly #serverDb: ServerDatabase;

  constructor(opts: OvsdbServerOptions) {
    this.serverId = opts.serverId ?? opts.newUuid();
    this.locks = opts.locks ?? new LocalLockService();
    this.logger = opts.logger;
    this.#serverDb = new ServerDatabase({ clock: opts.clock, newUuid: opts.newUuid, logger: opts.logger });
    this.#host(this.#serverDb.host);
  }

  /** Serves a database; its name must be new. */
  addDatabase(backend: DatabaseBackend): void {
    if (this.#dbs.has(backend.name)) throw new Error(`${backend.name}: duplicate database name`);
    this.#host(backend);
    this.#serverDb.add(backend);
  }

  /** Stops serving a database (its monitors are cancelled as for convert); does not close it. */
  removeDatabase(name: string): DatabaseBackend | undefined {
    const h = this.#dbs.get(name);
    if (!h || name === '_Server') return undefined;
    this.#cancelMonitors(h);
    this.#dropUnawareSessions();
    h.unsubscribe();
    this.#dbs.delete(name);
    this.#serverDb.remove(name);
    return h.backend;
  }

  /** Hosted databases, _Server excluded, by name. */
  databases(): DatabaseBackend[] {
    return [...this.#dbs.values()].map((h) => h.backend).filter((b) => b.name !== '_Server').sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Takes over one client connection. */
  attach(channel: JsonRpcChannel): Session {
    const s = new Session(channel, this);
    this.#sessions.add(s);
    this.logger.log('DBG', 'reconnect', `${s.peer}: connected`);
    channel.onClose((info) => this.#logClose(s.peer, info));
    return s;
  }

  /** As OVS's jsonrpc and reconnect modules report a session's end. */
  #logClose(peer: string, info: CloseInfo): void {
    if (info.protocolError !== undefined) {
      this.logger.log('WARN', 'jsonrpc', `${peer}: ${info.protocolError}`);
      this.logger.log('WARN', 'reconnect', `${peer}: connection dropped (Protocol error)`);
    } else if (info.error !== undefined) {
      this.logger.log('WARN', 'reconnect', `${peer}: connection dropped (${describeSocketError(info.error)})`);
    } else {
      this.logger.log('DBG', 'reconnect', `${peer}: connection closed`);
    }
  }

  /** Re-reads every database's status into _Server (call when a backend's status changes). */
  refreshServerDatabase(): void {
    this.#serverDb.refresh();
  }

  /** Counters in the spirit of ovsdb-server's memory/show. */
  memoryStats(): Record<string, number> {
    let cells = 0;
    let rows = 0;
    let monitors = 0;
    let blocked = 0;
    let writes = 0;
    let syncs = 0;
    for (const h of this.#dbs.values()) {
      const st = h.backend.stats();
      writes += st.diskWrites;
      syncs += st.diskSyncs;
      cells += st.cells;
      rows += st.rows;
      blocked += st.blockedTxns;
      monitors += h.monitors.size;
    }
    const out: Record<string, number> = {
      cells, 'disk-syncs': syncs, 'disk-writes': writes, locks: this.locks.size, monitors, rows,
      sessions: this.#sessions.size, triggers: blocked,
    };
    // Raft counters of clustered databases, summed (several clustered databases are rare).
    for (const h of this.#dbs.values()) {
      for (const [k, v] of Object.entries(h.backend.raftStats?.() ?? {})) out[k] = k.endsWith('-ms') ? Math.max(out[k] ?? 0, v) : (out[k] ?? 0) + v;
    }
    return out;
  }

  /**
   * Disconnects every client (each session's channel flushes and closes its socket), then
   * closes every database (flushing its store), all of them even if one fails; rejects with the
   * first failure. Does not wait for peers to close their ends.
   */
  async close(): Promise<void> {
    for (const s of [...this.#sessions]) s.close();
    const closing: Promise<void>[] = [];
    for (const h of this.#dbs.values()) {
      h.unsubscribe();
      closing.push(h.backend.close());
    }
    const results = await Promise.allSettled(closing);
    for (const r of results) if (r.status === 'rejected') throw r.reason instanceof Error ? r.reason : new Error(String(r.reason));
  }

  // RpcContext

  database(name: string): DatabaseBackend | undefined {
    return this.#dbs.get(name)?.backend;
  }

  databaseNames(): string[] {
    return [...this.#dbs.keys()].sort();
  }

  addMonitor(b: MonitorBinding): void {
    b.session.monitors.set(idKey(b.monitor.id), b);
    this.#dbs.get(b.db.name)?.monitors.add(b);
  }

  removeMonitor(b: MonitorBinding): void {
    b.session.monitors.delete(idKey(b.monitor.id));
    this.#dbs.get(b.db.name)?.monitors.delete(b);
  }

  converted(_db: DatabaseBackend): void {
    this.#dropUnawareSessions();
  }

  // SessionHost

  handleRequest(session: Session, id: JsonRpcId, method: string, params: readonly Json[]): void {
    handleRequest(this, session, id, method, params);
  }

  handleNotification(session: Session, method: string, params: readonly Json[]): void {
    handleNotification(session, method, params);
  }

  sessionClosed(s: Session): void {
    if (!this.#sessions.delete(s)) return;
    for (const ticket of s.pendingTxns.values()) ticket.cancel();
    s.pendingTxns.clear();
    for (const b of [...s.monitors.values()]) this.removeMonitor(b);
    this.locks.release(s, [...s.locks]);
    s.locks.clear();
  }

  #host(backend: DatabaseBackend): void {
    const monitors = new Set<MonitorBinding>();
    const offCommit = backend.onCommit((c) => this.#fanOut(backend, monitors, c));
    // Monitors hold the old schema's columns: drop them the moment the schema changes.
    const offConvert = backend.onConvert(() => {
      const h = this.#dbs.get(backend.name);
      if (h) this.#cancelMonitors(h);
      this.#serverDb.refresh();
    });
    const offStatus = backend.onStatusChange?.(() => this.#serverDb.refresh()) ?? (() => undefined);
    this.#dbs.set(backend.name, { backend, monitors, unsubscribe: () => { offCommit(); offConvert(); offStatus(); } });
  }

  /** Computes every monitor's update for one commit now, and sends them after it is safe. */
  #fanOut(backend: DatabaseBackend, monitors: ReadonlySet<MonitorBinding>, commit: AppliedCommit): void {
    if (monitors.size === 0) return;
    const sends: { s: Session; method: string; params: Json[]; shareKey: string | undefined }[] = [];
    const shared = new Map<string, TableUpdates | undefined>();
    for (const b of monitors) {
      const key = b.monitor.specKey;
      let u: TableUpdates | undefined;
      if (key === undefined) u = b.monitor.update(commit.changes);
      else if (shared.has(key)) u = shared.get(key);
      else shared.set(key, (u = b.monitor.update(commit.changes)));
      if (u === undefined) continue;
      const m = b.monitor;
      // Monitors of equal spec and equal id get byte-identical notifications: encode once.
      const shareKey = key === undefined ? undefined : `${m.version}\u0000${key}\u0000${JSON.stringify(m.id)}`;
      sends.push({ s: b.session, method: UPDATE_METHOD[m.version], params: m.version === 3 ? [m.id, commit.txnId, u] : [m.id, u], shareKey });
    }
    if (sends.length === 0) return;
    backend.afterPending(() => {
      const texts = new Map<string, string>();
      for (const x of sends) {
        let text: string | undefined;
        if (x.shareKey !== undefined) {
          text = texts.get(x.shareKey);
          if (text === undefined) texts.set(x.shareKey, (text = encodeMessage({ kind: 'notification', method: x.method, params: x.params })));
        }
        x.s.notify(x.method, x.params, text);
      }
    });
  }

  /**
   * After a convert (or removal): db-change-aware sessions get "monitor_canceled" for their
   * monitors of that database (after the updates already queued for them).
   */
  #cancelMonitors(h: Hosted): void {
    const canceled = [...h.monitors];
    for (const b of canceled) this.removeMonitor(b);
    h.backend.afterPending(() => {
      for (const b of canceled) if (b.session.dbChangeAware) b.session.notify('monitor_canceled', [b.monitor.id]);
    });
  }

  /**
   * Sessions that are not db-change-aware are disconnected after a schema change, as
   * ovsdb-server does, so that their IDLs reconnect and re-read the schema.
   */
  #dropUnawareSessions(): void {
    for (const s of [...this.#sessions]) {
      if (!s.dbChangeAware) s.close();
    }
  }
}

/** An OS error as OVS prints it (strerror), else its message. */
function describeSocketError(e: Error): string {
  const code = 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  switch (code) {
    case 'ECONNRESET': return 'Connection reset by peer';
    case 'EPIPE': return 'Broken pipe';
    case 'ETIMEDOUT': return 'Connection timed out';
    default: return e.message;
  }
}
