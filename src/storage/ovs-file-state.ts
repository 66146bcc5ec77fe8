/**
 * What the records of an Open vSwitch standalone database file mean (ovsdb/file.c): replaying
 * the transaction records of a file into the rows it describes, and writing rows back as the
 * single all-rows record that `ovsdb-tool compact` produces.
 *
 * A transaction record is `{table: {uuid: row | null}, "_date": ms, "_comment": text,
 * "_is_diff": bool}`. `null` deletes the row; a uuid not yet present inserts a row whose absent
 * columns take their defaults; a present uuid modifies the listed columns. Since OVS 2.15 the
 * server writes `"_is_diff": true` records in which a modified set or map column (one whose
 * max > 1, "composite") carries the *difference* rather than the new value
 * (ovsdb_datum_diff()): a set element present toggles membership, a map key whose value equals
 * the current one is removed, a new key or a different value is set. Inserted rows always carry
 * full values, and scalar or optional columns always carry the new value.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { isUuid } from '../base/uuid.js';
import { compareAtoms } from '../ovsdb/atom.js';
import { datumFromJson, datumToJson, isDefaultDatum, makeDatum } from '../ovsdb/datum.js';
import { OvsdbError } from '../ovsdb/errors.js';
import type { Atom, ColumnType, DatabaseSchema, Datum, TableSchema } from '../ovsdb/types.js';
import { OvsFileError } from './ovs-file-format.js';

/** Rows by table, then by uuid; a row lists only the columns that differ from the default. */
export type OvsRows = Map<string, Map<string, Map<string, Datum>>>;

/** ovsdb_type_is_composite(): only such columns are written as differences. */
function isComposite(t: ColumnType): boolean {
  return t.max > 1;
}

/**
 * ovsdb_datum_apply_diff_in_place(): `diff` holds keys to toggle (sets), or pairs to add,
 * update, or (when the value matches) remove (maps). Both inputs are canonical (sorted).
 */
export function applyDatumDiff(t: ColumnType, current: Datum, diff: Datum): Datum {
  const isMap = t.value !== undefined;
  const keys: Atom[] = [];
  const values: Atom[] = [];
  let i = 0;
  let j = 0;
  const cur = current.keys;
  const dk = diff.keys;
  while (i < cur.length || j < dk.length) {
    const c = i >= cur.length ? 1 : j >= dk.length ? -1 : compareAtoms(cur[i] as Atom, dk[j] as Atom);
    if (c < 0) {
      keys.push(cur[i] as Atom);
      if (isMap) values.push(current.values?.[i] as Atom);
      i++;
    } else if (c > 0) {
      keys.push(dk[j] as Atom);
      if (isMap) values.push(diff.values?.[j] as Atom);
      j++;
    } else {
      // Same key: a set element or an unchanged map pair is removed; a new map value replaces.
      if (isMap && current.values?.[i] !== diff.values?.[j]) {
        keys.push(dk[j] as Atom);
        values.push(diff.values?.[j] as Atom);
      }
      i++;
      j++;
    }
  }
  if (keys.length < t.min || keys.length > t.max) {
    throw new OvsdbError('ovsdb error', 'Datum crated by diff has size error');
  }
  return makeDatum(keys, isMap ? values : undefined);
}

function describe(e: unknown): string {
  if (e instanceof OvsdbError) return e.details;
  return e instanceof Error ? e.message : String(e);
}

function parseDatum(t: ColumnType, json: Json, asDiff: boolean): Datum {
  // A diff may violate the column's size rules (ovsdb_transient_datum_from_json()).
  return datumFromJson(asDiff ? { ...t, min: 0, max: Number.MAX_SAFE_INTEGER } : t, json);
}

function applyRow(table: TableSchema, row: Map<string, Datum>, json: JsonObject, asDiff: boolean): void {
  for (const [column, value] of Object.entries(json)) {
    const col = table.columns.get(column);
    if (!col) {
      // ovsdb-server ignores a stored `_version` it did not write; anything else is unknown.
      if (column === '_version' || column === '_uuid') continue;
      throw new Error(`unknown column: No column ${column} in table ${table.name}.`);
    }
    let datum: Datum;
    try {
      datum = parseDatum(col.type, value, asDiff && isComposite(col.type));
      if (asDiff && isComposite(col.type)) datum = applyDatumDiff(col.type, row.get(column) ?? makeDatum([], col.type.value ? [] : undefined), datum);
    } catch (e) {
      throw new Error(`column ${column} in table ${table.name}: ${describe(e)}`);
    }
    if (isDefaultDatum(col.type, datum)) row.delete(column);
    else row.set(column, datum);
  }
}

