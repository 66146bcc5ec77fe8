/**
 * A standalone database: the engine, its LevelDB store and the transactions in flight
 * (database-backend.ts explains the contract this implements).
 *
 * A write is applied to the in-memory engine at once, so the next transaction sees it, and
 * appended to the store; its monitor updates and its reply wait in the CommitPipeline until the
 * append resolves (handed to the OS, or fsynced when `durable`), in commit order. A SIGKILL can
 * therefore lose only commits nobody has been told about. Concurrent durable commits share one
 * fsync through the store's group commit.
 *
 * Blocked `wait` operations (RFC 7047 §5.2.6) are kept and re-run after every commit and when
 * their timeout expires.
 *
 * @example
 * const { store, schemaJson, records } = await StandaloneStore.open(dir);
 * const host = new StandaloneHost({ db: replay(parseSchema(schemaJson), records), store, clock, newUuid, logger });
 * host.transact({ ops, hasLock: () => false }, (results) => reply(results));
 */
import type { Json, JsonObject } from '../base/json.js';
import { jsonText } from '../base/json.js';
import type { Clock } from '../base/clock.js';
import type { Uuid } from '../base/uuid.js';
import { Database, convertDatabase } from '../ovsdb/index.js';
import type { CommitRecord, DatabaseSchema, Row, RowChanges } from '../ovsdb/types.js';
import { CommitPipeline } from './commit-pipeline.js';
import type {
  AppliedCommit, BackendStats, BackendStatus, DatabaseBackend, TxnRequest, TxnTicket,
} from './database-backend.js';
import type { DbStore, Logger, UuidSource } from './ports.js';
import { TxnHistory } from './txn-history.js';
import { BlockedTxns } from './blocked-txns.js';

/** When to rewrite the log as a snapshot on its own (OVS: ovsdb/file.c, 10 MB and 100 records). */
export interface AutoCompactPolicy {
  readonly minLogRecords: number;
  readonly minLogBytes: number;
  readonly minIntervalMs: number;
}

export const defaultAutoCompact: AutoCompactPolicy = { minLogRecords: 100, minLogBytes: 10 << 20, minIntervalMs: 10 * 60_000 };

export interface StandaloneHostOptions {
  /** The engine, already holding the replayed contents (see replay()). */
  readonly db: Database;
  /** undefined: memory only (the _Server database). */
  readonly store: DbStore | undefined;
  readonly clock: Clock;
  readonly newUuid: UuidSource;
  readonly logger: Logger;
  /** --fsync=always: every commit is durable. */
  readonly fsyncAlways?: boolean;
  /** Commits kept for monitor_cond_since (default 100). */
  readonly historySize?: number;
  /** false disables automatic compaction. */
  readonly autoCompact?: AutoCompactPolicy | false;
  /** The store failed: the process must stop rather than diverge from its disk. */
  readonly onFatal: (error: Error) => void;
}

/**
 * Rebuilds a database from its stored records (snapshot first), applied in order. Stored
 * records may carry OVS-style metadata members ("_date", "_comment", "_is_diff"), which are
 * not tables and are dropped here.
 */
export function replay(schema: DatabaseSchema, records: Iterable<JsonObject>): Database {
  const db = new Database(schema);
  for (const r of records) db.apply(withoutMetadata(r));
  return db;
}

function withoutMetadata(r: JsonObject): CommitRecord {
  let out: { [k: string]: Json } | undefined;
  for (const k of Object.keys(r)) {
    if (!k.startsWith('_')) continue;
    out ??= { ...r };
    delete out[k];
  }
  return (out ?? r) as CommitRecord;
}

interface Pending {
  readonly req: TxnRequest;
  readonly done: (results: readonly Json[]) => void;
  readonly startedMs: number;
  retryAtMs: number | undefined;
  cancelTimer: (() => void) | undefined;
}

/** "00" .. "ff". */
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Commit ids: a random prefix per host (so ids from before a restart never match) and a
 * counter, cheaper than a fresh random uuid per commit. Twelve hex digits from a table, two at
 * a time: Number#toString(16) of a counter past 2^31 goes through V8's slow double-to-radix
 * conversion.
 */
function commitId(prefix: string, counter: number): Uuid {
  let c = counter;
  let digits = '';
  for (let i = 0; i < 6; i++) {
    digits = (HEX_PAIRS[c % 256] as string) + digits;
    c = Math.floor(c / 256);
  }
  return (prefix + digits) as Uuid;
}

