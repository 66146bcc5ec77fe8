/**
 * A transaction's overlay of changed rows over the committed tables, and the commit-time checks
 * of ovsdb/transaction.c in the same order: change detection, referential integrity, garbage
 * collection of unreferenced non-root rows, maxRows, weak-reference cleanup, index uniqueness
 * and new `_version`s. Cost is proportional to the rows touched, never to table size.
 */
import type { Uuid } from '../base/uuid.js';
import { datumEquals } from './datum.js';
import { OvsdbError } from './errors.js';
import { cloneRow, compareRowsComparable, rowColumnsToString, rowKey, rowsEqualOn } from './row.js';
import type { MutableRow } from './row.js';
import { forEachRef, refCounts } from './table-meta.js';
import type { TableMeta } from './table-meta.js';
import { freshUuid } from './uuid-source.js';
import type { UuidSource } from './uuid-source.js';
import type { Datum, Row } from './types.js';

/** What a transaction needs to read from the committed database. */
export interface CommittedView {
  meta(table: string): TableMeta;
  rows(table: string): ReadonlyMap<Uuid, Row>;
  /** Every committed row of `table`, as an array (the fastest thing to scan). */
  allRows(table: string): readonly Row[];
  /** Uuid of the committed row with this key in index `i` of `table`. */
  indexLookup(table: string, i: number, key: string): Uuid | undefined;
  strongRefCount(table: string, uuid: Uuid): number;
  /** "table\u0000uuid" of committed rows holding weak references to the row. */
  weakSources(table: string, uuid: Uuid): Iterable<string>;
}

/** One row touched by the transaction (OVS's ovsdb_txn_row). */
export interface TxnRow {
  readonly table: string;
  readonly uuid: Uuid;
  readonly old: Row | undefined;
  new: MutableRow | undefined;
  /** Strong references to this row after the transaction (self references excluded). */
  nRefs: number;
  /** Columns whose value differs from `old`; all columns for inserts and deletes. */
  changed: Set<string>;
  /** A row it weakly references was deleted: reassess its weak columns. */
  weakDirty: boolean;
}

const ALL = new Set<string>(['*']);
const EMPTY_DATUM: Datum = { keys: [], values: undefined };

const NO_ROWS: TxnRow[] = Object.freeze([]) as unknown as TxnRow[];

/** Up to this many rows, `order` is searched instead of building the per-table Maps. */
const SMALL = 8;

/** The overlay. */
export class Txn {
  /**
   * Txn rows per table then uuid (insertion order = `order`). Built only when a transaction
   * touches more than SMALL rows or a table is walked: two Maps per transaction were a visible
   * share of the allocation (and so GC) cost of a one-row transaction.
   */
  private byTable: Map<string, Map<Uuid, TxnRow>> | undefined;
  /**
   * Every txn row in creation order; loops over it also visit rows added meanwhile. Starts as
   * the shared frozen NO_ROWS and becomes a one-element literal on the first row: `[]` grows to
   * 16 slots on its first push, a needless allocation for the usual one-row transaction.
   */
  #order: TxnRow[] = NO_ROWS;

  constructor(readonly db: CommittedView) {}

  get order(): readonly TxnRow[] {
    return this.#order;
  }

  find(table: string, uuid: Uuid): TxnRow | undefined {
    if (this.byTable) return this.byTable.get(table)?.get(uuid);
    const order = this.order;
    for (let i = 0; i < order.length; i++) {
      const tr = order[i] as TxnRow;
      if (tr.uuid === uuid && tr.table === table) return tr;
    }
    return undefined;
  }

  /** The per-table Maps, built on first need. */
  private tables(): Map<string, Map<Uuid, TxnRow>> {
    if (this.byTable) return this.byTable;
    const byTable = new Map<string, Map<Uuid, TxnRow>>();
    for (const tr of this.order) Txn.index(byTable, tr);
    return (this.byTable = byTable);
  }

  private static index(byTable: Map<string, Map<Uuid, TxnRow>>, tr: TxnRow): void {
    let m = byTable.get(tr.table);
    if (!m) byTable.set(tr.table, (m = new Map()));
    m.set(tr.uuid, tr);
  }

  /** The row as this transaction sees it. */
  get(table: string, uuid: Uuid): Row | undefined {
    const tr = this.find(table, uuid);
    return tr ? tr.new : this.db.rows(table).get(uuid);
  }

  /** Every row of `table` as this transaction sees it. */
  scan(table: string): Iterable<Row> {
    const overlay = this.order.length === 0 ? undefined : this.tables().get(table);
    // Untouched table (every read-only transaction): the committed rows as they are, without
    // a per-row overlay lookup or generator step.
    if (overlay === undefined || overlay.size === 0) return this.db.allRows(table);
    return this.scanOverlay(table, overlay);
  }

