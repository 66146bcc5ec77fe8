/**
 * Transactions blocked on a `wait` operation (RFC 7047 §5.2.6), for any database host: kept in
 * arrival order, re-run after every commit (a commit may be what they wait for) and when their
 * timeout expires, and cancellable (`cancel`, a closing session, a schema change). The standalone
 * and the clustered hosts share this one implementation.
 *
 * `run(p)` is the host's: it runs the transaction once and returns false if it is still
 * blocked (then it has set `p.retryAtMs`). A run may commit, and a commit calls retryAll() again:
 * such re-entrant calls loop here instead of recursing.
 *
 * @example
 * const blocked = new BlockedTxns<Pending>(clock, (p) => host.run(p));
 * if (!host.run(p)) return blocked.add(p);    // a TxnTicket whose cancel() drops it
 * // after each commit: blocked.retryAll();
 */
import type { Clock } from '../base/clock.js';
import type { TxnTicket } from './database-backend.js';

/** What the list needs of a host's pending transaction. */
export interface Blockable {
  /** When the transaction's `wait` times out (monotonic ms), if it has a timeout. */
  retryAtMs: number | undefined;
  cancelTimer: (() => void) | undefined;
}

export class BlockedTxns<P extends Blockable> {
  #list: P[] = [];
  #retrying = false;
  #again = false;

  constructor(private readonly clock: Clock, private readonly run: (p: P) => boolean) {}

  get size(): number {
    return this.#list.length;
  }

  /** Keeps `p` (blocked) until a retry or its timeout completes it; returns its ticket. */
  add(p: P): TxnTicket {
    this.#list.push(p);
    this.#arm(p);
    return { cancel: () => this.cancel(p) };
  }

  /** Drops `p` if it is still blocked; true if it was. */
  cancel(p: P): boolean {
    const i = this.#list.indexOf(p);
    if (i < 0) return false;
    this.#list.splice(i, 1);
    p.cancelTimer?.();
    p.cancelTimer = undefined;
    return true;
  }

  /** Removes every blocked transaction (their timers cancelled) and returns them. */
  takeAll(): P[] {
    const all = this.#list;
    this.#list = [];
    for (const p of all) {
      p.cancelTimer?.();
      p.cancelTimer = undefined;
    }
    return all;
  }

  /** Re-runs every blocked transaction once, in order (after a commit). */
  retryAll(): void {
    if (this.#list.length === 0) return;
    if (this.#retrying) {
      this.#again = true;
      return;
    }
    this.#retrying = true;
    try {
      do {
        this.#again = false;
        const list = this.#list;
        this.#list = [];
        const still: P[] = [];
        for (const p of list) {
          if (this.run(p)) {
            p.cancelTimer?.();
            p.cancelTimer = undefined;
          } else {
            still.push(p);
          }
        }
        // Transactions blocked by the runs above (re-entrant adds) stay behind the older ones.
        this.#list = still.concat(this.#list);
      } while (this.#again && this.#list.length > 0);
    } finally {
      this.#retrying = false;
    }
  }

  /** Sets a timer for a blocked transaction's timeout, if it has one. */
  #arm(p: P): void {
    p.cancelTimer?.();
    p.cancelTimer = undefined;
    const at = p.retryAtMs;
    if (at === undefined) return;
    p.cancelTimer = this.clock.setTimer(Math.max(1, Math.ceil(at - this.clock.nowMs())), () => {
      p.cancelTimer = undefined;
      const i = this.#list.indexOf(p);
      if (i < 0) return;
      this.#list.splice(i, 1); // out of the list first: the run may commit and retry the others
      if (!this.run(p)) {
        this.#list.push(p);
        this.#arm(p);
      }
    });
  }
}
