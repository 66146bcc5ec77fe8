/**
 * The recent-commit history behind monitor_cond_since (ovsdb-server(7) §4.1.15): a bounded ring
 * of (txn id, row changes). A client that reconnects with the id of the last commit it saw gets
 * only what it missed, when that id is still in the ring; otherwise it gets everything again.
 * OVS keeps up to 100 transactions (ovsdb/transaction.c, "txn_history"); so do we by default.
 */
import type { Uuid } from '../base/uuid.js';
import type { RowChanges } from '../ovsdb/types.js';

/** One commit: its id may be computed on first read (the host's ids are). */
export interface HistoryEntry {
  readonly txnId: Uuid;
  readonly changes: RowChanges;
}

export class TxnHistory {
  /** Oldest first from #head on; entries before #head are dropped ones not yet compacted away. */
  #entries: (HistoryEntry | undefined)[] = [];
  #head = 0;
  /** The latest commit (its id read only when asked), or the id set by the constructor/reset. */
  #last: HistoryEntry | Uuid;
  /** The commit just before the oldest entry kept: a client that saw it misses exactly #entries. */
  #base: HistoryEntry | Uuid;

  constructor(
    initialTxnId: Uuid,
    readonly maxEntries = 100,
  ) {
    this.#last = initialTxnId;
    this.#base = initialTxnId;
  }

  /** Id of the latest commit (or the initial id when none happened yet). */
  get lastTxnId(): Uuid {
    return idOf(this.#last);
  }

  get size(): number {
    return this.#entries.length - this.#head;
  }

  add(txnId: Uuid, changes: RowChanges): void {
    this.addEntry({ txnId, changes });
  }

  /** Adds a commit whose id may be lazy: it is read only by lastTxnId and since(). */
  addEntry(entry: HistoryEntry): void {
    this.#entries.push(entry);
    // Dropping from the front one commit at a time would shift the whole array on every
    // commit; advance a head index instead and compact once per maxEntries commits.
    while (this.#entries.length - this.#head > this.maxEntries) {
      const dropped = this.#entries[this.#head];
      this.#entries[this.#head++] = undefined;
      if (dropped) this.#base = dropped;
    }
    if (this.#head >= this.maxEntries && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    this.#last = entry;
  }

  /** Forgets everything (after convert: old changes no longer fit the schema). */
  reset(txnId: Uuid): void {
    this.#entries = [];
    this.#head = 0;
    this.#last = txnId;
    this.#base = txnId;
  }

  /** Changes after `txnId`, oldest first; [] if it is the latest; undefined if unknown. */
  since(txnId: Uuid): RowChanges[] | undefined {
    if (txnId === idOf(this.#last)) return [];
    const kept = this.#entries.slice(this.#head).filter((e): e is HistoryEntry => e !== undefined);
    if (txnId === idOf(this.#base)) return kept.map((e) => e.changes);
    for (let i = kept.length - 1; i >= 0; i--) {
      if (kept[i]?.txnId === txnId) return kept.slice(i + 1).map((e) => e.changes);
    }
    return undefined;
  }
}

function idOf(x: HistoryEntry | Uuid): Uuid {
  return typeof x === 'string' ? x : x.txnId;
}
