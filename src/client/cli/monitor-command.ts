/**
 * `ovsdb-ts client monitor|monitor-cond|monitor-cond-since`: subscribes and prints the initial
 * contents and every change as ovsdb-client does (ovsdb-client.c monitor_print and
 * monitor2_print): one table per table update with the columns `row`, `action` and the
 * monitored columns, captioned with the table name when several tables are monitored.
 */
import type { Json, JsonObject } from '../../base/json.js';
import { isJsonObject } from '../../base/json.js';
import type { OvsdbClient } from '../client.js';
import { ZERO_TXN_ID } from '../monitor.js';
import type { MonitorVersion } from '../monitor.js';
import { compareUtf8 } from '../ovs-json.js';
import type { ColumnInfo, SchemaInfo, TableInfo } from '../schema-info.js';
import { TablePrinter, tableTimestamp } from '../table-format.js';
import type { Cell } from '../table-format.js';
import type { ClientCliOptions, ClientIo } from './context.js';
import { CommandError } from './context.js';
import { parseJsonText } from '../../base/json-exact.js';

interface MonitoredTable {
  readonly table: TableInfo;
  readonly columns: ColumnInfo[];
}

const uuidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** parse_monitor_columns(): "a,b,!initial" → a monitor request; adds the columns to `mt`. */
function parseMonitorColumns(arg: string, server: string, database: string, mt: MonitoredTable): JsonObject {
  const select = { initial: true, insert: true, delete: true, modify: true };
  const names: string[] = [];
  const add = (c: ColumnInfo): void => {
    if (mt.columns.some((x) => x.name === c.name)) throw new CommandError(`${server}: column "${c.name}" mentioned multiple times`);
    mt.columns.push(c);
    names.push(c.name);
  };
  for (const token of arg.split(',').filter((t) => t.length > 0)) {
    if (token.startsWith('!') && token.slice(1) in select) {
      select[token.slice(1) as keyof typeof select] = false;
      continue;
    }
    const c = mt.table.columns.get(token);
    if (!c) throw new CommandError(`${server}: table "${mt.table.name}" in ${database} does not have a column named "${token}"`);
    add(c);
  }
  if (names.length === 0) {
    const all = [...mt.table.columns.values()].filter((c) => c.name !== '_uuid' && c.name !== '_version');
    all.sort((a, b) => compareUtf8(a.name, b.name)).forEach(add);
    add(mt.table.columns.get('_version') as ColumnInfo);
  }
  const req: { [k: string]: Json } = { columns: names };
  if (!select.initial || !select.insert || !select.delete || !select.modify) req['select'] = select;
  return req;
}

/** The printing state of one running monitor. */
class MonitorPrinter {
  private readonly printer: TablePrinter;

  constructor(private readonly mts: readonly MonitoredTable[], private readonly opts: ClientCliOptions, private readonly io: ClientIo) {
    this.printer = new TablePrinter(opts.style);
  }

  private emit(mt: MonitoredTable, rows: Cell[][]): void {
    this.io.stdout(this.printer.format({
      caption: this.mts.length > 1 ? mt.table.name : undefined,
      ...(this.opts.timestamp ? { timestamp: tableTimestamp(new Date()) } : {}),
      headings: ['row', 'action', ...mt.columns.map((c) => c.name)],
      rows,
    }));
  }

  private row(row: Json | undefined, action: string, uuid: string, mt: MonitoredTable): Cell[] | undefined {
    if (!isJsonObject(row)) {
      this.io.stderr(row === undefined ? `missing ${action} row\n` : '<row> is not object\n');
      return undefined;
    }
    return [{ text: uuid }, { text: action }, ...mt.columns.map((c): Cell => {
      const v = row[c.name];
      return v === undefined ? { empty: true } : { json: v, column: c };
    })];
  }

  /** monitor_print(): version-1 table updates. */
  print1(updates: Json, initial: boolean): void {
    if (!isJsonObject(updates)) return;
    for (const mt of this.mts) {
      const tu = updates[mt.table.name];
      if (!isJsonObject(tu)) continue;
      const rows: Cell[][] = [];
      for (const [uuid, ru] of Object.entries(tu)) {
        if (!isJsonObject(ru)) continue;
        const push = (r: Cell[] | undefined): void => { if (r) rows.push(r); };
        if (initial) push(this.row(ru['new'], 'initial', uuid, mt));
        else if (ru['old'] === undefined) push(this.row(ru['new'], 'insert', uuid, mt));
        else if (ru['new'] === undefined) push(this.row(ru['old'], 'delete', uuid, mt));
        else {
          push(this.row(ru['old'], 'old', uuid, mt));
          push(this.row(ru['new'], 'new', '', mt));
        }
      }
      this.emit(mt, rows);
    }
  }

