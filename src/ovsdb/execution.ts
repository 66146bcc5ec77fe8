/**
 * Executes a transact request's operations (RFC 7047 §5.2) against a Txn overlay, mirroring
 * ovsdb/execution.c: the operation table, member parsing order (which decides the error
 * reported first), and the result array shape.
 */
import type { Json } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import { isUuid } from '../base/uuid.js';
import type { SymbolTable } from './atom.js';
import { compileCondition, evaluate, indexEqualityTarget, parseConditions, uuidEqualityTarget } from './condition.js';
import type { Condition } from './condition.js';
import { checkDatumConstraints, datumEquals, compareDatums } from './datum.js';
import { OvsdbError, syntaxError } from './errors.js';
import { applyMutation, parseMutations } from './mutation.js';
import { ObjectParser, OP } from './parser.js';
import { rbacCheck, type RbacRows } from './rbac.js';
import { parseGiven, parseRow } from './row-from-json.js';
import { ovsShashOrder } from './ovs-order.js';
import { allColumns, columnDatum, rowKey, rowToJson } from './row.js';
import type { MutableRow } from './row.js';
import { getColumn } from './schema/parse-schema.js';
import type { TableMeta } from './table-meta.js';
import { freshUuid } from './uuid-source.js';
import type { UuidSource } from './uuid-source.js';
import type { Txn } from './transaction.js';
import type { ColumnSchema, Datum, DatabaseSchema, Row, TableSchema, TxnContext } from './types.js';

/** Per-request execution state (struct ovsdb_execution). */
export interface Execution {
  readonly schema: DatabaseSchema;
  readonly meta: (table: string) => TableMeta;
  readonly txn: Txn;
  readonly ctx: TxnContext;
  readonly symtab: Symbols;
  durable: boolean;
  /** Smallest `timeout` of the waits run so far (ms), Infinity when none. */
  timeoutMs: number;
  /** Texts of the `comment` operations, undefined until the first one. */
  comments: string[] | undefined;
}

/** Named-uuid symbols (ovsdb_symbol_table). */
export class Symbols implements SymbolTable {
  /** Created on first use: most transactions name no uuid. */
  private map: Map<string, { uuid: Uuid; created: boolean }> | undefined;
  constructor(private readonly uuids: UuidSource) {}
  entry(name: string): { uuid: Uuid; created: boolean } {
    const map = (this.map ??= new Map());
    let e = map.get(name);
    if (!e) map.set(name, (e = { uuid: freshUuid(this.uuids), created: false }));
    return e;
  }
  resolve(name: string): Uuid {
    return this.entry(name).uuid;
  }
}

type Executor = (x: Execution, p: ObjectParser, result: { [k: string]: Json }) => OvsdbError | undefined;

function parseTable(x: Execution, p: ObjectParser, member = 'table'): TableSchema | undefined {
  const json = p.member(member, OP.ID);
  if (typeof json !== 'string') return undefined;
  const t = x.schema.tables.get(json);
  if (!t) p.raise(`No table named ${json}.`);
  return t;
}


function parseColumnSet(table: TableSchema, json: Json | undefined): ColumnSchema[] {
  if (json === undefined) return allColumns(table);
  const bad = (): OvsdbError => syntaxError(json, 'array of distinct column names expected');
  if (!Array.isArray(json)) throw bad();
  const out: ColumnSchema[] = [];
  for (const e of json as readonly Json[]) {
    if (typeof e !== 'string') throw bad();
    const c = getColumn(table, e);
    if (!c) throw syntaxError(json, `${e} is not a valid column name`);
    if (out.includes(c)) throw bad();
    out.push(c);
  }
  return out;
}

/** Rows of `table` matching `cond`, as the transaction sees them. */
function query(x: Execution, table: TableSchema, cond: Condition): Row[] {
  const target = uuidEqualityTarget(cond);
  if (target !== undefined) {
    const row = x.txn.get(table.name, target as Uuid);
    return row && evaluate(cond, row) ? [row] : [];
  }
  const out: Row[] = [];
  const viaIndex = indexEqualityTarget(cond, table.indexes);
  const rows = viaIndex ? x.txn.indexCandidates(table.name, viaIndex.index, viaIndex.key) : x.txn.scan(table.name);
  const matches = compileCondition(cond, 'all');
  for (const row of rows) if (matches(row)) out.push(row);
  return out;
}

