/**
 * The `ovsdb-ts tool` commands that run the engine directly on a database directory, with no
 * server, as ovsdb-tool does on a file: query, transact, compact, convert.
 *
 * The LevelDB lock makes these fail cleanly while a server has the database open, as
 * ovsdb-tool's lockfile does.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import { convertDatabase } from '../ovsdb/convert.js';
import { Database } from '../ovsdb/database.js';
import { OvsdbError, ovsJsonText } from '../ovsdb/errors.js';
import type { CommitRecord, TxnContext } from '../ovsdb/types.js';
import { rowsToRecord } from '../storage/ovs-file-state.js';
import { StandaloneStore } from '../storage/standalone-db-store.js';
import type { CreateDeps } from './tool-create.js';
import { insertAllRecord, recordMeta, systemCreateDeps } from './tool-create.js';
import type { LoadedDb } from './tool-db.js';
import {
  classifyPath, currentRows, loadDb, notOurDatabase, openStore, readSchemaFile, schemaFromJson, withoutMeta,
} from './tool-db.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { ToolError } from './tool-io.js';
import { parseJsonText } from '../base/json-exact.js';

/** Rebuilds the engine state of a loaded database by replaying its records. */
export function databaseOf(loaded: LoadedDb, deps: CreateDeps = systemCreateDeps): Database {
  const db = new Database(loaded.schema);
  // An OVS file's records may be diffs, which the engine does not speak: fold them first.
  const records = loaded.format === 'ovs-file'
    ? [insertAllRecord(rowsToRecord(loaded.schema, currentRows(loaded)), '', deps)]
    : loaded.records;
  records.forEach((record, i) => {
    try {
      db.apply(withoutMeta(record) as CommitRecord);
    } catch (e) {
      throw new ToolError(`${loaded.path}: record ${i + 1} cannot be applied: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return db;
}

function parseTransaction(text: string): unknown {
  try {
    return parseJsonText(text) as unknown;
  } catch (e) {
    throw new ToolError(`${JSON.stringify(text)}: syntax error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The "comment" operations of a request, joined as OVS joins them into `_comment`. */
function commentsOf(ops: readonly unknown[]): string | undefined {
  const comments = ops.flatMap((op) => (isJsonObject(op) && op['op'] === 'comment' && typeof op['comment'] === 'string' ? [op['comment']] : []));
  return comments.length > 0 ? comments.join('\n') : undefined;
}

function context(deps: CreateDeps): TxnContext {
  const now = deps.nowMs();
  return { nowMs: now, startedMs: now, newUuid: () => deps.newUuid() as Uuid, hasLock: () => false };
}

/**
 * query/transact DB TRANSACTION: runs TRANSACTION (`[db-name, operation...]`, RFC 7047 §4.1.3
 * params) and prints the result array. `transact` stores the change; `query` never does (its
 * changes are computed and dropped, as ovsdb-tool(1) describes).
 */
export async function runTransaction(dbPath: string, text: string, write: boolean, io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  const request = parseTransaction(text);
  const opened = write ? await openStore(dbPath) : undefined;
  try {
    const loaded = opened
      ? loadFromOpened(dbPath, opened)
      : await loadDb(dbPath);
    if (loaded.warning) io.stderr(`ovsdb-ts: warning: ${loaded.warning}\n`);
    const db = databaseOf(loaded, deps);
    if (!Array.isArray(request)) {
      io.stdout(`${ovsJsonText(new OvsdbError('syntax error', 'array expected', request as Json).toJson())}\n`);
      return 0;
    }
    if (request.length === 0 || request[0] !== loaded.schema.name) {
      io.stdout(`${ovsJsonText(new OvsdbError('syntax error', 'database name expected as first parameter', request as Json).toJson())}\n`);
      return 0;
    }
    const ops = request.slice(1);
    const outcome = db.transact(ops, context(deps));
    if (outcome.kind === 'blocked') {
      // Offline there is no later commit to wait for (ovsdb-tool gives the same answer).
      io.stdout(`${ovsJsonText([new OvsdbError('not supported', 'triggers not supported').toJson()])}\n`);
      return 0;
    }
    if (opened && outcome.record) {
      const comment = commentsOf(ops);
      const stored: { [k: string]: Json } = { ...recordMeta(comment, deps), ...outcome.record };
      await opened.store.append(stored, { durable: true });
    }
    io.stdout(`${ovsJsonText(outcome.results)}\n`);
    return 0;
  } finally {
    await opened?.store.close();
  }
}

function loadFromOpened(path: string, opened: Awaited<ReturnType<typeof openStore>>): LoadedDb {
  return {
    path, format: 'ovsdb-ts', schemaJson: opened.schemaJson, schema: schemaFromJson(opened.schemaJson, path),
    records: opened.records, hasSnapshot: opened.records.length > opened.store.stats().logRecords, warning: undefined,
  };
}

export function snapshotWithMeta(record: CommitRecord, comment: string, deps: CreateDeps): JsonObject {
  return { ...recordMeta(comment, deps), ...record };
}

/** Writes `schemaJson` + `snapshot` as a new database at `dst` (which must not exist). */
export async function writeNew(dst: string, schemaJson: JsonObject, snapshot: JsonObject): Promise<void> {
  if ((await classifyPath(dst)).kind !== 'missing') throw new ToolError(`I/O error: ${dst}: create failed (File exists)`);
  let store: StandaloneStore;
  try {
    store = await StandaloneStore.create(dst, schemaJson);
  } catch (e) {
    throw new ToolError(e instanceof Error ? e.message : String(e));
  }
  try {
    await store.compact(snapshot);
  } finally {
    await store.close();
  }
}

/**
 * compact DB [DST]: replaces the log by one snapshot record in place, or writes the compacted
 * database to a new DST (which may also be made from an Open vSwitch file).
 */
export async function compactDb(dbPath: string, dst: string | undefined, _io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  if (dst !== undefined) {
    const loaded = await loadDb(dbPath);
    const snapshot = databaseOf(loaded, deps).snapshotRecord();
    await writeNew(dst, loaded.schema.json, snapshotWithMeta(snapshot, 'compacted by ovsdb-ts tool', deps));
    return 0;
  }
  const opened = await openStore(dbPath);
  try {
    const loaded = loadFromOpened(dbPath, opened);
    const snapshot = databaseOf(loaded, deps).snapshotRecord();
    await opened.store.compact(snapshotWithMeta(snapshot, 'compacted by ovsdb-ts tool', deps));
  } finally {
    await opened.store.close();
  }
  return 0;
}

/**
 * convert DB SCHEMA [DST]: converts DB's rows to SCHEMA (columns and tables that SCHEMA lacks
 * are dropped, new ones take defaults; data SCHEMA rejects fails the conversion), in place or
 * into a new DST.
 */
export async function convertDb(dbPath: string, schemaPath: string, dst: string | undefined, _io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  const target = await readSchemaFile(schemaPath);
  const convert = (loaded: LoadedDb): JsonObject => {
    try {
      const converted = convertDatabase(databaseOf(loaded, deps), target);
      return snapshotWithMeta(converted.snapshotRecord(), `converted by ovsdb-ts tool to ${target.name} ${target.version ?? ''}`.trim(), deps);
    } catch (e) {
      if (e instanceof OvsdbError) throw new ToolError(e.message);
      throw e;
    }
  };
  if (dst !== undefined) {
    await writeNew(dst, target.json, convert(await loadDb(dbPath)));
    return 0;
  }
  const kind = await classifyPath(dbPath);
  if (kind.kind !== 'ovsdb-ts-dir') throw notOurDatabase(dbPath, kind);
  const opened = await openStore(dbPath);
  try {
    await opened.store.replaceSchema(target.json, convert(loadFromOpened(dbPath, opened)));
  } finally {
    await opened.store.close();
  }
  return 0;
}
