/**
 * Durable storage of one standalone database: a LevelDB directory holding the schema, a
 * snapshot and a log of committed records, plus journal files for the newest records (layout in
 * keys.ts).
 *
 * Guarantees (issue 2, "better than the real ovsdb-server"):
 * - `append(r, {durable: false})` resolves once the record has been written to the current
 *   journal with write(2): the data is in the OS page cache, so SIGKILL of this process loses
 *   nothing acknowledged; a power failure may.
 * - `append(r, {durable: true})` resolves only after fdatasync of the journals holding it.
 * - GROUP COMMIT: appends made in one event-loop iteration share one write; durable appends
 *   made while a sync is in flight share the next one, so N concurrent durable commits pay about
 *   one fdatasync per round instead of N.
 * - Records are written, and their promises resolve, in append() call order.
 *
 * Why a journal and not LevelDB directly: every LevelDB write is a libuv threadpool round trip
 * (~150-250 µs) during which the reply waits and the server idles; the journal write is a
 * synchronous system call of a few µs, as the real ovsdb-server does (ovsdb/log.c).
 *
 * WRITTEN ONCE: the journals are the log from the snapshot on, as the real ovsdb-server's file
 * is snapshot then log. A journal that reaches `journalMaxBytes` is closed and a new one begun;
 * closed journals stay until a snapshot (compaction) covers their records, and are then deleted.
 * LevelDB holds the schema and the snapshot, plus log chunks (journal frames verbatim) only when
 * recovery had to repair the journals (a torn tail, or leftovers of an interrupted deletion), and
 * from databases written by earlier versions, which moved every journal into LevelDB as it
 * filled. Measured: that move copied each record a second time, through LevelDB's write-ahead
 * log, memtable and compactions, and cost 10-13 % of write-16 throughput (bench/) on a 2-core
 * machine.
 *
 * A failed write rejects every pending append and all later ones: the caller has already
 * applied those transactions in memory, so it must stop rather than diverge from the disk.
 *
 * @example
 * const store = await StandaloneStore.create('/var/lib/db', schemaJson);
 * await store.append({ Bridge: { [uuid]: { name: 'br0' } } }, { durable: false });
 * await store.close();
 * const { store: again, schemaJson: s, records } = await StandaloneStore.open('/var/lib/db');
 */
import { Level } from 'level';
import { unlink } from 'node:fs/promises';
import type { JsonObject } from '../base/json.js';
import { encodeFrame, encodeFrames, framePayloadBytes } from './journal-frame.js';
import { JournalFile, syncDirectorySync, syncFileSync, syncJournals, syncJournalsNow } from './journal-file.js';
import { recoverStore, type StoredRecord } from './journal-recovery.js';
import { KEY_FORMAT, KEY_KIND, KEY_SCHEMA, KEY_SNAPSHOT, STORE_FORMAT_VERSION, chunkKey, logKey } from './keys.js';
import { jsonText } from '../base/json.js';

export type { StoredRecord } from './journal-recovery.js';
export type { AppendOptions, OpenedStore, StoreOptions, StoreProgressListener, StoreStats } from './store-types.js';
import type { AppendOptions, BatchOp, LevelState, OpenedStore, Retired, StoreOptions, StoreProgressListener, StoreStats, Waiter } from './store-types.js';

/** Closed journals left unsynced (no durable commit since) before a sync round is run for them. */
const MAX_UNSYNCED_JOURNALS = 4;

export class StandaloneStore {
  readonly #db: Level<string, string>;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  #nextSeq: number;
  /** What LevelDB holds once every queued LevelDB operation has run (updated as they run). */
  readonly #level: LevelState;
  #journal: JournalFile | undefined;
  #journalNumber: number;
  /** Journals no longer written, oldest first: the log until a snapshot covers them. */
  readonly #retired: Retired[] = [];
  /** Texts of the records queued for the next journal write, and their sizes in bytes. */
  #texts: string[] = [];
  #textBytes: number[] = [];
  /** Sequence number of the first queued frame. */
  #textsFirstSeq = 0;
  #flushScheduled = false;
  /** While > 0 (a replaceSchema in flight), appends are queued but not written. */
  #hold = 0;
  #writtenSeq: number;
  #durableSeq: number;
  #waiters: Waiter[] = [];
  #waiterHead = 0;
  #syncing: Promise<void> | undefined;
  /** Highest seq written with durable: true (write() or append()), to sync once written. */
  #durableWanted = 0;
  /** Durable records written since the last sync round started. */
  #durableSinceSync = 0;
  #listener: StoreProgressListener | undefined;
  readonly #afterProgress: (() => void) | undefined;
  #levelChain: Promise<void> = Promise.resolve();
  #levelBusy = 0;
  #failed: Error | undefined;
  #closed = false;
  #logRecords: number;
  #logBytes: number;
  #snapshotBytes: number;
  #journalWrites = 0;
  #journalSyncs = 0;
  #levelBatches = 0;
  #appends = 0;

