/**
 * Database schemas (RFC 7047 §3.2 plus the Open vSwitch members `indexes`, `isRoot`, `maxRows`,
 * `mutable`, `ephemeral`, optional `version`, `cksum`), validated as ovsdb_schema_from_json does
 * and with its error wording.
 */
import type { Json, JsonObject } from '../../base/json.js';
import { OvsdbError, syntaxError } from '../errors.js';
import { ObjectParser, OP, isId } from '../parser.js';
import { ovsShashOrder } from '../ovs-order.js';
import type { ColumnSchema, ColumnType, DatabaseSchema, TableSchema } from '../types.js';
import { columnTypeToJson, parseColumnType } from './parse-type.js';

const UUID_TYPE: ColumnType = { key: { type: 'uuid' }, value: undefined, min: 1, max: 1 };

/** The implicit `_uuid` and `_version` columns every table has (RFC 7047 §3.2). */
export const UUID_COLUMN: ColumnSchema = { name: '_uuid', type: UUID_TYPE, ephemeral: false, mutable: false };
export const VERSION_COLUMN: ColumnSchema = { name: '_version', type: UUID_TYPE, ephemeral: false, mutable: false };

/** A declared column or `_uuid`/`_version` (ovsdb_table_schema_get_column). */
export function getColumn(table: TableSchema, name: string): ColumnSchema | undefined {
  if (name === '_uuid') return UUID_COLUMN;
  if (name === '_version') return VERSION_COLUMN;
  return table.columns.get(name);
}

function parseColumn(json: Json, name: string): ColumnSchema {
  const p = new ObjectParser(json, `schema for column ${name}`);
  const mutableJson = p.member('mutable', OP.BOOLEAN | OP.OPTIONAL);
  const ephemeralJson = p.member('ephemeral', OP.BOOLEAN | OP.OPTIONAL);
  const typeJson = p.member('type', OP.STRING | OP.OBJECT);
  const err = p.finish();
  if (err || typeJson === undefined) throw err;
  const type = parseColumnType(typeJson);
  // A weak reference must stay mutable: deleting its target rewrites it (column.c).
  const weak = type.key.refType === 'weak' || type.value?.refType === 'weak';
  const mutable = mutableJson !== false || weak;
  return { name, type, ephemeral: ephemeralJson === true, mutable };
}

function parseIndex(json: Json, table: TableSchema): string[] {
  const bad = syntaxError(json, 'array of distinct column names expected');
  if (!Array.isArray(json)) throw bad;
  const names: string[] = [];
  for (const e of json as readonly Json[]) {
    if (typeof e !== 'string') throw bad;
    if (!getColumn(table, e)) throw syntaxError(json, `${e} is not a valid column name`);
    if (names.includes(e)) throw bad;
    names.push(e);
  }
  return names;
}

function parseTable(json: Json, name: string): TableSchema {
  const p = new ObjectParser(json, `table schema for table ${name}`);
  const columnsJson = p.member('columns', OP.OBJECT);
  p.member('mutable', OP.BOOLEAN | OP.OPTIONAL);
  const maxRowsJson = p.member('maxRows', OP.INTEGER | OP.OPTIONAL);
  const isRootJson = p.member('isRoot', OP.BOOLEAN | OP.OPTIONAL);
  const indexesJson = p.member('indexes', OP.ARRAY | OP.OPTIONAL);
  const err = p.finish();
  if (err || columnsJson === undefined) throw err;
  let maxRows = Infinity;
  if (typeof maxRowsJson === 'number') {
    if (maxRowsJson <= 0) throw syntaxError(json, 'maxRows must be at least 1');
    maxRows = Math.min(maxRowsJson, 4294967295);
  }
  const cols = columnsJson as JsonObject;
  if (Object.keys(cols).length === 0) throw syntaxError(json, 'table must have at least one column');
  const columns = new Map<string, ColumnSchema>();
  // Validate in ovsdb-server's shash order so the first error reported is the same.
  for (const colName of ovsShashOrder(Object.keys(cols))) {
    if (colName.startsWith('_')) throw syntaxError(json, 'names beginning with "_" are reserved');
    if (!isId(colName)) throw syntaxError(json, 'name must be a valid id');
    parseColumn(cols[colName] as Json, colName);
  }
  for (const [colName, colJson] of Object.entries(cols)) columns.set(colName, parseColumn(colJson, colName));
  const table: TableSchema = { name, columns, isRoot: isRootJson === true, maxRows, indexes: [] };
  const indexes: string[][] = [];
  for (const ij of (indexesJson ?? []) as readonly Json[]) {
    const index = parseIndex(ij, table);
    if (index.length === 0) throw syntaxError(json, 'index must have at least one column');
    for (const c of index) {
      if (getColumn(table, c)?.ephemeral) {
        throw syntaxError(json, `ephemeral columns (such as ${c}) may not be indexed`);
      }
    }
    indexes.push(index);
  }
  return { ...table, indexes };
}

