/**
 * Server-wide named locks (RFC 7047 §4.1.8-4.1.10), as ovsdb/server.c keeps them: per lock a
 * queue of waiting sessions, the head being the owner. `steal` puts the thief at the head, and
 * the robbed owner stays queued behind it (it gets "locked" again once the thief unlocks).
 * Clustered databases will need a cluster-wide implementation of the same interface.
 *
 * @example
 * const locks = new LockTable();
 * locks.lock('L', s1);          // {acquired: true}
 * locks.lock('L', s2);          // {acquired: false}; s2 is notified when s1 unlocks
 * locks.unlock('L', s1);        // returns s2: send it "locked"
 *
 * unlock() returns the lock's owner after the removal whenever anyone is still queued, even if
 * that owner did not change: ovsdb_lock_waiter_remove() does the same, so ovsdb-server 3.1 sends
 * "locked" again to an unchanged owner when a waiter withdraws (checked against it).
 */
import type { Json } from '../base/json.js';

/** A lock holder as the table sees it: anything with an identity. */
export type LockOwner = object;

export interface LockManager {
  /** Queues `who` for lock `name`; acquired is true if it holds the lock now. */
  lock(name: string, who: LockOwner): { acquired: boolean };
  /** Takes the lock from its owner; returns the robbed owner (to notify "stolen"), if any. */
  steal(name: string, who: LockOwner): { victim: LockOwner | undefined };
  /**
   * Leaves the queue; returns the owner after that (to notify "locked", as OVS does even when it
   * is unchanged), or undefined if `who` was not queued or nobody is left.
   */
  unlock(name: string, who: LockOwner): { owner: LockOwner | undefined };
  /** True if `who` is queued for `name` (owning or waiting). */
  isQueued(name: string, who: LockOwner): boolean;
  /** True if `who` owns `name`. */
  holds(name: string, who: LockOwner): boolean;
  /** Number of locks with any session queued. */
  readonly size: number;
}

export class LockTable implements LockManager {
  readonly #queues = new Map<string, LockOwner[]>();

  get size(): number {
    return this.#queues.size;
  }

  lock(name: string, who: LockOwner): { acquired: boolean } {
    let q = this.#queues.get(name);
    if (!q) this.#queues.set(name, (q = []));
    q.push(who);
    return { acquired: q[0] === who };
  }

  steal(name: string, who: LockOwner): { victim: LockOwner | undefined } {
    let q = this.#queues.get(name);
    if (!q) this.#queues.set(name, (q = []));
    const victim = q[0];
    q.unshift(who);
    return { victim };
  }

  unlock(name: string, who: LockOwner): { owner: LockOwner | undefined } {
    const q = this.#queues.get(name);
    if (!q) return { owner: undefined };
    const i = q.indexOf(who);
    if (i < 0) return { owner: undefined };
    q.splice(i, 1);
    if (q.length === 0) {
      this.#queues.delete(name);
      return { owner: undefined };
    }
    return { owner: q[0] };
  }

  isQueued(name: string, who: LockOwner): boolean {
    return this.#queues.get(name)?.includes(who) ?? false;
  }

  holds(name: string, who: LockOwner): boolean {
    return this.#queues.get(name)?.[0] === who;
  }
}

/** A session as the lock services see it: it can be told "locked" and "stolen". */
export interface LockHolder {
  notify(method: string, params: Json[]): void;
}

/**
 * What the protocol layer asks of locks (RFC 7047 §4.1.8-4.1.10). Replies come through
 * callbacks: a standalone server answers at once (LocalLockService); a clustered one once the
 * operation is committed through Raft (cluster-locks.ts). Notifications go to the holders.
 */
export interface LockService {
  readonly size: number;
  lock(name: string, who: LockHolder, reply: (locked: boolean) => void): void;
  steal(name: string, who: LockHolder, reply: () => void): void;
  unlock(name: string, who: LockHolder, reply: () => void): void;
  /** The holder's session closed: leave the queues of `names`. */
  release(who: LockHolder, names: readonly string[]): void;
  /** True if `who` owns `name` now (for `assert`). */
  holds(name: string, who: LockHolder): boolean;
}

/** Server-local locks, as ovsdb-server keeps them: a LockTable, answered at once. */
export class LocalLockService implements LockService {
  constructor(private readonly table: LockManager = new LockTable()) {}

  get size(): number {
    return this.table.size;
  }

  lock(name: string, who: LockHolder, reply: (locked: boolean) => void): void {
    reply(this.table.lock(name, who).acquired);
  }

  steal(name: string, who: LockHolder, reply: () => void): void {
    const { victim } = this.table.steal(name, who);
    if (isHolder(victim) && victim !== who) victim.notify('stolen', [name]);
    reply();
  }

  unlock(name: string, who: LockHolder, reply: () => void): void {
    // As ovsdb_jsonrpc_session_unlock__(): the owner hears "locked" before the reply leaves.
    const { owner } = this.table.unlock(name, who);
    if (isHolder(owner)) owner.notify('locked', [name]);
    reply();
  }

  release(who: LockHolder, names: readonly string[]): void {
    for (const name of names) {
      const { owner } = this.table.unlock(name, who);
      if (isHolder(owner)) owner.notify('locked', [name]);
    }
  }

  holds(name: string, who: LockHolder): boolean {
    return this.table.holds(name, who);
  }
}

function isHolder(x: LockOwner | undefined): x is LockHolder {
  return typeof x === 'object' && x !== null && 'notify' in x && typeof x.notify === 'function';
}
