/**
 * A simulated disk implementing the Raft {@link LogStore} port. A write becomes durable (and its
 * `done` callback runs) on a later tick the seeded PRNG picks; a slow disk takes much longer.
 * Writes complete in order, as the port promises. On a crash the batches still in flight are
 * lost, except that a random prefix of them may have reached the platter before the crash (the
 * port allows it: "if it is, so is every earlier batch").
 *
 * Two images are kept: `durable` (what survives a crash) and `logical` (what the node has been
 * told to write: durable plus every batch in flight). Checkers read both.
 */
import type { Prng } from '../../src/base/prng.js';
import type { LogStore, PersistBatch } from '../../src/raft/ports.js';
import { logIndex, term, type HardState, type LogEntry, type Snapshot } from '../../src/raft/types.js';

/** Disk fault knobs; the swarm picks them from the seed. */
export interface DiskOptions {
  readonly latencyTicksMin: number;
  readonly latencyTicksMax: number;
  /** Probability a write is slow, taking up to `slowTicksMax` more ticks. */
  readonly slowProbability: number;
  readonly slowTicksMax: number;
  /** On a crash, probability each in-flight batch (in order) made it to disk anyway. */
  readonly crashSurvivalProbability: number;
  /** Probability a write fails with an I/O error (nothing of it reaches the disk). Default 0. */
  readonly writeErrorProbability?: number;
}

/** The persisted contents of one server's Raft store. */
export class DiskImage {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  /** Entries after the snapshot, contiguous. */
  entries: LogEntry[];

  constructor(hardState: HardState, snapshot: Snapshot | undefined, entries: LogEntry[]) {
    this.hardState = hardState;
    this.snapshot = snapshot;
    this.entries = entries;
  }

  static empty(): DiskImage {
    return new DiskImage({ term: term(0), vote: null, commit: logIndex(0) }, undefined, []);
  }

  clone(): DiskImage {
    return new DiskImage(this.hardState, this.snapshot, [...this.entries]);
  }

  /** Index of the first entry held (snapshot index + 1). */
  get firstIndex(): number {
    return (this.snapshot?.meta.index ?? 0) + 1;
  }

  /** Index of the last entry (or the snapshot's index when the log is empty). */
  get lastIndex(): number {
    return this.firstIndex + this.entries.length - 1;
  }

  /** The entry at `index`, if held. */
  entry(index: number): LogEntry | undefined {
    return this.entries[index - this.firstIndex];
  }

  /** Term at `index`: from the log, or the snapshot's own term at its index; undefined otherwise. */
  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    if (this.snapshot !== undefined && index === this.snapshot.meta.index) return this.snapshot.meta.term;
    return this.entry(index)?.term;
  }

  /**
   * Applies one batch with the port's semantics (ports.ts): snapshot, then entries, then hard
   * state. Throws, changing nothing, if the entries are not contiguous or leave a gap.
   */
  apply(batch: PersistBatch): void {
    for (let i = 1; i < batch.entries.length; i++) {
      if (batch.entries[i]?.index !== (batch.entries[i - 1]?.index ?? 0) + 1) throw new Error('log append: entries not contiguous');
    }
    let snapshot = this.snapshot;
    let entries = this.entries;
    const meta = batch.snapshot?.meta;
    // A snapshot older than (or the same as) the one held changes nothing.
    if (batch.snapshot !== undefined && meta !== undefined && meta.index > (snapshot?.meta.index ?? 0)) {
      const keep = this.termAt(meta.index) === meta.term;
      entries = keep ? entries.slice(meta.index + 1 - this.firstIndex) : [];
      snapshot = batch.snapshot;
    }
    const firstIndex = (snapshot?.meta.index ?? 0) + 1;
    // Entries the snapshot already covers are committed, so equal to it: skip them.
    const fresh = batch.entries.filter((e) => e.index >= firstIndex);
    const head = fresh[0];
    if (head !== undefined) {
      const at = head.index - firstIndex;
      if (at > entries.length) throw new Error(`log gap: append at ${head.index} after last ${firstIndex + entries.length - 1}`);
      entries.length = at;
      for (const e of fresh) entries.push(e);
    }
    this.snapshot = snapshot;
    this.entries = entries;
    if (batch.hardState !== undefined) this.hardState = batch.hardState;
  }
}

