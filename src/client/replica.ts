/**
 * A local copy of monitored tables, kept current from monitor replies and notifications:
 * `update` (RFC 7047 §4.1.6: full "old"/"new" rows), `update2` and `update3` (Open vSwitch
 * monitor_cond / monitor_cond_since: "initial"/"insert"/"delete"/"modify", where "modify" of a
 * set or map column is a diff, as lib/ovsdb-data.c ovsdb_datum_apply_diff() applies it).
 *
 * Rows hold each column in wire JSON. Diffs need the column types, so the replica is built from
 * the database schema.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import type { SchemaInfo } from './schema-info.js';
import { compareAtoms, datumToJson, decodeDatum } from './datum-text.js';
import type { AtomValue, ClientDatum } from './datum-text.js';

/** A replicated row: column name → wire JSON value. */
export type ReplicaRow = { readonly [column: string]: Json };

/** One change the replica applied. */
export interface ReplicaChange {
  readonly table: string;
  readonly uuid: string;
  readonly kind: 'initial' | 'insert' | 'modify' | 'delete';
  readonly old: ReplicaRow | undefined;
  readonly new: ReplicaRow | undefined;
}

export type UpdateVersion = 1 | 2;

/** ovsdb_datum_apply_diff(): toggles set elements; for maps removes equal pairs, replaces or adds others. */
export function applyDatumDiff(old: ClientDatum, diff: ClientDatum): ClientDatum {
  const keys = [...old.keys];
  const values = old.values ? [...old.values] : undefined;
  diff.keys.forEach((k, i) => {
    const pos = keys.findIndex((x) => compareAtoms(x, k) === 0);
    if (values && diff.values) {
      const v = diff.values[i] as AtomValue;
      if (pos < 0) {
        keys.push(k);
        values.push(v);
      } else if (compareAtoms(values[pos] as AtomValue, v) === 0) {
        keys.splice(pos, 1);
        values.splice(pos, 1);
      } else {
        values[pos] = v;
      }
    } else if (pos < 0) {
      keys.push(k);
    } else {
      keys.splice(pos, 1);
    }
  });
  const order = keys.map((_, i) => i).sort((a, b) => compareAtoms(keys[a] as AtomValue, keys[b] as AtomValue));
  return { keys: order.map((i) => keys[i] as AtomValue), values: values ? order.map((i) => values[i] as AtomValue) : undefined };
}

/**
 * The replica itself.
 *
 * @example
 * const replica = new Replica(schema);
 * replica.apply(reply, 2);              // the monitor_cond reply
 * replica.apply(params[1], 2);          // each update2 notification
 * replica.rows('Logical_Switch').size;
 */
export class Replica {
  private readonly tables = new Map<string, Map<string, ReplicaRow>>();

  constructor(readonly schema: SchemaInfo) {}

  /** The rows of `table` (empty if not monitored). */
  rows(table: string): ReadonlyMap<string, ReplicaRow> {
    return this.tables.get(table) ?? new Map();
  }

  /** One row, or undefined. */
  get(table: string, uuid: string): ReplicaRow | undefined {
    return this.tables.get(table)?.get(uuid);
  }

  /** Drops everything (before a full resync). */
  clear(): void {
    this.tables.clear();
  }

  /** Names of tables holding at least one row. */
  tableNames(): string[] {
    return [...this.tables.keys()].filter((t) => (this.tables.get(t)?.size ?? 0) > 0);
  }

  /**
   * Applies a `<table-updates>` (version 1) or `<table-updates2>` (version 2, also used by
   * update3). `initial` marks rows that come with the monitor reply.
   */
  apply(tableUpdates: Json, version: UpdateVersion, initial = false): ReplicaChange[] {
    if (!isJsonObject(tableUpdates)) throw new Error('table-updates is not an object');
    const changes: ReplicaChange[] = [];
    for (const [table, rowUpdates] of Object.entries(tableUpdates)) {
      if (!isJsonObject(rowUpdates)) throw new Error(`table-update for ${table} is not an object`);
      let rows = this.tables.get(table);
      if (!rows) {
        rows = new Map();
        this.tables.set(table, rows);
      }
      for (const [uuid, ru] of Object.entries(rowUpdates)) {
        if (!isJsonObject(ru)) throw new Error(`row-update for ${table} ${uuid} is not an object`);
        const change = version === 1 ? this.apply1(table, rows, uuid, ru, initial) : this.apply2(table, rows, uuid, ru);
        if (change) changes.push(change);
      }
    }
    return changes;
  }

  private apply1(table: string, rows: Map<string, ReplicaRow>, uuid: string, ru: JsonObject, initial: boolean): ReplicaChange | undefined {
    const old = rows.get(uuid);
    const next = ru['new'];
    if (next === undefined) {
      rows.delete(uuid);
      return { table, uuid, kind: 'delete', old, new: undefined };
    }
    if (!isJsonObject(next)) throw new Error(`row ${uuid} "new" is not an object`);
    const merged: ReplicaRow = old ? { ...old, ...next } : { ...next };
    rows.set(uuid, merged);
    return { table, uuid, kind: initial ? 'initial' : old ? 'modify' : 'insert', old, new: merged };
  }

  private apply2(table: string, rows: Map<string, ReplicaRow>, uuid: string, ru: JsonObject): ReplicaChange | undefined {
    const old = rows.get(uuid);
    if ('delete' in ru) {
      rows.delete(uuid);
      return { table, uuid, kind: 'delete', old, new: undefined };
    }
    for (const kind of ['initial', 'insert'] as const) {
      const row = ru[kind];
      if (row !== undefined) {
        if (!isJsonObject(row)) throw new Error(`row ${uuid} "${kind}" is not an object`);
        const created: ReplicaRow = { ...row };
        rows.set(uuid, created);
        return { table, uuid, kind, old, new: created };
      }
    }
    const diff = ru['modify'];
    if (diff === undefined) return undefined;
    if (!isJsonObject(diff)) throw new Error(`row ${uuid} "modify" is not an object`);
    const base: ReplicaRow = old ?? {};
    const next: { [column: string]: Json } = { ...base };
    const columns = this.schema.tables.get(table)?.columns;
    for (const [name, value] of Object.entries(diff)) {
      const column = columns?.get(name);
      const previous = base[name];
      if (column && column.max > 1 && previous !== undefined) {
        // RFC 7047 extension (update2): a set/map column carries only the elements that changed.
        const merged = applyDatumDiff(decodeDatum(previous, column), decodeDatum(value, column));
        next[name] = datumToJson(merged, column);
      } else {
        next[name] = value;
      }
    }
    rows.set(uuid, next);
    return { table, uuid, kind: 'modify', old, new: next };
  }
}
