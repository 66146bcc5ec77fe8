/**
 * Durable storage of one standalone database: a LevelDB directory (layout in keys.ts) holding
 * the schema, a snapshot and a log of committed records.
 *
 * Guarantees (issue 2, "better than the real ovsdb-server"):
 * - `append(r, {durable: false})` resolves once LevelDB has written the record to its log file
 *   with write(2) (sync: false): the data is in the OS page cache, so SIGKILL of this process
 *   loses nothing acknowledged; a power failure may.
 * - `append(r, {durable: true})` resolves only after fsync (sync: true).
 * - GROUP COMMIT: while one batch is being written, further appends queue; the next batch takes
 *   all of them in one LevelDB write, synced if any of them is durable. N concurrent durable
 *   commits thus share one fsync instead of paying N.
 * - Records are written, and their promises resolve, in append() call order.
 *
 * A failed write rejects every append of its batch and all later ones: the caller has already
 * applied those transactions in memory, so it must stop rather than diverge from the disk.
 *
 * @example
 * const store = await StandaloneStore.create('/var/lib/db', schemaJson);
 * await store.append({ Bridge: { [uuid]: { name: 'br0' } } }, { durable: false });
 * await store.close();
 * const { store: again, schemaJson: s, records } = await StandaloneStore.open('/var/lib/db');
 */
import { Level } from 'level';
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import {
  KEY_FORMAT, KEY_KIND, KEY_SCHEMA, KEY_SNAPSHOT, LOG_KEY_END, LOG_KEY_MIN, STORE_FORMAT_VERSION, logKey, parseLogKey,
} from './keys.js';

/** One stored record: a CommitRecord (src/ovsdb/types.ts), optionally with `_date` and `_comment`. */
export type StoredRecord = JsonObject;

export interface AppendOptions {
  /** Acknowledge only after fsync ({"op":"commit","durable":true} or --fsync=always). */
  readonly durable: boolean;
}

/** Counters for memory/show, tests and benchmarks. */
export interface StoreStats {
  /** Log records currently on disk after the snapshot. */
  readonly logRecords: number;
  /** Bytes of JSON text of those records. */
  readonly logBytes: number;
  /** Bytes of JSON text of the snapshot (0 if none). */
  readonly snapshotBytes: number;
  /** LevelDB batch writes issued since open, and how many of them were synced. */
  readonly batches: number;
  readonly syncedBatches: number;
  /** Records appended since open. */
  readonly appends: number;
  /** Sequence number of the last record appended (0 if none ever). */
  readonly lastSeq: number;
}

/** What `open` found. */
export interface OpenedStore {
  readonly store: StandaloneStore;
  readonly schemaJson: JsonObject;
  /** The snapshot record (if any) followed by the log records, in commit order. */
  readonly records: StoredRecord[];
}

type BatchOp = { readonly type: 'put'; readonly key: string; readonly value: string } | { readonly type: 'del'; readonly key: string };

interface QueueEntry {
  readonly ops: BatchOp[];
  readonly sync: boolean;
  resolve(): void;
  reject(error: Error): void;
}

