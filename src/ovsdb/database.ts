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
import { assert } from '../base/assert.js';
import type { Uuid } from '../base/uuid.js';
import { executeOperations, Symbols } from './execution.js';
import type { Execution } from './execution.js';
import { OvsdbError } from './errors.js';
import { buildRecord, insertJson, parseRecord } from './record.js';
import type { PreparedChange } from './record.js';
import { rowKey } from './row.js';
import { buildMeta, refCounts } from './table-meta.js';
import type { TableMeta } from './table-meta.js';
import { Txn } from './transaction.js';
import type { CommittedView } from './transaction.js';
import type {
  CommitRecord, DatabaseSchema, Row, RowChange, RowChanges, TxnContext, TxnOutcome,
} from './types.js';

interface TableState {
  readonly meta: TableMeta;
  readonly rows: Map<Uuid, Row>;
  /** One Map per schema index: canonical key → row uuid. */
  readonly indexes: Map<string, Uuid>[];
}

const NO_SOURCES: readonly string[] = [];

/** An in-memory OVSDB database. */
export class Database {
  readonly #tables = new Map<string, TableState>();
  /** Incoming strong references per "table\u0000uuid" (self references excluded). */
  readonly #strong = new Map<string, number>();
  /** Weak referrers per "table\u0000uuid": referrer "table\u0000uuid" → count. */
  readonly #weak = new Map<string, Map<string, number>>();
  /** Records produced by transact() against generation N can skip re-parsing in apply(). */
  // One slot, not a WeakMap of every record: a host applies the record right after transact(),
  // and a WeakMap entry per transaction cost a measurable share of a small insert (ephemeron
  // bookkeeping in every GC). A record that misses the slot is parsed: same result, slower.
  #prepared: { record: CommitRecord; generation: number; changes: PreparedChange[]; olds: (Row | undefined)[] } | undefined;
  #generation = 0;
  readonly #view: CommittedView;

  constructor(readonly schema: DatabaseSchema) {
    for (const [name, meta] of buildMeta(schema)) {
      this.#tables.set(name, { meta, rows: new Map(), indexes: meta.schema.indexes.map(() => new Map()) });
    }
    this.#view = {
      meta: (t) => this.#state(t).meta,
      rows: (t) => this.#state(t).rows,
      indexLookup: (t, i, key) => this.#state(t).indexes[i]?.get(key),
      strongRefCount: (t, u) => this.#strong.get(`${t}\u0000${u}`) ?? 0,
      weakSources: (t, u) => this.#weak.get(`${t}\u0000${u}`)?.keys() ?? NO_SOURCES,
    };
  }

  #state(table: string): TableState {
    const s = this.#tables.get(table);
    assert(s, `unknown table ${table}`);
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
      schema: this.schema, meta: (t) => this.#state(t).meta, txn, ctx,
      symtab: new Symbols(() => ctx.newUuid()), durable: false, timeoutMs: Infinity, comments: [],
    };
    const r = executeOperations(x, ops, ctx.readOnly ?? false);
    if (r.kind === 'blocked') {
      return { kind: 'blocked', retryAtMs: Number.isFinite(r.timeoutMs) ? ctx.startedMs + r.timeoutMs : undefined };
    }
    if (r.failed) return { kind: 'done', results: r.results, record: undefined, durable: x.durable };
    const error = txn.precommit(() => ctx.newUuid());
    if (error) {
      return { kind: 'done', results: [...r.results, error.toJson()], record: undefined, durable: x.durable };
    }
    const built = buildRecord(txn, (t) => this.#state(t).meta);
    if (!built) return { kind: 'done', results: r.results, record: undefined, durable: x.durable };
    this.#prepared = { record: built.record, generation: this.#generation, changes: built.changes, olds: built.olds };
    const comment = x.comments.length ? { comment: x.comments.join('\n') } : {};
    return { kind: 'done', results: r.results, record: built.record, durable: x.durable, ...comment };
  }

  /**
   * Applies a committed record (from transact() here or on another replica, or from a log).
   * Deterministic: the same records in the same order give identical state everywhere.
   */
  apply(record: CommitRecord): RowChanges {
    const slot = this.#prepared;
    this.#prepared = undefined;
    const prepared = slot && slot.record === record && slot.generation === this.#generation ? slot : undefined;
    const changes = prepared
      ? prepared.changes
      : parseRecord(record, (t) => this.#tables.get(t)?.meta, (t, u) => this.getRow(t, u));
    this.#generation++;
    const out = new Map<string, Map<Uuid, RowChange>>();
    // A prepared record's transaction already looked every row up against this very state
    // (same generation); looking up again in a large table was a visible share of an insert.
    const olds: (Row | undefined)[] = prepared ? prepared.olds : [];
    changes.forEach((c, i) => {
      const s = this.#state(c.table);
      const old = prepared ? olds[i] : s.rows.get(c.uuid);
      if (!prepared) olds.push(old);
      if (old) this.#unindex(s, old);
    });
    changes.forEach((c, i) => {
      const s = this.#state(c.table);
      const old = olds[i];
      if (c.row) {
        const row: Row = { uuid: c.uuid, version: c.row.version, columns: c.row.columns };
        s.rows.set(c.uuid, row);
        this.#index(s, row);
        this.#updateRefs(s.meta, c.table, old, row);
        this.#record(out, c.table, c.uuid, old, row);
      } else if (old) {
        s.rows.delete(c.uuid);
        this.#updateRefs(s.meta, c.table, old, undefined);
        this.#record(out, c.table, c.uuid, old, undefined);
      }
    });
    return out;
  }

  #record(out: Map<string, Map<Uuid, RowChange>>, table: string, uuid: Uuid, old: Row | undefined, row: Row | undefined): void {
    let m = out.get(table);
    if (!m) out.set(table, (m = new Map()));
    m.set(uuid, { old, new: row });
  }

  #unindex(s: TableState, row: Row): void {
    s.meta.schema.indexes.forEach((cols, i) => {
      const idx = s.indexes[i];
      const k = rowKey(row, cols);
      if (idx?.get(k) === row.uuid) idx.delete(k);
    });
  }

  #index(s: TableState, row: Row): void {
    s.meta.schema.indexes.forEach((cols, i) => s.indexes[i]?.set(rowKey(row, cols), row.uuid));
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
