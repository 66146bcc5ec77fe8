/**
 * Open vSwitch standalone database files as `ovsdb-client backup` writes and `restore` reads
 * them (ovsdb/log.c): a sequence of records, each `OVSDB JSON <length> <sha1>\n` followed by
 * `<length>` bytes of JSON text ending in a newline. The first record is the schema, each later
 * one a transaction `{table: {uuid: row | null}, "_date": ms, "_comment": text}`.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Json } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { formatOvsJson } from './ovs-json.js';
import { parseJsonText } from '../base/json-exact.js';

/** One record, header and body, as bytes. */
export function composeRecord(json: Json): Buffer {
  const data = Buffer.from(`${formatOvsJson(json)}\n`, 'utf8');
  const sha1 = createHash('sha1').update(data).digest('hex');
  return Buffer.concat([Buffer.from(`OVSDB JSON ${data.length} ${sha1}\n`, 'utf8'), data]);
}

/** Splits a file into its JSON records, checking lengths and SHA-1 sums. */
export function parseRecords(bytes: Buffer): Json[] {
  const out: Json[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) throw new Error(`${pos}: truncated record header`);
    const header = bytes.subarray(pos, nl).toString('latin1');
    const m = /^OVSDB (\S+) (\d+) ([0-9a-f]{40})$/.exec(header);
    if (!m) throw new Error(`${pos}: bad record header "${header.slice(0, 60)}"`);
    if (m[1] !== 'JSON') throw new Error(`${pos}: unsupported database format "${m[1] ?? ''}" (only standalone files)`);
    const length = Number(m[2]);
    const start = nl + 1;
    if (start + length > bytes.length) throw new Error(`${pos}: record is truncated`);
    const body = bytes.subarray(start, start + length);
    if (createHash('sha1').update(body).digest('hex') !== m[3]) throw new Error(`${pos}: record has bad SHA-1 checksum`);
    try {
      out.push(parseJsonText(body.toString('utf8')));
    } catch (err) {
      throw new Error(`${pos}: record is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    pos = start + length;
  }
  return out;
}

/** Merges a diff (set/map column of an `_is_diff` record) into the previous value. */
export type DiffFn = (table: string, column: string, old: Json, diff: Json) => Json;

/** A database file's contents: schema and the final rows (uuid → row) of each table. */
export interface DbFileContents {
  readonly schema: Json;
  readonly tables: Map<string, Map<string, { [column: string]: Json }>>;
}

/**
 * Replays the transaction records of a standalone file. Rows of `_is_diff` records (OVS >= 2.16
 * writes set/map changes as diffs) are merged with `applyDiff` for existing rows.
 */
export function readDbFile(bytes: Buffer, makeDiff: (schema: Json) => DiffFn): DbFileContents {
  const records = parseRecords(bytes);
  const schema = records[0];
  if (schema === undefined) throw new Error('database file is empty');
  const applyDiff = makeDiff(schema);
  const tables = new Map<string, Map<string, { [column: string]: Json }>>();
  for (const rec of records.slice(1)) {
    if (!isJsonObject(rec)) throw new Error('transaction record is not an object');
    const isDiff = rec['_is_diff'] === true;
    for (const [table, rows] of Object.entries(rec)) {
      if (table.startsWith('_') || !isJsonObject(rows)) continue;
      let t = tables.get(table);
      if (!t) {
        t = new Map();
        tables.set(table, t);
      }
      for (const [uuid, row] of Object.entries(rows)) {
        if (row === null) {
          t.delete(uuid);
          continue;
        }
        if (!isJsonObject(row)) throw new Error(`row ${uuid} is not an object`);
        const old = t.get(uuid);
        if (!old) {
          t.set(uuid, { ...row });
          continue;
        }
        for (const [c, v] of Object.entries(row)) {
          const prev = old[c];
          old[c] = isDiff && prev !== undefined ? applyDiff(table, c, prev, v) : v;
        }
      }
    }
  }
  return { schema, tables };
}
