/**
 * Finding out what a path given to `ovsdb-ts tool` holds, and reading it.
 *
 * A database of ours is a LevelDB directory (SPEC "Install and run"). For migration and
 * inspection, the read-only commands (db-name, db-version, db-cksum, db-is-*, show-log, query)
 * also accept an Open vSwitch standalone database file, recognised by its `OVSDB JSON` header;
 * an OVS clustered file (`OVSDB CLUSTER`) is recognised and refused.
 *
 * A directory is either a standalone database or a clustered one (RaftDiskStore, the `m:kind`
 * key); the commands that work on standalone databases only refuse a clustered one with
 * ovsdb-tool's message ("cannot apply this operation to clustered database file").
 */
import { open, readFile, stat } from 'node:fs/promises';
import type { JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { OvsdbError } from '../ovsdb/errors.js';
import { parseSchema } from '../ovsdb/schema/parse-schema.js';
import type { DatabaseSchema } from '../ovsdb/types.js';
import { OVS_CLUSTERED_MAGIC, OVS_STANDALONE_MAGIC, parseOvsStandaloneFile, sniffOvsMagic } from '../storage/ovs-file-format.js';
import type { OvsRows } from '../storage/ovs-file-state.js';
import { applyOvsTransaction, replayOvsTransactions } from '../storage/ovs-file-state.js';
import { RaftDiskStore } from '../storage/raft-disk-store.js';
import { StandaloneStore } from '../storage/standalone-db-store.js';
import { ToolError } from './tool-io.js';
import { parseJsonText } from '../base/json-exact.js';

/** A database read into memory: schema plus the records since the last compaction. */
export interface LoadedDb {
  readonly path: string;
  /** `ovsdb-ts`: one of our directories; `ovs-file`: an Open vSwitch standalone file. */
  readonly format: 'ovsdb-ts' | 'ovs-file';
  readonly schemaJson: JsonObject;
  readonly schema: DatabaseSchema;
  /**
   * Transaction records in order. For our databases the first is the compaction snapshot when
   * `hasSnapshot`; for OVS files they are the file's records after the schema (possibly diffs).
   */
  readonly records: readonly JsonObject[];
  readonly hasSnapshot: boolean;
  /** Set when an OVS file ended in a torn record that was left out. */
  readonly warning: string | undefined;
}

/** What kind of database a path holds. */
export type PathKind =
  | { readonly kind: 'missing' }
  | { readonly kind: 'ovsdb-ts-dir' }
  /** One of our clustered databases (a member's directory). */
  | { readonly kind: 'ovsdb-ts-clustered' }
  | { readonly kind: 'ovs-standalone' }
  | { readonly kind: 'ovs-clustered' }
  | { readonly kind: 'other-file' };

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** The first `n` bytes of a file (fewer if it is shorter). */
async function readHead(path: string, n: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Classifies `path` without opening LevelDB. */
export async function classifyPath(path: string): Promise<PathKind> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { kind: 'missing' };
    throw new ToolError(`I/O error: ${path}: open failed (${e instanceof Error ? e.message : String(e)})`);
  }
  if (st.isDirectory()) {
    let kind: Awaited<ReturnType<typeof RaftDiskStore.kind>>;
    try {
      kind = await RaftDiskStore.kind(path);
    } catch (e) {
      throw new ToolError(e instanceof Error ? e.message : String(e));
    }
    return { kind: kind === 'clustered' ? 'ovsdb-ts-clustered' : 'ovsdb-ts-dir' };
  }
  const magic = sniffOvsMagic(await readHead(path, 128));
  if (magic === OVS_STANDALONE_MAGIC) return { kind: 'ovs-standalone' };
  if (magic === OVS_CLUSTERED_MAGIC) return { kind: 'ovs-clustered' };
  return { kind: 'other-file' };
}

