/**
 * `ovsdb-ts tool create DB CONTENTS` and `ovsdb-ts tool export-ovs DB FILE`: making a new
 * database, and the Open vSwitch file format in both directions.
 *
 * CONTENTS may be
 *  - a `.ovsschema` file: an empty database with that schema (ovsdb-tool create);
 *  - an Open vSwitch standalone database file: its schema and its current rows, every row
 *    keeping its uuid (migration from ovsdb-server);
 *  - a database of ours: a copy of its schema and current rows.
 * An Open vSwitch *clustered* file is refused with the command that converts it.
 *
 * export-ovs writes the schema record plus one record holding every row, as
 * `ovsdb-tool compact` does, so the real ovsdb-server opens it with identical contents.
 */
import { randomUUID } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import type { Json, JsonObject } from '../base/json.js';
import type { DatabaseSchema } from '../ovsdb/types.js';
import { encodeOvsStandaloneFile } from '../storage/ovs-file-format.js';
import { countRows, rowsToRecord } from '../storage/ovs-file-state.js';
import { StandaloneStore } from '../storage/standalone-db-store.js';
import { classifyPath, clusteredRefusal, currentRows, loadDb, readSchemaFile } from './tool-db.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { ToolError } from './tool-io.js';

/** Injected so tests can pin them. */
export interface CreateDeps {
  readonly nowMs: () => number;
  readonly newUuid: () => string;
}

/** The real clock and random uuids. */
export const systemCreateDeps: CreateDeps = { nowMs: () => Date.now(), newUuid: () => randomUUID() };

/**
 * Whether records we store carry `_date` and `_comment` (which show-log prints). The store's
 * format allows them (storage/keys.ts), but the server's replay (server/database-host.ts
 * replay()) hands records to Database.apply(), which rejects any key that is not a table; until
 * one of them skips "_" keys, writing them would make databases the server cannot open.
 */
export const WRITE_RECORD_META = true;

/** `{_date, _comment}` for a stored record, or nothing while WRITE_RECORD_META is off. */
export function recordMeta(comment: string | undefined, deps: CreateDeps): JsonObject {
  if (!WRITE_RECORD_META) return {};
  return comment === undefined ? { _date: deps.nowMs() } : { _date: deps.nowMs(), _comment: comment };
}

/**
 * A CommitRecord (src/ovsdb/types.ts) inserting every row, each with a fresh `_version`, plus
 * the record meta for show-log.
 */
export function insertAllRecord(rows: ReturnType<typeof rowsToRecord>, comment: string, deps: CreateDeps): JsonObject {
  const out: { [k: string]: Json } = { ...recordMeta(comment, deps) };
  for (const [table, tableRows] of Object.entries(rows)) {
    const t: { [uuid: string]: Json } = {};
    for (const [uuid, row] of Object.entries(tableRows)) t[uuid] = { ...row, _version: ['uuid', deps.newUuid()] };
    out[table] = t;
  }
  return out;
}

/** What CONTENTS names, ready to be written into a new database. */
export interface Contents {
  readonly schema: DatabaseSchema;
  /** A CommitRecord inserting every row (with `_version`s), or undefined when there are none. */
  readonly record: JsonObject | undefined;
}

/**
 * Reads the CONTENTS argument of `create` (and of `create-cluster`): a `.ovsschema` file, an
 * Open vSwitch standalone database file, or a database of ours. Warnings (a torn OVS file
 * tail) go to `io`.
 *
 * @example const { schema, record } = await readContents('ovnnb_db.db', io);
 */
export async function readContents(contents: string, io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<Contents> {
  const source = await classifyPath(contents);
  switch (source.kind) {
    case 'missing':
      throw new ToolError(`I/O error: ${contents}: open failed (No such file or directory)`);
    case 'ovs-clustered':
      throw new ToolError(`${contents}: is a clustered Open vSwitch database, which cannot be imported; convert it first with "ovsdb-tool cluster-to-standalone STANDALONE ${contents}"`);
    case 'ovsdb-ts-clustered':
      throw clusteredRefusal(contents);
    case 'ovs-standalone':
    case 'ovsdb-ts-dir': {
      const loaded = await loadDb(contents);
      if (loaded.warning) io.stderr(`ovsdb-ts: warning: ${loaded.warning}\n`);
      const rows = currentRows(loaded);
      const comment = source.kind === 'ovs-standalone' ? `imported from Open vSwitch database ${contents}` : `copied from ${contents}`;
      const record = countRows(rows) > 0 ? insertAllRecord(rowsToRecord(loaded.schema, rows), comment, deps) : undefined;
      return { schema: loaded.schema, record };
    }
    case 'other-file':
      return { schema: await readSchemaFile(contents), record: undefined };
  }
}

/** create DB CONTENTS: a new standalone database from a schema, an OVS file or a database of ours. */
export async function createDb(db: string, contents: string, io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  // An empty directory (made by an installer, or named by the server's error) may take it.
  const target = await classifyPath(db);
  if (target.kind !== 'missing' && !(target.kind === 'ovsdb-ts-dir' && (await readdir(db)).length === 0)) {
    throw new ToolError(`I/O error: ${db}: create failed (File exists)`);
  }
  const { schema, record } = await readContents(contents, io, deps);
  let store: StandaloneStore;
  try {
    store = await StandaloneStore.create(db, schema.json);
  } catch (e) {
    throw new ToolError(e instanceof Error ? e.message : String(e));
  }
  try {
    if (record) await store.append(record, { durable: true });
    await store.close();
  } catch (e) {
    // Leave nothing half-made behind: the directory is ours, created just above.
    await store.close().catch(() => undefined);
    await rm(db, { recursive: true, force: true });
    throw e;
  }
  return 0;
}

/** export-ovs DB FILE: writes DB's schema and rows as an Open vSwitch standalone database file. */
export async function exportOvs(db: string, file: string, _io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  const loaded = await loadDb(db);
  const rows = rowsToRecord(loaded.schema, currentRows(loaded), { persistentOnly: true });
  const bytes = encodeOvsStandaloneFile(loaded.schema.json, [{ _date: deps.nowMs(), _comment: `exported by ovsdb-ts from ${db}`, ...rows }]);
  try {
    // 'wx': never overwrite, as ovsdb-tool create refuses an existing file.
    await writeFile(file, bytes, { flag: 'wx' });
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    throw new ToolError(`I/O error: ${file}: create failed (${code === 'EEXIST' ? 'File exists' : e instanceof Error ? e.message : String(e)})`);
  }
  return 0;
}