  private constructor(db: Level<string, string>, readonly dir: string, level: LevelState, init: { logRecords: number; logBytes: number; snapshotBytes: number; journalNumber: number; lastSeq: number; retired: readonly Retired[] }, options: StoreOptions) {
    this.#db = db;
    this.#level = level;
    this.#nextSeq = init.lastSeq + 1;
    this.#writtenSeq = init.lastSeq;
    this.#durableSeq = init.lastSeq;
    this.#retired.push(...init.retired);
    this.#logRecords = init.logRecords;
    this.#logBytes = init.logBytes;
    this.#snapshotBytes = init.snapshotBytes;
    this.#journalNumber = init.journalNumber;
    this.#maxRecords = Math.max(1, options.journalMaxRecords ?? Number.MAX_SAFE_INTEGER);
    this.#maxBytes = Math.max(1, options.journalMaxBytes ?? 64 * 1024 * 1024);
    this.#afterProgress = options.afterProgress;
  }

  /** Creates a new, empty database directory; fails if `dir` already holds a database. */
  static async create(dir: string, schemaJson: JsonObject, options: StoreOptions = {}): Promise<StandaloneStore> {
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: true, errorIfExists: true });
    try {
      await db.open();
    } catch (e) {
      throw new Error(`${dir}: cannot create database: ${describeError(e)}`);
    }
    await db.batch([
      { type: 'put', key: KEY_FORMAT, value: String(STORE_FORMAT_VERSION) },
      { type: 'put', key: KEY_KIND, value: 'standalone' },
      { type: 'put', key: KEY_SCHEMA, value: jsonText(schemaJson) },
    ], { sync: true });
    const level: LevelState = { snapshotSeq: 0, legacyFirstSeq: 1, legacyNextSeq: 1, chunks: [] };
    return new StandaloneStore(db, dir, level, { logRecords: 0, logBytes: 0, snapshotBytes: 0, journalNumber: 0, lastSeq: 0, retired: [] }, options);
  }

  /**
   * Opens an existing database directory and reads everything needed to rebuild the state:
   * snapshot, LevelDB log, then journal records beyond them (keys.ts). Journals that recovery
   * read whole go on serving as the log (synced first: a crashed process may have left their
   * data in the page cache only). If recovery had to repair them (a torn tail, records LevelDB
   * already holds), the records it kept move into LevelDB (one synced batch) and the journals
   * are deleted before returning, so no later recovery meets the damage again.
   */
  static async open(dir: string, options: StoreOptions = {}): Promise<OpenedStore> {
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: false });
    try {
      await db.open();
    } catch (e) {
      throw new Error(`${dir}: cannot open database: ${describeError(e)}`);
    }
    try {
      const found = await recoverStore({
        getMany: (keys) => db.getMany(keys),
        texts: (gte, lt) => db.iterator({ gte, lt }),
        bytes: (gte, lt) => db.iterator<string, Buffer>({ gte, lt, valueEncoding: 'buffer' }),
      }, dir);
      const { journals, records } = found;
      const ops: BatchOp[] = [];
      const chunks = [...found.chunks];
      const spans = journals.spans;
      const first = journals.records[0];
      if (spans === undefined && first !== undefined) {
        chunks.push(chunkKey(first.seq));
        ops.push({ type: 'put', key: chunkKey(first.seq), value: Buffer.concat(journals.records.map((r) => encodeFrame(r.seq, r.text))), valueEncoding: 'buffer' });
      }
      if (found.format !== String(STORE_FORMAT_VERSION)) ops.push({ type: 'put', key: KEY_FORMAT, value: String(STORE_FORMAT_VERSION) });
      // Repaired journal records go into LevelDB durably before their files are deleted.
      if (ops.length > 0) await db.batch<string, string | Buffer>(ops, { sync: true });
      // Journals read whole stay as the log (synced once); all others are gone now.
      const adopted = spans ?? [];
      const kept = new Set(adopted.map((j) => j.path));
      for (const f of journals.files) if (!kept.has(f.path)) await unlink(f.path);
      for (const j of adopted) syncFileSync(j.path);
      if (adopted.length > 0) syncDirectorySync(dir);
      const retired: Retired[] = adopted.map((j) => ({ path: j.path, lastSeq: j.lastSeq, file: undefined }));
      const { snapshotSeq, legacyFirstSeq, legacyNextSeq, logRecords, logBytes, snapshotBytes, schemaJson } = found;
      const level: LevelState = { snapshotSeq, legacyFirstSeq, legacyNextSeq, chunks };
      const store = new StandaloneStore(db, dir, level, { logRecords, logBytes, snapshotBytes, journalNumber: journals.nextNumber, lastSeq: found.lastSeq, retired }, options);
      return { store, schemaJson, records };
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /**
   * Appends one committed record. Resolves when written (durable: false) or synced
   * (durable: true); see the class comment. Call order is write order.
   */
  append(record: StoredRecord, options: AppendOptions): Promise<void> {
    let seq: number;
    try {
      seq = this.write(record, options.durable);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return new Promise<void>((resolve, reject) => this.#waiters.push({ seq, durable: options.durable, resolve, reject }));
  }

  /**
   * Appends one committed record (an object, or its JSON text) without a promise: returns its
   * sequence number (1, 2, ... in call order), and the listener of `onProgress` learns when it is written or synced. This is
   * the server's path: a promise and its callbacks per commit were a measurable share of a
   * small transaction. Throws if the store has failed or is closed.
   */
  write(record: StoredRecord | string, durable: boolean): number {
    if (this.#failed) throw this.#failed;
    if (this.#closed) throw new Error(`${this.dir}: database store is closed`);
    const text = typeof record === 'string' ? record : jsonText(record);
    const seq = this.#nextSeq;
    const bytes = framePayloadBytes(text); // throws for a record too large to frame
    this.#nextSeq++;
    this.#appends++;
    this.#logRecords++;
    this.#logBytes += text.length;
    if (this.#texts.length === 0) this.#textsFirstSeq = seq;
    this.#texts.push(text);
    this.#textBytes.push(bytes);
    if (durable) {
      this.#durableWanted = seq;
      this.#durableSinceSync++;
    }
    if (!this.#flushScheduled) {
      // setImmediate, not a microtask: it runs once the event loop has handled every socket that
      // was readable, so the commits of all those clients share one write(2). Measured on
      // write-16 (bench/): median latency 0.63 ms instead of 0.95 ms, a third of the syscalls.
      this.#flushScheduled = true;
      setImmediate(this.#flushTask);
    }
    return seq;
  }

  /** Sets the one listener told of write() progress (see StoreProgressListener). */
  onProgress(listener: StoreProgressListener): void {
    this.#listener = listener;
    if (this.#failed) listener.failed(this.#failed);
  }

  /**
   * Replaces the snapshot with `snapshot` (the whole database as one record, covering every
   * record appended so far, including ones not yet written) and deletes the covered log
   * records, in one atomic, synced LevelDB batch; covered journals are deleted after it.
   */
  compact(snapshot: StoredRecord): Promise<void> {
    return this.#snapshot(snapshot, undefined);
  }

  /**
   * Replaces schema and contents at once (for `convert`): new schema, `snapshot` as the whole
   * database, empty log. Atomic and synced; appends made meanwhile are written only after it,
   * so a crash never replays them onto the old schema.
   */
  replaceSchema(schemaJson: JsonObject, snapshot: StoredRecord): Promise<void> {
    return this.#snapshot(snapshot, schemaJson);
  }

  /** Current counters. */
  stats(): StoreStats {
    return {
      logRecords: this.#logRecords,
      logBytes: this.#logBytes,
      snapshotBytes: this.#snapshotBytes,
      batches: this.#journalWrites + this.#levelBatches,
      syncedBatches: this.#journalSyncs + this.#levelBatches,
      journalWrites: this.#journalWrites,
      journalSyncs: this.#journalSyncs,
      levelBatches: this.#levelBatches,
      journalFiles: this.#retired.length + (this.#journal ? 1 : 0),
      appends: this.#appends,
      lastSeq: this.#nextSeq - 1,
    };
  }

  /** Waits for pending writes, syncs the journals, then closes. Later appends reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#levelBusy > 0) await this.#levelChain;
    this.#flush();
    this.#rotate();
    while (this.#syncing) await this.#syncing;
    const open = this.#openRetired();
    if (!this.#failed && open.length > 0) {
      try {
        syncJournalsNow(open, this.dir);
        this.#durableSeq = this.#writtenSeq;
      } catch (e) {
        this.#fail(e);
      }
    }
    // Every written record is now synced in its journal.
    this.#settle();
    for (const f of open) f.close();
    await this.#db.close();
  }

  readonly #flushTask = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  /** Writes the queued records to the current journal in one system call, then acknowledges. */
  #flush(): void {
    if (this.#failed || this.#hold > 0 || this.#texts.length === 0) return;
    const texts = this.#texts;
    const sizes = this.#textBytes;
    this.#texts = [];
    this.#textBytes = [];
    let journal: JournalFile;
    try {
      const buffer = encodeFrames(this.#textsFirstSeq, texts, sizes);
      journal = this.#journal ?? (this.#journal = JournalFile.create(this.dir, this.#journalNumber++));
      journal.write(buffer, texts.length, this.#textsFirstSeq);
    } catch (e) {
      this.#fail(e);
      return;
    }
    this.#journalWrites++;
    this.#writtenSeq = this.#textsFirstSeq + texts.length - 1;
    this.#settle();
    if (journal.records >= this.#maxRecords || journal.bytes >= this.#maxBytes) this.#rotate();
  }

  /**
   * Reports progress: starts a sync if a durable record is written but not synced, tells the
   * listener, and resolves append() waiters, in call order, whose records are written (and
   * synced if durable).
   */
  #settle(): void {
    if (this.#durableWanted > this.#durableSeq && this.#writtenSeq > this.#durableSeq) this.#requestSync();
    this.#listener?.progress(this.#writtenSeq, this.#durableSeq);
    const waiters = this.#waiters;
    let head = this.#waiterHead;
    while (head < waiters.length) {
      const w = waiters[head] as Waiter;
      if (w.seq > this.#writtenSeq) break;
      if (w.durable && w.seq > this.#durableSeq) break;
      head++;
      w.resolve();
    }
    if (head === waiters.length) {
      this.#waiters = [];
      head = 0;
    } else if (head > 1024) {
      this.#waiters = waiters.slice(head);
      head = 0;
    }
    this.#waiterHead = head;
    this.#afterProgress?.();
  }

  /**
   * Starts one fdatasync round covering everything written so far, unless one is in flight.
   *
   * A lone durable record (one durable commit since the last round: a single client, or
   * durable commits far apart) is synced right here, on this thread: fdatasync of a
   * pre-allocated journal takes about 0.13 ms (p50) where the thread-pool round trip took
   * 0.31 ms, and that is the whole latency of such a commit. The loop is blocked meanwhile, as
   * the real ovsdb-server's is for every durable commit. Several durable records go to the
   * thread pool, so they share one sync while the loop keeps reading (group commit).
   */
  #requestSync(background = false): void {
    if (this.#syncing || this.#failed) return;
    const target = this.#writtenSeq;
    const files = this.#openRetired();
    if (this.#journal) files.push(this.#journal);
    this.#journalSyncs++;
    // Closed journals not yet synced may hold up to journalMaxBytes each: never on this thread.
    const lone = !background && this.#durableSinceSync <= 1 && files.length === 1;
    this.#durableSinceSync = 0;
    if (lone) {
      try {
        syncJournalsNow(files, this.dir);
      } catch (e) {
        this.#fail(e);
        return;
      }
      this.#synced(target);
      return;
    }
    this.#syncing = syncJournals(files, this.dir).then(
      () => this.#synced(target),
      (e: unknown) => this.#fail(e),
    ).finally(() => {
      this.#syncing = undefined;
      this.#settle();
    });
  }

  /**
   * Stops writing to the current journal; the next write begins a new one. The closed journal
   * keeps its descriptor until a sync round covers it (a later durable commit needs every older
   * journal synced, see journal-recovery.ts). Without durable commits nothing would sync them, so
   * once MAX_UNSYNCED_JOURNALS wait, one round runs on the thread pool.
   */
  #rotate(): void {
    const file = this.#journal;
    if (!file) return;
    this.#journal = undefined;
    const synced = file.lastSeq <= this.#durableSeq;
    if (synced) file.close();
    this.#retired.push({ path: file.path, lastSeq: file.lastSeq, file: synced ? undefined : file });
    if (this.#openRetired().length >= MAX_UNSYNCED_JOURNALS) this.#requestSync(true);
  }

  /** The closed journals not synced since their last write (their descriptors are open). */
  #openRetired(): JournalFile[] {
    const out: JournalFile[] = [];
    for (const r of this.#retired) if (r.file) out.push(r.file);
    return out;
  }

  /** A sync round covering records up to `target` finished: closes the journals it covered. */
  #synced(target: number): void {
    if (target > this.#durableSeq) this.#durableSeq = target;
    for (const r of this.#retired) {
      if (r.file && r.lastSeq <= target) {
        r.file.close();
        r.file = undefined;
      }
    }
  }

  /** Deletes the closed journals whose records are all at or below `seq` (a snapshot covers them). */
  async #deleteCovered(seq: number): Promise<void> {
    while (this.#syncing) await this.#syncing;
    while (this.#retired.length > 0 && (this.#retired[0] as Retired).lastSeq <= seq) {
      const r = this.#retired.shift() as Retired;
      r.file?.close();
      await unlink(r.path).catch((e: unknown) => {
        // Already gone (removed by hand): the snapshot covers it either way.
        if (!(e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw e;
      });
    }
  }

  #snapshot(snapshot: StoredRecord, schemaJson: JsonObject | undefined): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new Error(`${this.dir}: database store is closed`));
    const upTo = this.#nextSeq - 1;
    const text = jsonText({ seq: upTo, record: snapshot });
    this.#logRecords = 0;
    this.#logBytes = 0;
    this.#snapshotBytes = text.length;
    this.#flush();
    if (schemaJson !== undefined) this.#hold++;
    const done = this.#enqueueLevel(async () => {
      const level = this.#level;
      const ops: BatchOp[] = [{ type: 'put', key: KEY_SNAPSHOT, value: text }];
      for (let seq = level.legacyFirstSeq; seq < level.legacyNextSeq; seq++) ops.push({ type: 'del', key: logKey(seq) });
      for (const key of level.chunks) ops.push({ type: 'del', key });
      if (schemaJson !== undefined) ops.push({ type: 'put', key: KEY_SCHEMA, value: jsonText(schemaJson) });
      this.#levelBatches++;
      await this.#db.batch<string, string | Buffer>(ops, { sync: true });
      level.snapshotSeq = upTo;
      level.legacyFirstSeq = upTo + 1;
      level.legacyNextSeq = upTo + 1;
      level.chunks.length = 0;
      if (schemaJson !== undefined) {
        // Inside the LevelDB queue, so close() sees the held appends written before it finishes.
        this.#hold--;
        this.#flush();
      }
      await this.#deleteCovered(upTo);
    });
    // The journal holding records up to `upTo` is covered once the batch is in (see the batch).
    this.#rotate();
    return done;
  }

  /** Runs `op` after every LevelDB operation queued before it; a failure fails the store. */
  #enqueueLevel(op: () => Promise<void>): Promise<void> {
    this.#levelBusy++;
    const run = this.#levelChain.then(() => {
      if (this.#failed) throw this.#failed;
      return op();
    });
    this.#levelChain = run.then(
      () => { this.#levelBusy--; },
      (e: unknown) => {
        this.#levelBusy--;
        this.#fail(e);
      },
    );
    return run.catch((e: unknown) => {
      throw this.#failed ?? e;
    });
  }

  /** Marks the store failed and rejects everything pending. */
  #fail(e: unknown): void {
    const error = (this.#failed ??= new Error(`${this.dir}: database write failed: ${describeError(e)}`));
    const waiters = this.#waiters.slice(this.#waiterHead);
    this.#waiters = [];
    this.#waiterHead = 0;
    this.#texts = [];
    this.#textBytes = [];
    for (const w of waiters) w.reject(error);
    this.#listener?.failed(error);
  }
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}
