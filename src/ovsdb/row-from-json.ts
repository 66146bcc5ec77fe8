/**
 * A transact request's <row> objects (RFC 7047 §5.1), parsed as ovsdb_row_from_json() does:
 * a full row for insert and wait, only the given columns for update.
 */
import type { Json } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import type { SymbolTable } from './atom.js';
import { datumFromJson } from './datum.js';
import { OvsdbError, syntaxError } from './errors.js';
import { ovsShashOrder } from './ovs-order.js';
import type { MutableRow } from './row.js';
import { getColumn } from './schema/parse-schema.js';
import { defaultColumns } from './table-meta.js';
import type { TableMeta } from './table-meta.js';
import type { ColumnSchema, Datum, TableSchema } from './types.js';

/**
 * ovsdb_row_from_json(): a full row (defaults for absent columns).
 * Members are parsed in JSON order; on an error the row is re-parsed in OVS's shash order so
 * the error reported is the one ovsdb-server reports first.
 */
export function parseRow(meta: TableMeta, symtab: SymbolTable, json: Json): MutableRow {
  return inOvsErrorOrder(json, (obj, names) => parseRowIn(meta, symtab, obj, names));
}

/**
 * Runs `parse` over the members of row object `json` in JSON order; if it fails, again in OVS's
 * shash order, so that the error is the one ovsdb-server reports first.
 */
function inOvsErrorOrder<T>(json: Json, parse: (obj: { readonly [k: string]: Json }, names: readonly string[]) => T): T {
  if (!isJsonObject(json)) throw syntaxError(json, 'row must be JSON object');
  try {
    return parse(json, Object.keys(json));
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    return parse(json, ovsShashOrder(Object.keys(json)));
  }
}

function parseRowIn(meta: TableMeta, symtab: SymbolTable, json: { readonly [k: string]: Json }, names: readonly string[]): MutableRow {
  const columns = defaultColumns(meta);
  let uuid = '00000000-0000-0000-0000-000000000000' as Uuid;
  let version = uuid;
  for (const name of names) {
    const d = parseMember(meta.schema, symtab, json, name);
    if (name === '_uuid') uuid = d.keys[0] as Uuid;
    else if (name === '_version') version = d.keys[0] as Uuid;
    else columns.set(name, d);
  }
  return { uuid, version, columns };
}

function parseMember(table: TableSchema, symtab: SymbolTable, json: { readonly [k: string]: Json }, name: string): Datum {
  const column = getColumn(table, name);
  if (!column) throw syntaxError(json, `No column ${name} in table ${table.name}.`, 'unknown column');
  return datumFromJson(column.type, json[name], symtab);
}

/** An update's row: the columns given and their values (parallel), checked as parseRow does. */
export interface GivenColumns {
  readonly columns: ColumnSchema[];
  readonly datums: Datum[];
}

/**
 * The row of an `update`, as parseRow parses it (same errors, same order), but only the given
 * columns: an update reads nothing else, and building a full row (a Map with every default)
 * was a visible share of a small update.
 */
export function parseGiven(table: TableSchema, symtab: SymbolTable, json: Json): GivenColumns {
  return inOvsErrorOrder(json, (obj, names) => parseGivenIn(table, symtab, obj, names));
}

function parseGivenIn(table: TableSchema, symtab: SymbolTable, json: { readonly [k: string]: Json }, names: readonly string[]): GivenColumns {
  const columns: ColumnSchema[] = [];
  const datums: Datum[] = [];
  // Object keys are distinct, so each column appears once.
  for (const name of names) {
    const d = parseMember(table, symtab, json, name);
    columns.push(getColumn(table, name) as ColumnSchema);
    datums.push(d);
  }
  return { columns, datums };
}
