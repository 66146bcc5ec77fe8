/**
 * Per-table facts derived once from the schema: which columns hold strong or weak references,
 * and the default row. Used on the hot path so transactions touch only what they need.
 */
import type { Uuid } from '../base/uuid.js';
import { defaultDatum } from './datum.js';
import { ovsShashOrder } from './ovs-order.js';
import type { Atom, BaseType, ColumnSchema, Datum, DatabaseSchema, Row, TableSchema } from './types.js';

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
  /** Column names in the order ovsdb-server iterates its table schema (for error order). */
  readonly ovsColumnOrder: readonly string[];
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
  for (const t of schema.tables.values()) {
    const defaults = new Map<string, Datum>();
    for (const c of t.columns.values()) defaults.set(c.name, defaultDatum(c.type));
    const ovsColumnOrder = ovsShashOrder(['_uuid', '_version', ...ovsShashOrder([...t.columns.keys()])]);
    out.set(t.name, { schema: t, strong: refColumns(t, 'strong'), weak: refColumns(t, 'weak'), defaults, ovsColumnOrder });
  }
  return out;
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