  private *scanOverlay(table: string, overlay: ReadonlyMap<Uuid, TxnRow>): Generator<Row> {
    for (const row of this.db.allRows(table)) {
      const tr = overlay.get(row.uuid);
      if (!tr) yield row;
      else if (tr.new) yield tr.new;
    }
    for (const tr of overlay.values()) if (!tr.old && tr.new) yield tr.new;
  }

  /**
   * Rows that may have canonical key `key` in index `i` of `table`: the committed holder (if the
   * transaction did not touch it) plus every row the transaction touched in that table. The
   * caller re-checks its condition on each.
   */
  *indexCandidates(table: string, i: number, key: string): Generator<Row> {
    const overlay = this.order.length === 0 ? undefined : this.tables().get(table);
    const committed = this.db.indexLookup(table, i, key);
    if (committed !== undefined && !overlay?.has(committed)) {
      const row = this.db.rows(table).get(committed);
      if (row) yield row;
    }
    if (overlay) for (const tr of overlay.values()) if (tr.new) yield tr.new;
  }

  /** Number of rows of `table` after the transaction. */
  count(table: string): number {
    let n = this.db.rows(table).size;
    const overlay = this.order.length === 0 ? undefined : this.tables().get(table);
    if (overlay) for (const tr of overlay.values()) n += (tr.new ? 1 : 0) - (tr.old ? 1 : 0);
    return n;
  }

  /** ovsdb_txn_may_create_row(). */
  mayCreate(table: string, uuid: Uuid): boolean {
    return !this.find(table, uuid) && !this.db.rows(table).has(uuid);
  }

