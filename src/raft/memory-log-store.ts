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

/** Applies one batch with the rules of the LogStore contract (ports.ts); throws on a gap. */
function applyBatch(st: StoreState, b: PersistBatch): StoreState {
  let entries = st.entries;
  let snapshot = st.snapshot;
  const m = b.snapshot?.meta;
  if (b.snapshot !== undefined && m !== undefined && m.index > (snapshot?.meta.index ?? 0)) {
    const at = entries.find((e) => e.index === m.index);
    // Keep the suffix only if the log agrees with the snapshot at its index (local compaction).
    entries = at !== undefined && at.term === m.term ? entries.filter((e) => e.index > m.index) : [];
    snapshot = b.snapshot;
  }
  const base = snapshot?.meta.index ?? 0;
  checkContiguous(b.entries);
  // Entries the snapshot covers are committed, hence equal to what it holds: skip them.
  const fresh = b.entries[0] !== undefined && b.entries[0].index <= base ? b.entries.filter((e) => e.index > base) : b.entries;
  const first = fresh[0];
  if (first !== undefined) {
    const last = entries.at(-1)?.index ?? base;
    if (first.index > last + 1) {
      throw new Error(`append at ${first.index} does not fit a log ending at ${last} after snapshot ${base}`);
    }
    entries = [...entries.filter((e) => e.index < first.index), ...fresh];
  }
  return { hardState: b.hardState ?? st.hardState, snapshot, entries };
}

/** Throws unless `entries` have increasing, consecutive indexes. */
function checkContiguous(entries: readonly LogEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1] as LogEntry;
    const cur = entries[i] as LogEntry;
    if (cur.index !== prev.index + 1) throw new Error(`append entries not contiguous: ${cur.index} after ${prev.index}`);
  }
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
