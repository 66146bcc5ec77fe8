/**
 * Parsing <monitor-requests> (RFC 7047 §4.1.5) and the monitor_cond extensions (`where`,
 * ovsdb-server(7) §4.1.12), with the error objects ovsdb-server 3.1 returns for bad input.
 */
import type { Json } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { parseConditions, type Condition } from '../ovsdb/condition.js';
import { OvsdbError, syntaxError } from '../ovsdb/errors.js';
import { ObjectParser, OP } from '../ovsdb/parser.js';
import { getColumn } from '../ovsdb/schema/parse-schema.js';
import type { ColumnSchema, DatabaseSchema, TableSchema } from '../ovsdb/types.js';

/** 1: `monitor`/`update`; 2: `monitor_cond`/`update2`; 3: `monitor_cond_since`/`update3`. */
export type MonitorVersion = 1 | 2 | 3;

/** Which kinds of change a table's monitor reports (RFC 7047 §4.1.5 <monitor-select>). */
export interface MonitorSelect {
  readonly initial: boolean;
  readonly insert: boolean;
  readonly delete: boolean;
  readonly modify: boolean;
}

/** What one session watches in one table. */
export interface TableMonitorSpec {
  readonly table: TableSchema;
  /** Monitored columns; without a `columns` member: every column plus `_version`. */
  readonly columns: readonly ColumnSchema[];
  /** Union of the requests' selects: which kinds of row change are reported at all. */
  readonly select: MonitorSelect;
  /**
   * Per kind of change, the columns whose request selected it. A table may be monitored by an
   * array of requests with different selects, and ovsdb_monitor_compose_row_update[2]() puts
   * a column into a row update only if its own select includes the update's kind.
   */
  readonly columnsFor: Readonly<Record<keyof MonitorSelect, readonly ColumnSchema[]>>;
  /** undefined: every row (update v1, or no `where`). */
  readonly condition: Condition | undefined;
}

const ALL_SELECT: MonitorSelect = { initial: true, insert: true, delete: true, modify: true };

function allColumns(table: TableSchema): ColumnSchema[] {
  const out = [...table.columns.values()];
  const version = getColumn(table, '_version');
  if (version) out.push(version);
  return out;
}

function parseSelect(json: Json | undefined, tableName: string): MonitorSelect | OvsdbError {
  if (json === undefined) return ALL_SELECT;
  const p = new ObjectParser(json, `table ${tableName} select`);
  const flag = (name: string): boolean => {
    const v = p.member(name, OP.BOOLEAN | OP.OPTIONAL);
    return v === undefined ? true : v === true;
  };
  const select = { initial: flag('initial'), insert: flag('insert'), delete: flag('delete'), modify: flag('modify') };
  return p.finish() ?? select;
}

interface ParsedRequest {
  readonly columns: ColumnSchema[];
  readonly select: MonitorSelect;
  readonly where: Json | undefined;
}

function parseOne(table: TableSchema, json: Json, withWhere: boolean): ParsedRequest {
  const p = new ObjectParser(json, `table ${table.name}`);
  const columnsJson = p.member('columns', OP.ARRAY | OP.OPTIONAL);
  const selectJson = p.member('select', OP.OBJECT | OP.OPTIONAL);
  const where = withWhere ? p.member('where', OP.ARRAY | OP.OPTIONAL) : undefined;
  const err = p.finish();
  if (err) throw err;
  const select = parseSelect(selectJson, table.name);
  if (select instanceof OvsdbError) throw select;
  let columns: ColumnSchema[];
  if (columnsJson === undefined) {
    columns = allColumns(table);
  } else {
    columns = [];
    for (const name of columnsJson as readonly Json[]) {
      if (typeof name !== 'string') throw syntaxError(columnsJson, 'array of column names expected');
      const column = getColumn(table, name);
      if (!column) throw syntaxError(columnsJson, `${name} is not a valid column name`);
      columns.push(column);
    }
  }
  return { columns, select, where };
}

/**
 * Parses the <monitor-requests> object of `monitor` (version 1) or `monitor_cond[_since]`.
 * Throws OvsdbError with ovsdb-server's wording.
 */
export function parseMonitorRequests(schema: DatabaseSchema, json: Json, version: MonitorVersion): Map<string, TableMonitorSpec> {
  if (!isJsonObject(json)) throw syntaxError(json, 'monitor-requests must be object');
  const out = new Map<string, TableMonitorSpec>();
  for (const [tableName, reqJson] of Object.entries(json)) {
    const table = schema.tables.get(tableName);
    if (!table) throw new OvsdbError('syntax error', `no table named ${tableName}`);
    const reqs: readonly Json[] = Array.isArray(reqJson) ? (reqJson as readonly Json[]) : [reqJson as Json];
    const columns: ColumnSchema[] = [];
    const columnsFor: Record<keyof MonitorSelect, ColumnSchema[]> = { initial: [], insert: [], delete: [], modify: [] };
    const seen = new Set<string>();
    let select: MonitorSelect = { initial: false, insert: false, delete: false, modify: false };
    let where: Json | undefined;
    for (const r of reqs) {
      const parsed = parseOne(table, r, version !== 1);
      for (const c of parsed.columns) {
        if (seen.has(c.name)) throw syntaxError(r !== null && isJsonObject(r) ? r['columns'] : r, `column ${c.name} mentioned more than once`);
        seen.add(c.name);
        columns.push(c);
        for (const kind of ['initial', 'insert', 'delete', 'modify'] as const) if (parsed.select[kind]) columnsFor[kind].push(c);
      }
      select = {
        initial: select.initial || parsed.select.initial,
        insert: select.insert || parsed.select.insert,
        delete: select.delete || parsed.select.delete,
        modify: select.modify || parsed.select.modify,
      };
      if (parsed.where !== undefined) where = parsed.where;
    }
    const condition = where === undefined ? undefined : parseConditions(table, where);
    out.set(tableName, { table, columns, select, columnsFor, condition });
  }
  return out;
}

/**
 * Parses <monitor-cond-update-requests> of monitor_cond_change: per table an array of
 * `{"where": [...]}`; changing columns is refused as ovsdb-server does. Returns the new
 * condition per table (undefined condition = every row).
 */
export function parseConditionChange(schema: DatabaseSchema, json: Json): Map<string, Condition | undefined> {
  if (!isJsonObject(json)) throw new OvsdbError('syntax error', 'monitor-cond-change-requests must be object');
  const out = new Map<string, Condition | undefined>();
  for (const [tableName, reqJson] of Object.entries(json)) {
    const table = schema.tables.get(tableName);
    if (!table) throw new OvsdbError('syntax error', `no table named ${tableName}`);
    if (!Array.isArray(reqJson)) throw new OvsdbError('syntax error', `table ${tableName} no monitor-cond-change JSON array`);
    let condition: Condition | undefined;
    for (const r of reqJson as readonly Json[]) {
      const p = new ObjectParser(r, `table ${tableName}`);
      const columnsJson = p.member('columns', OP.ARRAY | OP.OPTIONAL);
      const where = p.member('where', OP.ARRAY | OP.OPTIONAL);
      const err = p.finish();
      if (err) throw err;
      if (columnsJson !== undefined) throw syntaxError(r, 'changing columns is unsupported');
      if (where !== undefined) condition = parseConditions(table, where);
    }
    out.set(tableName, condition);
  }
  return out;
}