/** The rows RBAC reads (RBAC_Role, RBAC_Permission), as the transaction sees them. */
function rbacRows(x: Execution): RbacRows {
  return {
    hasTable: (t) => x.schema.tables.has(t),
    scan: (t) => x.txn.scan(t),
    get: (t, uuid) => x.txn.get(t, uuid as Uuid),
  };
}

const insert: Executor = (x, p, result) => {
  const table = parseTable(x, p);
  const uuidJson = p.member('uuid', OP.STRING | OP.OPTIONAL);
  const uuidName = p.member('uuid-name', OP.ID | OP.OPTIONAL);
  const rowJson = p.member('row', OP.OBJECT);
  if (p.error || !table || rowJson === undefined) return p.error;
  let rowUuid: Uuid | undefined;
  if (typeof uuidJson === 'string') {
    if (!isUuid(uuidJson)) return syntaxError(uuidJson, 'bad uuid');
    rowUuid = uuidJson.toLowerCase() as Uuid;
    if (!x.txn.mayCreate(table.name, rowUuid)) {
      // Wording of ovsdb-server 3.1 (the reference installed here); newer releases name the table.
      return syntaxError(uuidJson, 'This UUID would duplicate a UUID already present within the table or deleted within the same transaction.', 'duplicate uuid');
    }
  }
  if (typeof uuidName === 'string') {
    const sym = x.symtab.entry(uuidName);
    if (sym.created) return syntaxError(uuidName, 'This "uuid-name" appeared on an earlier "insert" operation.', 'duplicate uuid-name');
    if (rowUuid !== undefined) sym.uuid = rowUuid;
    else rowUuid = sym.uuid;
    sym.created = true;
  } else if (rowUuid === undefined) {
    rowUuid = freshUuid(x.ctx);
  }
  const row = parseRow(x.meta(table.name), x.symtab, rowJson);
  // Defaults may violate constraints (e.g. an enum without ""), so check one-element values.
  // Given columns passed their checks while parsing, so only a table with such a default needs
  // the walk (TableMeta.badDefault), and it is skipped for every other table.
  if (x.meta(table.name).badDefault) for (const c of table.columns.values()) {
    const d = row.columns.get(c.name);
    if (d && d.keys.length === 1 && checkDatumConstraints(c.type, d)) {
      // Report the violation OVS finds first, walking its column shash.
      for (const name of x.meta(table.name).ovsColumnOrder) {
        const col = table.columns.get(name);
        const v = row.columns.get(name);
        const e = col && v && v.keys.length === 1 ? checkDatumConstraints(col.type, v) : undefined;
        if (e) return e;
      }
    }
  }
  const full: MutableRow = { uuid: rowUuid, version: freshUuid(x.ctx), columns: row.columns };
  const denied = x.ctx.rbac === undefined ? undefined : rbacCheck(rbacRows(x), x.ctx.rbac, 'insert', table.name, [full]);
  if (denied) return denied;
  x.txn.insert(table.name, full);
  result['uuid'] = ['uuid', rowUuid];
  return undefined;
};

function sortRows(rows: Row[], sort: readonly ColumnSchema[]): void {
  if (sort.length === 0) return;
  rows.sort((a, b) => {
    for (const c of sort) {
      const r = compareDatums(columnDatum(a, c.name), columnDatum(b, c.name));
      if (r) return r;
    }
    return 0;
  });
}

const select: Executor = (x, p, result) => {
  const table = parseTable(x, p);
  const where = p.member('where', OP.ARRAY);
  const columnsJson = p.member('columns', OP.ARRAY | OP.OPTIONAL);
  const sortJson = p.member('sort', OP.ARRAY | OP.OPTIONAL);
  if (p.error || !table) return p.error;
  const cond = parseConditions(table, where, x.symtab);
  const columns = parseColumnSet(table, columnsJson);
  const sort = sortJson === undefined ? [] : parseColumnSet(table, sortJson);
  const rows = query(x, table, cond);
  sortRows(rows, sort);
  // ovsdb_query_distinct(): rows identical on the selected columns appear once.
  // Rows differ on _uuid, so when it is selected every row is distinct and no key is built.
  const names = columns.map((c) => c.name);
  const seen = names.includes('_uuid') ? undefined : new Set<string>();
  const out: Json[] = [];
  for (const r of rows) {
    if (seen) {
      const k = rowKey(r, names);
      if (seen.has(k)) continue;
      seen.add(k);
    }
    out.push(rowToJson(table, r, columns));
  }
  result['rows'] = out;
  return undefined;
};