interface InFlight {
  readonly batch: PersistBatch;
  readonly fails: boolean;
  readonly completeTick: number;
  readonly done: (err?: Error) => void;
}

/** Statistics for the run summary. */
export interface DiskStats {
  writes: number;
  errors: number;
  lostOnCrash: number;
  survivedCrash: number;
}

/** One server's disk. Survives crashes of its node: the cluster builds a new core over it. */
export class SimDisk implements LogStore {
  readonly durable = DiskImage.empty();
  logical = DiskImage.empty();
  #inFlight: InFlight[] = [];
  #tailTick = 0;
  #now = 0;
  /** Called when a batch is handed to the disk (for checkers), with the logical image before it. */
  onWrite: ((batch: PersistBatch, before: DiskImage) => void) | undefined;
  readonly stats: DiskStats = { writes: 0, errors: 0, lostOnCrash: 0, survivedCrash: 0 };
  /** True in the liveness phase: no more I/O errors. */
  calm = false;
  /** Extra ticks added to every write (scripted scenarios make one disk slower than others). */
  extraLatencyTicks = 0;

  constructor(
    readonly options: DiskOptions,
    private readonly prng: Prng,
  ) {}

  // The view shows every batch written, durable or not (the LogStore contract); after a crash
  // `logical` is the durable image again.
  hardState(): HardState {
    return this.logical.hardState;
  }

  snapshot(): Snapshot | undefined {
    return this.logical.snapshot;
  }

  entries(): readonly LogEntry[] {
    return this.logical.entries;
  }

  write(batch: PersistBatch, done: (err?: Error) => void): void {
    this.stats.writes += 1;
    this.onWrite?.(batch, this.logical);
    this.logical.apply(batch);
    let latency = this.extraLatencyTicks + this.prng.int(this.options.latencyTicksMin, this.options.latencyTicksMax);
    if (this.prng.chance(this.options.slowProbability)) latency += this.prng.int(1, this.options.slowTicksMax);
    const completeTick = Math.max(this.#now + latency, this.#tailTick);
    this.#tailTick = completeTick;
    const p = this.calm ? 0 : this.options.writeErrorProbability ?? 0;
    const fails = p > 0 && this.prng.chance(p);
    this.#inFlight.push({ batch, fails, completeTick, done });
  }

  /** Writes initial contents at once, durably, before any server runs (as create-cluster does). */
  format(batch: PersistBatch): void {
    this.durable.apply(batch);
    this.logical = this.durable.clone();
  }

  /** Batches not yet durable. */
  get pendingWrites(): number {
    return this.#inFlight.length;
  }

  /** Completes every write due at or before tick `now`, in order, and runs their callbacks. */
  tick(now: number): void {
    this.#now = now;
    while (this.#inFlight.length > 0) {
      const head = this.#inFlight[0];
      if (head === undefined || head.completeTick > now) break;
      this.#inFlight.shift();
      if (head.fails) {
        // An I/O error: nothing of this batch, nor of any later one, reaches the disk.
        this.stats.errors += 1;
        this.#inFlight = [];
        this.#tailTick = now;
        this.logical = this.durable.clone();
        head.done(new Error('simulated I/O error'));
        return;
      }
      this.durable.apply(head.batch);
      head.done();
    }
  }

  /**
   * The node crashed: a random prefix of the in-flight batches reaches the disk, the rest is
   * lost, and no callback runs.
   */
  crash(): void {
    let surviving = true;
    for (const w of this.#inFlight) {
      surviving = surviving && this.prng.chance(this.options.crashSurvivalProbability);
      if (surviving) {
        this.durable.apply(w.batch);
        this.stats.survivedCrash += 1;
      } else this.stats.lostOnCrash += 1;
    }
    this.#inFlight = [];
    this.#tailTick = this.#now;
    this.logical = this.durable.clone();
  }
}
