/**
 * CommitRecord: a committed transaction as row-level changes in the shape of an Open vSwitch
 * database-file record, `{table: {uuid: null | {column: json, ..., "_version": ["uuid", v]}}}`.
 * Built from a transaction's overlay; parsed back (trusted input) by Database.apply().
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { AssertionError } from '../base/assert.js';
import type { Uuid } from '../base/uuid.js';
import { isUuid } from '../base/uuid.js';
import { datumFromJson, datumToJson, isDefaultDatum } from './datum.js';
import { OvsdbError } from './errors.js';
import type { MutableRow } from './row.js';
import type { TableMeta } from './table-meta.js';
import type { Txn } from './transaction.js';
import type { ColumnType, CommitRecord, Row } from './types.js';

/** One row's final state: `row` undefined deletes it. */
export interface PreparedChange {
  readonly table: string;
  readonly uuid: Uuid;
  readonly row: Row | undefined;
}

/** JSON of a full row as an insert: non-default columns plus _version. */
export function insertJson(meta: TableMeta, row: Row): JsonObject {
  const out: { [k: string]: Json } = {};
  for (const c of meta.schema.columns.values()) {
    const d = row.columns.get(c.name);
    if (d && !isDefaultDatum(c.type, d)) out[c.name] = datumToJson(c.type, d);
  }
  out['_version'] = ['uuid', row.version];
  return out;
}

/**
 * The record and final rows of a transaction that passed precommit, with each row's committed
 * state as the transaction saw it (`olds`, parallel to `changes`); undefined if a no-op.
 */
export function buildRecord(txn: Txn, meta: (t: string) => TableMeta):
  { record: CommitRecord; changes: PreparedChange[]; olds: (Row | undefined)[] } | undefined {
  const record: { [t: string]: { [u: string]: JsonObject | null } } = {};
  const changes: PreparedChange[] = [];
  const olds: (Row | undefined)[] = [];
  for (const tr of txn.order) {
    let json: JsonObject | null;
    if (tr.old && !tr.new) json = null;
    else if (!tr.old && tr.new) json = insertJson(meta(tr.table), tr.new);
    else if (tr.old && tr.new && tr.changed.size > 0) {
      const m = meta(tr.table);
      const out: { [k: string]: Json } = {};
      for (const c of m.schema.columns.values()) {
        if (!tr.changed.has(c.name) && !tr.changed.has('*')) continue;
        out[c.name] = datumToJson(c.type, tr.new.columns.get(c.name) ?? m.defaults.get(c.name) ?? { keys: [], values: undefined });
      }
      out['_version'] = ['uuid', tr.new.version];
      json = out;
    } else continue;
    // Rows are keyed by uuid: a fresh property name every time. On an ordinary object literal V8
    // would create (and soon normalize) a new hidden class per uuid, which dominated the cost of
    // small transactions; a null-prototype object is a plain hash table from the start.
    (record[tr.table] ??= uuidKeyedObject())[tr.uuid] = json;
    changes.push({ table: tr.table, uuid: tr.uuid, row: tr.new });
    olds.push(tr.old);
  }
  return changes.length ? { record, changes, olds } : undefined;
}

/** An empty object meant for uuid keys (JSON.stringify and Object.entries treat it like a plain object). */
function uuidKeyedObject(): { [u: string]: JsonObject | null } {
  return Object.create(null) as { [u: string]: JsonObject | null };
}

function relaxed(t: ColumnType): ColumnType {
  return { ...t, min: 0, max: Infinity };
}

/**
 * Turns a record into final row states against `current` rows (slow path of apply()).
 * Throws AssertionError on a malformed record: records are trusted, a bad one is a bug.
 */
export function parseRecord(record: CommitRecord, meta: (t: string) => TableMeta | undefined,
  current: (t: string, u: Uuid) => Row | undefined): PreparedChange[] {
  const out: PreparedChange[] = [];
  if (!isJsonObject(record)) throw new AssertionError('commit record is not an object');
  for (const [table, rows] of Object.entries(record)) {
    // Table names cannot start with '_' (RFC 7047 §3.2), so keys like "_date" and "_comment"
    // are record metadata, as in an Open vSwitch database file, not changes.
    if (table.startsWith('_')) continue;
    const m = meta(table);
    if (!m) throw new AssertionError(`commit record names unknown table ${table}`);
    if (!isJsonObject(rows)) throw new AssertionError(`commit record table ${table} is not an object`);
    for (const [uuidText, rowJson] of Object.entries(rows)) {
      if (!isUuid(uuidText)) throw new AssertionError(`commit record has bad uuid ${uuidText}`);
      const uuid = uuidText.toLowerCase() as Uuid;
      if (rowJson === null) {
        out.push({ table, uuid, row: undefined });
        continue;
      }
      if (!isJsonObject(rowJson)) throw new AssertionError(`commit record row ${uuid} is not an object`);
      const old = current(table, uuid);
      const row: MutableRow = {
        uuid, version: old?.version ?? uuid, columns: old ? new Map(old.columns) : new Map(m.defaults),
      };
      for (const [name, value] of Object.entries(rowJson)) {
        try {
          if (name === '_version') {
            row.version = datumFromJson({ key: { type: 'uuid' }, value: undefined, min: 1, max: 1 }, value).keys[0] as Uuid;
            continue;
          }
          const c = m.schema.columns.get(name);
          if (!c) throw new AssertionError(`commit record names unknown column ${table}.${name}`);
          row.columns.set(name, datumFromJson(relaxed(c.type), value));
        } catch (e) {
          if (e instanceof OvsdbError) throw new AssertionError(`bad commit record value ${table}.${name}: ${e.details}`);
          throw e;
        }
      }
      out.push({ table, uuid, row });
    }
  }
  return out;
}
