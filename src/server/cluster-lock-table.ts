/**
 * The cluster-wide lock table: RFC 7047 locks (§4.1.8-4.1.10) as replicated state. Every lock
 * request, steal, unlock and release is a Raft log entry, applied in log order on every member
 * to this table, so all members agree on who owns each lock at every log index, and two clients
 * on different members contend for the same lock.
 *
 * Owners are strings `SID:BOOT:N` (member, process incarnation, session), so a member can tell
 * its own sessions apart, and everything a dead member or a previous incarnation held can be
 * released by prefix. As in ovsdb/server.c, a lock's queue is ordered, its head owns the lock,
 * `steal` puts the thief at the head and the robbed owner stays queued behind it.
 *
 * Pure: apply() returns what changed; the member decides whom to notify.
 *
 * @example
 * const t = new LockTable();
 * t.apply({ op: 'lock', name: 'L', owner: 'a:1:1' });   // {changed: [{name:'L', owner:'a:1:1', previous: undefined}]}
 */
import type { Json } from '../base/json.js';

/** One lock operation, as carried by a log entry. */
export type LockOp =
  | { readonly op: 'lock' | 'steal' | 'unlock'; readonly name: string; readonly owner: string }
  /** Leave every queue of every owner that starts with `prefix`, except those starting with `keep`. */
  | { readonly op: 'release'; readonly prefix: string; readonly keep?: string };

/** A lock whose owner changed by one operation. */
export interface OwnerChange {
  readonly name: string;
  /** The new owner, or undefined if nobody is queued any more. */
  readonly owner: string | undefined;
  readonly previous: string | undefined;
}

export class LockTable {
  readonly #queues = new Map<string, string[]>();

  get size(): number {
    return this.#queues.size;
  }

  owner(name: string): string | undefined {
    return this.#queues.get(name)?.[0];
  }

  isQueued(name: string, owner: string): boolean {
    return this.#queues.get(name)?.includes(owner) ?? false;
  }

  /** Every (name, owner) queued, for snapshots and tests. */
  entries(): [string, string[]][] {
    return [...this.#queues].map(([n, q]) => [n, [...q]]);
  }

  /** Applies one operation; returns the locks whose owner changed. */
  apply(op: LockOp): OwnerChange[] {
    if (op.op === 'release') return this.#release(op.prefix, op.keep);
    const q = this.#queues.get(op.name) ?? [];
    const previous = q[0];
    switch (op.op) {
      case 'lock':
        if (!q.includes(op.owner)) q.push(op.owner);
        break;
      case 'steal': {
        const i = q.indexOf(op.owner);
        if (i >= 0) q.splice(i, 1);
        q.unshift(op.owner);
        break;
      }
      case 'unlock': {
        const i = q.indexOf(op.owner);
        if (i >= 0) q.splice(i, 1);
        break;
      }
    }
    if (q.length === 0) this.#queues.delete(op.name);
    else this.#queues.set(op.name, q);
    const owner = q[0];
    return owner === previous ? [] : [{ name: op.name, owner, previous }];
  }

  #release(prefix: string, keep: string | undefined): OwnerChange[] {
    const out: OwnerChange[] = [];
    for (const [name, q] of [...this.#queues]) {
      const previous = q[0];
      const left = q.filter((o) => !o.startsWith(prefix) || (keep !== undefined && o.startsWith(keep)));
      if (left.length === q.length) continue;
      if (left.length === 0) this.#queues.delete(name);
      else this.#queues.set(name, left);
      if (left[0] !== previous) out.push({ name, owner: left[0], previous });
    }
    return out;
  }

  /** The table as JSON (snapshot header). */
  toJson(): Json {
    return this.entries();
  }

  /** Replaces the contents from toJson() output; ignores malformed parts. */
  load(x: unknown): void {
    this.#queues.clear();
    if (!Array.isArray(x)) return;
    for (const e of x) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !Array.isArray(e[1])) continue;
      const q = e[1].filter((o): o is string => typeof o === 'string');
      if (q.length > 0) this.#queues.set(e[0], q);
    }
  }
}

/** Checks a lock operation decoded from a log entry. */
export function parseLockOp(x: unknown): LockOp | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const o = x as Record<string, unknown>;
  const op = o['op'];
  if (op === 'release') {
    const prefix = o['prefix'];
    const keep = o['keep'];
    if (typeof prefix !== 'string' || prefix.length === 0) return undefined;
    if (keep !== undefined && typeof keep !== 'string') return undefined;
    return keep === undefined ? { op, prefix } : { op, prefix, keep };
  }
  if (op !== 'lock' && op !== 'steal' && op !== 'unlock') return undefined;
  const name = o['name'];
  const owner = o['owner'];
  if (typeof name !== 'string' || name.length === 0 || typeof owner !== 'string' || owner.length === 0) return undefined;
  return { op, name, owner };
}
