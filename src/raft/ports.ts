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

/** One atomic write. Apply `snapshot`, then `entries` (truncating at entries[0].index), then `hardState`. */
export interface PersistBatch {
  readonly hardState?: HardState;
  readonly entries: readonly LogEntry[];
  readonly snapshot?: Snapshot;
}

/** Durable storage of one server's Raft state. */
export interface LogStore extends RaftStorageView {
  /**
   * Writes `batch`; calls `done()` once it is durable (fsynced), or `done(err)` if it failed.
   * Batches complete in the order they were written. `done` may be called synchronously.
   * After a crash, a batch whose `done` was never called may or may not be on disk, but if it is,
   * so is every earlier batch.
   */
  write(batch: PersistBatch, done: (err?: Error) => void): void;
}

/** Outgoing Raft messages. Delivery is best-effort: messages may be lost, duplicated, reordered. */
export interface Transport {
  send(message: RaftMessage): void;
}

/** Timers, structurally compatible with src/base Clock (which src/raft may not import). */
export interface TimerPort {
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}
