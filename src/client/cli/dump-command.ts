/**
 * `ovsdb-ts client dump [SERVER] [DATABASE] [TABLE [COLUMN]...]`: every table (or one, or some
 * columns of one) as ovsdb-client dump prints it: tables in name order, columns in name order
 * without `_version`, rows sorted by their non-uuid columns first and uuid columns as
 * tie-breakers (ovsdb-client.c compare_rows), so the output is reproducible.
 */
import type { Json } from '../../base/json.js';
import { isJsonObject } from '../../base/json.js';
import type { OvsdbClient } from '../client.js';
import { compareDatums, datumToJson as datumJson, decodeDatum } from '../datum-text.js';
import type { ClientDatum } from '../datum-text.js';
import { compareUtf8, formatOvsJson } from '../ovs-json.js';
import type { ColumnInfo, SchemaInfo } from '../schema-info.js';
import { TablePrinter } from '../table-format.js';
import type { ClientCliOptions } from './context.js';
import { CommandError } from './context.js';

function sortRows(rows: ClientDatum[][], columns: readonly ColumnInfo[]): void {
  rows.sort((a, b) => {
    for (const pass of [false, true]) {
      for (let x = 0; x < columns.length; x++) {
        if ((columns[x]?.key === 'uuid') !== pass) continue;
        const c = compareDatums(a[x] as ClientDatum, b[x] as ClientDatum);
        if (c !== 0) return c;
      }
    }
    return 0;
  });
}

/** Runs dump; returns the text to print. */
export async function runDump(client: OvsdbClient, database: string, args: readonly string[], opts: ClientCliOptions): Promise<string> {
  const schema: SchemaInfo = await client.schemaInfo(database);
  let tableNames = [...schema.tables.keys()].sort(compareUtf8);
  let custom: string[] | undefined;
  if (args.length > 0) {
    const t = args[0] as string;
    const ts = schema.tables.get(t);
    if (!ts) throw new CommandError(`No table "${t}" found.`);
    tableNames = [t];
    if (args.length > 1) {
      custom = args.slice(1);
      for (const c of custom) if (!ts.columns.has(c)) throw new CommandError(`Table "${t}" has no column ${c}.`);
    }
  }
  const columnsOf = (t: string): ColumnInfo[] => {
    const ts = schema.tables.get(t);
    if (!ts) return [];
    const names = custom ?? [...ts.columns.keys()];
    return [...new Set(names)].filter((n) => n !== '_version').map((n) => ts.columns.get(n) as ColumnInfo);
  };
  const ops: Json[] = tableNames.map((t) => ({ op: 'select', table: t, where: [], columns: columnsOf(t).map((c) => c.name) }));
  const results = await client.transact(database, ops);
  if (results.length !== tableNames.length) {
    throw new CommandError(`reply is not array of ${tableNames.length} elements: ${formatOvsJson(results)}`);
  }
  const printer = new TablePrinter(opts.style);
  let out = '';
  tableNames.forEach((t, i) => {
    const r = results[i];
    const rows = isJsonObject(r) ? r['rows'] : undefined;
    if (!Array.isArray(rows)) throw new CommandError(`${t} table reply is not an object with a "rows" member array: ${formatOvsJson(r ?? null)}`);
    const columns = columnsOf(t).sort((a, b) => compareUtf8(a.name, b.name));
    const data = (rows as readonly Json[]).map((row, y) => {
      if (!isJsonObject(row)) throw new CommandError(`row ${y} in table ${t} response is not a JSON object: ${formatOvsJson(row)}`);
      return columns.map((c) => {
        const v = row[c.name];
        if (v === undefined) throw new CommandError(`row ${y} in table ${t} response lacks ${c.name} column`);
        return decodeDatum(v, c);
      });
    });
    sortRows(data, columns);
    out += printer.format({
      caption: `${t} table`,
      headings: columns.map((c) => c.name),
      rows: data.map((row) => row.map((d, x) => ({ json: datumJson(d, columns[x] as ColumnInfo), column: columns[x] }))),
    });
  });
  return out;
}
