/**
 * One client connection's OVSDB state (ovsdb/jsonrpc-server.c "ovsdb_jsonrpc_session"): its
 * monitors, the locks it holds or waits for, its transactions still in flight (for `cancel`),
 * and whether it is db-change-aware. Requests are dispatched to rpc-methods.ts.
 *
 * Everything the session sends goes through its JsonRpcChannel, whose writes are batched per
 * event-loop turn, so a burst of monitor updates plus a reply costs one write(2).
 */
import type { Json } from '../base/json.js';
import { canonicalJson } from '../base/json.js';
import type { JsonRpcChannel } from '../jsonrpc/channel.js';
import type { JsonRpcId, JsonRpcMessage } from '../jsonrpc/messages.js';
import type { DatabaseBackend, TxnTicket } from './database-backend.js';
import type { Monitor } from './monitor.js';
import { PendingTxns } from './pending-txns.js';

/** A monitor together with the database it watches. */
export interface MonitorBinding {
  readonly session: Session;
  readonly db: DatabaseBackend;
  readonly monitor: Monitor;
}

/** What a session needs from the server that owns it. */
export interface SessionHost {
  handleRequest(session: Session, id: JsonRpcId, method: string, params: readonly Json[]): void;
  handleNotification(session: Session, method: string, params: readonly Json[]): void;
  sessionClosed(session: Session): void;
}

/**
 * A client that stops reading while its monitors keep producing would make us buffer without
 * bound; past this backlog it is disconnected (its IDL reconnects and resynchronises).
 */
export const MAX_BACKLOG_BYTES = 256 * 1024 * 1024;

export class Session {
  /** Monitors by canonical JSON of their id. */
  readonly monitors = new Map<string, MonitorBinding>();
  /** Lock names this session holds or waits for. */
  readonly locks = new Set<string>();
  /** Transactions not yet answered, by canonical JSON of their request id. */
  readonly pendingTxns = new PendingTxns<TxnTicket>();
  dbChangeAware = false;
  /** Writes are refused ("not allowed"): the session came through a read-only remote. */
  readOnly = false;
  /** The RBAC role of the remote the session came through (Connection.role); '' for none. */
  role = '';
  /** The client's id for RBAC: the CN of its SSL certificate; undefined otherwise. */
  clientId: string | undefined = undefined;
  #closed = false;

  constructor(
    readonly channel: JsonRpcChannel,
    private readonly host: SessionHost,
  ) {
    channel.onMessage((m) => this.#receive(m));
    channel.onClose(() => this.#finish());
  }

  get peer(): string {
    return this.channel.peer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a notification (no-op once closed). */
  /**
   * Sends a notification. `encoded`, when given, is its text as encodeMessage builds it, shared
   * with other sessions receiving the same notification (monitor fan-out).
   */
  notify(method: string, params: readonly Json[], encoded?: string): void {
    if (this.#closed) return;
    if (this.channel.backlogBytes > MAX_BACKLOG_BYTES) {
      this.close();
      return;
    }
    if (encoded !== undefined && this.channel.sendEncoded) this.channel.sendEncoded(encoded);
    else this.channel.notify(method, params);
  }

  reply(id: JsonRpcId, result: Json): void {
    if (!this.#closed) this.channel.respond(id, result);
  }

  replyError(id: JsonRpcId, error: Json): void {
    if (!this.#closed) this.channel.respondError(id, error);
  }

  /** Flushes what is queued and disconnects. */
  close(): void {
    this.channel.close();
    this.#finish();
  }

  #receive(m: JsonRpcMessage): void {
    if (this.#closed) return;
    switch (m.kind) {
      case 'request':
        this.host.handleRequest(this, m.id, m.method, m.params);
        break;
      case 'notification':
        this.host.handleNotification(this, m.method, m.params);
        break;
      default:
        // Replies to our own requests are consumed by the channel. A stray one makes
        // ovsdb-server log "received unexpected reply message" and drop the connection
        // (jsonrpc_session_force_reconnect), except a reply with id "echo", which its
        // jsonrpc_session_recv() swallows as the answer to an inactivity probe.
        if (m.id !== 'echo') this.close();
        break;
    }
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.host.sessionClosed(this);
  }
}

/** Key of a JSON-RPC id or monitor id in the session's maps. */
export function idKey(id: Json): string {
  // Numbers (the ids OVS and the Python IDL use) print the same either way, without the walk.
  return typeof id === 'number' ? String(id) : canonicalJson(id);
}
