/**
 * Locks across the cluster (SPEC "Active-active"): the LockService of a server whose lock
 * table is the replicated one of a clustered database (cluster-lock-table.ts). A lock, steal or
 * unlock is proposed as a Raft entry from whichever member the client uses; the reply and the
 * `locked`/`stolen` notifications go out when the entry is applied here, so two clients on
 * different members contend for one lock and exactly one holds it at any log index.
 *
 * A member that dies or is cut off must not keep its clients' locks, and its clients must not
 * believe they hold a lock someone else was given:
 *
 *   t0: last contact between member M and the leader
 *   t0 + T:   M has not heard from a leader for an election timeout: it tells its holders
 *             "stolen" and answers `assert` with "not owner" from then on (suspended)
 *   t0 + 2T:  the leader, not having heard from M, proposes "release M's locks"; the next owner
 *             (on any member) is told "locked" once that entry commits
 *
 * so the two never overlap (T: the election timer; the margin of one whole T covers clock drift
 * far beyond the 10 % the leases assume). A new leader counts from its own election, which is
 * itself at least T after the old leader lost its quorum. When M hears from a leader again, its holders that still own their lock in the replicated
 * table are told "locked" again; those released re-queue. A restarted member releases what its
 * previous incarnation held as soon as it has a leader.
 */
import type { Json } from '../base/json.js';
import type { LockHolder, LockService } from './locks.js';
import type { LockOp, OwnerChange } from './cluster-lock-table.js';
import type { ClusteredHost } from './cluster-host.js';

const RETRY_MS = 100;

interface PendingOp {
  readonly op: LockOp;
  readonly done: (() => void) | undefined;
}

export class ClusterLockService implements LockService {
  readonly #host: ClusteredHost;
  /** This process's owner-key prefix: `SID:BOOT:`. */
  readonly #prefix: string;
  readonly #keys = new WeakMap<LockHolder, string>();
  readonly #holders = new Map<string, LockHolder>();
  /** Names each local holder is queued for, as the client asked (re-queued after a release). */
  readonly #wanted = new Map<string, Set<string>>();
  #n = 0;
  #suspended = false;
  readonly #setTimer: (ms: number, fn: () => void) => () => void;

  constructor(host: ClusteredHost, boot: string, setTimer: (ms: number, fn: () => void) => () => void) {
    this.#host = host;
    this.#prefix = `${host.meta.sid}:${boot}:`;
    this.#setTimer = setTimer;
    host.setLockListener({
      applied: (op, changes, mine) => this.#applied(op, changes, mine),
      contact: (live) => this.#contact(live),
      ownPrefix: this.#prefix,
    });
  }

  get size(): number {
    return this.#host.lockTable.size;
  }

  holds(name: string, who: LockHolder): boolean {
    return !this.#suspended && this.#host.lockTable.owner(name) === this.#key(who);
  }

  lock(name: string, who: LockHolder, reply: (locked: boolean) => void): void {
    const owner = this.#key(who);
    this.#want(owner, name, true);
    this.#propose({ op: 'lock', name, owner }, () => reply(this.holds(name, who)));
  }

  steal(name: string, who: LockHolder, reply: () => void): void {
    const owner = this.#key(who);
    this.#want(owner, name, true);
    this.#propose({ op: 'steal', name, owner }, reply);
  }

  unlock(name: string, who: LockHolder, reply: () => void): void {
    const owner = this.#key(who);
    this.#want(owner, name, false);
    this.#propose({ op: 'unlock', name, owner }, reply);
  }

  release(who: LockHolder, names: readonly string[]): void {
    const owner = this.#keys.get(who);
    if (owner === undefined) return;
    this.#holders.delete(owner);
    this.#wanted.delete(owner);
    for (const name of names) this.#propose({ op: 'unlock', name, owner }, undefined);
  }

  #key(who: LockHolder): string {
    let k = this.#keys.get(who);
    if (k === undefined) {
      k = `${this.#prefix}${++this.#n}`;
      this.#keys.set(who, k);
      this.#holders.set(k, who);
    }
    return k;
  }

  #want(owner: string, name: string, on: boolean): void {
    let set = this.#wanted.get(owner);
    if (set === undefined) this.#wanted.set(owner, (set = new Set()));
    if (on) set.add(name);
    else set.delete(name);
  }

  /** Proposes until committed (lock operations are idempotent, so a retry of an unknown outcome is safe). */
  #propose(op: LockOp, done: (() => void) | undefined): void {
    const p: PendingOp = { op, done };
    const ok = this.#host.proposeLock(op, (committed) => {
      if (committed) p.done?.();
      else this.#setTimer(RETRY_MS, () => this.#propose(op, done));
    });
    if (!ok) this.#setTimer(RETRY_MS, () => this.#propose(op, done));
  }

  #notify(owner: string | undefined, method: 'locked' | 'stolen', name: string): void {
    if (owner === undefined || !owner.startsWith(this.#prefix)) return;
    this.#holders.get(owner)?.notify(method, [name] as Json[]);
  }

  /** An applied lock entry (any member's): tell our holders what changed for them. */
  #applied(op: LockOp, changes: readonly OwnerChange[], _mine: boolean): void {
    for (const c of changes) {
      // The requester of a lock/steal learns from its reply, not from a notification.
      const requester = op.op === 'lock' || op.op === 'steal' ? op.owner : undefined;
      if (!this.#suspended && c.owner !== requester) this.#notify(c.owner, 'locked', c.name);
      if (!this.#suspended && op.op === 'steal' && c.previous !== undefined && c.previous !== op.owner) this.#notify(c.previous, 'stolen', c.name);
    }
    if (op.op === 'release' && this.#prefix.startsWith(op.prefix) && (op.keep === undefined || !this.#prefix.startsWith(op.keep))) {
      // Our own locks were released (the leader lost contact with us): queue again what our
      // clients still want; they are told "locked" when they get it.
      for (const [owner, names] of this.#wanted) {
        for (const name of names) if (!this.#host.lockTable.isQueued(name, owner)) this.#propose({ op: 'lock', name, owner }, undefined);
      }
    }
  }

  /** Contact with a leader lost (false) or regained (true). */
  #contact(live: boolean): void {
    if (!live && !this.#suspended) {
      this.#suspended = true;
      for (const [name, queue] of this.#host.lockTable.entries()) this.#notify(queue[0], 'stolen', name);
      return;
    }
    if (live && this.#suspended) {
      this.#suspended = false;
      for (const [name, queue] of this.#host.lockTable.entries()) this.#notify(queue[0], 'locked', name);
    }
  }
}
