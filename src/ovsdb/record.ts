/**
 * CommitRecord: a committed transaction as row-level changes in the shape of an Open vSwitch
 * database-file record, `{table: {uuid: null | {column: json, ..., "_version": ["uuid", v]}}}`.
 * Built from a transaction's overlay; parsed back (trusted input) by Database.apply().
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject, jsonText, stringText } from '../base/json.js';
import { AssertionError } from '../base/assert.js';
import type { Uuid } from '../base/uuid.js';
import { lowerUuid } from './atom.js';
import { datumFromJson, datumToJson, isDefaultStored, storedSingleAtom, storedToDatum, storedToJson, type StoredValue } from './datum.js';
import { OvsdbError } from './errors.js';
import { columnValue, copyColumns, storedColumn } from './row.js';
import type { MutableRow } from './row.js';
import { defaultColumns } from './table-meta.js';
import type { TableMeta } from './table-meta.js';
import type { Txn, TxnRow } from './transaction.js';
import type { ColumnSchema, ColumnType, CommitRecord, Datum, Row } from './types.js';

/** One row's final state (`row` undefined deletes it) and its current state `old`. */
export interface PreparedChange {
  readonly table: string;
  readonly uuid: Uuid;
  readonly old: Row | undefined;
  readonly row: Row | undefined;
}

/** JSON of a full row as an insert: non-default columns plus _version. */
export function insertJson(meta: TableMeta, row: Row): JsonObject {
  const out: { [k: string]: Json } = {};
  for (const c of meta.columnList) {
    const v = storedColumn(row, c.name);
    if (v !== undefined && !isDefaultStored(c.type, v)) out[c.name] = storedToJson(c.type, v);
  }
  out['_version'] = ['uuid', row.version];
  return out;
}

/** True if the transaction row changes the database (and so belongs in the record). */
function inRecord(tr: TxnRow): boolean {
  return tr.old ? (!tr.new || tr.changed.size > 0) : tr.new !== undefined;
}

/**
 * The rows of a transaction that passed precommit that belong in its record (each with its
 * committed state `old` as the transaction saw it and its final state `new`), in order;
 * undefined if a no-op. They are `txn.order` itself when every row is in the record.
 */
export function recordRows(txn: Txn): readonly TxnRow[] | undefined {
  const order = txn.order;
  // Filled only once a row is left out (the common transaction leaves none out).
  let rows: TxnRow[] | undefined;
  for (let i = 0; i < order.length; i++) {
    const tr = order[i] as TxnRow;
    if (inRecord(tr)) {
      if (rows) rows.push(tr);
    } else {
      rows ??= order.slice(0, i);
    }
  }
  const kept = rows ?? order;
  return kept.length ? kept : undefined;
}

/** The JSON of one record row: null (delete), all non-default columns (insert) or the changed ones. */
function rowJson(tr: TxnRow, m: TableMeta): JsonObject | null {
  const row = tr.new;
  if (!row) return null;
  const out: { [k: string]: Json } = {};
  const columns = m.columnList;
  for (let i = 0; i < columns.length; i++) {
    const d = recordDatum(tr, row, m, i);
    const c = columns[i] as ColumnSchema;
    if (d) out[c.name] = datumToJson(c.type, d);
  }
  out['_version'] = ['uuid', row.version];
  return out;
}

/**
 * The datum column `i` has in the record of written row `tr` (final state `row`), or undefined
 * if the record leaves it out: an insert carries its non-default columns, a modify the
 * columns it changed (OVS file records).
 */
function recordDatum(tr: TxnRow, row: Row, m: TableMeta, i: number): Datum | undefined {
  const v = recordValue(tr, row, m, i);
  return v === undefined ? undefined : storedToDatum(v);
}

/** recordDatum() in the form the row stores it (a one-key value may be its bare atom). */
function recordValue(tr: TxnRow, row: Row, m: TableMeta, i: number): StoredValue | undefined {
  const c = m.columnList[i] as ColumnSchema;
  if (!tr.old) {
    const v = columnValue(row, c.name);
    return isDefaultStored(c.type, v) ? undefined : v;
  }
  if (!tr.changed.has('*') && !tr.changed.has(c.name)) return undefined;
  return storedColumn(row, c.name) ?? m.defaults.get(c.name) ?? EMPTY_DATUM;
}

/** The record of `rows` (from recordRows) as an object. */
export function recordObject(rows: readonly TxnRow[], meta: (t: string) => TableMeta): CommitRecord {
  const record: { [t: string]: { [u: string]: JsonObject | null } } = {};
  for (const tr of rows) {
    // Rows are keyed by uuid: a fresh property name every time. On an ordinary object literal V8
    // would create (and soon normalize) a new hidden class per uuid; a null-prototype object is
    // a plain hash table from the start.
    (record[tr.table] ??= uuidKeyedObject())[tr.uuid] = rowJson(tr, meta(tr.table));
  }
  return record;
}

/**
 * The record of `rows` as JSON text, exactly `jsonText(recordObject(rows, meta))`, written
 * directly. This is what a commit stores and would replicate; building the object first made
 * every new row uuid a property name, which V8 must intern in its global string table (about
 * 0.35 µs a row), and then JSON.stringify walked a dictionary-mode object.
 */
