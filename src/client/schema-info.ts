/**
 * The little a client needs to know about a database schema (RFC 7047 §3.2) to print and
 * replicate data: table names, column names and each column's atomic key/value types and
 * maximum size. Parsed leniently from a get_schema reply; the server validated it already.
 */
import type { Json } from '../base/json.js';
import { isJsonObject } from '../base/json.js';

export type AtomType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';

/** A column's type reduced to what formatting and comparison need. */
export interface ColumnInfo {
  readonly name: string;
  readonly key: AtomType;
  /** Present for map columns. */
  readonly value: AtomType | undefined;
  readonly min: number;
  /** `Infinity` for "unlimited". */
  readonly max: number;
  /** False for columns declared `"ephemeral": true`. */
  readonly persistent: boolean;
  /** The column's type exactly as the schema wrote it. */
  readonly typeJson: Json;
}

export interface TableInfo {
  readonly name: string;
  /** Declared columns plus `_uuid` and `_version`. */
  readonly columns: ReadonlyMap<string, ColumnInfo>;
}

export interface SchemaInfo {
  readonly name: string;
  readonly version: string;
  readonly cksum: string | undefined;
  readonly tables: ReadonlyMap<string, TableInfo>;
  readonly json: Json;
}

const atomTypes: readonly string[] = ['integer', 'real', 'boolean', 'string', 'uuid'];

function atomType(base: unknown, where: string): AtomType {
  const t = isJsonObject(base) ? base['type'] : base;
  if (typeof t === 'string' && atomTypes.includes(t)) return t as AtomType;
  throw new Error(`${where}: bad atomic type ${JSON.stringify(base)}`);
}

function uuidColumn(name: string): ColumnInfo {
  return { name, key: 'uuid', value: undefined, min: 1, max: 1, persistent: true, typeJson: 'uuid' };
}

/** Parses one column's `type` member. */
export function parseColumnType(name: string, type: unknown, persistent = true): ColumnInfo {
  if (typeof type === 'string') {
    return { name, key: atomType(type, name), value: undefined, min: 1, max: 1, persistent, typeJson: type };
  }
  if (!isJsonObject(type)) throw new Error(`column ${name}: type is not a string or object`);
  const key = atomType(type['key'], `column ${name}`);
  const value = type['value'] === undefined ? undefined : atomType(type['value'], `column ${name}`);
  const minRaw = type['min'];
  const maxRaw = type['max'];
  const min = typeof minRaw === 'number' ? minRaw : 1;
  const max = maxRaw === 'unlimited' ? Infinity : typeof maxRaw === 'number' ? maxRaw : 1;
  return { name, key, value, min, max, persistent, typeJson: type };
}

/**
 * Parses a schema as get_schema returns it.
 *
 * @example parseSchemaInfo(await client.getSchema('OVN_Northbound')).tables.get('ACL')
 */
export function parseSchemaInfo(json: unknown): SchemaInfo {
  if (!isJsonObject(json)) throw new Error('schema is not a JSON object');
  const name = json['name'];
  if (typeof name !== 'string') throw new Error('schema has no name');
  const tablesJson = json['tables'];
  if (!isJsonObject(tablesJson)) throw new Error('schema has no tables');
  const tables = new Map<string, TableInfo>();
  for (const [tableName, tableJson] of Object.entries(tablesJson)) {
    const columnsJson = isJsonObject(tableJson) ? tableJson['columns'] : undefined;
    if (!isJsonObject(columnsJson)) throw new Error(`table ${tableName} has no columns`);
    const columns = new Map<string, ColumnInfo>();
    columns.set('_uuid', uuidColumn('_uuid'));
    columns.set('_version', uuidColumn('_version'));
    for (const [colName, colJson] of Object.entries(columnsJson)) {
      if (!isJsonObject(colJson)) throw new Error(`column ${colName} is not an object`);
      columns.set(colName, parseColumnType(colName, colJson['type'], colJson['ephemeral'] !== true));
    }
    tables.set(tableName, { name: tableName, columns });
  }
  const version = typeof json['version'] === 'string' ? json['version'] : '';
  const cksum = typeof json['cksum'] === 'string' ? json['cksum'] : undefined;
  return { name, version, cksum, tables, json };
}
