/**
 * Schema equality as ovsdb_schema_equal() decides it: two schemas are equal when they print the
 * same through ovsdb_schema_to_json(), which drops defaults and writes compact types. This
 * normalizes a schema file or a get_schema reply to that canonical form so that
 * `needs-conversion` and `restore` agree with ovsdb-client.
 */
import type { Json, JsonObject } from '../base/json.js';
import { canonicalJson, isJsonObject } from '../base/json.js';

function normBase(base: Json): Json {
  if (typeof base === 'string') return base;
  if (!isJsonObject(base)) return base;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(base)) {
    if (k === 'refType' && v === 'strong') continue;
    out[k] = v;
  }
  if (out['enum'] !== undefined && Array.isArray(out['enum']) && out['enum'][0] === 'set') {
    const elems = out['enum'][1];
    if (Array.isArray(elems)) {
      const sorted = [...elems].sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b)));
      out['enum'] = sorted.length === 1 ? (sorted[0] as Json) : ['set', sorted];
    }
  }
  const keys = Object.keys(out);
  if (keys.length === 1 && keys[0] === 'type') return out['type'] ?? null;
  return out;
}

function normType(type: Json): Json {
  if (!isJsonObject(type)) return type;
  const key = normBase(type['key'] ?? null);
  const value = type['value'] === undefined ? undefined : normBase(type['value']);
  const min = type['min'] ?? 1;
  const max = type['max'] ?? 1;
  if (value === undefined && min === 1 && max === 1 && typeof key === 'string') return key;
  const out: { [k: string]: Json } = { key };
  if (value !== undefined) out['value'] = value;
  if (min !== 1) out['min'] = min;
  if (max !== 1) out['max'] = max;
  return out;
}

/** The canonical form of a schema (as JSON) for comparison. */
export function normalizeSchema(schema: Json): Json {
  if (!isJsonObject(schema)) return schema;
  const tables = isJsonObject(schema['tables']) ? schema['tables'] : {};
  const anyRoot = Object.values(tables).some((t) => isJsonObject(t) && t['isRoot'] === true);
  const outTables: { [k: string]: Json } = {};
  for (const [name, t] of Object.entries(tables)) {
    if (!isJsonObject(t)) continue;
    const cols: { [k: string]: Json } = {};
    const columns = isJsonObject(t['columns']) ? t['columns'] : {};
    for (const [cname, c] of Object.entries(columns)) {
      if (!isJsonObject(c)) continue;
      const col: { [k: string]: Json } = { type: normType(c['type'] ?? null) };
      if (c['mutable'] === false) col['mutable'] = false;
      if (c['ephemeral'] === true) col['ephemeral'] = true;
      cols[cname] = col;
    }
    const table: { [k: string]: Json } = { columns: cols, isRoot: anyRoot ? t['isRoot'] === true : true };
    if (typeof t['maxRows'] === 'number') table['maxRows'] = t['maxRows'];
    if (Array.isArray(t['indexes']) && t['indexes'].length > 0) table['indexes'] = t['indexes'];
    if (t['mutable'] === false) table['mutable'] = false;
    outTables[name] = table;
  }
  const out: { [k: string]: Json } = { name: schema['name'] ?? null, tables: outTables };
  if (schema['version'] !== undefined) out['version'] = schema['version'];
  if (schema['cksum'] !== undefined) out['cksum'] = schema['cksum'];
  return out;
}

/** ovsdb_schema_equal(). */
export function schemasEqual(a: Json, b: Json): boolean {
  return canonicalJson(normalizeSchema(a)) === canonicalJson(normalizeSchema(b));
}

/** The schema's version string, or "". */
export function schemaVersion(schema: Json): string {
  const v = isJsonObject(schema) ? (schema as JsonObject)['version'] : undefined;
  return typeof v === 'string' ? v : '';
}