/** Error for a command that needs one of our databases but got something else. */
export function notOurDatabase(path: string, kind: PathKind): ToolError {
  switch (kind.kind) {
    case 'missing':
      return new ToolError(`I/O error: ${path}: open failed (No such file or directory)`);
    case 'ovs-standalone':
      return new ToolError(`${path}: is an Open vSwitch database file, not an ovsdb-ts database directory; import it with "ovsdb-ts tool create DB ${path}"`);
    case 'ovs-clustered':
      return new ToolError(`${path}: is a clustered Open vSwitch database file; run "ovsdb-tool cluster-to-standalone STANDALONE ${path}" and import the result with "ovsdb-ts tool create"`);
    case 'other-file':
      return new ToolError(`${path}: unexpected file format (not an ovsdb-ts database directory)`);
    case 'ovsdb-ts-clustered':
      return clusteredRefusal(path);
    case 'ovsdb-ts-dir':
      return new ToolError(`${path}: not a standalone database`);
  }
}

/** ovsdb-tool's refusal of a standalone-only command on a clustered database. */
export function clusteredRefusal(path: string): ToolError {
  return new ToolError(`ovsdb error: ${path}: cannot apply this operation to clustered database file`);
}

/** Parses schema JSON with the engine's rules, as a one-line error on failure. */
export function schemaFromJson(json: unknown, what: string): DatabaseSchema {
  try {
    return parseSchema(json);
  } catch (e) {
    if (e instanceof OvsdbError) throw new ToolError(`${what}: ${e.message}`);
    throw e;
  }
}

/** Reads a `.ovsschema` file (ovsdb_schema_from_file()). */
export async function readSchemaFile(path: string): Promise<DatabaseSchema> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    throw new ToolError(`I/O error: ${path}: open failed (${code === 'ENOENT' ? 'No such file or directory' : code === 'EISDIR' ? 'Is a directory' : e instanceof Error ? e.message : String(e)})`);
  }
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (e) {
    throw new ToolError(`${path}: syntax error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return schemaFromJson(json, path);
}

/** Opens one of our database directories (which the caller must close). */
export async function openStore(path: string): Promise<Awaited<ReturnType<typeof StandaloneStore.open>>> {
  const kind = await classifyPath(path);
  if (kind.kind !== 'ovsdb-ts-dir') throw notOurDatabase(path, kind);
  try {
    return await StandaloneStore.open(path);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // LevelDB allows one process at a time, readers included (unlike an OVS file).
    if (/\block\b.*(unavailable|held)/i.test(message)) throw new ToolError(`${path}: database is in use by another process (a running server?): ${message}`);
    throw new ToolError(message);
  }
}

/** Reads a database of ours or an OVS standalone file into memory. */
export async function loadDb(path: string): Promise<LoadedDb> {
  const kind = await classifyPath(path);
  if (kind.kind === 'ovs-standalone') {
    let file;
    try {
      file = parseOvsStandaloneFile(await readFile(path), path);
    } catch (e) {
      throw new ToolError(e instanceof Error ? e.message : String(e));
    }
    const warning = file.truncatedTail
      ? `${path}: ignoring damaged data at offset ${file.truncatedTail.offset} (${file.truncatedTail.reason}), as ovsdb-server does`
      : undefined;
    return {
      path, format: 'ovs-file', schemaJson: file.schema, schema: schemaFromJson(file.schema, path),
      records: file.transactions, hasSnapshot: false, warning,
    };
  }
  const { store, schemaJson, records } = await openStore(path);
  const logRecords = store.stats().logRecords;
  await store.close();
  return {
    path, format: 'ovsdb-ts', schemaJson, schema: schemaFromJson(schemaJson, path), records,
    hasSnapshot: records.length > logRecords, warning: undefined,
  };
}

/** The rows a loaded database holds now (no `_version`, no default columns). */
export function currentRows(db: LoadedDb): OvsRows {
  if (db.format === 'ovs-file') {
    try {
      return replayOvsTransactions(db.schema, db.records, db.path);
    } catch (e) {
      throw new ToolError(e instanceof Error ? e.message : String(e));
    }
  }
  // Our records are CommitRecords: full new values for the listed columns, never diffs.
  const rows: OvsRows = new Map();
  db.records.forEach((record, i) => {
    try {
      applyOvsTransaction(db.schema, rows, withoutMeta(record));
    } catch (e) {
      throw new ToolError(`${db.path}: record ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return rows;
}

/** A record without members starting with "_" that are not tables (`_date`, `_comment`, ...). */
export function withoutMeta(record: JsonObject): JsonObject {
  const out: { [k: string]: JsonObject } = {};
  for (const [k, v] of Object.entries(record)) if (!k.startsWith('_') && isJsonObject(v)) out[k] = v;
  return out;
}
