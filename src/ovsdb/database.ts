/**
 * The OVSDB state machine (STYLE habit 10; types.ts explains the contract):
 *
 *     transact(ops, ctx) ──► TxnOutcome { results, record }   pure, state unchanged
 *     apply(record)      ──► RowChanges                        the only mutation
 *
 * Committed state is a Map of rows per table plus incrementally maintained indexes, strong
 * reference counts (for referential integrity and garbage collection) and reverse weak
 * references (for weak-reference cleanup), so a transaction costs O(rows touched).
 */
import type { Json } from '../base/json.js';
import { canonicalJson } from '../base/json.js';
import { AssertionError } from '../base/assert.js';
import type { Uuid } from '../base/uuid.js';
import { executeOperations, Symbols } from './execution.js';
import type { Execution } from './execution.js';
import { OvsdbError } from './errors.js';
import { insertJson, parseRecord, recordObject, recordRows, recordText } from './record.js';
import type { PreparedChange } from './record.js';
import { rowKey } from './row.js';
import { addChange, LazyRowChanges } from './row-changes.js';
import { RowTable } from './row-table.js';
import { buildMeta, refCounts } from './table-meta.js';
import type { TableMeta } from './table-meta.js';
import { Txn } from './transaction.js';
import type { CommittedView, TxnRow } from './transaction.js';
import type {
  CommitRecord, DatabaseSchema, Row, RowChange, RowChanges, TxnContext, TxnOutcome,
} from './types.js';

interface TableState {
  readonly meta: TableMeta;
  readonly rows: RowTable;
  /** One Map per schema index: canonical key → row uuid. */
  readonly indexes: Map<string, Uuid>[];
}

const NO_SOURCES: readonly string[] = [];

/**
 * The outcome of a transaction that changes the database. Its record object is built only when
 * someone reads `record`: a committing host stores `recordText` and applies with applyOutcome,
 * and building the object (every new row uuid becomes a property name V8 must intern) cost more
 * than the rest of a small insert. A class, not an object literal with a getter: a literal
 * would allocate its getter and a closure per transaction.
 */
class PreparedOutcome {
  readonly kind = 'done' as const;
  declare readonly comment?: string;
  readonly #rows: readonly TxnRow[];
  readonly #meta: (t: string) => TableMeta;
  #record: CommitRecord | undefined;

  constructor(readonly results: readonly Json[], readonly recordText: string, readonly durable: boolean,
    comment: string | undefined, rows: readonly TxnRow[], meta: (t: string) => TableMeta) {
    // Only set when there is one: callers test for the property's presence.
    if (comment !== undefined) (this as { comment?: string }).comment = comment;
    this.#rows = rows;
    this.#meta = meta;
  }

  get record(): CommitRecord {
    return (this.#record ??= recordObject(this.#rows, this.#meta));
  }

  /** The transaction's row changes (Database.rowsOf). */
  get rows(): readonly TxnRow[] {
    return this.#rows;
  }

  /** The record object if `record` was read, else undefined (apply() recognises it). */
  get recordIfBuilt(): CommitRecord | undefined {
    return this.#record;
  }
}

/** An in-memory OVSDB database. */
export class Database {
  readonly #tables = new Map<string, TableState>();
  /** Incoming strong references per "table\u0000uuid" (self references excluded). */
  readonly #strong = new Map<string, number>();
  /** Weak referrers per "table\u0000uuid": referrer "table\u0000uuid" → count. */
  readonly #weak = new Map<string, Map<string, number>>();
  /**
   * Records produced by transact() against generation N can skip re-parsing in apply(): the
   * slot holds the record, its generation and the transaction rows it was built from.
   */
  // One slot, not a WeakMap of every record: a host applies the record right after transact(),
  // and a WeakMap entry per transaction cost a measurable share of a small insert (ephemeron
  // bookkeeping in every GC). A record that misses the slot is parsed: same result, slower.
  // Three fields rather than one slot object: one allocation less per transaction.
  #preparedGeneration = -1;
  #preparedRows: readonly TxnRow[] | undefined;
  #preparedOutcome: PreparedOutcome | undefined;
  #generation = 0;
  readonly #view: CommittedView;
  /** Created once: a closure per transaction showed up in allocation profiles. */
  readonly #meta: (table: string) => TableMeta;