  private add(table: string, uuid: Uuid, old: Row | undefined, row: MutableRow | undefined, nRefs: number): TxnRow {
    // Inserts and deletes change every column (determineChanges would say so): no Set for them.
    const changed = old !== undefined && row !== undefined ? new Set<string>() : ALL;
    const tr: TxnRow = { table, uuid, old, new: row, nRefs, changed, weakDirty: false };
    if (this.#order === NO_ROWS) this.#order = [tr];
    else this.#order.push(tr);
    if (this.byTable) Txn.index(this.byTable, tr);
    else if (this.order.length > SMALL) this.tables();
    return tr;
  }

  insert(table: string, row: MutableRow): void {
    this.add(table, row.uuid, undefined, row, 0);
  }

  /** A writable copy of a visible row. */
  modify(table: string, row: Row): MutableRow {
    const tr = this.find(table, row.uuid);
    if (tr?.new) return tr.new;
    const copy = cloneRow(row);
    this.add(table, row.uuid, row, copy, this.db.strongRefCount(table, row.uuid));
    return copy;
  }

  delete(table: string, uuid: Uuid): void {
    const tr = this.find(table, uuid);
    if (tr) tr.new = undefined;
    else {
      const old = this.db.rows(table).get(uuid);
      if (old) this.add(table, uuid, old, undefined, this.db.strongRefCount(table, uuid));
    }
  }

  /** find_or_make_txn_row(): pulls a committed row into the transaction. */
  private findOrMake(table: string, uuid: Uuid): TxnRow | undefined {
    const tr = this.find(table, uuid);
    if (tr) return tr;
    const old = this.db.rows(table).get(uuid);
    if (!old) return undefined;
    return this.add(table, uuid, old, cloneRow(old), this.db.strongRefCount(table, uuid));
  }

  /** True if the transaction changes nothing. */
  isEmpty(): boolean {
    return this.order.every((tr) => (tr.old === undefined && tr.new === undefined) ||
      (tr.old !== undefined && tr.new !== undefined && tr.changed.size === 0));
  }

  /** Runs every commit-time check (ovsdb_txn_precommit). */
  precommit(uuids: UuidSource): OvsdbError | undefined {
    this.determineChanges();
    return this.updateRefCounts() ?? this.collectGarbage() ?? this.checkMaxRows() ??
      this.assessWeakRefs() ?? this.checkIndexes() ?? this.updateVersions(uuids);
  }

  private determineChanges(): void {
    for (const tr of this.order) {
      if (tr.old && tr.new) {
        const meta = this.db.meta(tr.table);
        if (tr.changed === ALL) tr.changed = new Set();
        else tr.changed.clear();
        // Declared columns only (no _uuid/_version), so the maps are read directly; a column
        // the transaction did not write still holds the very same datum object.
        const before = tr.old.columns;
        const after = tr.new.columns;
        for (const c of meta.columnList) {
          const name = c.name;
          const a = before.get(name);
          const b = after.get(name);
          if (a !== b && !datumEquals(a ?? EMPTY_DATUM, b ?? EMPTY_DATUM)) tr.changed.add(name);
        }
      } else {
        tr.changed = ALL;
      }
    }
  }

  private changedCol(tr: TxnRow, name: string): boolean {
    return tr.changed === ALL || tr.changed.has(name);
  }

  private updateRefCounts(): OvsdbError | undefined {
    for (let i = 0; i < this.order.length; i++) {
      const tr = this.order[i] as TxnRow;
      const meta = this.db.meta(tr.table);
      for (const rc of meta.strong) {
        if (!this.changedCol(tr, rc.column.name)) continue;
        const before = tr.old ? refCounts(tr.old, [rc]) : new Map<string, number>();
        const after = tr.new ? refCounts(tr.new, [rc]) : new Map<string, number>();
        for (const [key, n] of before) {
          const delta = (after.get(key) ?? 0) - n;
          if (delta < 0) this.adjustRef(key, delta);
        }
        for (const [key, n] of after) {
          const delta = n - (before.get(key) ?? 0);
          if (delta <= 0) continue;
          const target = this.adjustRef(key, delta);
          if (!target && tr.new) {
            const [table, uuid] = key.split('\u0000');
            return new OvsdbError('referential integrity violation',
              `Table ${tr.table} column ${rc.column.name} row ${tr.uuid} references nonexistent row ${uuid ?? ''} in table ${table ?? ''}.`);
          }
        }
      }
    }
    for (const tr of this.order) {
      if (!tr.new && tr.nRefs > 0) {
        return new OvsdbError('referential integrity violation',
          `cannot delete ${tr.table} row ${tr.uuid} because of ${tr.nRefs} remaining reference(s)`);
      }
    }
    return undefined;
  }

  private adjustRef(key: string, delta: number): TxnRow | undefined {
    const sep = key.indexOf('\u0000');
    const tr = this.findOrMake(key.slice(0, sep), key.slice(sep + 1) as Uuid);
    if (tr) tr.nRefs += delta;
    return tr;
  }

  private collectGarbage(): OvsdbError | undefined {
    for (let i = 0; i < this.order.length; i++) {
      const tr = this.order[i] as TxnRow;
      // Root rows are never garbage: skip the walk for them (every row of most small transactions).
      if (tr.new && tr.nRefs === 0 && !this.db.meta(tr.table).schema.isRoot) this.deleteGarbage(tr);
    }
    return undefined;
  }

  /** delete_garbage_row(), iteratively: unreferenced non-root rows go, cascading. */
  private deleteGarbage(first: TxnRow): void {
    const stack = [first];
    while (stack.length) {
      const tr = stack.pop() as TxnRow;
      const meta = this.db.meta(tr.table);
      if (meta.schema.isRoot || !tr.new) continue;
      const row = tr.new;
      tr.new = undefined;
      tr.changed = ALL;
      forEachRef(row, meta.strong, (table, uuid) => {
        if (uuid === row.uuid) return;
        const target = this.findOrMake(table, uuid);
        if (target && target.new && --target.nRefs === 0) stack.push(target);
      });
    }
  }

  private checkMaxRows(): OvsdbError | undefined {
    // Tables in order of first touch; only a table with a limit needs the Maps.
    let checked: string[] | undefined;
    for (const tr of this.order) {
      const table = tr.table;
      const max = this.db.meta(table).schema.maxRows;
      if (!Number.isFinite(max)) continue;
      if (checked?.includes(table)) continue;
      (checked ??= []).push(table);
      const n = this.count(table);
      if (n > max) {
        return new OvsdbError('constraint violation',
          `transaction causes "${table}" table to contain ${n} rows, greater than the schema-defined limit of ${max} row(s)`);
      }
    }
    return undefined;
  }

  private assessWeakRefs(): OvsdbError | undefined {
    for (let i = 0; i < this.order.length; i++) {
      const tr = this.order[i] as TxnRow;
      if (!tr.old || tr.new) continue;
      for (const src of this.db.weakSources(tr.table, tr.uuid)) {
        const sep = src.indexOf('\u0000');
        const s = this.findOrMake(src.slice(0, sep), src.slice(sep + 1) as Uuid);
        if (s) s.weakDirty = true;
      }
    }
    for (let i = 0; i < this.order.length; i++) {
      const tr = this.order[i] as TxnRow;
      if (!tr.new) continue;
      const meta = this.db.meta(tr.table);
      for (const rc of meta.weak) {
        const name = rc.column.name;
        if (!tr.weakDirty && !this.changedCol(tr, name)) continue;
        const d = tr.new.columns.get(name);
        if (!d) continue;
        const error = this.pruneWeak(tr, rc.keyTable, rc.valueTable, name, d, rc.column.type.min);
        if (error) return error;
      }
    }
    return undefined;
  }

  private pruneWeak(tr: TxnRow, keyTable: string | undefined, valueTable: string | undefined,
    name: string, d: Datum, min: number): OvsdbError | undefined {
    const keys = [];
    const values = d.values ? [] as typeof d.keys[number][] : undefined;
    let zero = false;
    for (let j = 0; j < d.keys.length; j++) {
      const k = d.keys[j] as Uuid;
      const v = d.values?.[j] as Uuid | undefined;
      const deadKey = keyTable !== undefined && !this.get(keyTable, k);
      const deadValue = valueTable !== undefined && v !== undefined && !this.get(valueTable, v);
      if (deadKey || deadValue) {
        if ((deadKey && /^[0-]+$/.test(k)) || (deadValue && v !== undefined && /^[0-]+$/.test(v))) zero = true;
        continue;
      }
      keys.push(k);
      if (values && v !== undefined) values.push(v);
    }
    const removed = d.keys.length - keys.length;
    if (removed === 0 || !tr.new) return undefined;
    tr.new.columns.set(name, { keys, values });
    if (tr.changed !== ALL) tr.changed.add(name);
    if (keys.length < min) {
      if (zero && !tr.old) {
        return new OvsdbError('constraint violation',
          `Weak reference column "${name}" in "${tr.table}" row ${tr.uuid} (inserted within this transaction) contained all-zeros UUID (probably as the default value for this column) but deleting this value caused a constraint volation because this column is not allowed to be empty.`);
      }
      return new OvsdbError('constraint violation',
        `Deletion of ${removed} weak reference(s) to deleted (or never-existing) rows from column "${name}" in "${tr.table}" row ${tr.uuid} ${tr.old ? '' : '(inserted within this transaction) '}caused this column to become empty, but constraints on this column disallow an empty column.`);
    }
    return undefined;
  }

  private checkIndexes(): OvsdbError | undefined {
    let temp: Map<string, TxnRow> | undefined;
    for (const tr of this.order) {
      if (!tr.new) continue;
      const schema = this.db.meta(tr.table).schema;
      if (schema.indexes.length === 0) continue;
      temp ??= new Map();
      for (let i = 0; i < schema.indexes.length; i++) {
        const cols = schema.indexes[i] as readonly string[];
        const key = rowKey(tr.new, cols);
        const tkey = `${tr.table}\u0000${i}\u0000${key}`;
        const other = temp.get(tkey);
        if (other?.new) return this.duplicateIndex(tr.table, cols, other.new, tr.new);
        const committed = this.db.indexLookup(tr.table, i, key);
        if (committed !== undefined && !this.find(tr.table, committed)) {
          const row = this.db.rows(tr.table).get(committed);
          if (row) return this.duplicateIndex(tr.table, cols, row, tr.new);
        }
        temp.set(tkey, tr);
      }
    }
    return undefined;
  }

  private duplicateIndex(table: string, cols: readonly string[], a0: Row, b0: Row): OvsdbError {
    const schema = this.db.meta(table).schema;
    let a = a0;
    let b = b0;
    if (compareRowsComparable(schema, a, b) < 0) [a, b] = [b, a];
    const colText = `column${cols.length > 1 ? 's' : ''} ` +
      cols.map((c, i) => `${i === 0 ? '' : i < cols.length - 1 ? ', ' : cols.length > 2 ? ', and ' : ' and '}"${c}"`).join('');
    return new OvsdbError('constraint violation',
      `Transaction causes multiple rows in "${table}" table to have identical values (${rowColumnsToString(schema, a, cols)}) for index on ${colText}.  ` +
      `${this.describe(table, cols, a, 'First')}  ${this.describe(table, cols, b, 'Second')}`);
  }

  private describe(table: string, cols: readonly string[], row: Row, title: string): string {
    const tr = this.find(table, row.uuid);
    const head = `${title} row, with UUID ${row.uuid}, `;
    if (!tr || (tr.old && tr.new && tr.changed.size === 0)) {
      return head + 'existed in the database before this transaction and was not modified by the transaction.';
    }
    if (!tr.old) return head + 'was inserted by this transaction.';
    if (tr.new && rowsEqualOn(tr.old, tr.new, cols)) {
      return head + "existed in the database before this transaction, which modified some of the row's columns but not any columns in this index.";
    }
    return head + `had the following index values before the transaction: ${rowColumnsToString(this.db.meta(table).schema, tr.old, cols)}.`;
  }

  private updateVersions(uuids: UuidSource): undefined {
    for (const tr of this.order) {
      if (tr.old && tr.new && tr.changed.size > 0) tr.new.version = freshUuid(uuids);
    }
    return undefined;
  }
}