function parseJsonObject(text: string, what: string): JsonObject {
  let value: Json;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`corrupt database: ${what} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isJsonObject(value)) throw new Error(`corrupt database: ${what} is not a JSON object`);
  return value;
}

export class StandaloneStore {
  private queue: QueueEntry[] = [];
  private writing = false;
  private flushScheduled = false;
  private failed: Error | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Log keys currently on disk or queued: [firstSeq, nextSeq). */
  private firstSeq: number;
  private nextSeq: number;
  private logRecords: number;
  private logBytes: number;
  private snapshotBytes: number;
  private batches = 0;
  private syncedBatches = 0;
  private appends = 0;

  private constructor(
    private readonly db: Level<string, string>,
    readonly dir: string,
    init: { firstSeq: number; nextSeq: number; logRecords: number; logBytes: number; snapshotBytes: number },
  ) {
    this.firstSeq = init.firstSeq;
    this.nextSeq = init.nextSeq;
    this.logRecords = init.logRecords;
    this.logBytes = init.logBytes;
    this.snapshotBytes = init.snapshotBytes;
  }

  /** Creates a new, empty database directory; fails if `dir` already holds a database. */
  static async create(dir: string, schemaJson: JsonObject): Promise<StandaloneStore> {
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: true, errorIfExists: true });
    try {
      await db.open();
    } catch (e) {
      throw new Error(`${dir}: cannot create database: ${describeLevelError(e)}`);
    }
    await db.batch([
      { type: 'put', key: KEY_FORMAT, value: String(STORE_FORMAT_VERSION) },
      { type: 'put', key: KEY_KIND, value: 'standalone' },
      { type: 'put', key: KEY_SCHEMA, value: JSON.stringify(schemaJson) },
    ], { sync: true });
    return new StandaloneStore(db, dir, { firstSeq: 1, nextSeq: 1, logRecords: 0, logBytes: 0, snapshotBytes: 0 });
  }

  /** Opens an existing database directory and reads everything needed to rebuild the state. */
  static async open(dir: string): Promise<OpenedStore> {
    const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: false });
    try {
      await db.open();
    } catch (e) {
      throw new Error(`${dir}: cannot open database: ${describeLevelError(e)}`);
    }
    try {
      const [format, kind, schemaText, snapshotText] = await db.getMany([KEY_FORMAT, KEY_KIND, KEY_SCHEMA, KEY_SNAPSHOT]);
      if (format === undefined) throw new Error(`${dir}: not an ovsdb-ts database (no format key)`);
      if (format !== String(STORE_FORMAT_VERSION)) throw new Error(`${dir}: unsupported database format version ${format} (this program reads ${STORE_FORMAT_VERSION})`);
      if (kind !== 'standalone') throw new Error(`${dir}: database is ${kind ?? 'of unknown kind'}, not standalone`);
      if (schemaText === undefined) throw new Error(`corrupt database ${dir}: schema missing`);
      const schemaJson = parseJsonObject(schemaText, 'schema');
      const records: StoredRecord[] = [];
      let snapshotSeq = 0;
      let snapshotBytes = 0;
      if (snapshotText !== undefined) {
        const snap = parseJsonObject(snapshotText, 'snapshot');
        const seq = snap['seq'];
        const record = snap['record'];
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || !isJsonObject(record)) throw new Error(`corrupt database ${dir}: bad snapshot`);
        snapshotSeq = seq;
        snapshotBytes = snapshotText.length;
        records.push(record);
      }
      let lastSeq = snapshotSeq;
      let logRecords = 0;
      let logBytes = 0;
      let firstSeq = snapshotSeq + 1;
      for await (const [key, value] of db.iterator({ gte: LOG_KEY_MIN, lt: LOG_KEY_END })) {
        const seq = parseLogKey(key);
        if (seq === undefined) throw new Error(`corrupt database ${dir}: bad log key ${JSON.stringify(key)}`);
        // Compaction deletes covered keys atomically with the snapshot, so none should remain.
        if (seq <= snapshotSeq) throw new Error(`corrupt database ${dir}: log record ${seq} is covered by the snapshot (seq ${snapshotSeq})`);
        if (logRecords === 0) firstSeq = seq;
        else if (seq !== lastSeq + 1) throw new Error(`corrupt database ${dir}: log record ${lastSeq + 1} missing`);
        records.push(parseJsonObject(value, `log record ${seq}`));
        lastSeq = seq;
        logRecords++;
        logBytes += value.length;
      }
      const store = new StandaloneStore(db, dir, { firstSeq, nextSeq: lastSeq + 1, logRecords, logBytes, snapshotBytes });
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
    const text = JSON.stringify(record);
    const seq = this.nextSeq++;
    this.appends++;
    this.logRecords++;
    this.logBytes += text.length;
    return this.enqueue([{ type: 'put', key: logKey(seq), value: text }], options.durable);
  }

  /**
   * Replaces the snapshot with `snapshot` (the whole database as one record, covering every
   * record appended so far, including ones still queued) and deletes the covered log records,
   * all in one atomic, synced batch.
   */
  compact(snapshot: StoredRecord): Promise<void> {
    return this.enqueue(this.snapshotOps(snapshot), true);
  }

  /**
   * Replaces schema and contents at once (for `convert`): new schema, `snapshot` as the whole
   * database, empty log. Atomic and synced.
   */
  replaceSchema(schemaJson: JsonObject, snapshot: StoredRecord): Promise<void> {
    const ops = this.snapshotOps(snapshot);
    ops.push({ type: 'put', key: KEY_SCHEMA, value: JSON.stringify(schemaJson) });
    return this.enqueue(ops, true);
  }

  /** Current counters. */
  stats(): StoreStats {
    return {
      logRecords: this.logRecords,
      logBytes: this.logBytes,
      snapshotBytes: this.snapshotBytes,
      batches: this.batches,
      syncedBatches: this.syncedBatches,
      appends: this.appends,
      lastSeq: this.nextSeq - 1,
    };
  }

  /** Waits for queued writes, then closes the LevelDB. Later appends reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.writing || this.queue.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.db.close();
  }

  private snapshotOps(snapshot: StoredRecord): BatchOp[] {
    const upTo = this.nextSeq - 1;
    const text = JSON.stringify({ seq: upTo, record: snapshot });
    const ops: BatchOp[] = [{ type: 'put', key: KEY_SNAPSHOT, value: text }];
    for (let seq = this.firstSeq; seq <= upTo; seq++) ops.push({ type: 'del', key: logKey(seq) });
    this.firstSeq = upTo + 1;
    this.logRecords = 0;
    this.logBytes = 0;
    this.snapshotBytes = text.length;
    return ops;
  }

  private enqueue(ops: BatchOp[], sync: boolean): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new Error(`${this.dir}: database store is closed`));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, sync, resolve, reject });
      if (!this.writing && !this.flushScheduled) {
        // Let the rest of this turn's appends join the first batch.
        this.flushScheduled = true;
        queueMicrotask(() => {
          this.flushScheduled = false;
          void this.writeBatches();
        });
      }
    });
  }

  /** Writes queued entries, one LevelDB batch per round, until the queue is empty. */
  private async writeBatches(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    while (this.queue.length > 0) {
      const entries = this.queue;
      this.queue = [];
      const sync = entries.some((e) => e.sync);
      const ops = entries.length === 1 ? (entries[0]?.ops ?? []) : entries.flatMap((e) => e.ops);
      try {
        if (this.failed) throw this.failed;
        this.batches++;
        if (sync) this.syncedBatches++;
        await this.db.batch(ops, { sync });
        for (const e of entries) e.resolve();
      } catch (e) {
        this.failed ??= new Error(`${this.dir}: database write failed: ${describeLevelError(e)}`);
        for (const entry of entries) entry.reject(this.failed);
      }
    }
    this.writing = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

function describeLevelError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}