const update: Executor = (x, p, result) => {
  const table = parseTable(x, p);
  const where = p.member('where', OP.ARRAY);
  const rowJson = p.member('row', OP.OBJECT);
  if (p.error || !table || rowJson === undefined) return p.error;
  const given = parseGiven(table, x.symtab, rowJson);
  const included = given.columns;
  const datums = given.datums;
  let immutable = false;
  for (const c of included) if (!c.mutable) immutable = true;
  if (immutable) {
    for (const name of ovsShashOrder(Object.keys(rowJson as object))) {
      const c = getColumn(table, name);
      if (c && !c.mutable) {
        return syntaxError(p.json, `Cannot update immutable column ${c.name} in table ${table.name}.`, 'constraint violation');
      }
    }
  }
  const cond = parseConditions(table, where, x.symtab);
  const matched = query(x, table, cond);
  const denied = x.ctx.rbac === undefined ? undefined : rbacCheck(rbacRows(x), x.ctx.rbac, 'update', table.name, matched, included.map((c) => c.name));
  if (denied) return denied;
  let n = 0;
  for (const r of matched) {
    n++;
    if (sameOn(r, included, datums)) continue;
    const w = x.txn.modify(table.name, r);
    for (let i = 0; i < included.length; i++) w.columns.set((included[i] as ColumnSchema).name, datums[i] as Datum);
  }
  result['count'] = n;
  return undefined;
};

/** True if `row` holds `datums[i]` in `columns[i]` for every i. */
function sameOn(row: Row, columns: readonly ColumnSchema[], datums: readonly Datum[]): boolean {
  for (let i = 0; i < columns.length; i++) {
    if (!datumEquals(columnDatum(row, (columns[i] as ColumnSchema).name), datums[i] as Datum)) return false;
  }
  return true;
}

const mutate: Executor = (x, p, result) => {
  const table = parseTable(x, p);
  const where = p.member('where', OP.ARRAY);
  const mutationsJson = p.member('mutations', OP.ARRAY);
  if (p.error || !table) return p.error;
  const mutations = parseMutations(table, mutationsJson, x.symtab);
  const cond = parseConditions(table, where, x.symtab);
  if (mutations.length === 0) {
    result['count'] = cond.clauses.length === 0 ? x.txn.count(table.name) : query(x, table, cond).length;
    return undefined;
  }
  const matched = query(x, table, cond);
  const denied = x.ctx.rbac === undefined ? undefined : rbacCheck(rbacRows(x), x.ctx.rbac, 'mutate', table.name, matched, mutations.map((m) => m.column.name));
  if (denied) return denied;
  let n = 0;
  for (const r of matched) {
    const w = x.txn.modify(table.name, r);
    n++;
    for (const m of mutations) {
      const out = applyMutation(m, columnDatum(w, m.column.name));
      if (out instanceof OvsdbError) return out;
      w.columns.set(m.column.name, out);
    }
  }
  result['count'] = n;
  return undefined;
};

const del: Executor = (x, p, result) => {
  const where = p.member('where', OP.ARRAY);
  const table = parseTable(x, p);
  if (p.error || !table) return p.error;
  const cond = parseConditions(table, where, x.symtab);
  const rows = query(x, table, cond);
  const denied = x.ctx.rbac === undefined ? undefined : rbacCheck(rbacRows(x), x.ctx.rbac, 'delete', table.name, rows);
  if (denied) return denied;
  for (const r of rows) x.txn.delete(table.name, r.uuid);
  result['count'] = rows.length;
  return undefined;
};

