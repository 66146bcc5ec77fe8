/**
 * The `ovsdb-ts tool` commands that only report facts about a database or a schema
 * (ovsdb-tool(1)): db-name, db-version, db-cksum, schema-name, schema-version, schema-cksum,
 * compare-versions, needs-conversion, db-is-standalone, db-is-clustered. Output and exit codes
 * follow ovsdb-tool: 0 for yes/success, 2 for "no", 1 for an error.
 */
import { readFile } from 'node:fs/promises';
import { canonicalJson } from '../base/json.js';
import { decodeOvsLog } from '../storage/ovs-file-format.js';
import { StandaloneStore } from '../storage/standalone-db-store.js';
import { clusteredSchemaField } from './tool-cluster-info.js';
import { classifyPath, loadDb, notOurDatabase, readSchemaFile } from './tool-db.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { ToolError } from './tool-io.js';

/** Which schema fact to print. */
export type SchemaField = 'name' | 'version' | 'cksum';

/** db-name / db-version / db-cksum DB: prints a fact about the schema stored in DB. */
export async function dbSchemaField(field: SchemaField, db: string, io: ToolIo): Promise<ExitCode> {
  const kind = (await classifyPath(db)).kind;
  if (kind === 'ovsdb-ts-clustered') return clusteredSchemaField(field, db, io);
  if (kind === 'ovs-clustered') {
    // As ovsdb-tool: the name is in the Raft header (first record); the rest needs the log.
    if (field !== 'name') throw new ToolError(`ovsdb error: ${db}: cannot apply this operation to clustered database file`);
    const name = decodeOvsLog(await readFile(db), db).records[0]?.json['name'];
    if (typeof name !== 'string') throw new ToolError(`${db}: clustered database header has no name`);
    io.stdout(`${name}\n`);
    return 0;
  }
  const loaded = await loadDb(db);
  io.stdout(`${loaded.schema[field] ?? ''}\n`);
  return 0;
}

/** schema-name / schema-version / schema-cksum SCHEMA. */
export async function schemaFileField(field: SchemaField, schemaPath: string, io: ToolIo): Promise<ExitCode> {
  const schema = await readSchemaFile(schemaPath);
  io.stdout(`${schema[field] ?? ''}\n`);
  return 0;
}

/** An OVSDB schema version x.y.z (ovsdb_parse_version()). */
export interface SchemaVersion {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** Parses "x.y.z" with each part an unsigned 32-bit number, or undefined. */
export function parseVersion(s: string): SchemaVersion | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const [x, y, z] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (![x, y, z].every((n) => n <= 0xffffffff)) return undefined;
  return { x, y, z };
}

const RELATIONS: { readonly [op: string]: (cmp: number) => boolean } = {
  '<': (c) => c < 0, '<=': (c) => c <= 0, '==': (c) => c === 0, '>=': (c) => c >= 0, '>': (c) => c > 0, '!=': (c) => c !== 0,
};

/**
 * compare-versions A OP B: exit 0 if the relation holds, 2 if not (ovsdb-tool's
 * do_compare_versions()).
 *
 * @example await compareVersions('1.2.3', '<', '1.10.0', io) // 0
 */
export async function compareVersions(a: string, op: string, b: string, _io: ToolIo): Promise<ExitCode> {
  const va = parseVersion(a);
  if (!va) throw new ToolError(`${a}: not an OVSDB version number in format x.y.z`);
  const vb = parseVersion(b);
  if (!vb) throw new ToolError(`${b}: not an OVSDB version number in format x.y.z`);
  const relation = RELATIONS[op];
  if (!relation) throw new ToolError(`${op}: not a relational operator`);
  const cmp = va.x !== vb.x ? Math.sign(va.x - vb.x) : va.y !== vb.y ? Math.sign(va.y - vb.y) : Math.sign(va.z - vb.z);
  return relation(cmp) ? 0 : 2;
}

/**
 * needs-conversion DB SCHEMA: "yes" if SCHEMA differs from DB's schema (ovsdb_schema_equal()
 * compares the normal JSON forms), else "no".
 */
export async function needsConversion(db: string, schemaPath: string, io: ToolIo): Promise<ExitCode> {
  const loaded = await loadDb(db);
  const target = await readSchemaFile(schemaPath);
  io.stdout(canonicalJson(loaded.schema.json) === canonicalJson(target.json) ? 'no\n' : 'yes\n');
  return 0;
}

/** Whether DB is a standalone or a clustered database. */
export async function databaseModel(db: string): Promise<'standalone' | 'clustered'> {
  const kind = await classifyPath(db);
  switch (kind.kind) {
    case 'ovs-standalone':
      return 'standalone';
    case 'ovs-clustered':
    case 'ovsdb-ts-clustered':
      return 'clustered';
    case 'ovsdb-ts-dir':
      break;
    default:
      throw notOurDatabase(db, kind);
  }
  try {
    const { store } = await StandaloneStore.open(db);
    await store.close();
    return 'standalone';
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // The store names the kind it found when it is not standalone (m:kind, storage/keys.ts).
    if (/database is clustered/.test(message)) return 'clustered';
    throw new ToolError(message);
  }
}

/** db-is-standalone / db-is-clustered DB: exit 0 if DB is of that model, 2 if not. */
export async function dbIsModel(model: 'standalone' | 'clustered', db: string, _io: ToolIo): Promise<ExitCode> {
  return (await databaseModel(db)) === model ? 0 : 2;
}