  constructor(readonly schema: DatabaseSchema) {
    for (const [name, meta] of buildMeta(schema)) {
      this.#tables.set(name, { meta, rows: new RowTable(), indexes: meta.schema.indexes.map(() => new Map()) });
    }
    this.#meta = (t) => this.#state(t).meta;
    // A table that no reference column points into has no counts to look up (the key string
    // and Map lookup were a visible share of a small update or delete).
    this.#view = {
      meta: this.#meta,
      rows: (t) => this.#state(t).rows,
      allRows: (t) => this.#state(t).rows.rowArray(),
      indexLookup: (t, i, key) => this.#state(t).indexes[i]?.get(key),
      strongRefCount: (t, u) => this.#state(t).meta.strongTarget ? this.#strong.get(`${t}\u0000${u}`) ?? 0 : 0,
      weakSources: (t, u) => this.#state(t).meta.weakTarget ? this.#weak.get(`${t}\u0000${u}`)?.keys() ?? NO_SOURCES : NO_SOURCES,
    };
  }

  #state(table: string): TableState {
    const s = this.#tables.get(table);
    // Not assert(s, `...${table}`): that would build the message on every call of a hot path.
    if (!s) throw new AssertionError(`unknown table ${table}`);
    return s;
  }

  /** Number of records applied so far. */
  get generation(): number {
    return this.#generation;
  }

  /** Names of the tables, in schema order. */
  tableNames(): string[] {
    return [...this.#tables.keys()];
  }

  /** The precomputed facts of `table` (column order, reference columns); throws for an unknown table. */
  tableMeta(name: string): TableMeta {
    return this.#state(name).meta;
  }

  /** The committed rows of `table` (read-only view), or undefined for an unknown table. */
  table(name: string): ReadonlyMap<Uuid, Row> | undefined {
    return this.#tables.get(name)?.rows;
  }

  getRow(table: string, uuid: Uuid): Row | undefined {
    return this.#tables.get(table)?.rows.get(uuid);
  }

  /**
   * Runs a transact request's operations (the params array *without* the leading database
   * name) against the committed state. Never mutates the database and never throws for bad
   * input: errors become result entries exactly as ovsdb-server shapes them.
   *
   * @example db.transact([{op: 'insert', table: 'T', row: {n: 1}}], ctx)
   */
  transact(ops: unknown, ctx: TxnContext): TxnOutcome {
    if (!Array.isArray(ops)) {
      return { kind: 'done', results: [new OvsdbError('syntax error', 'array expected', ops as Json).toJson()], record: undefined, durable: false };
    }
    const txn = new Txn(this.#view);
    const x: Execution = {
      schema: this.schema, meta: this.#meta, txn, ctx,
      symtab: new Symbols(ctx), durable: false, timeoutMs: Infinity, comments: undefined,
    };
    const r = executeOperations(x, ops, ctx.readOnly ?? false);
    if (r.kind === 'blocked') {
      return { kind: 'blocked', retryAtMs: Number.isFinite(r.timeoutMs) ? ctx.startedMs + r.timeoutMs : undefined };
    }
    if (r.failed) return { kind: 'done', results: r.results, record: undefined, durable: x.durable };
    const error = txn.precommit(ctx);
    if (error) {
      return { kind: 'done', results: [...r.results, error.toJson()], record: undefined, durable: x.durable };
    }
    const rows = recordRows(txn);
    if (!rows) return { kind: 'done', results: r.results, record: undefined, durable: x.durable };
    const text = recordText(rows, this.#meta);
    const generation = this.#generation;
    this.#preparedGeneration = generation;
    this.#preparedRows = rows;
    const comments: string[] | undefined = x.comments;
    const outcome = new PreparedOutcome(r.results, text, x.durable, comments?.join('\n'), rows, this.#meta);
    this.#preparedOutcome = outcome;
    return outcome;
  }

  /**
   * Applies the outcome of the latest transact() (standalone commit path): when nothing was
   * applied since, the transaction's own rows are applied without building or parsing its
   * record. Otherwise the same as apply(outcome.record).
   */
  applyOutcome(outcome: TxnOutcome): RowChanges {
    if (outcome.kind !== 'done') return new Map();
    // recordText first: reading `record` would build the object this path exists to avoid.
    const rows = this.#preparedOutcome === outcome && this.#preparedGeneration === this.#generation ? this.#preparedRows : undefined;
    if (!rows) {
      const record = outcome.record;
      return record === undefined ? new Map() : this.apply(record);
    }
    this.#clearPrepared();
    return this.#applyRows(rows);
  }

  /**
   * The row changes of a transaction outcome produced by transact() on any Database (undefined
   * for other outcomes). With applyTxnRows they let a replica that is in the very state the
   * transaction ran against apply it without building or parsing its record.
   */
  static rowsOf(outcome: TxnOutcome): readonly TxnRow[] | undefined {
    return outcome instanceof PreparedOutcome ? outcome.rows : undefined;
  }

  /**
   * Applies rows from rowsOf(). Contract: this database is in exactly the state the transaction
   * ran against (a clustered leader's committed state reaching the entry its speculative state
   * computed: same entries, same order), so every `old` row is this database's current row. The
   * final rows are shared, immutable, with the database that ran the transaction.
   */
  applyTxnRows(rows: readonly TxnRow[]): RowChanges {
    this.#clearPrepared();
    return this.#applyRows(rows);
  }

  #clearPrepared(): void {
    this.#preparedOutcome = undefined;
    this.#preparedRows = undefined;
  }

  /**
   * Applies a committed record (from transact() here or on another replica, or from a log).
   * Deterministic: the same records in the same order give identical state everywhere.
   */
  apply(record: CommitRecord): RowChanges {
    const prepared = this.#preparedOutcome;
    const rows = prepared !== undefined && prepared.recordIfBuilt === record && this.#preparedGeneration === this.#generation ? this.#preparedRows : undefined;
    this.#clearPrepared();
    if (rows) return this.#applyRows(rows);
    const out = new Map<string, Map<Uuid, RowChange>>();
    // parseRecord looks each row up (`old`) in the state this very call then changes.
    const changes: PreparedChange[] = parseRecord(record, (t) => this.#tables.get(t)?.meta, (t, u) => this.getRow(t, u));
    this.#generation++;
    for (const c of changes) if (c.old) this.#unindex(this.#state(c.table), c.old);
    for (const c of changes) {
      this.#applyRow(c.table, c.uuid, c.old, c.row);
      addChange(out, c.table, c.uuid, { old: c.old, new: c.row });
    }
    return out;
  }

  /**
   * apply() of a prepared transaction's rows: the transaction already looked every row up
   * against this very state (same generation); looking up again in a large table was a visible
   * share of an insert. Its final rows are fresh objects nothing else holds, so they are stored
   * as they are. The changes are reported from the same rows, built only when read.
   */
  #applyRows(rows: readonly TxnRow[]): RowChanges {
    this.#generation++;
    for (const tr of rows) if (tr.old) this.#unindex(this.#state(tr.table), tr.old);
    for (const tr of rows) this.#applyRow(tr.table, tr.uuid, tr.old, tr.new);
    return new LazyRowChanges(rows);
  }

  /** Second pass of apply() for one row: `row` (a fresh object) replaces `old`, or deletes it. */
  #applyRow(table: string, uuid: Uuid, old: Row | undefined, row: Row | undefined): void {
    const s = this.#state(table);
    if (row) {
      s.rows.set(uuid, row);
      this.#index(s, row);
      this.#updateRefs(s.meta, table, old, row);
    } else if (old) {
      s.rows.delete(uuid);
      this.#updateRefs(s.meta, table, old, undefined);
    }
  }

  #unindex(s: TableState, row: Row): void {
    const indexes = s.meta.schema.indexes;
    for (let i = 0; i < indexes.length; i++) {
      const idx = s.indexes[i];
      const k = rowKey(row, indexes[i] as readonly string[]);
      if (idx?.get(k) === row.uuid) idx.delete(k);
    }
  }

  #index(s: TableState, row: Row): void {
    const indexes = s.meta.schema.indexes;
    for (let i = 0; i < indexes.length; i++) s.indexes[i]?.set(rowKey(row, indexes[i] as readonly string[]), row.uuid);
  }

  #updateRefs(meta: TableMeta, table: string, old: Row | undefined, row: Row | undefined): void {
    if (meta.strong.length) {
      const before = old ? refCounts(old, meta.strong) : new Map<string, number>();
      const after = row ? refCounts(row, meta.strong) : new Map<string, number>();
      for (const [k, n] of before) this.#addStrong(k, -n);
      for (const [k, n] of after) this.#addStrong(k, n);
    }
    if (meta.weak.length) {
      const src = `${table}\u0000${(old ?? row)?.uuid ?? ''}`;
      const before = old ? refCounts(old, meta.weak) : new Map<string, number>();
      const after = row ? refCounts(row, meta.weak) : new Map<string, number>();
      for (const [k, n] of before) this.#addWeak(k, src, -n);
      for (const [k, n] of after) this.#addWeak(k, src, n);
    }
  }

  #addStrong(key: string, delta: number): void {
    const n = (this.#strong.get(key) ?? 0) + delta;
    if (n === 0) this.#strong.delete(key); else this.#strong.set(key, n);
  }

  #addWeak(dst: string, src: string, delta: number): void {
    let m = this.#weak.get(dst);
    if (!m) this.#weak.set(dst, (m = new Map()));
    const n = (m.get(src) ?? 0) + delta;
    if (n === 0) m.delete(src); else m.set(src, n);
    if (m.size === 0) this.#weak.delete(dst);
  }

  /**
   * An independent copy (a clustered leader's speculative state): committed rows are immutable
   * objects, so the copy shares them and copies only the tables' arrays, the indexes and the
   * reference counts; O(rows) with no row rebuilt or parsed.
   */
  clone(): Database {
    const copy = new Database(this.schema);
    for (const [name, s] of this.#tables) {
      copy.#tables.set(name, { meta: s.meta, rows: s.rows.clone(), indexes: s.indexes.map((m) => new Map(m)) });
    }
    for (const [k, v] of this.#strong) copy.#strong.set(k, v);
    for (const [k, m] of this.#weak) copy.#weak.set(k, new Map(m));
    copy.#generation = this.#generation;
    return copy;
  }

  /** The whole database as one record of inserts (for snapshots and compaction). */
  snapshotRecord(): CommitRecord {
    const out: { [t: string]: { [u: string]: Json } } = {};
    for (const [name, s] of this.#tables) {
      if (s.rows.size === 0) continue;
      const rows: { [u: string]: Json } = {};
      for (const [uuid, row] of s.rows) rows[uuid] = insertJson(s.meta, row);
      out[name] = rows;
    }
    return out as CommitRecord;
  }

  /** Deterministic text of the whole content (tables and rows sorted), for replica comparison. */
  canonicalDump(): string {
    const parts: string[] = [];
    for (const name of [...this.#tables.keys()].sort()) {
      const s = this.#state(name);
      const uuids = [...s.rows.keys()].sort();
      for (const u of uuids) {
        const row = s.rows.get(u);
        if (row) parts.push(`${name} ${u} ${canonicalJson(insertJson(s.meta, row))}`);
      }
    }
    return parts.join('\n');
  }

  /** A 64-bit FNV-1a hash (hex) of canonicalDump(). */
  contentHash(): string {
    return fnv1a64(this.canonicalDump());
  }
}

/** FNV-1a over UTF-16 code units, 64-bit, as two 32-bit halves (pure, no crypto module). */
export function fnv1a64(s: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < s.length; i++) {
    lo = (lo ^ s.charCodeAt(i)) >>> 0;
    // (hi:lo) * (2^40 + 0x1b3) mod 2^64
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % 0x100000000;
    lo = loMul >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
