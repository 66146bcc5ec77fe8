/**
 * Ports: what the Raft host needs from the outside world, defined here where they are consumed
 * (STYLE habit 5). Completion is reported through callbacks, never awaited promises, so the same
 * RaftHost runs over LevelDB in production and over a simulated disk that completes a write on a
 * tick the simulator's PRNG picks.
 */
import type { RaftMessage } from './messages.js';
import type { HardState, LogEntry, Snapshot } from './types.js';

/**
 * Read-only view of what is durable, read by `new RaftCore(...)` once at start-up. The core keeps
 * the log (after the latest snapshot) in memory from then on, as OVS raft.c does; compaction
 * bounds it.
 */
export interface RaftStorageView {
  /** Last persisted hard state; term 0, vote null, commit 0 for a fresh server. */
  hardState(): HardState;
  /** Latest persisted snapshot, if any. */
  snapshot(): Snapshot | undefined;
  /** Every persisted entry after the snapshot, in index order, contiguous. */
  entries(): readonly LogEntry[];
}

/**
 * One atomic write: either all of it survives a crash or none of it. Applied in this order:
 * `snapshot`, then `entries`, then `hardState`. Any part may be absent or empty.
 */
export interface PersistBatch {
  readonly hardState?: HardState;
  readonly entries: readonly LogEntry[];
  readonly snapshot?: Snapshot;
}

/**
 * Durable storage of one server's Raft state: a hard state, at most one snapshot, and the log
 * after it. THE CONTRACT (test/contract/log-store.contract.ts checks every implementation):
 *
 * Reads. `hardState()`, `snapshot()` and `entries()` show every batch passed to `write()` so far,
 * durable or not (the core reads them once at start, when nothing is in flight). `entries()` is
 * contiguous and starts at snapshot index + 1 (or 1); callers copy it if they keep it across a
 * write.
 *
 * A batch, step by step (S = the stored snapshot's index, 0 if none; L = the last index held,
 * S if the log is empty):
 *
 * 1. `snapshot` with index <= S: ignored entirely (an older or the same snapshot changes nothing;
 *    the rest of the batch still applies). With index > S it replaces the stored snapshot, and:
 *    - if the log holds an entry with the snapshot's (index, term), the entries after it stay
 *      (local compaction):
 *
 *          before   snap(S) [S+1 ........ X ........ L]
 *          after               snap(X) [X+1 ..... L]
 *
 *    - otherwise the whole log is dropped (a snapshot from the leader replacing a log that
 *      diverged or is too short), so L becomes the snapshot's index.
 * 2. `entries` (contiguous, increasing by one, else `write` throws): those at or below S (the
 *    snapshot after step 1) are skipped (they are committed, so equal to what the snapshot
 *    covers); if none remain, the log is unchanged. Otherwise, with F the first remaining index:
 *    F > L + 1 leaves a gap, and `write` throws (a caller bug; nothing of the batch is applied
 *    and `done` is never called). Else every stored entry at index >= F is dropped, even beyond
 *    the batch's last entry, and the batch's entries appended (a follower truncating a
 *    conflicting suffix, thesis §3.5):
 *
 *          before   [S+1 ... F-1  F  F+1 ... L]
 *          after    [S+1 ... F-1  F' F+1' ]           (the old F+2 ... L are gone)
 *
 * 3. `hardState`, if present, replaces the stored one whole; absent, the stored one stays. A
 *    batch with only a hard state leaves snapshot and log alone.
 *
 * An empty batch (no snapshot, no entries, no hard state) is allowed: it writes nothing, and its
 * `done` runs in turn like any other.
 *
 * Completion. `done()` runs once per batch, once the batch and every earlier one are durable
 * (fsynced), in the order the batches were written; it may run synchronously inside `write`.
 * `done(err)` means the batch failed: the store is then broken and writes nothing more; every
 * later batch's `done` gets an error or never runs. The caller must stop and reopen.
 * One relaxation: a batch that only raises `hardState.commit` (same term and vote, no entries,
 * no snapshot) may complete before it is durable; the commit index is not needed for safety
 * (thesis §3.8), so after a power loss it may come back lower, never inconsistent.
 *
 * Crash. After a crash (process kill or power loss) and reopen, the store shows: every batch whose
 * `done()` ran, plus possibly some later batches, always a prefix of the write order, each whole
 * or not at all. A batch whose `done` never ran may or may not be there; if it is, so is every
 * earlier batch.
 */
export interface LogStore extends RaftStorageView {
  /**
   * Writes `batch` with the rules above; calls `done()` once it is durable, or `done(err)` if it
   * failed. Throws (writing nothing) if the batch's entries are not contiguous or leave a gap.
   */
  write(batch: PersistBatch, done: (err?: Error) => void): void;
}

/** Outgoing Raft messages. Delivery is best-effort: messages may be lost, duplicated, reordered. */
export interface Transport {
  send(message: RaftMessage): void;
}

/** A clock and timers, structurally compatible with src/base Clock (which src/raft may not import). */
export interface TimerPort {
  /**
   * Monotonic milliseconds (performance.now() in production). The host ticks the core by the
   * time elapsed on this clock, not by how many timer callbacks ran, so an event-loop stall
   * or a suspended process advances Raft time (and expires a leader lease) by its full length.
   */
  nowMs(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
  /**
   * Optional: calls `fn` once the I/O callbacks already due have run (setImmediate in
   * production). Given, the host handles every input that arrives in one event-loop turn and
   * takes one Ready for all of them: 64 proposals from 64 client sockets become one disk write
   * and one append per follower instead of 64. Absent (the simulator), it takes a Ready after
   * every input.
   */
  defer?(fn: () => void): void;
}