/**
 * A commit as listeners and the history see it. Its id is made on first read: only
 * monitor_cond_since and update3 monitors ask, and building it for every commit was a
 * measurable share of a small one.
 */
class HostCommit implements AppliedCommit {
  #txnId: Uuid | undefined;
  constructor(private readonly prefix: string, private readonly counter: number, readonly changes: RowChanges) {}
  get txnId(): Uuid {
    return (this.#txnId ??= commitId(this.prefix, this.counter));
  }
}

const FINISHED: TxnTicket = { cancel: () => false };

export class StandaloneHost implements DatabaseBackend {
  #db: Database;
  readonly #opts: StandaloneHostOptions;
  readonly #pipeline: CommitPipeline;
  readonly #history: TxnHistory;
  readonly #listeners = new Set<(c: AppliedCommit) => void>();
  readonly #convertListeners = new Set<() => void>();
  readonly #blocked: BlockedTxns<Pending>;
  #closed = false;
  #lastCompactMs: number;
  #compacting = false;
  readonly #txnIdPrefix: string;
  #txnCounter = 0;
  #commitsSinceCompactCheck = 0;
  readonly #ctx: { nowMs: number; startedMs: number; newUuid: UuidSource; hasLock: (name: string) => boolean; readOnly: boolean; rbac: TxnRequest['rbac'] };
  readonly honorsReadOnly = true;

  constructor(opts: StandaloneHostOptions) {
    this.#opts = opts;
    this.#db = opts.db;
    this.#ctx = { nowMs: 0, startedMs: 0, newUuid: opts.newUuid, hasLock: () => false, readOnly: false, rbac: undefined };
    this.#pipeline = new CommitPipeline(opts.onFatal, (e) => opts.logger.log('ERR', 'database', `internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
    const pipeline = this.#pipeline;
    opts.store?.onProgress({ progress: (w, d) => pipeline.advance(w, d), failed: opts.onFatal });
    this.#txnIdPrefix = opts.newUuid().slice(0, 24); // "xxxxxxxx-xxxx-4xxx-yxxx-" + 12 hex digits
    this.#history = new TxnHistory(this.#nextTxnId(), opts.historySize ?? 100);
    this.#lastCompactMs = opts.clock.nowMs();
    this.#blocked = new BlockedTxns<Pending>(opts.clock, (p) => this.#run(p));
  }

  get name(): string {
    return this.#db.schema.name;
  }

  /** The engine (tests, and the _Server maintainer). */
  get engine(): Database {
    return this.#db;
  }

  schema(): DatabaseSchema {
    return this.#db.schema;
  }

  status(): BackendStatus {
    return { model: 'standalone', connected: true, leader: true, index: undefined, cid: undefined, sid: undefined };
  }

  rows(table: string): Iterable<Row> {
    return this.#db.table(table)?.values() ?? [];
  }

