/**
 * The on-disk Raft LogStore: one member's clustered database directory, a LevelDB plus journal
 * files laid out as in raft-keys.ts. Implements the LogStore contract of src/raft/ports.ts
 * (checked by test/contract/log-store.contract.ts) plus the member's cluster metadata.
 *
 * Writing:
 * - `write()` applies the batch to the in-memory view at once (the contract's reads) and queues
 *   it. A batch without a new snapshot becomes one journal record (raft-journal-record.ts):
 *   its entries (an append truncates the log from its first index on) and/or hard state.
 * - GROUP COMMIT: one round at a time; a round takes every record queued so far, encodes them
 *   into one buffer, hands it to the OS with one write(2) (a few µs into the page cache) and then
 *   runs fdatasync on libuv's thread pool, so the loop keeps reading meanwhile; every batch
 *   written while it runs goes into the next round. `done` callbacks run in write order once
 *   their round is synced, never synchronously inside `write()`. The journal file is
 *   pre-allocated (journal-file.ts), so fdatasync need not commit a new file size.
 * - A batch with a new snapshot is a CHECKPOINT, written to LevelDB after every earlier round:
 *   the snapshot's data first, in pieces of SNAPSHOT_PIECE_BYTES each in its own synced batch (so
 *   a snapshot of hundreds of MB never blocks the event loop for more than the copy of one
 *   piece), then one synced batch holding r:snap, the hard state and the log after the snapshot
 *   as of that batch, and r:journal pointing past every journal file, which are then deleted in
 *   the background (open deletes them again after a crash). The log after a snapshot is short
 *   (the entries not yet applied), so rewriting it costs little.
 * - `setMeta` is one synced LevelDB batch, in turn with the rest.
 * - Log keys a snapshot covers are deleted lazily after the checkpoint (db.clear, off the main
 *   thread); recovery ignores them meanwhile.
 * - A failed write breaks the store: that round and every later write get the error.
 *
 * Why journals and not LevelDB for the log (format 1 kept it as r:log keys): a clustered write
 * is acknowledged once a majority has it fsynced, so this sync is on every write's critical
 * path. A synced LevelDB batch of one 1 KiB entry took 1.1-1.4 ms on the 2-core VM, a journal
 * write + fdatasync 0.4-1.1 ms (test/storage/raft-log-bench.ts; docs/benchmarks.md). LevelDB
 * stays the store of record for what is written rarely and must be atomic with more than an
 * append: metadata, snapshots and checkpoints.
 *
 * @example
 * await RaftDiskStore.create(dir, meta, { snapshot, hardState });
 * const store = await RaftDiskStore.open(dir);
 * store.write({ entries: [e], hardState }, (err) => { ... durable ... });
 * await store.close();
 */
import { unlink, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Level } from 'level';
import type { LogStore, PersistBatch } from '../raft/ports.js';
import type { HardState, LogEntry, Snapshot } from '../raft/types.js';
import { JournalFile, syncDirectory, syncJournals } from './journal-file.js';
import { KEY_FORMAT } from './keys.js';
import { isLockedError, levelErrorMessage } from './level-errors.js';
import { checkpointOps, levelOp, pieceCount, settleJournals, writePieces, type Checkpoint, type LevelOp, type SnapshotWrite } from './raft-disk-ops.js';
import { classify, recoverRaftDir, type RecoveredRaftDir } from './raft-disk-recovery.js';
import type { JournalBatch } from './raft-journal-record.js';
import { encodeJournalRound } from './raft-journal-record.js';
import {
  KEY_KIND, KIND_CLUSTERED, RAFT_FORMAT_VERSION, RAFT_KEY_FORMAT, RAFT_KEY_HARD_STATE, RAFT_KEY_META,
  RAFT_LOG_KEY_MIN, raftJournalName, raftLogKey, raftPiecePrefix, raftPiecePrefixEnd,
} from './raft-keys.js';
import type { ClusterMeta } from './raft-values.js';
import { checkClusterMeta, encodeClusterMeta, encodeHardState, entryValueBytes } from './raft-values.js';

export type { ClusterMeta } from './raft-values.js';

/** Counters for tests, benchmarks and status commands. */
export interface RaftDiskStoreStats {
  /** Log entries after the snapshot, and their stored bytes. */
  readonly entries: number;
  readonly logBytes: number;
  /** Batches accepted by write() since open. */
  readonly writes: number;
  /** Synced LevelDB batches since open (rounds of group commit, plus snapshot pieces). */
  readonly syncs: number;
  readonly snapshotIndex: number;
  readonly snapshotBytes: number;
}