export function recordText(rows: readonly TxnRow[], meta: (t: string) => TableMeta): string {
  // Pieces joined once at the end: concatenating as we go would leave a chain of cons-string
  // nodes that writing the journal frame must flatten again.
  const parts: string[] = ['{'];
  const first = rows[0] as TxnRow;
  // The common case: every row in one table (the object's table order is first appearance).
  let oneTable = true;
  for (let i = 1; i < rows.length; i++) if ((rows[i] as TxnRow).table !== first.table) oneTable = false;
  if (oneTable) {
    tableText(parts, first.table, rows, meta(first.table));
  } else {
    const tables: string[] = [];
    const byTable = new Map<string, TxnRow[]>();
    for (const tr of rows) {
      let list = byTable.get(tr.table);
      if (!list) {
        byTable.set(tr.table, (list = []));
        tables.push(tr.table);
      }
      list.push(tr);
    }
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i] as string;
      if (i) parts.push(',');
      tableText(parts, t, byTable.get(t) ?? [], meta(t));
    }
  }
  parts.push('}');
  return parts.join('');
}

function tableText(parts: string[], table: string, rows: readonly TxnRow[], m: TableMeta): void {
  parts.push(stringText(table), ':{');
  for (let i = 0; i < rows.length; i++) {
    const tr = rows[i] as TxnRow;
    // Uuids are 36 characters of [0-9a-f-]: nothing to escape.
    parts.push(i ? ',"' : '"', tr.uuid, '":');
    rowText(parts, tr, m);
  }
  parts.push('}');
}

function rowText(parts: string[], tr: TxnRow, m: TableMeta): void {
  const row = tr.new;
  if (!row) {
    parts.push('null');
    return;
  }
  parts.push('{');
  const columns = m.columnList;
  for (let i = 0; i < columns.length; i++) {
    const v = recordValue(tr, row, m, i);
    if (v !== undefined) parts.push(m.columnKeyTexts[i] as string, storedText((columns[i] as ColumnSchema).type, v), ',');
  }
  parts.push('"_version":["uuid","', row.version, '"]}');
}

const EMPTY_DATUM: Datum = { keys: [], values: undefined };

/** jsonText(storedToJson(t, v)), without the JSON value for the common single integer or string. */
function storedText(t: ColumnType, v: StoredValue): string {
  if (t.max === 1 && t.min === 1 && t.value === undefined) {
    const a = storedSingleAtom(v);
    if (typeof a === 'number' && t.key.type === 'integer' && Number.isSafeInteger(a)) return String(a);
    if (typeof a === 'string' && t.key.type === 'string') return stringText(a);
  }
  return jsonText(storedToJson(t, v));
}

/** An empty object meant for uuid keys (JSON.stringify and Object.entries treat it like a plain object). */
function uuidKeyedObject(): { [u: string]: JsonObject | null } {
  return Object.create(null) as { [u: string]: JsonObject | null };
}

const VERSION_TYPE: ColumnType = { key: { type: 'uuid' }, value: undefined, min: 1, max: 1 };
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Turns a record into final row states against `current` rows (slow path of apply()).
 * Throws AssertionError on a malformed record: records are trusted, a bad one is a bug.
 */
export function parseRecord(record: CommitRecord, meta: (t: string) => TableMeta | undefined,
  current: (t: string, u: Uuid) => Row | undefined): PreparedChange[] {
  const out: PreparedChange[] = [];
  if (!isJsonObject(record)) throw new AssertionError('commit record is not an object');
  // for-in rather than Object.entries (same order): no [key, value] arrays per member, since
  // every follower parses every record.
  for (const table in record) {
    if (!hasOwn.call(record, table)) continue;
    const rows: unknown = record[table];
    // Table names cannot start with '_' (RFC 7047 §3.2), so keys like "_date" and "_comment"
    // are record metadata, as in an Open vSwitch database file, not changes.
    if (table.startsWith('_')) continue;
    const m = meta(table);
    if (!m) throw new AssertionError(`commit record names unknown table ${table}`);
    if (!isJsonObject(rows)) throw new AssertionError(`commit record table ${table} is not an object`);
    for (const uuidText in rows) {
      if (!hasOwn.call(rows, uuidText)) continue;
      const rowJson = rows[uuidText];
      const lower = lowerUuid(uuidText);
      if (lower === undefined) throw new AssertionError(`commit record has bad uuid ${uuidText}`);
      const uuid = lower as Uuid;
      if (rowJson === null) {
        out.push({ table, uuid, old: current(table, uuid), row: undefined });
        continue;
      }
      if (!isJsonObject(rowJson)) throw new AssertionError(`commit record row ${uuid} is not an object`);
      const old = current(table, uuid);
      const row: MutableRow = {
        uuid, version: old?.version ?? uuid, columns: old ? copyColumns(old.columns) : defaultColumns(m),
      };
      for (const name in rowJson) {
        if (!hasOwn.call(rowJson, name)) continue;
        const value = rowJson[name];
        try {
          if (name === '_version') {
            row.version = datumFromJson(VERSION_TYPE, value).keys[0] as Uuid;
            continue;
          }
          const t = m.relaxedTypes.get(name);
          if (!t) throw new AssertionError(`commit record names unknown column ${table}.${name}`);
          row.columns.set(name, datumFromJson(t, value));
        } catch (e) {
          if (e instanceof OvsdbError) throw new AssertionError(`bad commit record value ${table}.${name}: ${e.details}`);
          throw e;
        }
      }
      out.push({ table, uuid, old, row });
    }
  }
  return out;
}