  transact(req: TxnRequest, done: (results: readonly Json[]) => void): TxnTicket {
    const now = this.#nowMs();
    const p: Pending = { req, done, startedMs: now, retryAtMs: undefined, cancelTimer: undefined };
    if (this.#closed) return FINISHED;
    if (this.#run(p, now)) return FINISHED;
    return this.#blocked.add(p);
  }

  afterPending(action: () => void): void {
    this.#pipeline.then(action);
  }

  onCommit(listener: (commit: AppliedCommit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onConvert(listener: () => void): () => void {
    this.#convertListeners.add(listener);
    return () => this.#convertListeners.delete(listener);
  }

  lastTxnId(): Uuid {
    return this.#history.lastTxnId;
  }

  changesSince(txnId: Uuid): RowChanges[] | undefined {
    return this.#history.since(txnId);
  }

  /**
   * Applies a record that did not come from a client transaction (the _Server maintainer, and
   * replication later): same commit path, no reserved-database check.
   */
  commitRecord(record: CommitRecord, durable = false): void {
    this.#commit(this.#db.apply(record), undefined, durable, record);
  }

  async convert(schema: DatabaseSchema): Promise<void> {
    const converted = convertDatabase(this.#db, schema); // throws OvsdbError if the data does not fit
    this.#db = converted;
    this.#history.reset(this.#nextTxnId());
    // Waits on the old schema cannot be re-run against the new one (OVS cancels them too).
    for (const p of this.#blocked.takeAll()) {
      const results: Json[] = [{ error: 'canceled', details: 'database schema changed' }];
      this.#pipeline.then(() => p.done(results));
    }
    const store = this.#opts.store;
    if (store) this.#pipeline.barrier(store.replaceSchema(schema.json, converted.snapshotRecord()));
    for (const l of this.#convertListeners) l();
    await new Promise<void>((resolve) => this.#pipeline.then(resolve));
  }

  async compact(): Promise<void> {
    const store = this.#opts.store;
    if (!store || this.#compacting) return;
    this.#compacting = true;
    try {
      this.#lastCompactMs = this.#opts.clock.nowMs();
      await store.compact(this.#db.snapshotRecord());
    } finally {
      this.#compacting = false;
    }
  }

  stats(): BackendStats {
    let rows = 0;
    let cells = 0;
    for (const t of this.#db.schema.tables.values()) {
      const n = this.#db.table(t.name)?.size ?? 0;
      rows += n;
      cells += n * t.columns.size;
    }
    const disk = this.#opts.store?.stats();
    return {
      rows, cells, blockedTxns: this.#blocked.size, historyTxns: this.#history.size,
      diskWrites: disk?.batches ?? 0, diskSyncs: disk?.syncedBatches ?? 0,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#blocked.takeAll();
    await new Promise<void>((resolve) => this.#pipeline.then(resolve));
    await this.#opts.store?.close();
  }

  /** The next commit id (for resets: a history that starts again). */
  #nextTxnId(): Uuid {
    this.#txnCounter++;
    return commitId(this.#txnIdPrefix, this.#txnCounter);
  }

  /** Whole milliseconds, as OVS's time_msec(): "wait" errors print the elapsed time. */
  #nowMs(): number {
    return Math.floor(this.#opts.clock.nowMs());
  }

  /** Runs one transaction (at `nowMs`, default now); false if it is blocked on a `wait`. */
  #run(p: Pending, nowMs = this.#nowMs()): boolean {
    // One context object, refilled per run: the engine keeps nothing of it after transact().
    const ctx = this.#ctx;
    ctx.nowMs = nowMs;
    ctx.startedMs = p.startedMs;
    ctx.hasLock = p.req.hasLock;
    ctx.readOnly = p.req.readOnly ?? false;
    ctx.rbac = p.req.rbac;
    const outcome = this.#db.transact(p.req.ops, ctx);
    if (outcome.kind === 'blocked') {
      p.retryAtMs = outcome.retryAtMs;
      return false;
    }
    const text = outcome.recordText;
    if (text !== undefined) {
      // The outcome's own rows are applied and its text stored: no record object is built.
      this.#commit(this.#db.applyOutcome(outcome), text, outcome.durable || (this.#opts.fsyncAlways ?? false));
    } else if (outcome.record) {
      this.#commit(this.#db.apply(outcome.record), undefined, outcome.durable || (this.#opts.fsyncAlways ?? false), outcome.record);
    }
    this.#pipeline.call(p.done, outcome.results);
    return true;
  }

  /** Stores and publishes a commit already applied: `text` is its record's JSON text, or `record` it. */
  #commit(changes: RowChanges, text: string | undefined, durable: boolean, record?: CommitRecord): void {
    const store = this.#opts.store;
    if (store) {
      let seq: number;
      try {
        seq = store.write(text ?? jsonText(record ?? {}), durable);
      } catch (e) {
        // The store has failed: this commit is in memory only, so nothing may be acknowledged.
        this.#opts.onFatal(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (durable) this.#pipeline.waitSynced(seq);
      else this.#pipeline.waitWritten(seq);
    }
    this.#txnCounter++;
    const commit = new HostCommit(this.#txnIdPrefix, this.#txnCounter, changes);
    this.#history.addEntry(commit);
    for (const l of this.#listeners) l(commit);
    this.#maybeCompact();
    this.#blocked.retryAll();
  }

  #maybeCompact(): void {
    // The store's counters are read every 32 commits, not on every one: building the stats
    // object was a visible cost per small commit, and the policy's thresholds are far larger.
    if ((++this.#commitsSinceCompactCheck & 31) !== 0) return;
    const policy = this.#opts.autoCompact ?? defaultAutoCompact;
    const store = this.#opts.store;
    if (!store || policy === false || this.#compacting) return;
    const s = store.stats();
    if (s.logRecords < policy.minLogRecords || s.logBytes < policy.minLogBytes) return;
    if (this.#opts.clock.nowMs() - this.#lastCompactMs < policy.minIntervalMs) return;
    this.compact().catch((e: unknown) => this.#opts.onFatal(e instanceof Error ? e : new Error(String(e))));
  }
}
