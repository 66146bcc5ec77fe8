/**
 * One monitor on a client connection: its request, its replica and the listeners of its
 * changes. Versions: 1 = `monitor` (RFC 7047 §4.1.5, "update"), 2 = `monitor_cond` ("update2"),
 * 3 = `monitor_cond_since` ("update3", which carries the id of the last transaction so that a
 * reconnecting client asks only for what it missed).
 */
import type { Json } from '../base/json.js';
import { Replica } from './replica.js';
import type { ReplicaChange } from './replica.js';
import type { SchemaInfo } from './schema-info.js';

export type MonitorVersion = 1 | 2 | 3;

/** The all-zero uuid: "no transaction seen yet" for monitor_cond_since. */
export const ZERO_TXN_ID = '00000000-0000-0000-0000-000000000000';

/** `{table: <monitor-request> | [<monitor-request>...]}` as RFC 7047 §4.1.5 defines it. */
export type MonitorRequests = { readonly [table: string]: Json };

export type ChangeListener = (changes: readonly ReplicaChange[], lastTxnId: string | undefined) => void;

/** A live monitor. Created by OvsdbClient.monitor(). */
export class Monitor {
  readonly replica: Replica;
  /** For version 3: the last transaction id seen, sent again on reconnect. */
  lastTxnId: string;
  private readonly listeners: ChangeListener[] = [];
  canceled = false;
  /** For version 3: whether the last (re)subscription found our lastTxnId in the server's history. */
  lastFound = false;

  constructor(
    readonly id: string,
    readonly database: string,
    public requests: MonitorRequests,
    readonly version: MonitorVersion,
    schema: SchemaInfo,
    lastTxnId: string | undefined,
    private readonly cancelFn: (m: Monitor) => Promise<void>,
    private readonly changeFn: (m: Monitor, table: string, where: Json) => Promise<void>,
  ) {
    this.replica = new Replica(schema);
    this.lastTxnId = lastTxnId ?? ZERO_TXN_ID;
  }

  /** Calls `listener` with each batch of changes applied to the replica. Returns an unsubscribe. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Waits until `predicate(replica)` holds, checking after each change; rejects after `timeoutMs`. */
  waitFor(predicate: (r: Replica) => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate(this.replica)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`monitor condition not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onChange(() => {
        if (predicate(this.replica)) {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    });
  }

  /**
   * Replaces the `where` of the monitor request for `table` (Open vSwitch monitor_cond_change):
   * rows that stop matching are deleted from the replica and rows that start matching are
   * inserted, by the server's updates. Versions 2 and 3 only.
   */
  async changeCondition(table: string, where: Json): Promise<void> {
    if (this.version === 1) throw new Error('monitor_cond_change needs a monitor_cond or monitor_cond_since monitor');
    await this.changeFn(this, table, where);
    const current = this.requests[table];
    const first = Array.isArray(current) ? current[0] : current;
    const base = first !== null && typeof first === 'object' && !Array.isArray(first) ? first : {};
    this.requests = { ...this.requests, [table]: [{ ...base, where }] };
  }

  /** Sends monitor_cancel and stops updating the replica. */
  cancel(): Promise<void> {
    return this.cancelFn(this);
  }

  /** The params of the (re)subscribing request. */
  requestParams(): readonly Json[] {
    const base: Json[] = [this.database, this.id, this.requests];
    return this.version === 3 ? [...base, this.lastTxnId] : base;
  }

  get method(): string {
    return this.version === 1 ? 'monitor' : this.version === 2 ? 'monitor_cond' : 'monitor_cond_since';
  }

  /**
   * Applies the reply to the (re)subscribing request. For monitor_cond_since a reply with
   * found=false means the server could not supply a diff, so the replica starts over.
   * Returns `found` (always false for versions 1 and 2).
   */
  applyReply(result: Json): boolean {
    let changes: ReplicaChange[];
    let found = false;
    if (this.version === 3) {
      if (!Array.isArray(result) || result.length !== 3 || typeof result[0] !== 'boolean' || typeof result[1] !== 'string') {
        throw new Error('monitor_cond_since reply is not [found, last-txn-id, updates]');
      }
      found = result[0];
      this.lastFound = found;
      if (!found) this.replica.clear();
      this.lastTxnId = result[1];
      changes = this.replica.apply(result[2] as Json, 2, !found);
    } else {
      this.replica.clear();
      changes = this.replica.apply(result, this.version === 1 ? 1 : 2, true);
    }
    this.emit(changes);
    return found;
  }

  /** Applies an update / update2 / update3 notification's params. */
  applyNotification(method: string, params: readonly Json[]): void {
    if (this.canceled) return;
    if (method === 'update3') {
      const id = params[1];
      if (typeof id === 'string') this.lastTxnId = id;
      this.emit(this.replica.apply(params[2] ?? null, 2));
    } else {
      this.emit(this.replica.apply(params[1] ?? null, method === 'update' ? 1 : 2));
    }
  }

  private emit(changes: readonly ReplicaChange[]): void {
    for (const l of [...this.listeners]) l(changes, this.version === 3 ? this.lastTxnId : undefined);
  }
}