/** Options of RaftDiskStore.open. */
export interface RaftDiskStoreOpenOptions {
  /** Refuse writes and repair nothing (tool commands). LevelDB still locks the directory. */
  readonly readOnly?: boolean;
  /** Told what recovery found and repaired. */
  readonly onProgress?: (msg: string) => void;
}

/** One queued write: a journal record (none for an empty batch), a checkpoint, or metadata. */
type Pending =
  | {
    readonly kind: 'journal'; readonly batch: JournalBatch | undefined; readonly done: (err?: Error) => void;
    /** Only the commit index changed: written, not synced (see write()). */
    readonly lazy: boolean;
  }
  | { readonly kind: 'checkpoint'; readonly checkpoint: Checkpoint; readonly done: (err?: Error) => void }
  | { readonly kind: 'meta'; readonly meta: ClusterMeta; readonly done: (err?: Error) => void };

/** A journal file is closed after the round that takes it past this size; the next starts a new one. */
const JOURNAL_MAX_BYTES = 64 * 1024 * 1024;

function checkContiguous(entries: readonly LogEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1] as LogEntry;
    const cur = entries[i] as LogEntry;
    if (cur.index !== prev.index + 1) throw new Error(`append entries not contiguous: ${cur.index} after ${prev.index}`);
  }
}

async function openLevel(dir: string, create: boolean): Promise<Level<string, string>> {
  const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: create, errorIfExists: create });
  try {
    await db.open();
  } catch (e) {
    throw new Error(levelErrorMessage(dir, create ? 'cannot create database' : 'cannot open database', e));
  }
  return db;
}

/** True if `dir` has a LevelDB's CURRENT file (checked first: opening creates files in `dir`). */
async function hasLevelDb(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'CURRENT'))).isFile();
  } catch {
    return false;
  }
}

export class RaftDiskStore implements LogStore {
  readonly #db: Level<string, string>;
  readonly #readOnly: boolean;
  #meta: ClusterMeta;
  #hardState: HardState;
  #snapshot: Snapshot | undefined;
  /** Where the stored snapshot's pieces are. */
  #pieces: { readonly id: number; readonly count: number } | undefined;
  /** Entries after the snapshot, and their stored sizes (parallel arrays). */
  #entries: LogEntry[];
  #entryBytes: number[];
  #logBytes: number;
  #nextSnapshotId: number;
  /** Highest r:log index stored above the snapshot (what the next checkpoint must delete). */
  #levelLogLast: number;
  /** The journal being written (created by the first round after open or a checkpoint). */
  #file: JournalFile | undefined;
  /** Journal files holding state since the last checkpoint (the current one included). */
  #liveFiles: string[];
  #nextFileNumber: number;
  #nextSeq: number;
  #queue: Pending[] = [];
  #draining: Promise<void> | undefined;
  #clearing: Promise<void> = Promise.resolve();
  #failed: Error | undefined;
  #closed = false;
  #writes = 0;
  #syncs = 0;

  private constructor(readonly dir: string, db: Level<string, string>, readOnly: boolean, found: RecoveredRaftDir) {
    this.#db = db;
    this.#readOnly = readOnly;
    this.#meta = found.meta;
    this.#hardState = found.hardState;
    this.#snapshot = found.snapshot;
    this.#pieces = found.manifest === undefined ? undefined : { id: found.manifest.id, count: found.manifest.crcs.length };
    this.#entries = found.entries;
    this.#entryBytes = found.entryBytes;
    this.#logBytes = found.entryBytes.reduce((a, b) => a + b, 0);
    this.#nextSnapshotId = found.nextSnapshotId;
    this.#levelLogLast = found.levelLogLast;
    this.#file = undefined;
    this.#liveFiles = found.journals.live.map((f) => f.path);
    this.#nextFileNumber = found.journals.nextNumber;
    this.#nextSeq = found.journals.nextSeq;
  }