/**
 * Replays one transaction record onto `rows` (ovsdb_file_txn_from_json() + commit).
 *
 * @throws Error naming the table, row or column when the record does not fit the schema.
 */
export function applyOvsTransaction(schema: DatabaseSchema, rows: OvsRows, txn: JsonObject): void {
  const isDiff = txn['_is_diff'] === true;
  for (const [name, tableJson] of Object.entries(txn)) {
    const table = schema.tables.get(name);
    if (!table) {
      if (name === '_date' && typeof tableJson === 'number') continue;
      if (name === '_is_diff' && typeof tableJson === 'boolean') continue;
      if (name === '_comment') continue;
      throw new Error(`unknown table: No table named ${name}.`);
    }
    if (!isJsonObject(tableJson)) throw new Error(`table ${name}: object expected`);
    let tableRows = rows.get(name);
    if (!tableRows) rows.set(name, (tableRows = new Map()));
    for (const [uuidText, rowJson] of Object.entries(tableJson)) {
      if (!isUuid(uuidText)) throw new Error(`table ${name}: "${uuidText}" is not a valid UUID`);
      const uuid = uuidText.toLowerCase();
      const existing = tableRows.get(uuid);
      if (rowJson === null) {
        if (!existing) throw new Error(`transaction deletes row ${uuid} that does not exist`);
        tableRows.delete(uuid);
      } else if (!isJsonObject(rowJson)) {
        throw new Error(`table ${name} row ${uuid}: row must be JSON object`);
      } else if (existing) {
        const next = new Map(existing);
        applyRow(table, next, rowJson, isDiff);
        tableRows.set(uuid, next);
      } else {
        const row = new Map<string, Datum>();
        applyRow(table, row, rowJson, false);
        tableRows.set(uuid, row);
      }
    }
  }
}

/**
 * Replays every transaction of a file, in order, from an empty database.
 *
 * @throws OvsFileError with the record number (the schema is record 0, as in show-log).
 * @example
 *   const file = await readOvsStandaloneFile('ovnnb_db.db');
 *   const rows = replayOvsTransactions(parseSchema(file.schema), file.transactions, 'ovnnb_db.db');
 */
export function replayOvsTransactions(schema: DatabaseSchema, txns: readonly JsonObject[], name: string): OvsRows {
  const rows: OvsRows = new Map();
  txns.forEach((txn, i) => {
    try {
      applyOvsTransaction(schema, rows, txn);
    } catch (e) {
      throw new OvsFileError(`${name}: record ${i + 1}: ${describe(e)}`);
    }
  });
  return rows;
}

/**
 * Reads rows from a `{table: {uuid: {column: json}}}` object such as the engine's
 * snapshot record, dropping `_uuid`, `_version` and columns at their defaults.
 */
export function rowsFromRecord(schema: DatabaseSchema, record: { readonly [table: string]: { readonly [uuid: string]: JsonObject | null } }): OvsRows {
  const rows: OvsRows = new Map();
  applyOvsTransaction(schema, rows, record as JsonObject);
  return rows;
}

/**
 * The rows as one insert-everything record body, `{table: {uuid: {column: json}}}`, with only
 * non-default columns (as ovsdb-tool compact writes them); tables without rows are left out.
 * With `persistentOnly`, ephemeral columns are left out too, as ovsdb-server never writes them
 * to a standalone file (file.c, ovsdb_file_txn_add_row()).
 */
export function rowsToRecord(schema: DatabaseSchema, rows: OvsRows, options: { readonly persistentOnly?: boolean } = {}): { [table: string]: { [uuid: string]: JsonObject } } {
  const out: { [table: string]: { [uuid: string]: JsonObject } } = {};
  for (const [tableName, tableRows] of [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const table = schema.tables.get(tableName);
    if (!table || tableRows.size === 0) continue;
    const t: { [uuid: string]: JsonObject } = {};
    // Sorted so the same rows always give the same bytes (default sort: UTF-16 order, which for
    // lowercase uuids is byte order).
    for (const uuid of [...tableRows.keys()].sort()) {
      const row = tableRows.get(uuid);
      if (!row) continue;
      const r: { [column: string]: Json } = {};
      for (const [column, datum] of row) {
        const col = table.columns.get(column);
        if (col && !(options.persistentOnly && col.ephemeral)) r[column] = datumToJson(col.type, datum);
      }
      t[uuid] = r;
    }
    out[tableName] = t;
  }
  return out;
}

/** Number of rows across all tables. */
export function countRows(rows: OvsRows): number {
  let n = 0;
  for (const t of rows.values()) n += t.size;
  return n;
}
