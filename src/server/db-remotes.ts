/**
 * Configuration taken from database rows, as ovsdb-server reads it (ovsdb/ovsdb-server.c
 * query_db_remotes(), query_db_string(), update_remote_status()):
 *
 *   --remote=db:OVN_Northbound,NB_Global,connections
 *       NB_Global.connections ──uuid refs──► Connection {target, read_only, role,
 *                                                         inactivity_probe, max_backoff}
 *                                            Connection {is_connected, status} ◄── written back
 *   --private-key=db:OVN_Northbound,SSL,private_key      the first non-empty value of the column
 *
 * A `db:` remote's column may hold the targets themselves (a set of strings) or references to
 * rows with a `target` column; anything else is an error, reported and ignored as ovsdb-server
 * does. Columns a schema lacks (the NB Connection has no `read_only` or `role`) take their
 * defaults. Pure: reads go through DatabaseBackend.rows(), the status write is a transaction the
 * caller runs.
 *
 * @example
 * const ref = parseDbColumnRef('db:OVN_Northbound,NB_Global,connections');
 * const { remotes } = readDbRemotes((n) => server.database(n), ref);
 * // remotes[0]: { target: 'ptcp:6641:0.0.0.0', readOnly: false, role: '', row: {...} }
 */
import type { Json, JsonObject } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import type { Atom, Datum, Row } from '../ovsdb/types.js';
import type { DatabaseBackend } from './database-backend.js';

/** `db:DB,TABLE,COLUMN`. */
export interface DbColumnRef {
  readonly text: string;
  readonly db: string;
  readonly table: string;
  readonly column: string;
}

/** One remote read from the database. */
export interface DbRemote {
  readonly target: string;
  readonly readOnly: boolean;
  /** RBAC role ('' for none). */
  readonly role: string;
  /** Connection.inactivity_probe in ms (0: no probes); undefined for the default. */
  readonly inactivityProbeMs: number | undefined;
  /** Connection.max_backoff in ms; meaningful for active targets only. */
  readonly maxBackoffMs: number | undefined;
  /** The row it came from, where the status is written; undefined for a string column. */
  readonly row: { readonly db: string; readonly table: string; readonly uuid: Uuid } | undefined;
}

/** What ovsdb-server writes back into a Connection row for a passive remote. */
export interface PassiveRemoteStatus {
  readonly sessions: number;
  /** The bound TCP port (ptcp:/pssl:); undefined for punix:. */
  readonly boundPort: number | undefined;
}

export type DatabaseLookup = (name: string) => DatabaseBackend | undefined;

/** Parses `db:DB,TABLE,COLUMN`; returns ovsdb-server's error text if malformed. */
export function parseDbColumnRef(text: string): DbColumnRef | string {
  const m = /^db:([^,]+),([^,]+),([^,]+)$/.exec(text);
  if (!m) return `"${text}": invalid syntax`;
  return { text, db: m[1] ?? '', table: m[2] ?? '', column: m[3] ?? '' };
}

/** The table's rows and the column's type, or ovsdb-server's error for a reference that does not resolve. */
function resolveRef(lookup: DatabaseLookup, ref: DbColumnRef): { db: DatabaseBackend; rows: Iterable<Row>; refTable: string | undefined; keyType: string } | string {
  const db = lookup(ref.db);
  if (!db) return `"${ref.text}": no database named ${ref.db}`;
  const table = db.schema().tables.get(ref.table);
  if (!table) return `"${ref.text}": no table named ${ref.table}`;
  const column = table.columns.get(ref.column);
  if (!column) return `"${ref.text}": table "${ref.table}" has no column "${ref.column}"`;
  return { db, rows: db.rows(ref.table), refTable: column.type.key.refTable, keyType: column.type.key.type };
}

function first(row: Row, column: string): Atom | undefined {
  return row.columns.get(column)?.keys[0];
}

function intMs(a: Atom | undefined): number | undefined {
  if (typeof a === 'number') return a;
  if (typeof a === 'bigint') return Number(a);
  return undefined;
}

/**
 * The remotes a `db:` reference names now. `error` (when set) is what ovsdb-server would log;
 * `remotes` is then empty.
 */
