/**
 * `ovsdb-ts tool [-m]... show-log DB`: the records since the last compaction, in the layout of
 * ovsdb-tool's do_show_log_standalone():
 *
 *     record 0: "OVN_Northbound" schema, version="7.0.0", cksum="94023179 33468"
 *
 *     record 1: 2026-11-24 20:52:20.396 "hello"
 *       table Logical_Switch insert row "sw0" (bf85c670):      ← with -m
 *         name=sw0                                           ← with -mm
 *
 * Record 0 is the schema. For our databases record 1 is the compaction snapshot when there is
 * one (as after `ovsdb-tool compact`, whose record 1 holds every row). Dates are UTC.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { datumFromJson, datumToString } from '../ovsdb/datum.js';
import { ovsJsonText } from '../ovsdb/errors.js';
import type { DatabaseSchema } from '../ovsdb/types.js';
import { showClusterLog } from './tool-cluster-show-log.js';
import { classifyPath, loadDb } from './tool-db.js';
import type { ExitCode, ToolIo } from './tool-io.js';

const INT32_MAX = 2147483647;

/** " %Y-%m-%d %H:%M:%S.###" in UTC (xastrftime_msec(..., utc=true)). */
export function formatLogDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return ` ${ms}`;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return ` ${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

function valueText(schema: DatabaseSchema, table: string, column: string, value: Json): string {
  const col = schema.tables.get(table)?.columns.get(column);
  if (col) {
    try {
      return datumToString(col.type, datumFromJson(col.type, value));
    } catch {
      // A diff may not fit the column's size rules; OVS then prints the raw JSON.
    }
  }
  return ovsJsonText(value);
}

/**
 * print_db_changes(): one line per changed row, and with verbosity > 1 one per column. `names`
 * carries row names from record to record (uuid → name shown).
 */
export function formatChanges(record: JsonObject, schema: DatabaseSchema, names: Map<string, string>, verbosity: number): string {
  const diff = record['_is_diff'] === true;
  let out = '';
  let tables = 0;
  for (const [table, rows] of Object.entries(record)) {
    if (table.startsWith('_') || !isJsonObject(rows)) continue;
    if (tables++ === 0) out += '\n';
    for (const [uuid, columns] of Object.entries(rows)) {
      const oldName = names.get(uuid);
      const nameJson = isJsonObject(columns) ? columns['name'] : undefined;
      const newName = nameJson === undefined ? undefined : ovsJsonText(nameJson);
      out += `  table ${table}`;
      if (oldName === undefined) out += newName !== undefined ? ` insert row ${newName} (${uuid.slice(0, 8)}):\n` : ` insert row ${uuid.slice(0, 8)}:\n`;
      else out += ` row ${oldName} (${uuid.slice(0, 8)})${diff ? ' diff' : ''}:\n`;
      if (isJsonObject(columns)) {
        if (verbosity > 1) {
          for (const [column, value] of Object.entries(columns)) {
            // `_version` is ours (types.ts CommitRecord), never in an OVS file: not a change to show.
            if (column.startsWith('_')) continue;
            out += `    ${column}=${valueText(schema, table, column, value)}\n`;
          }
        }
        if (newName !== undefined) names.set(uuid, newName);
        else if (oldName === undefined) names.set(uuid, uuid.slice(0, 8));
      } else if (columns === null) {
        out += '    delete row\n';
        names.delete(uuid);
      }
    }
  }
  return out;
}

/**
 * The whole show-log text for a schema and its records.
 *
 * @param verbosity 0: one line per record; 1 (-m): changed rows; 2 (-mm): changed columns too
 */
export function formatShowLog(schema: DatabaseSchema, records: readonly JsonObject[], verbosity: number): string {
  let out = `record 0: "${schema.name}" schema, version="${schema.version ?? ''}", cksum="${schema.cksum ?? ''}"\n\n`;
  const names = new Map<string, string>();
  records.forEach((record, i) => {
    out += `record ${i + 1}:`;
    const date = record['_date'];
    if (typeof date === 'number' && Number.isInteger(date)) out += formatLogDate(date < INT32_MAX ? date * 1000 : date);
    const comment = record['_comment'];
    if (typeof comment === 'string') out += ` "${comment}"`;
    if (verbosity > 0) out += formatChanges(record, schema, names, verbosity);
    out += '\n';
  });
  return out;
}

/** show-log DB. */
export async function showLog(db: string, verbosity: number, io: ToolIo): Promise<ExitCode> {
  if ((await classifyPath(db)).kind === 'ovsdb-ts-clustered') return showClusterLog(db, verbosity, io);
  const loaded = await loadDb(db);
  if (loaded.warning) io.stderr(`ovsdb-ts: warning: ${loaded.warning}\n`);
  io.stdout(formatShowLog(loaded.schema, loaded.records, verbosity));
  return 0;
}
