/**
 * Role-based access control as ovsdb-server enforces it (ovsdb/rbac.c): a session whose remote
 * names a role (Connection.role, e.g. OVN Southbound's "ovn-controller") may write only what
 * the database's own RBAC_Role/RBAC_Permission rows allow.
 *
 *   RBAC_Role {name: "ovn-controller", permissions: {"Chassis" → RBAC_Permission}}
 *   RBAC_Permission {authorization: ["name"], insert_delete: true, update: ["nb_cfg", …]}
 *
 * - A database without an RBAC_Role table, or a session without a role, is not restricted.
 * - A session without a client id (not SSL: the id is the peer certificate's CN) may not write.
 * - A row is "authorized" when one `authorization` entry names a column (or `column:key` of a
 *   string map) whose value is the client id; an entry "" authorizes every row.
 * - insert and delete need an authorized row and `insert_delete`; update and mutate need every
 *   matched row authorized and every written column in `update`.
 * Errors carry ovsdb-server's "permission error" texts, client "(null)" when there is no id.
 */
import { OvsdbError } from './errors.js';
import type { Row } from './types.js';

/** The session's role and client id, as the engine sees them (TxnContext.rbac). */
export interface RbacIdentity {
  readonly role: string;
  /** The peer certificate's CN; undefined for a session without one. */
  readonly id: string | undefined;
}

/** What the checks read: rows as the transaction sees them. */
export interface RbacRows {
  hasTable(table: string): boolean;
  scan(table: string): Iterable<Row>;
  get(table: string, uuid: string): Row | undefined;
}

export type RbacAction = 'insert' | 'delete' | 'update' | 'mutate';

const PROHIBITS: Record<RbacAction, (table: string) => string> = {
  insert: (t) => `prohibit row insertion into table "${t}".`,
  delete: (t) => `prohibit row deletion from table "${t}".`,
  update: (t) => `prohibit modification of table "${t}".`,
  mutate: (t) => `prohibit mutate operation on table "${t}".`,
};

/** ovsdb-server's refusal of `action` on `table`. */
export function rbacError(who: RbacIdentity, action: RbacAction, table: string): OvsdbError {
  return new OvsdbError('permission error', `RBAC rules for client "${who.id ?? '(null)'}" role "${who.role}" ${PROHIBITS[action](table)}`);
}

function strings(row: Row, column: string): readonly string[] {
  return (row.columns.get(column)?.keys ?? []).filter((k): k is string => typeof k === 'string');
}

/** The RBAC_Permission row of `role` for `table` (ovsdb_rbac_lookup_perms()). */
function permissions(db: RbacRows, role: string, table: string): Row | undefined {
  for (const r of db.scan('RBAC_Role')) {
    if (!strings(r, 'name').includes(role)) continue;
    const d = r.columns.get('permissions');
    if (!d) return undefined;
    const i = d.keys.indexOf(table);
    const uuid = i >= 0 ? d.values?.[i] : undefined;
    return typeof uuid === 'string' ? db.get('RBAC_Permission', uuid) : undefined;
  }
  return undefined;
}

function authorized(perms: Row, id: string, row: Row): boolean {
  for (const name of strings(perms, 'authorization')) {
    if (name === '') return true;
    let value: unknown;
    const colon = name.indexOf(':');
    if (colon >= 0) {
      const d = row.columns.get(name.slice(0, colon));
      const i = d ? d.keys.indexOf(name.slice(colon + 1)) : -1;
      value = i >= 0 ? d?.values?.[i] : undefined;
    } else {
      value = row.columns.get(name)?.keys[0];
    }
    if (value === id) return true;
  }
  return false;
}

/**
 * Undefined if `who` may apply `action` to `rows` of `table` (writing `columns`, for update and
 * mutate), else ovsdb-server's permission error.
 */
export function rbacCheck(db: RbacRows, who: RbacIdentity | undefined, action: RbacAction, table: string, rows: Iterable<Row>, columns: readonly string[] = []): OvsdbError | undefined {
  if (who === undefined || who.role === '' || !db.hasTable('RBAC_Role')) return undefined;
  const id = who.id;
  const perms = id === undefined ? undefined : permissions(db, who.role, table);
  if (id === undefined || perms === undefined) return rbacError(who, action, table);
  const insertDelete = perms.columns.get('insert_delete')?.keys[0] === true;
  const updatable = strings(perms, 'update');
  for (const row of rows) {
    if (!authorized(perms, id, row)) return rbacError(who, action, table);
    if (action === 'insert' || action === 'delete') {
      if (!insertDelete) return rbacError(who, action, table);
    } else if (!columns.every((c) => updatable.includes(c))) {
      return rbacError(who, action, table);
    }
  }
  return undefined;
}
