/**
 * A leader's view of one follower's log (etcd tracker/progress.go), and the window of append
 * messages in flight to it.
 *
 *   follower log:  1 2 3 4 5 6 . . .
 *                          ^match   ^next
 *   match: highest index known replicated; next: first index to send next.
 *   In `replicate` state the leader pipelines appends optimistically (next runs ahead of match,
 *   bounded by Inflights); in `probe` it sends one append per heartbeat interval until one
 *   succeeds; in `snapshot` it streams InstallSnapshot chunks and sends no appends.
 */
import { raftAssert } from './assert.js';
import type { LogIndex } from './types.js';
import { logIndex } from './types.js';

/**
 * The append messages sent but not yet acknowledged, bounded by count and by bytes of entry data
 * (maxInflightBytes), so a slow follower cannot make the leader buffer unbounded data.
 */
export class Inflights {
  readonly #items: { last: number; bytes: number }[] = [];
  #bytes = 0;

  constructor(readonly maxMsgs: number, readonly maxBytes: number) {
    raftAssert(maxMsgs >= 1, 'maxInflightMsgs must be at least 1');
  }

  /** Records an append whose last entry is `last` carrying `bytes` of entry data. */
  add(last: number, bytes: number): void {
    const prev = this.#items.at(-1);
    raftAssert(prev === undefined || last > prev.last, 'inflights must grow');
    this.#items.push({ last, bytes });
    this.#bytes += bytes;
  }

  /** Frees every message whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    for (const it of this.#items) {
      if (it.last > index) break;
      this.#bytes -= it.bytes;
      n++;
    }
    this.#items.splice(0, n);
  }

  /**
   * Frees the oldest message: on a heartbeat reply while the window is full, so a window whose
   * messages were all lost cannot stall replication forever (the next append then probes).
   */
  freeFirst(): void {
    const first = this.#items.shift();
    if (first !== undefined) this.#bytes -= first.bytes;
  }

  /** True when no more appends may be sent. */
  full(): boolean {
    return this.#items.length >= this.maxMsgs || (this.maxBytes > 0 && this.#bytes >= this.maxBytes);
  }

  /** Bytes of entry data the window can still take before it is full (Infinity if unbounded). */
  roomBytes(): number {
    return this.maxBytes > 0 ? Math.max(0, this.maxBytes - this.#bytes) : Number.POSITIVE_INFINITY;
  }

  get count(): number {
    return this.#items.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  reset(): void {
    this.#items.length = 0;
    this.#bytes = 0;
  }
}

/** Replication state of one peer. */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** One peer's replication progress, kept by the leader only. */
export class Progress {
  match: LogIndex = logIndex(0);
  next: LogIndex;
  state: ProgressState = 'probe';
  /** Probe state: an append is outstanding; wait for its reply or the next heartbeat. */
  probeSent = false;
  /** Snapshot state: the snapshot index being sent and bytes acknowledged so far. */
  pendingSnapshot: LogIndex = logIndex(0);
  snapshotOffset = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Highest heartbeat seq acknowledged (ReadIndex, §6.4) and the tick it was sent (lease). */
  ackedSeq = 0;
  ackedSeqSentTick = Number.NEGATIVE_INFINITY;
  readonly inflights: Inflights;

  constructor(next: LogIndex, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it; otherwise after the last known match.
    const from = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = logIndex(0);
    this.next = logIndex(from + 1);
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.next = logIndex(this.match + 1);
    this.inflights.reset();
  }

  becomeSnapshot(index: LogIndex): void {
    this.state = 'snapshot';
    this.probeSent = false;
    this.pendingSnapshot = index;
    this.snapshotOffset = 0;
    this.inflights.reset();
  }

  /** A successful append reply up to `n`; false if it is stale (already known). */
  maybeUpdate(n: LogIndex): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = logIndex(n + 1);
    return updated;
  }

  /**
   * A rejection of the append with prevIndex `rejected`; `probeNext` is where the hint says the
   * logs may agree. Returns false if the rejection is stale (out of order).
   */
  maybeDecrTo(rejected: LogIndex, probeNext: LogIndex): boolean {
    if (this.state === 'replicate') {
      // Only a rejection of something above match is news; then fall back to probing.
      if (rejected <= this.match) return false;
      this.next = logIndex(this.match + 1);
      return true;
    }
    // Probe: only the reply to the append we sent (prevIndex = next-1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = logIndex(Math.max(Math.min(rejected, probeNext + 1), this.match + 1));
    this.probeSent = false;
    return true;
  }

  /** True when no append may be sent now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent;
      case 'replicate': return this.inflights.full();
      case 'snapshot': return true;
    }
  }
}