function isValidVersion(v: string): boolean {
  return /^\d+\.\d+\.\d+$/.test(v);
}

function checkRefTables(tables: Map<string, TableSchema>): void {
  for (const table of tables.values()) {
    for (const column of table.columns.values()) {
      for (const [base, which] of [[column.type.key, 'key'], [column.type.value, 'value']] as const) {
        if (base?.type === 'uuid' && base.refTable !== undefined && !tables.has(base.refTable)) {
          throw new OvsdbError('syntax error',
            `column ${column.name} ${which} refers to undefined table ${base.refTable}`);
        }
      }
    }
  }
}

/**
 * Parses and validates a schema (ovsdb_schema_from_json). Throws OvsdbError with OVS's
 * details, e.g. `Parsing database schema failed: Required 'tables' member is missing.`
 *
 * @example parseSchema(JSON.parse(fs.readFileSync('vswitch.ovsschema', 'utf8')))
 */
export function parseSchema(json: unknown): DatabaseSchema {
  const p = new ObjectParser(json, 'database schema');
  const name = p.member('name', OP.ID);
  const version = p.member('version', OP.STRING | OP.OPTIONAL);
  const cksum = p.member('cksum', OP.STRING | OP.OPTIONAL);
  const tablesJson = p.member('tables', OP.OBJECT);
  const err = p.finish();
  if (err || typeof name !== 'string' || tablesJson === undefined) throw err;
  if (typeof version === 'string' && !isValidVersion(version)) {
    throw syntaxError(json, `schema version "${version}" not in format x.y.z`);
  }
  const tj = tablesJson as JsonObject;
  const parsed = new Map<string, TableSchema>();
  for (const tname of ovsShashOrder(Object.keys(tj))) {
    if (tname.startsWith('_')) throw syntaxError(json, 'names beginning with "_" are reserved');
    if (!isId(tname)) throw syntaxError(json, 'name must be a valid id');
    parsed.set(tname, parseTable(tj[tname] as Json, tname));
  }
  let tables = new Map<string, TableSchema>();
  for (const tname of Object.keys(tj)) {
    const t = parsed.get(tname);
    if (t) tables.set(tname, t);
  }
  // Schemas without any isRoot predate garbage collection: every table is a root.
  const allRootDefault = [...tables.values()].every((t) => !t.isRoot);
  if (allRootDefault) {
    tables = new Map([...tables].map(([k, t]) => [k, { ...t, isRoot: true }]));
  }
  checkRefTables(tables);
  const partial = {
    name, version: typeof version === 'string' ? version : undefined,
    cksum: typeof cksum === 'string' ? cksum : undefined, tables,
  };
  return { ...partial, json: schemaToJson(partial) };
}

/** Result-valued variant of parseSchema. */
export function tryParseSchema(json: unknown): { ok: true; schema: DatabaseSchema } | { ok: false; error: OvsdbError } {
  try {
    return { ok: true, schema: parseSchema(json) };
  } catch (e) {
    if (e instanceof OvsdbError) return { ok: false, error: e };
    throw e;
  }
}

/** ovsdb_schema_to_json(): the normal form get_schema returns. */
export function schemaToJson(s: Omit<DatabaseSchema, 'json'>): JsonObject {
  const allRoot = [...s.tables.values()].every((t) => t.isRoot);
  const tables: { [k: string]: Json } = {};
  for (const t of s.tables.values()) {
    const columns: { [k: string]: Json } = {};
    for (const c of t.columns.values()) {
      const cj: { [k: string]: Json } = {};
      if (!c.mutable) cj['mutable'] = false;
      if (c.ephemeral) cj['ephemeral'] = true;
      cj['type'] = columnTypeToJson(c.type);
      columns[c.name] = cj;
    }
    const tj: { [k: string]: Json } = { columns };
    if (Number.isFinite(t.maxRows)) tj['maxRows'] = t.maxRows;
    if (t.isRoot !== allRoot) tj['isRoot'] = t.isRoot;
    if (t.indexes.length) tj['indexes'] = t.indexes.map((i) => [...i]);
    tables[t.name] = tj;
  }
  const out: { [k: string]: Json } = { name: s.name };
  if (s.version !== undefined && s.version !== '') out['version'] = s.version;
  if (s.cksum !== undefined && s.cksum !== '') out['cksum'] = s.cksum;
  out['tables'] = tables;
  return out;
}