  /**
   * Creates `dir` (must not exist, or be an empty directory) as a clustered database. A founding
   * member passes the initial snapshot and hard state (create-cluster); a joining member none.
   */
  static async create(dir: string, meta: ClusterMeta, initial?: { snapshot: Snapshot; hardState: HardState }): Promise<void> {
    checkClusterMeta(meta);
    const existing = await readdir(dir).catch((e: unknown) => {
      if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return [];
      throw new Error(`${dir}: cannot create database: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (existing.length > 0) throw new Error(`${dir}: cannot create database: the directory exists and is not empty`);
    const db = await openLevel(dir, true);
    try {
      const ops: LevelOp[] = [
        { type: 'put', key: RAFT_KEY_FORMAT, value: String(RAFT_FORMAT_VERSION) },
        { type: 'put', key: RAFT_KEY_META, value: encodeClusterMeta(meta) },
      ];
      if (initial !== undefined) {
        const w: SnapshotWrite = { id: 1, snapshot: initial.snapshot, crcs: [] };
        await writePieces(db, w);
        ops.push(levelOp({ type: 'manifest', write: w }));
        ops.push({ type: 'put', key: RAFT_KEY_HARD_STATE, value: encodeHardState(initial.hardState) });
      }
      // One synced batch after the pieces: a creation a crash cut short has no kind key, so it is
      // not taken for a database (kind() says 'none'; create again after emptying the directory).
      ops.push({ type: 'put', key: KEY_KIND, value: KIND_CLUSTERED });
      await db.batch<string, string | Uint8Array>(ops, { sync: true });
    } catch (e) {
      throw new Error(levelErrorMessage(dir, 'cannot create database', e));
    } finally {
      await db.close();
    }
    await syncDirectory(dirname(dir)).catch(() => undefined);
  }

  /** Opens `dir` and loads everything; recovers after a crash with no manual step. */
  static async open(dir: string, opts: RaftDiskStoreOpenOptions = {}): Promise<RaftDiskStore> {
    if (!(await hasLevelDb(dir))) throw new Error(`${dir}: not an ovsdb-ts clustered database`);
    const db = await openLevel(dir, false);
    const progress = opts.onProgress ?? ((): void => undefined);
    try {
      let found = await recoverRaftDir(db, dir, progress);
      const readOnly = opts.readOnly ?? false;
      if (!readOnly) {
        for (const id of found.leftoverSnapshotIds) {
          await db.clear({ gte: raftPiecePrefix(id), lt: raftPiecePrefixEnd(id) });
        }
        const snapIndex = found.snapshot?.meta.index ?? 0;
        if (found.staleLogKeys) await db.clear({ gte: RAFT_LOG_KEY_MIN, lt: raftLogKey(snapIndex + 1) });
        found = await settleJournals(db, dir, found, progress);
      }
      return new RaftDiskStore(dir, db, readOnly, found);
    } catch (e) {
      await db.close();
      if (e instanceof Error && e.message.startsWith(`${dir}: `)) throw e;
      throw new Error(levelErrorMessage(dir, 'cannot read database', e));
    }
  }

  /** What `dir` holds, without keeping it open. Throws if another process holds it. */
  static async kind(dir: string): Promise<'clustered' | 'standalone' | 'none'> {
    if (!(await hasLevelDb(dir))) return 'none';
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: false });
    try {
      await db.open();
    } catch (e) {
      if (isLockedError(e)) throw new Error(levelErrorMessage(dir, 'cannot open database', e));
      return 'none';
    }
    try {
      const [kind, format, standaloneFormat] = await db.getMany([KEY_KIND, RAFT_KEY_FORMAT, KEY_FORMAT]);
      return classify(kind, format, standaloneFormat);
    } finally {
      await db.close();
    }
  }

  hardState(): HardState { return this.#hardState; }
  snapshot(): Snapshot | undefined { return this.#snapshot; }
  entries(): readonly LogEntry[] { return this.#entries; }
  meta(): ClusterMeta { return this.#meta; }

  /** Replaces the cluster metadata; resolves once it is durable (in order with log writes). */
  setMeta(meta: ClusterMeta): Promise<void> {
    checkClusterMeta(meta);
    this.#checkWritable();
    const copy: ClusterMeta = { ...meta, remotes: [...meta.remotes] };
    this.#meta = copy;
    return new Promise((resolve, reject) => {
      this.#enqueue({ kind: 'meta', meta: copy, done: (err) => (err ? reject(err) : resolve()) });
    });
  }

  stats(): RaftDiskStoreStats {
    return {
      entries: this.#entries.length, logBytes: this.#logBytes, writes: this.#writes, syncs: this.#syncs,
      snapshotIndex: this.#snapshot?.meta.index ?? 0, snapshotBytes: this.#snapshot?.data.length ?? 0,
    };
  }

  /**
   * Writes `batch` (contract in src/raft/ports.ts): the view changes at once, `done` runs once
   * the batch is synced. Throws, changing nothing, on entries that are not contiguous or leave a
   * gap, and when the store is closed or read-only.
   */
  write(batch: PersistBatch, done: (err?: Error) => void): void {
    this.#checkWritable();
    checkContiguous(batch.entries);
    const snapIndex = this.#snapIndex();
    const lastIndex = snapIndex + this.#entries.length;
    const meta = batch.snapshot?.meta;
    const newSnapshot = batch.snapshot !== undefined && meta !== undefined && meta.index > snapIndex ? batch.snapshot : undefined;
    const keepSuffix = newSnapshot !== undefined && this.#entries[newSnapshot.meta.index - snapIndex - 1]?.term === newSnapshot.meta.term;
    const newSnapIndex = newSnapshot?.meta.index ?? snapIndex;
    const lastAfterSnapshot = newSnapshot === undefined || keepSuffix ? lastIndex : newSnapIndex;
    const fresh = batch.entries[0] !== undefined && batch.entries[0].index <= newSnapIndex ? batch.entries.filter((e) => e.index > newSnapIndex) : batch.entries;
    const first = fresh[0];
    if (first !== undefined && first.index > lastAfterSnapshot + 1) {
      throw new Error(`${this.dir}: append at ${first.index} does not fit a log ending at ${lastAfterSnapshot} after snapshot ${newSnapIndex}`);
    }
    // Checked: from here on nothing throws.
    const oldPieces = this.#pieces;
    const snapshot = newSnapshot === undefined ? undefined : this.#replaceSnapshot(newSnapshot, keepSuffix);
    if (first !== undefined) this.#append(fresh);
    const previousHard = this.#hardState;
    if (batch.hardState !== undefined) this.#hardState = batch.hardState;
    this.#writes++;
    if (snapshot !== undefined) {
      // The whole state as of this batch goes to LevelDB (entries copied: the view goes on changing).
      const checkpoint: Checkpoint = { snapshot, oldPieces, snapIndex: newSnapIndex, hardState: this.#hardState, entries: this.#entries.slice() };
      this.#enqueue({ kind: 'checkpoint', checkpoint, done });
    } else {
      const empty = first === undefined && batch.hardState === undefined;
      // A batch that only moves the commit index forward needs no fsync: the commit index is not
      // needed for safety (thesis §3.8; a member that forgets it learns it again from the
      // leader), so it is written with the next record and acknowledged without waiting for a
      // sync. Waiting made every sequential write pay two fsyncs on every member: its entries,
      // then the commit index that the next append queued behind.
      const hs = batch.hardState;
      const lazy = first === undefined && hs !== undefined && hs.term === previousHard.term && hs.vote === previousHard.vote;
      this.#enqueue({ kind: 'journal', batch: empty ? undefined : { entries: fresh, hardState: batch.hardState }, done, lazy });
    }
  }

  /** Waits for queued writes (and lazy deletions), then closes. Later writes throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#draining !== undefined) await this.#draining;
    await this.#clearing;
    this.#file?.close();
    this.#file = undefined;
    await this.#db.close();
  }

  #snapIndex(): number {
    return this.#snapshot?.meta.index ?? 0;
  }

  #checkWritable(): void {
    if (this.#closed) throw new Error(`${this.dir}: Raft store is closed`);
    if (this.#readOnly) throw new Error(`${this.dir}: Raft store is open read-only`);
  }

  /** Installs `snap` in the view; returns what the checkpoint writes of it. */
  #replaceSnapshot(snap: Snapshot, keepSuffix: boolean): SnapshotWrite {
    const snapIndex = this.#snapIndex();
    const write: SnapshotWrite = { id: this.#nextSnapshotId++, snapshot: snap, crcs: [] };
    const cut = keepSuffix ? snap.meta.index - snapIndex : this.#entries.length;
    for (let k = 0; k < cut; k++) this.#logBytes -= this.#entryBytes[k] as number;
    this.#entries = this.#entries.slice(cut);
    this.#entryBytes = this.#entryBytes.slice(cut);
    this.#snapshot = snap;
    this.#pieces = { id: write.id, count: pieceCount(snap.data.length) };
    return write;
  }

  /** Truncates the view at `fresh[0].index` and appends `fresh`. */
  #append(fresh: readonly LogEntry[]): void {
    const at = (fresh[0] as LogEntry).index - this.#snapIndex() - 1;
    for (let k = at; k < this.#entryBytes.length; k++) this.#logBytes -= this.#entryBytes[k] as number;
    this.#entries.length = at;
    this.#entryBytes.length = at;
    for (const e of fresh) {
      const bytes = entryValueBytes(e);
      this.#entries.push(e);
      this.#entryBytes.push(bytes);
      this.#logBytes += bytes;
    }
  }

  #enqueue(p: Pending): void {
    if (this.#failed !== undefined) {
      const err = this.#failed;
      setImmediate(() => p.done(err));
      return;
    }
    this.#queue.push(p);
    // Started from a microtask: every write of this turn shares the first round too.
    this.#draining ??= Promise.resolve().then(() => this.#drain());
  }

  /**
   * Writes rounds until the queue is empty: all journal records queued meanwhile go into each
   * round (up to the next checkpoint or metadata write, which is a round of its own).
   */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && this.#failed === undefined) {
      let n = 0;
      while (n < this.#queue.length && this.#queue[n]?.kind === 'journal') n++;
      const round = this.#queue.splice(0, Math.max(n, 1));
      try {
        if (n > 0) await this.#writeJournal(round);
        else await this.#writeLevel(round[0] as Pending);
      } catch (e) {
        this.#failed = new Error(levelErrorMessage(this.dir, 'Raft log write failed', e));
        this.#queue = [...round, ...this.#queue];
        break;
      }
      for (const p of round) callDone(p.done);
    }
    if (this.#failed !== undefined) {
      const err = this.#failed;
      const failed = this.#queue;
      this.#queue = [];
      for (const p of failed) callDone(p.done, err);
    }
    this.#draining = undefined;
  }

  /** One group-commit round: every record of `round` with one write(2), then one fdatasync. */
  async #writeJournal(round: readonly Pending[]): Promise<void> {
    const batches: JournalBatch[] = [];
    for (const p of round) if (p.kind === 'journal' && p.batch !== undefined) batches.push(p.batch);
    if (batches.length === 0) return;
    let file = this.#file;
    if (file === undefined) {
      const number = this.#nextFileNumber++;
      file = this.#file = JournalFile.create(this.dir, number, raftJournalName(number));
      this.#liveFiles.push(file.path);
    }
    file.write(encodeJournalRound(batches, this.#nextSeq), batches.length, this.#nextSeq);
    this.#nextSeq += batches.length;
    // A round of commit-index updates only is handed to the OS and not synced (see write()); the
    // next synced round's fdatasync covers it.
    if (round.every((p) => p.kind === 'journal' && (p.lazy || p.batch === undefined))) return;
    this.#syncs++;
    await syncJournals([file], this.dir);
    if (file.bytes >= JOURNAL_MAX_BYTES) {
      file.close();
      this.#file = undefined;
    }
  }

  /** A checkpoint or a metadata write: synced LevelDB batches. */
  async #writeLevel(p: Pending): Promise<void> {
    if (p.kind === 'meta') {
      this.#syncs++;
      await this.#db.put(RAFT_KEY_META, encodeClusterMeta(p.meta), { sync: true });
      return;
    }
    if (p.kind !== 'checkpoint') return;
    const c = p.checkpoint;
    if (c.snapshot !== undefined) this.#syncs += await writePieces(this.#db, c.snapshot);
    // Every journal file so far is superseded: the next record starts a new file.
    const position = { first: this.#nextFileNumber, seq: this.#nextSeq };
    const ops = checkpointOps(c, this.#levelLogLast, position).map(levelOp);
    this.#syncs++;
    await this.#db.batch<string, string | Uint8Array>(ops, { sync: true });
    this.#levelLogLast = c.snapIndex + c.entries.length;
    this.#file?.close();
    this.#file = undefined;
    const obsolete = this.#liveFiles;
    this.#liveFiles = [];
    this.#cleanUp(obsolete, c.snapIndex + 1);
  }

  /**
   * Deletes journal files a checkpoint superseded and log keys below `index`, in the background
   * (not needed for correctness: open() ignores and deletes them again).
   */
  #cleanUp(files: readonly string[], index: number): void {
    this.#clearing = this.#clearing
      .then(async () => {
        for (const f of files) await unlink(f).catch(() => undefined);
        await this.#db.clear({ gte: RAFT_LOG_KEY_MIN, lt: raftLogKey(index) });
      })
      .catch(() => undefined);
  }
}

/** Runs a completion callback; an exception in it must not stop the writer, so it is rethrown later. */
function callDone(done: (err?: Error) => void, err?: Error): void {
  try {
    if (err === undefined) done();
    else done(err);
  } catch (e) {
    queueMicrotask(() => { throw e; });
  }
}
