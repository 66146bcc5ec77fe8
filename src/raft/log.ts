/**
 * The in-memory log of one server: a snapshot prefix plus the entries after it, with the split
 * between what is durable and what is not yet (etcd log.go + log_unstable.go in one class,
 * because the whole post-snapshot log is kept in memory, as OVS raft.c does).
 *
 *        snapshot          entries (in memory)
 *   [ 1 .. snap.index ] [ snap.index+1 ........................................ last ]
 *                                    ^applied   ^commit   ^stable   ^inProgress
 *   invariants: snap.index <= applied <= commit;  applied <= stable <= inProgress <= last
 *   (stable: every entry up to it is durable. inProgress: every entry up to it was handed to the
 *    host in some Ready's `append` and is being written; the rest goes in the next Ready, so the
 *    host, which may have several writes in flight, never gets the same entry twice (etcd
 *    unstable.offsetInProgress). commit may run ahead of stable on a follower, and on a leader
 *    whose followers out-ran its own disk (thesis §10.2.1), but only stable entries are applied.)
 */
import { raftAssert } from './assert.js';
import type { EntryId, LogEntry, LogIndex, Snapshot, SnapshotMeta, Term } from './types.js';
import { logIndex, term } from './types.js';

/** Bytes an entry counts for in message-size and in-flight limits. */
export function entryBytes(e: LogEntry): number {
  return e.data.length + 32;
}

/** The log of one server. */
export class RaftLog {
  /** Metadata of the snapshot the log starts after (index 0, term 0 for "none"). */
  snap: SnapshotMeta;
  /** The latest snapshot with data, for sending to lagging followers. */
  snapshot: Snapshot | undefined;
  /** entries[k] has index snap.index + 1 + k. */
  entries: LogEntry[];
  /** Index of every entry id held in memory, so a duplicated proposal is appended only once. */
  readonly #ids = new Map<EntryId, LogIndex>();
  committed: LogIndex;
  applied: LogIndex;
  stable: LogIndex;
  /** Last entry handed out for writing (>= stable); see the diagram above. */
  inProgress: LogIndex;

  constructor(snap: SnapshotMeta, snapshot: Snapshot | undefined, entries: readonly LogEntry[], committed: LogIndex) {
    this.snap = snap;
    this.snapshot = snapshot;
    this.entries = [...entries];
    for (let k = 0; k < this.entries.length; k++) {
      raftAssert(this.entries[k]?.index === snap.index + 1 + k, 'stored log is not contiguous');
    }
    for (const e of this.entries) this.#ids.set(e.id, e.index);
    this.stable = this.lastIndex();
    this.inProgress = this.stable;
    this.committed = logIndex(Math.max(snap.index, Math.min(committed, this.lastIndex())));
    this.applied = snap.index;
  }

  firstIndex(): LogIndex {
    return logIndex(this.snap.index + 1);
  }

  lastIndex(): LogIndex {
    return logIndex(this.snap.index + this.entries.length);
  }

  lastTerm(): Term {
    return this.entries.at(-1)?.term ?? this.snap.term;
  }

  /** Term of the entry at `i`, or undefined if compacted away or beyond the end. */
  term(i: number): Term | undefined {
    if (i === this.snap.index) return this.snap.term;
    return this.entry(i)?.term;
  }

  entry(i: number): LogEntry | undefined {
    if (i <= this.snap.index) return undefined;
    return this.entries[i - this.snap.index - 1];
  }

  matchTerm(i: number, t: Term): boolean {
    return this.term(i) === t;
  }

