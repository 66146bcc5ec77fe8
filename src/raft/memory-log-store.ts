/**
 * An in-memory LogStore with an explicit sync point, for tests and the simulator: writes are
 * visible at once but become durable only at `sync()`; `crash()` throws away what was not
 * synced (optionally keeping a prefix of the pending batches, as a torn write would).
 */
import type { LogStore, PersistBatch } from './ports.js';
import type { HardState, LogEntry, Snapshot } from './types.js';
import { logIndex, term } from './types.js';

interface StoreState {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: LogEntry[];
}

function applyBatch(st: StoreState, b: PersistBatch): StoreState {
  let entries = st.entries;
  let snapshot = st.snapshot;
  if (b.snapshot !== undefined) {
    const m = b.snapshot.meta;
    const at = entries.find((e) => e.index === m.index);
    // Keep the suffix only if the log agrees with the snapshot at its index (local compaction).
    entries = at !== undefined && at.term === m.term ? entries.filter((e) => e.index > m.index) : [];
    snapshot = b.snapshot;
  }
  const first = b.entries[0];
  if (first !== undefined) {
    const base = snapshot?.meta.index ?? 0;
    const last = entries.at(-1)?.index ?? base;
    if (first.index > last + 1 || first.index <= base) {
      throw new Error(`append at ${first.index} does not fit a log ending at ${last} after snapshot ${base}`);
    }
    entries = [...entries.filter((e) => e.index < first.index), ...b.entries];
  }
  return { hardState: b.hardState ?? st.hardState, snapshot, entries };
}

/** Options of MemoryLogStore. */
export interface MemoryLogStoreOptions {
  /** Complete every write synchronously (as if fsync were instant). Default false. */
  readonly autoSync?: boolean;
}

/** In-memory LogStore. */
export class MemoryLogStore implements LogStore {
  #durable: StoreState = { hardState: { term: term(0), vote: null, commit: logIndex(0) }, snapshot: undefined, entries: [] };
  #visible: StoreState = this.#durable;
  #pending: { batch: PersistBatch; done: (err?: Error) => void }[] = [];
  readonly #autoSync: boolean;

  constructor(options: MemoryLogStoreOptions = {}) {
    this.#autoSync = options.autoSync ?? false;
  }

  hardState(): HardState { return this.#visible.hardState; }
  snapshot(): Snapshot | undefined { return this.#visible.snapshot; }
  entries(): readonly LogEntry[] { return this.#visible.entries; }

  write(batch: PersistBatch, done: (err?: Error) => void): void {
    this.#visible = applyBatch(this.#visible, batch);
    this.#pending.push({ batch, done });
    if (this.#autoSync) this.sync();
  }

  /** Number of writes not yet durable. */
  get pendingWrites(): number {
    return this.#pending.length;
  }

  /** Makes the oldest pending write durable and reports it; false if none. */
  syncOne(): boolean {
    const p = this.#pending.shift();
    if (p === undefined) return false;
    this.#durable = applyBatch(this.#durable, p.batch);
    p.done();
    return true;
  }

  /** Makes every pending write durable, in order. */
  sync(): void {
    while (this.syncOne()) { /* in order */ }
  }

  /**
   * Simulates a power loss: the first `keepPending` unsynced writes survive, the rest are lost
   * and their callbacks never run. The store then shows only what is durable.
   */
  crash(keepPending = 0): void {
    for (const p of this.#pending.slice(0, keepPending)) this.#durable = applyBatch(this.#durable, p.batch);
    this.#pending = [];
    this.#visible = this.#durable;
  }
}
