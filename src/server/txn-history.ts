/**
 * The recent-commit history behind monitor_cond_since (ovsdb-server(7) §4.1.15): a bounded ring
 * of (txn id, row changes). A client that reconnects with the id of the last commit it saw gets
 * only what it missed, when that id is still in the ring; otherwise it gets everything again.
 * OVS keeps up to 100 transactions (ovsdb/transaction.c, "txn_history"); so do we by default.
 */
import type { Uuid } from '../base/uuid.js';
import type { RowChanges } from '../ovsdb/types.js';

interface HistoryEntry {
  readonly txnId: Uuid;
  readonly changes: RowChanges;
}

export class TxnHistory {
  #entries: HistoryEntry[] = [];
  #last: Uuid;
  /** The id just before the oldest entry kept: a client that saw it misses exactly #entries. */
  #base: Uuid;

  constructor(
    initialTxnId: Uuid,
    readonly maxEntries = 100,
  ) {
    this.#last = initialTxnId;
    this.#base = initialTxnId;
  }

  /** Id of the latest commit (or the initial id when none happened yet). */
  get lastTxnId(): Uuid {
    return this.#last;
  }

  get size(): number {
    return this.#entries.length;
  }

  add(txnId: Uuid, changes: RowChanges): void {
    this.#entries.push({ txnId, changes });
    if (this.#entries.length > this.maxEntries) {
      const dropped = this.#entries.splice(0, this.#entries.length - this.maxEntries);
      const newest = dropped[dropped.length - 1];
      if (newest) this.#base = newest.txnId;
    }
    this.#last = txnId;
  }

  /** Forgets everything (after convert: old changes no longer fit the schema). */
  reset(txnId: Uuid): void {
    this.#entries = [];
    this.#last = txnId;
    this.#base = txnId;
  }

  /** Changes after `txnId`, oldest first; [] if it is the latest; undefined if unknown. */
  since(txnId: Uuid): RowChanges[] | undefined {
    if (txnId === this.#last) return [];
    if (txnId === this.#base) return this.#entries.map((e) => e.changes);
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]?.txnId === txnId) return this.#entries.slice(i + 1).map((e) => e.changes);
    }
    return undefined;
  }
}