export function readDbRemotes(lookup: DatabaseLookup, ref: DbColumnRef): { remotes: DbRemote[]; error: string | undefined } {
  const r = resolveRef(lookup, ref);
  if (typeof r === 'string') return { remotes: [], error: r };
  const remotes: DbRemote[] = [];
  if (r.keyType === 'string') {
    for (const row of r.rows) {
      for (const k of row.columns.get(ref.column)?.keys ?? []) {
        if (typeof k === 'string') remotes.push({ target: k, readOnly: false, role: '', inactivityProbeMs: undefined, maxBackoffMs: undefined, row: undefined });
      }
    }
    return { remotes, error: undefined };
  }
  const refTable = r.refTable;
  const targetTable = refTable === undefined ? undefined : r.db.schema().tables.get(refTable);
  if (r.keyType !== 'uuid' || refTable === undefined || targetTable?.columns.get('target')?.type.key.type !== 'string') {
    return { remotes: [], error: `"${ref.text}": type mismatch (expected a set of strings or of references to rows with a "target" column)` };
  }
  const byUuid = new Map<string, Row>();
  for (const row of r.db.rows(refTable)) byUuid.set(row.uuid, row);
  const seen = new Set<string>();
  for (const row of r.rows) {
    for (const k of row.columns.get(ref.column)?.keys ?? []) {
      const target = typeof k === 'string' ? byUuid.get(k) : undefined;
      if (!target || seen.has(target.uuid)) continue;
      seen.add(target.uuid);
      const text = first(target, 'target');
      if (typeof text !== 'string') continue;
      remotes.push({
        target: text,
        readOnly: first(target, 'read_only') === true,
        role: typeof first(target, 'role') === 'string' ? String(first(target, 'role')) : '',
        inactivityProbeMs: intMs(first(target, 'inactivity_probe')),
        maxBackoffMs: intMs(first(target, 'max_backoff')),
        row: { db: ref.db, table: refTable, uuid: target.uuid },
      });
    }
  }
  return { remotes, error: undefined };
}

/** The first non-empty string in the referenced column (query_db_string()); undefined if none. */
export function readDbString(lookup: DatabaseLookup, ref: DbColumnRef): { value: string | undefined; error: string | undefined } {
  const r = resolveRef(lookup, ref);
  if (typeof r === 'string') return { value: undefined, error: r };
  if (r.keyType !== 'string') return { value: undefined, error: `"${ref.text}": type mismatch (expected a string column)` };
  for (const row of r.rows) {
    for (const k of row.columns.get(ref.column)?.keys ?? []) if (typeof k === 'string' && k !== '') return { value: k, error: undefined };
  }
  return { value: undefined, error: undefined };
}

/**
 * ovsdb-server's status map for a passive remote (update_remote_row()): a listener reports
 * `sec_since_connect` and `sec_since_disconnect` as 0, `n_connections` when above one, and its
 * `bound_port`; `is_connected` is true while any session is open. Checked against ovsdb-server 3.1.
 */
export function passiveStatus(s: PassiveRemoteStatus): { isConnected: boolean; status: [string, string][] } {
  const status: [string, string][] = [];
  if (s.boundPort !== undefined) status.push(['bound_port', String(s.boundPort)]);
  if (s.sessions > 1) status.push(['n_connections', String(s.sessions)]);
  status.push(['sec_since_connect', '0'], ['sec_since_disconnect', '0']);
  return { isConnected: s.sessions > 0, status };
}

function sameMap(d: Datum | undefined, want: readonly [string, string][]): boolean {
  if (!d || d.keys.length !== want.length) return false;
  return want.every(([k, v]) => {
    const i = d.keys.indexOf(k);
    return i >= 0 && d.values?.[i] === v;
  });
}

/**
 * The `update` operations that bring each row's `is_connected` and `status` to `statuses`, only
 * for rows that differ and columns the schema has; [] when nothing changes.
 */
export function statusOps(db: DatabaseBackend, statuses: ReadonlyMap<string, { table: string; uuid: Uuid; isConnected: boolean; status: [string, string][] }>): JsonObject[] {
  const ops: JsonObject[] = [];
  const rowsByTable = new Map<string, Map<string, Row>>();
  for (const st of statuses.values()) {
    const table = db.schema().tables.get(st.table);
    if (!table) continue;
    let rows = rowsByTable.get(st.table);
    if (!rows) {
      rows = new Map();
      for (const row of db.rows(st.table)) rows.set(row.uuid, row);
      rowsByTable.set(st.table, rows);
    }
    const row = rows.get(st.uuid);
    if (!row) continue;
    const set: { [k: string]: Json } = {};
    if (table.columns.get('is_connected')?.type.key.type === 'boolean' && first(row, 'is_connected') !== st.isConnected) set['is_connected'] = st.isConnected;
    const statusType = table.columns.get('status')?.type;
    if (statusType?.value?.type === 'string' && !sameMap(row.columns.get('status'), st.status)) set['status'] = ['map', st.status.map(([k, v]) => [k, v])];
    if (Object.keys(set).length === 0) continue;
    ops.push({ op: 'update', table: st.table, where: [['_uuid', '==', ['uuid', st.uuid]]], row: set });
  }
  return ops;
}
