/**
 * Per-table facts derived once from the schema: which columns hold strong or weak references,
 * and the default row. Used on the hot path so transactions touch only what they need.
 */
import type { Uuid } from '../base/uuid.js';
import { ColumnLayout, ColumnMap } from './column-map.js';
import { checkDatumConstraints, defaultDatum } from './datum.js';
import { ovsShashOrder } from './ovs-order.js';
import type { Atom, BaseType, ColumnSchema, ColumnType, Datum, DatabaseSchema, Row, TableSchema } from './types.js';

/** A reference-holding column. */
export interface RefColumn {
  readonly column: ColumnSchema;
  /** Referenced table of the keys, if the keys are references of this strength. */
  readonly keyTable: string | undefined;
  /** Referenced table of the values, if the values are references of this strength. */
  readonly valueTable: string | undefined;
}

export interface TableMeta {
  readonly schema: TableSchema;
  readonly strong: readonly RefColumn[];
  readonly weak: readonly RefColumn[];
  readonly defaults: ReadonlyMap<string, Datum>;
  /** The declared columns' names and positions, shared by the ColumnMap of every row. */
  readonly layout: ColumnLayout;
  /** Every column at its default: a new row starts as a copy (never changed itself). */
  readonly defaultRow: ColumnMap;
  /** Per column, its type with any number of elements allowed (values in commit records). */
  readonly relaxedTypes: ReadonlyMap<string, ColumnType>;
  /** The declared columns in schema order (an array: no iterator per walk on hot paths). */
  readonly columnList: readonly ColumnSchema[];
  /** `"name":` of each column of columnList, as record text writes it. */
  readonly columnKeyTexts: readonly string[];
  /** Column names in the order ovsdb-server iterates its table schema (for error order). */
  readonly ovsColumnOrder: readonly string[];
  // Precomputed facts that let a small transaction skip work that cannot apply to the table.
  /** Some strong reference column anywhere in the schema may point into this table. */
  readonly strongTarget: boolean;
  /** Some weak reference column anywhere in the schema may point into this table. */
  readonly weakTarget: boolean;
  /** Some column's one-element default violates its constraints (e.g. an enum without ""). */
  readonly badDefault: boolean;
}

function refTable(b: BaseType | undefined, kind: 'strong' | 'weak'): string | undefined {
  return b?.type === 'uuid' && b.refTable !== undefined && (b.refType ?? 'strong') === kind ? b.refTable : undefined;
}

function refColumns(t: TableSchema, kind: 'strong' | 'weak'): RefColumn[] {
  const out: RefColumn[] = [];
  for (const column of t.columns.values()) {
    const keyTable = refTable(column.type.key, kind);
    const valueTable = refTable(column.type.value, kind);
    if (keyTable !== undefined || valueTable !== undefined) out.push({ column, keyTable, valueTable });
  }
  return out;
}

/** Builds the TableMeta of every table. */
export function buildMeta(schema: DatabaseSchema): Map<string, TableMeta> {
  const out = new Map<string, TableMeta>();
  const strongTargets = new Set<string>();
  const weakTargets = new Set<string>();
  for (const t of schema.tables.values()) {
    for (const rc of refColumns(t, 'strong')) for (const x of [rc.keyTable, rc.valueTable]) if (x !== undefined) strongTargets.add(x);
    for (const rc of refColumns(t, 'weak')) for (const x of [rc.keyTable, rc.valueTable]) if (x !== undefined) weakTargets.add(x);
  }
  for (const t of schema.tables.values()) {
    const defaults = new Map<string, Datum>();
    let badDefault = false;
    for (const c of t.columns.values()) {
      const d = defaultDatum(c.type);
      defaults.set(c.name, d);
      if (d.keys.length === 1 && checkDatumConstraints(c.type, d)) badDefault = true;
    }
    const ovsColumnOrder = ovsShashOrder(['_uuid', '_version', ...ovsShashOrder([...t.columns.keys()])]);
    const layout = new ColumnLayout([...defaults.keys()]);
    out.set(t.name, {
      schema: t, layout, defaultRow: ColumnMap.of(layout, [...defaults.values()]), columnList: [...t.columns.values()],
      columnKeyTexts: [...t.columns.keys()].map((name) => `${JSON.stringify(name)}:`),
      relaxedTypes: new Map([...t.columns.values()].map((c) => [c.name, { ...c.type, min: 0, max: Infinity }])), strong: refColumns(t, 'strong'), weak: refColumns(t, 'weak'), defaults, ovsColumnOrder,
      strongTarget: strongTargets.has(t.name), weakTarget: weakTargets.has(t.name), badDefault,
    });
  }
  return out;
}

/** A new column map holding the table's defaults (a new row before its given columns). */
export function defaultColumns(meta: TableMeta): Map<string, Datum> {
  return meta.defaultRow.copy();
}

/** Calls `fn(targetTable, targetUuid)` for every reference held by `row` in `cols`. */
export function forEachRef(row: Row, cols: readonly RefColumn[], fn: (table: string, uuid: Uuid) => void): void {
  for (const rc of cols) {
    const d = row.columns.get(rc.column.name);
    if (!d) continue;
    if (rc.keyTable !== undefined) for (const k of d.keys) fn(rc.keyTable, k as Uuid);
    if (rc.valueTable !== undefined && d.values) for (const v of d.values) fn(rc.valueTable, v as Uuid);
  }
}

/** Counts references by "table\u0000uuid", skipping self references (transaction.c). */
export function refCounts(row: Row, cols: readonly RefColumn[]): Map<string, number> {
  const out = new Map<string, number>();
  forEachRef(row, cols, (table, uuid) => {
    if (uuid === row.uuid) return;
    const key = `${table}\u0000${uuid}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  });
  return out;
}

/** Atom list of a datum side, for reference scans. */
export function atomsOf(d: Datum, side: 'keys' | 'values'): readonly Atom[] {
  return side === 'keys' ? d.keys : d.values ?? [];
}
