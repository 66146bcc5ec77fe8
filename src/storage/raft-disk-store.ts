/**
 * The on-disk Raft LogStore: one member's clustered database directory, a LevelDB laid out as in
 * raft-keys.ts. Implements the LogStore contract of src/raft/ports.ts (checked by
 * test/contract/log-store.contract.ts) plus the member's cluster metadata.
 *
 * Writing:
 * - `write()` applies the batch to the in-memory view at once (the contract's reads), turns it
 *   into LevelDB operations, and queues them. One LevelDB batch with `sync: true` at a time:
 *   every batch queued while one is in flight goes into the next one together (GROUP COMMIT), so
 *   N concurrent writers pay about one fsync per round, not N. `done` callbacks run in write
 *   order once their round is synced, never synchronously inside `write()`.
 * - A snapshot's data is written first, in pieces of SNAPSHOT_PIECE_BYTES each in its own synced
 *   batch, so a snapshot of hundreds of MB never blocks the event loop for more than the copy of
 *   one piece; then the round's batch points r:snap at it (atomically with the rest of the round).
 * - Log keys a snapshot covers are deleted lazily after the round (db.clear, off the main thread);
 *   recovery ignores them meanwhile.
 * - A failed LevelDB write breaks the store: that round and every later write get the error.
 *
 * Why LevelDB for the log and not the standalone journal files (journal-file.ts): a Raft batch is
 * a hard state, a snapshot and a log suffix that must land atomically, and entries are truncated
 * and overwritten; in LevelDB that is one batch with puts and deletes, in a journal it needs
 * its own record kinds, rewriting on compaction and a second place for the snapshot to agree
 * with. Measured with test/storage/raft-log-bench.ts (16 writers of 1 KiB entries, a busy 2-core
 * VM): LevelDB 11-22k entries/s at 1/16 sync per write, bare journal frames 20-36k at 1/8. The
 * journal is faster, but the server's RaftHost writes one batch at a time, where both are bound
 * by fsync latency.
 *
 * @example
 * await RaftDiskStore.create(dir, meta, { snapshot, hardState });
 * const store = await RaftDiskStore.open(dir);
 * store.write({ entries: [e], hardState }, (err) => { ... durable ... });
 * await store.close();
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Level } from 'level';
import type { LogStore, PersistBatch } from '../raft/ports.js';
import type { HardState, LogEntry, Snapshot } from '../raft/types.js';
import { syncDirectory } from './journal-file.js';
import { KEY_FORMAT } from './keys.js';
import { isLockedError, levelErrorMessage } from './level-errors.js';
import { levelOp, pieceCount, writePieces, type LevelOp, type Op, type SnapshotWrite } from './raft-disk-ops.js';
import { classify, recoverRaftDir, type RecoveredRaftDir } from './raft-disk-recovery.js';
import {
  KEY_KIND, KIND_CLUSTERED, RAFT_FORMAT_VERSION, RAFT_KEY_FORMAT, RAFT_KEY_HARD_STATE, RAFT_KEY_META,
  RAFT_LOG_KEY_MIN, raftLogKey, raftPieceKey, raftPiecePrefix, raftPiecePrefixEnd,
} from './raft-keys.js';
import type { ClusterMeta } from './raft-values.js';
import { checkClusterMeta, encodeClusterMeta, encodeEntry, encodeHardState, entryValueBytes } from './raft-values.js';

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

/** One queued write. */
interface Pending {
  readonly ops: Op[];
  /** A snapshot whose pieces are written (each synced) before the round's batch. */
  readonly snapshot: SnapshotWrite | undefined;
  /** After the round: delete log keys below this index (0: none). */
  readonly clearLogBelow: number;
  readonly done: (err?: Error) => void;
}

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
      const found = await recoverRaftDir(db, dir, progress);
      const readOnly = opts.readOnly ?? false;
      if (!readOnly) {
        for (const id of found.leftoverSnapshotIds) {
          await db.clear({ gte: raftPiecePrefix(id), lt: raftPiecePrefixEnd(id) });
        }
        const snapIndex = found.snapshot?.meta.index ?? 0;
        if (found.staleLogKeys) await db.clear({ gte: RAFT_LOG_KEY_MIN, lt: raftLogKey(snapIndex + 1) });
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
      this.#enqueue({ ops: [{ type: 'put', key: RAFT_KEY_META, value: encodeClusterMeta(copy) }], snapshot: undefined, clearLogBelow: 0, done: (err) => (err ? reject(err) : resolve()) });
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
    // Checked: from here on nothing throws but encoding, which cannot fail for valid entries.
    const ops: Op[] = [];
    let snapshot: SnapshotWrite | undefined;
    let clearLogBelow = 0;
    if (newSnapshot !== undefined) {
      snapshot = this.#replaceSnapshot(newSnapshot, keepSuffix, ops);
      clearLogBelow = newSnapIndex + 1;
    }
    if (first !== undefined) this.#append(fresh, ops);
    if (batch.hardState !== undefined) {
      this.#hardState = batch.hardState;
      ops.push({ type: 'put', key: RAFT_KEY_HARD_STATE, value: encodeHardState(batch.hardState) });
    }
    this.#writes++;
    this.#enqueue({ ops, snapshot, clearLogBelow, done });
  }

  /** Waits for queued writes (and lazy deletions), then closes. Later writes throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#draining !== undefined) await this.#draining;
    await this.#clearing;
    await this.#db.close();
  }

  #snapIndex(): number {
    return this.#snapshot?.meta.index ?? 0;
  }

  #checkWritable(): void {
    if (this.#closed) throw new Error(`${this.dir}: Raft store is closed`);
    if (this.#readOnly) throw new Error(`${this.dir}: Raft store is open read-only`);
  }

  /** Installs `snap` in the view and adds its operations; returns what to write before them. */
  #replaceSnapshot(snap: Snapshot, keepSuffix: boolean, ops: Op[]): SnapshotWrite {
    const snapIndex = this.#snapIndex();
    const write: SnapshotWrite = { id: this.#nextSnapshotId++, snapshot: snap, crcs: [] };
    ops.push({ type: 'manifest', write });
    const old = this.#pieces;
    if (old !== undefined) for (let k = 0; k < old.count; k++) ops.push({ type: 'del', key: raftPieceKey(old.id, k) });
    // Entries at or below the snapshot go lazily (clearLogBelow); a dropped log's suffix now.
    const cut = keepSuffix ? snap.meta.index - snapIndex : this.#entries.length;
    if (!keepSuffix) for (let i = snap.meta.index + 1; i <= snapIndex + this.#entries.length; i++) ops.push({ type: 'del', key: raftLogKey(i) });
    for (let k = 0; k < cut; k++) this.#logBytes -= this.#entryBytes[k] as number;
    this.#entries = this.#entries.slice(cut);
    this.#entryBytes = this.#entryBytes.slice(cut);
    this.#snapshot = snap;
    this.#pieces = { id: write.id, count: pieceCount(snap.data.length) };
    return write;
  }

  /** Truncates the view at `fresh[0].index`, appends `fresh`, and adds the operations. */
  #append(fresh: readonly LogEntry[], ops: Op[]): void {
    const snapIndex = this.#snapIndex();
    const oldLast = snapIndex + this.#entries.length;
    const at = (fresh[0] as LogEntry).index - snapIndex - 1;
    const newLast = (fresh[fresh.length - 1] as LogEntry).index;
    for (let i = newLast + 1; i <= oldLast; i++) ops.push({ type: 'del', key: raftLogKey(i) });
    for (let k = at; k < this.#entryBytes.length; k++) this.#logBytes -= this.#entryBytes[k] as number;
    this.#entries.length = at;
    this.#entryBytes.length = at;
    for (const e of fresh) {
      ops.push({ type: 'put', key: raftLogKey(e.index), value: encodeEntry(e), valueEncoding: 'view' });
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

  /** Writes rounds until the queue is empty: all that was queued meanwhile goes in each round. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && this.#failed === undefined) {
      const round = this.#queue;
      this.#queue = [];
      try {
        for (const p of round) if (p.snapshot !== undefined) this.#syncs += await writePieces(this.#db, p.snapshot);
        const ops = round.flatMap((p) => p.ops.map(levelOp));
        if (ops.length > 0) {
          this.#syncs++;
          await this.#db.batch<string, string | Uint8Array>(ops, { sync: true });
        }
      } catch (e) {
        this.#failed = new Error(levelErrorMessage(this.dir, 'Raft log write failed', e));
        this.#queue = [...round, ...this.#queue];
        break;
      }
      let clearBelow = 0;
      for (const p of round) {
        clearBelow = Math.max(clearBelow, p.clearLogBelow);
        callDone(p.done);
      }
      if (clearBelow > 0) this.#clearLog(clearBelow);
    }
    if (this.#failed !== undefined) {
      const err = this.#failed;
      const failed = this.#queue;
      this.#queue = [];
      for (const p of failed) callDone(p.done, err);
    }
    this.#draining = undefined;
  }

  /** Deletes log keys below `index` in the background (recovery ignores them meanwhile). */
  #clearLog(index: number): void {
    this.#clearing = this.#clearing
      .then(() => this.#db.clear({ gte: RAFT_LOG_KEY_MIN, lt: raftLogKey(index) }))
      .catch(() => undefined); // Not needed for correctness: open() deletes them again.
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
