/**
 * `backup` and `restore` (ovsdb-client.c do_backup/do_restore): a database's schema and rows
 * written as an Open vSwitch standalone database file on stdout, and such a file applied back
 * in one transaction that deletes every row and inserts the saved ones (new row UUIDs, references
 * kept through named-uuid row names, as OVS 3.1 does).
 */
import type { Buffer } from 'node:buffer';
import type { Json } from '../../base/json.js';
import { isJsonObject } from '../../base/json.js';
import type { OvsdbClient } from '../client.js';
import { datumToJson, decodeDatum } from '../datum-text.js';
import type { AtomValue, ClientDatum } from '../datum-text.js';
import { composeRecord, readDbFile } from '../ovs-db-file.js';
import { formatOvsJson } from '../ovs-json.js';
import { applyDatumDiff } from '../replica.js';
import { schemasEqual, schemaVersion } from '../schema-compare.js';
import { parseSchemaInfo } from '../schema-info.js';
import type { ColumnInfo } from '../schema-info.js';
import { CommandError } from './context.js';

/** Fails like check_transaction_reply() if any operation returned an error. */
export function checkTransactionReply(results: readonly Json[]): void {
  for (const r of results) {
    if (!isJsonObject(r)) throw new CommandError('result array element is not object');
    if ('error' in r) throw new CommandError(`server returned error reply: ${formatOvsJson(r)}`);
  }
}

/** Builds the backup file for `database`. */
export async function runBackup(client: OvsdbClient, database: string): Promise<Buffer[]> {
  const schemaJson = await client.getSchema(database);
  const schema = parseSchemaInfo(schemaJson);
  const tables = [...schema.tables.values()];
  const ops: Json[] = tables.map((t) => ({
    op: 'select', table: t.name, where: [],
    columns: [...t.columns.values()].filter((c) => c.persistent && c.name !== '_version').map((c) => c.name),
  }));
  const results = await client.transact(database, ops);
  if (results.length !== tables.length) throw new CommandError(`reply is not array of ${tables.length} elements: ${formatOvsJson(results)}`);
  const txn: { [k: string]: Json } = {};
  tables.forEach((t, i) => {
    const r = results[i];
    const rows = isJsonObject(r) ? r['rows'] : undefined;
    if (!Array.isArray(rows)) throw new CommandError(`${t.name} table reply is not an object with a "rows" member array: ${formatOvsJson(r ?? null)}`);
    if (rows.length === 0) return;
    const out: { [uuid: string]: Json } = {};
    for (const row of rows as readonly Json[]) {
      if (!isJsonObject(row)) throw new CommandError(`${t.name} table reply row is not an object: ${formatOvsJson(row)}`);
      const { _uuid: uuidJson, ...rest } = row;
      if (!Array.isArray(uuidJson) || typeof uuidJson[1] !== 'string') throw new CommandError(`${t.name} table reply row lacks _uuid member: ${formatOvsJson(row)}`);
      out[uuidJson[1]] = rest;
    }
    txn[t.name] = out;
  });
  txn['_comment'] = 'produced by "ovsdb-client backup"';
  txn['_date'] = Date.now();
  return [composeRecord(schemaJson), composeRecord(txn)];
}

const zeroUuid = '00000000-0000-0000-0000-000000000000';

function isDefault(d: ClientDatum, c: ColumnInfo): boolean {
  if (c.min === 0) return d.keys.length === 0;
  if (d.keys.length !== 1) return false;
  const k = d.keys[0] as AtomValue;
  const v = d.values?.[0];
  const atomDefault = (a: AtomValue | undefined, t: ColumnInfo['key']): boolean =>
    t === 'uuid' ? a === zeroUuid : t === 'string' ? a === '' : t === 'boolean' ? a === false : a === 0;
  return atomDefault(k, c.key) && (c.value === undefined || atomDefault(v, c.value));
}

const rowName = (uuid: string): string => `row${uuid.replace(/-/g, '_')}`;

function withRowNames(json: Json): Json {
  if (Array.isArray(json)) {
    if (json.length === 2 && json[0] === 'uuid' && typeof json[1] === 'string') return ['named-uuid', rowName(json[1])];
    return json.map((x) => withRowNames(x));
  }
  return json;
}

/** Restores `bytes` (a standalone database file) into `database`. */
export async function runRestore(client: OvsdbClient, database: string, bytes: Buffer, force: boolean, stderr: (s: string) => void): Promise<void> {
  const contents = readDbFile(bytes, (schemaJson) => {
    const s = parseSchemaInfo(schemaJson);
    return (table, column, old, diff) => {
      const c = s.tables.get(table)?.columns.get(column);
      if (!c || c.max <= 1) return diff;
      return datumToJson(applyDatumDiff(decodeDatum(old, c), decodeDatum(diff, c)), c);
    };
  });
  const backupSchema = parseSchemaInfo(contents.schema);
  const online = await client.getSchema(database);
  if (!schemasEqual(contents.schema, online)) {
    const bv = schemaVersion(contents.schema);
    const ov = schemaVersion(online);
    const msg = bv !== ov
      ? `backup schema has version "${bv}" but database schema has version "${ov}"`
      : `backup schema and database schema are both version ${bv} but still differ`;
    if (!force) throw new CommandError(`${msg} (use --force to override differences, or "ovsdb-client convert" to change the schema)`);
    stderr(`${msg}\n`);
  }
  const ops: Json[] = [];
  for (const table of backupSchema.tables.values()) {
    ops.push({ op: 'delete', table: table.name, where: [] });
    for (const [uuid, row] of contents.tables.get(table.name) ?? []) {
      const out: { [k: string]: Json } = {};
      for (const c of table.columns.values()) {
        if (!c.persistent || c.name === '_uuid' || c.name === '_version') continue;
        const v = row[c.name];
        if (v === undefined) continue;
        const d = decodeDatum(v, c);
        if (isDefault(d, c)) continue;
        out[c.name] = withRowNames(datumToJson(d, c));
      }
      ops.push({ op: 'insert', table: table.name, 'uuid-name': rowName(uuid), row: out });
    }
  }
  checkTransactionReply(await client.transact(backupSchema.name, ops));
}