const wait: Executor = (x, p) => {
  const timeout = p.member('timeout', OP.INTEGER | OP.OPTIONAL);
  const where = p.member('where', OP.ARRAY);
  const columnsJson = p.member('columns', OP.ARRAY | OP.OPTIONAL);
  const until = p.member('until', OP.STRING);
  const rowsJson = p.member('rows', OP.ARRAY);
  const table = parseTable(x, p);
  if (p.error || !table || typeof until !== 'string' || !Array.isArray(rowsJson)) return p.error;
  const cond = parseConditions(table, where, x.symtab);
  const columns = parseColumnSet(table, columnsJson).map((c) => c.name);
  let timeoutMs = Infinity;
  if (typeof timeout === 'number' || typeof timeout === 'bigint') {
    if (timeout < 0) return syntaxError(timeout, 'timeout must be nonnegative');
    timeoutMs = Number(timeout);
    x.timeoutMs = Math.min(x.timeoutMs, timeoutMs);
  }
  if (until !== '==' && until !== '!=') return syntaxError(until, '"until" must be "==" or "!="');
  const expected = new Set<string>();
  for (const rj of rowsJson as readonly Json[]) expected.add(rowKey(parseRow(x.meta(table.name), x.symtab, rj), columns));
  const actual = new Set<string>();
  let equal = true;
  for (const r of query(x, table, cond)) {
    const k = rowKey(r, columns);
    if (!expected.has(k)) { equal = false; break; }
    actual.add(k);
  }
  if (equal) equal = actual.size === expected.size;
  if ((until === '==') !== equal) {
    const elapsedMs = x.ctx.nowMs - x.ctx.startedMs;
    if (timeoutMs !== Infinity && elapsedMs >= timeoutMs) {
      return new OvsdbError('timed out', elapsedMs > 0 ? `"wait" timed out after ${elapsedMs} ms` : '"where" clause test failed');
    }
    return new OvsdbError('not supported', 'triggers not supported');
  }
  return undefined;
};

const commit: Executor = (x, p) => {
  const durable = p.member('durable', OP.BOOLEAN);
  if (durable === true) x.durable = true;
  return undefined;
};

const abort: Executor = () => new OvsdbError('aborted', 'aborted by request');

const comment: Executor = (x, p) => {
  const c = p.member('comment', OP.STRING);
  if (typeof c === 'string') (x.comments ??= []).push(c);
  return undefined;
};

const assertLock: Executor = (x, p) => {
  const lock = p.member('lock', OP.ID);
  if (typeof lock !== 'string') return undefined;
  return x.ctx.hasLock(lock) ? undefined : new OvsdbError('not owner', `Asserted lock ${lock} not held.`);
};

/** The operation table: name → [read-only, executor]. */
const OPERATIONS: ReadonlyMap<string, readonly [boolean, Executor]> = new Map([
  ['insert', [false, insert]], ['select', [true, select]], ['update', [false, update]],
  ['mutate', [false, mutate]], ['delete', [false, del]], ['wait', [true, wait]],
  ['commit', [false, commit]], ['abort', [true, abort]], ['comment', [true, comment]],
  ['assert', [true, assertLock]],
]);

/** Outcome of running the operations (before commit-time checks). */
export type ExecuteResult =
  | { readonly kind: 'results'; readonly results: Json[]; readonly failed: boolean }
  | { readonly kind: 'blocked'; readonly timeoutMs: number };

function asOvsdbError(e: unknown): OvsdbError {
  if (e instanceof OvsdbError) return e;
  throw e;
}

/** Runs every operation; stops at the first error and pads the results with nulls. */
export function executeOperations(x: Execution, ops: readonly unknown[], readOnly: boolean): ExecuteResult {
  const n = ops.length;
  // Sized once: `[]` would grow to 16 slots on its first push, for usually one result.
  const results: Json[] = new Array<Json>(n);
  let done = 0;
  let error: OvsdbError | undefined;
  for (let i = 0; i < n; i++) {
    const p = new ObjectParser(ops[i], 'ovsdb operation', i + 1, n);
    const opName = p.member('op', OP.ID);
    const result: { [k: string]: Json } = {};
    let ro = false;
    if (typeof opName === 'string') {
      const entry = OPERATIONS.get(opName);
      if (entry) {
        ro = entry[0];
        try {
          error = entry[1](x, p, result);
        } catch (e) {
          error = asOvsdbError(e);
        }
      } else {
        p.raise(`No operation "${opName}"`);
      }
    }
    const parseError = p.finish();
    if (parseError) error = parseError;
    if (!ro && !error) {
      if (readOnly) {
        error = new OvsdbError('not allowed', `${String(opName)} operation not allowed when database server is in read only mode`);
      } else if (x.schema.name.startsWith('_')) {
        error = new OvsdbError('not allowed', `${String(opName)} operation not allowed on table in reserved database ${x.schema.name}`);
      }
    }
    if (error) {
      if (error.tag === 'not supported') return { kind: 'blocked', timeoutMs: x.timeoutMs };
      results[done++] = error.toJson();
      break;
    }
    results[done++] = result;
  }
  while (done < n) results[done++] = null;
  return { kind: 'results', results, failed: error !== undefined };
}

export type { Datum };