  /** monitor2_print(): version-2 table updates. */
  print2(updates: Json): void {
    if (!isJsonObject(updates)) return;
    for (const mt of this.mts) {
      const tu = updates[mt.table.name];
      if (!isJsonObject(tu)) continue;
      const rows: Cell[][] = [];
      for (const [uuid, ru] of Object.entries(tu)) {
        if (!isJsonObject(ru)) continue;
        const op = ['delete', 'initial', 'modify', 'insert'].find((k) => ru[k] !== undefined);
        if (op === 'delete') rows.push([{ text: uuid }, { text: 'delete' }]);
        else if (op !== undefined) {
          const r = this.row(ru[op], op, uuid, mt);
          if (r) rows.push(r);
        }
      }
      this.emit(mt, rows);
    }
  }
}

/**
 * Runs one of the monitor commands until aborted. `args` are the arguments after SERVER and
 * DATABASE.
 */
export async function runMonitor(
  client: OvsdbClient, database: string, version: MonitorVersion, args: readonly string[],
  opts: ClientCliOptions, io: ClientIo,
): Promise<number> {
  const server = client.remote;
  let rest = [...args];
  let lastId = ZERO_TXN_ID;
  let condition: Json | undefined;
  const schema: SchemaInfo = await client.schemaInfo(database);
  if (version === 3 && rest.length > 2 && uuidRe.test(rest[0] ?? '')) lastId = (rest.shift() as string).toLowerCase();
  if (version !== 1) {
    if (rest.length < 2) throw new CommandError(`invalid syntax for 'monitor-cond${version === 3 ? '-since' : ''}' (use --help for help)`);
    const tableName = rest[1] as string;
    if (!schema.tables.has(tableName)) throw new CommandError(`${database} does not have a table named "${tableName}"`);
    try {
      condition = parseJsonText(rest[0] as string);
    } catch (err) {
      throw new CommandError(`"${rest[0] ?? ''}": ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!Array.isArray(condition)) throw new CommandError('condition must be a JSON array');
    rest = rest.slice(1);
  }
  const tableArg = rest[0];
  if (tableArg === undefined) throw new CommandError(`invalid syntax for 'monitor' (use --help for help)`);
  const mts: MonitoredTable[] = [];
  const requests: { [table: string]: Json } = {};
  const addTable = (table: TableInfo, columnArgs: readonly string[], cond: Json | undefined): void => {
    const mt: MonitoredTable = { table, columns: [] };
    const list = (columnArgs.length > 0 ? columnArgs : ['']).map((a, i) => {
      const req = parseMonitorColumns(a, server, database, mt);
      return i === 0 && cond !== undefined ? { ...req, where: cond } : req;
    });
    mts.push(mt);
    requests[table.name] = list;
  };
  if (tableArg !== 'ALL') {
    const table = schema.tables.get(tableArg);
    if (!table) throw new CommandError(`${server}: ${database} does not have a table named "${tableArg}"`);
    addTable(table, rest.slice(1), condition);
  } else {
    if (condition !== undefined) throw new CommandError('ALL tables are not allowed with condition');
    for (const name of [...schema.tables.keys()].sort(compareUtf8)) addTable(schema.tables.get(name) as TableInfo, rest.slice(1), undefined);
  }

  if (opts.dbChangeAware !== false) {
    try {
      await client.request('set_db_change_aware', [true]);
    } catch (err) {
      if (opts.dbChangeAware === true) throw err;
    }
  }
  const printer = new MonitorPrinter(mts, opts, io);
  const id = null;
  let canceledDb = false;
  const done = new Promise<number>((resolve) => {
    const off = client.onNotification((method, params) => {
      if (method === 'update' && version === 1 || method === 'update2' && version === 2) {
        if (params.length === 2 && params[0] === id) (version === 1 ? printer.print1(params[1] ?? null, false) : printer.print2(params[1] ?? null));
      } else if (method === 'update3' && version === 3) {
        if (params.length === 3 && params[0] === id) {
          io.stdout(`\nlast_id: ${typeof params[1] === 'string' ? params[1] : ''}`);
          printer.print2(params[2] ?? null);
        }
      } else if (method === 'monitor_canceled') {
        canceledDb = true;
        off();
        resolve(1);
      }
    });
    client.onClose(() => { off(); resolve(2); });
    io.signal?.addEventListener('abort', () => { off(); resolve(0); }, { once: true });
  });
  const method = version === 1 ? 'monitor' : version === 2 ? 'monitor_cond' : 'monitor_cond_since';
  const params: Json[] = [database, id, requests];
  if (version === 3) params.push(lastId);
  const result = await client.request(method, params);
  if (version === 1) printer.print1(result, true);
  else if (version === 2) printer.print2(result);
  else {
    if (!Array.isArray(result) || result.length !== 3) throw new CommandError('<result> should have 3 elements');
    io.stdout(`found: ${result[0] === true ? 'true' : 'false'}, last_id: ${typeof result[1] === 'string' ? result[1] : ''}\n`);
    printer.print2(result[2] ?? null);
  }
  const code = await done;
  if (canceledDb) throw new CommandError(`${server}: ${database} database was removed`);
  if (code === 2) throw new CommandError(`${server}: receive failed (connection closed)`);
  return code;
}