  /** §3.6.1 election restriction: is (lastIdx, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIdx: LogIndex, lastT: Term): boolean {
    const myTerm = this.lastTerm();
    return lastT > myTerm || (lastT === myTerm && lastIdx >= this.lastIndex());
  }

  /**
   * Entries [lo, hi) capped at `maxBytes` (always at least one entry if lo < hi), the way etcd
   * limits a message. lo must be >= firstIndex.
   */
  slice(lo: number, hi: number, maxBytes = Number.POSITIVE_INFINITY): LogEntry[] {
    raftAssert(lo >= this.firstIndex() && hi <= this.lastIndex() + 1, 'slice out of range');
    const out: LogEntry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entry(i);
      raftAssert(e !== undefined, 'missing entry');
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /**
   * The largest index j <= `index` whose term is <= `t` (etcd findConflictByTerm): the leader or
   * follower can then skip every entry of a conflicting term at once (fast back-tracking).
   *
   *   index 1 2 3 4 5 6 7      findConflictByTerm(7, 4) on this log:
   *   term  1 1 3 3 5 5 5      terms 5 > 4 are skipped -> j = 4 (term 3)
   */
  findConflictByTerm(index: LogIndex, t: Term): LogIndex {
    let j: number = Math.min(index, this.lastIndex());
    while (j > this.snap.index) {
      const jt = this.term(j);
      if (jt !== undefined && jt <= t) break;
      j--;
    }
    return logIndex(j);
  }

  /** Id of the last `normal` entry (the base for conditional appends), or the snapshot's. */
  lastNormalId(): EntryId | null {
    for (let k = this.entries.length - 1; k >= 0; k--) {
      const e = this.entries[k];
      if (e?.kind === 'normal') return e.id;
    }
    return this.snap.lastNormalId;
  }

  /** Where the entry with this id is, if it is in the in-memory log. */
  indexOfId(id: EntryId): LogIndex | undefined {
    return this.#ids.get(id);
  }

  /** Leader append of new entries at the end. */
  append(es: readonly LogEntry[]): void {
    for (const e of es) {
      raftAssert(e.index === this.lastIndex() + 1, 'append must be contiguous');
      this.entries.push(e);
      this.#ids.set(e.id, e.index);
    }
  }

  #forget(es: readonly LogEntry[]): void {
    for (const e of es) if (this.#ids.get(e.id) === e.index) this.#ids.delete(e.id);
  }

  /**
   * Follower side of AppendEntries (§3.5): if our log has prevIndex with prevTerm, keep matching
   * entries, truncate at the first conflict and append the rest. Returns the index of the last
   * new entry, or undefined when prev does not match. Returns the truncation point too, so the
   * caller can recompute membership.
   */
  maybeAppend(prevIndex: LogIndex, prevTerm: Term, es: readonly LogEntry[]): { last: LogIndex; truncatedAt?: LogIndex } | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    let k = 0;
    // Skip entries we already have; entries at or below the snapshot are committed, so equal.
    for (; k < es.length; k++) {
      const e = es[k];
      raftAssert(e !== undefined && e.index === prevIndex + 1 + k, 'append entries not contiguous');
      if (e.index <= this.snap.index) continue;
      const have = this.term(e.index);
      if (have === undefined) break;
      if (have !== e.term) {
        raftAssert(e.index > this.committed, `conflict at committed index ${e.index}`);
        this.truncateFrom(e.index);
        this.append(es.slice(k));
        return { last: logIndex(prevIndex + es.length), truncatedAt: e.index };
      }
    }
    this.append(es.slice(k));
    return { last: logIndex(prevIndex + es.length) };
  }

  /** Drops entries at index >= i (never committed ones). */
  truncateFrom(i: LogIndex): void {
    raftAssert(i > this.committed && i > this.snap.index, 'truncating committed entries');
    this.#forget(this.entries.slice(i - this.snap.index - 1));
    this.entries.length = i - this.snap.index - 1;
    // The replaced suffix is written again (the store truncates at the new entries' first index);
    // a completion of the old write must not mark the new entries durable (stableTo's term check).
    if (this.stable >= i) this.stable = logIndex(i - 1);
    if (this.inProgress >= i) this.inProgress = logIndex(i - 1);
  }

  commitTo(i: number): boolean {
    if (i <= this.committed) return false;
    raftAssert(i <= this.lastIndex(), `commit ${i} beyond last index ${this.lastIndex()}`);
    this.committed = logIndex(i);
    return true;
  }

  /** Entries neither durable nor being written: what the next Ready hands out. */
  unstableEntries(): LogEntry[] {
    const from = Math.max(this.inProgress + 1, this.firstIndex());
    return from > this.lastIndex() ? [] : this.slice(from, this.lastIndex() + 1);
  }

  /** Entries up to `i` were handed to the host for writing. */
  acceptInProgress(i: LogIndex): void {
    raftAssert(i >= this.inProgress && i <= this.lastIndex(), 'in-progress index out of range');
    this.inProgress = i;
  }

  /**
   * Marks entries up to (i, t) durable, if the log still has that entry: a truncation since the
   * write was handed out replaced it, and the replacement is not durable yet. Writes complete
   * in order, so every entry below a durable (i, t) is durable too (Log Matching, §3.5).
   */
  stableTo(i: LogIndex, t: Term): void {
    if (this.matchTerm(i, t) && i > this.stable) {
      this.stable = i;
      if (this.inProgress < i) this.inProgress = i;
    }
  }

  /** Committed, durable, not yet applied entries. */
  nextApply(): LogEntry[] {
    const hi = Math.min(this.committed, this.stable);
    if (hi <= this.applied) return [];
    return this.slice(this.applied + 1, hi + 1);
  }

  /** Local compaction: forget entries up to snapshot.meta.index (already applied). */
  compact(snapshot: Snapshot): void {
    const meta = snapshot.meta;
    raftAssert(meta.index <= this.applied && meta.index > this.snap.index, 'bad compaction index');
    raftAssert(this.term(meta.index) === meta.term, 'compaction term mismatch');
    this.#forget(this.entries.slice(0, meta.index - this.snap.index));
    this.entries = this.entries.slice(meta.index - this.snap.index);
    this.snap = meta;
    this.snapshot = snapshot;
  }

  /** A snapshot from the leader replaces the whole log (etcd raftLog.restore). */
  restore(snapshot: Snapshot): void {
    const meta = snapshot.meta;
    this.entries = [];
    this.#ids.clear();
    this.snap = meta;
    this.snapshot = snapshot;
    this.committed = meta.index;
    this.applied = meta.index;
    this.stable = meta.index;
    this.inProgress = meta.index;
  }
}

/** The empty snapshot a fresh server starts from. */
export function emptySnapshotMeta(electionTimerMs: number): SnapshotMeta {
  return {
    index: logIndex(0), term: term(0), config: { voters: [], learners: [] }, configIndex: logIndex(0),
    electionTimerMs, lastNormalId: null,
  };
}
