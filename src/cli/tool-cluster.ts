/**
 * Making and unmaking clustered databases offline, with ovsdb-tool's syntax, checks, messages
 * and exit codes:
 *
 *   [--election-timer=MS] create-cluster DB CONTENTS LOCAL
 *       A one-member cluster whose snapshot (index 1, term 1) holds CONTENTS: a `.ovsschema`
 *       file (empty database), one of our standalone databases, or an Open vSwitch standalone
 *       database file (migration: rows keep their uuids).
 *   [--cid=UUID] join-cluster DB NAME LOCAL REMOTE...
 *       A member with no state that joins through REMOTE... when its server starts (no network
 *       I/O here).
 *   cluster-to-standalone STANDALONE CLUSTERED
 *       The committed state of one member, as a new standalone database (offline recovery when
 *       the cluster cannot be revived).
 *
 * Checks run in ovsdb-tool's order (so the same bad command line gives the same first error):
 * options, then CONTENTS, then addresses, then "File exists".
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { Database } from '../ovsdb/database.js';
import { encodeSnapshot } from '../ovsdb/raft-payload.js';
import type { CommitRecord, DatabaseSchema } from '../ovsdb/types.js';
import type { HardState, Snapshot } from '../raft/types.js';
import { logIndex, nodeId, term } from '../raft/types.js';
import { RaftDiskStore } from '../storage/raft-disk-store.js';
import { committedDatabase, hasJoined, notJoinedError, readClusteredLog } from './cluster-db-reader.js';
import { parseClusterId, parseElectionTimer, validateRaftAddress, validateSchemaName } from './tool-cluster-args.js';
import { notADatabase } from './tool-cluster-info.js';
import type { CreateDeps } from './tool-create.js';
import { readContents, systemCreateDeps } from './tool-create.js';
import { classifyPath, schemaFromJson, withoutMeta } from './tool-db.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { ToolError } from './tool-io.js';
import { snapshotWithMeta, writeNew } from './tool-txn.js';

/** Options of create-cluster (given before or after the command name). */
export interface CreateClusterOptions {
  /** --election-timer=MS, as typed (ovsdb-tool reads it with atoi()). */
  readonly electionTimer?: string | undefined;
}

/** Options of join-cluster. */
export interface JoinClusterOptions {
  /** --cid=UUID, as typed. */
  readonly cid?: string | undefined;
}

/**
 * Fails as ovsdb-tool does if DB exists, except for an empty directory (made by an installer, as
 * `tool create` allows). Returns whether DB was such an empty directory.
 */
async function refuseExisting(db: string): Promise<boolean> {
  const kind = (await classifyPath(db)).kind;
  if (kind === 'missing') return false;
  if (kind === 'ovsdb-ts-dir' && (await readdir(db)).length === 0) return true;
  throw new ToolError(`I/O error: ${db}: create failed (File exists)`);
}

/**
 * `schemaJson` with every ephemeral column made persistent, as ovsdb-tool create-cluster does
 * (ovsdb_schema_persist_ephemeral_columns(): "clusters do not support ephemeral columns"), and
 * OVS's warning when it changed any.
 */
export function persistEphemeralColumns(schemaJson: JsonObject, source: string): { json: JsonObject; warning: string | undefined } {
  const tables = schemaJson['tables'];
  if (!isJsonObject(tables)) return { json: schemaJson, warning: undefined };
  let n = 0;
  let example: [string, string] | undefined;
  const newTables: { [t: string]: Json } = {};
  for (const [tname, table] of Object.entries(tables)) {
    const columns = isJsonObject(table) ? table['columns'] : undefined;
    if (!isJsonObject(table) || !isJsonObject(columns)) {
      newTables[tname] = table;
      continue;
    }
    const newColumns: { [c: string]: Json } = {};
    for (const [cname, column] of Object.entries(columns)) {
      if (isJsonObject(column) && column['ephemeral'] === true) {
        const { ephemeral: _dropped, ...rest } = column;
        newColumns[cname] = rest;
        n++;
        example = [tname, cname];
      } else {
        newColumns[cname] = column;
      }
    }
    newTables[tname] = { ...table, columns: newColumns };
  }
  if (n === 0 || example === undefined) return { json: schemaJson, warning: undefined };
  const name = typeof schemaJson['name'] === 'string' ? schemaJson['name'] : '';
  return {
    json: { ...schemaJson, tables: newTables },
    warning: `${source}: changed ${n} columns in '${name}' database from ephemeral to persistent, including '${example[1]}' column in '${example[0]}' table, because clusters do not support ephemeral columns`,
  };
}

/** The snapshot a new one-member cluster starts from: CONTENTS at index 1, term 1. */
export function initialSnapshot(schema: DatabaseSchema, record: CommitRecord | undefined, sid: string, local: string, electionTimerMs: number): { snapshot: Snapshot; hardState: HardState } {
  const db = new Database(schema);
  if (record !== undefined) {
    try {
      db.apply(record);
    } catch (e) {
      throw new ToolError(`cannot load the contents: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const meta = {
    index: logIndex(1), term: term(1),
    config: { voters: [nodeId(sid)], learners: [], addresses: { [sid]: local } },
    configIndex: logIndex(1), electionTimerMs, lastNormalId: null,
  };
  return { snapshot: { meta, data: encodeSnapshot(db) }, hardState: { term: term(1), vote: null, commit: logIndex(1) } };
}

/** [--election-timer=MS] create-cluster DB CONTENTS LOCAL. */
export async function createCluster(db: string, contents: string, local: string, opts: CreateClusterOptions, io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  const electionTimerMs = parseElectionTimer(opts.electionTimer);
  const read = await readContents(contents, io, deps);
  const { json: schemaJson, warning } = persistEphemeralColumns(read.schema.json, contents);
  if (warning !== undefined) io.stderr(`ovsdb-ts: warning: ${warning}\n`);
  const schema = warning === undefined ? read.schema : schemaFromJson(schemaJson, contents);
  validateRaftAddress(local);
  const existed = await refuseExisting(db);
  const sid = deps.newUuid();
  const initial = initialSnapshot(schema, read.record === undefined ? undefined : withoutMeta(read.record) as CommitRecord, sid, local, electionTimerMs);
  await createStore(db, existed, { name: schema.name, cid: deps.newUuid(), sid, local, remotes: [] }, initial);
  return 0;
}

async function createStore(db: string, existed: boolean, meta: Parameters<typeof RaftDiskStore.create>[1], initial?: { snapshot: Snapshot; hardState: HardState }): Promise<void> {
  try {
    await RaftDiskStore.create(db, meta, initial);
  } catch (e) {
    // Leave nothing half-made behind: refuseExisting() saw no path or an empty directory, so
    // whatever is there now is ours.
    if (existed) for (const name of await readdir(db).catch(() => [])) await rm(join(db, name), { recursive: true, force: true });
    else await rm(db, { recursive: true, force: true });
    throw new ToolError(e instanceof Error ? e.message : String(e));
  }
}

/** [--cid=UUID] join-cluster DB NAME LOCAL REMOTE... */
export async function joinCluster(db: string, name: string, local: string, remotes: readonly string[], opts: JoinClusterOptions, _io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  const cid = parseClusterId(opts.cid);
  validateSchemaName(name);
  validateRaftAddress(local);
  // An sset in ovsdb-tool: duplicates collapse.
  const unique = [...new Set(remotes)];
  for (const remote of unique) {
    validateRaftAddress(remote);
    if (remote === local) throw new ToolError('ovsdb error: remote addresses cannot be the same as the local address');
  }
  const existed = await refuseExisting(db);
  await createStore(db, existed, { name, cid: cid ?? null, sid: deps.newUuid(), local, remotes: unique });
  return 0;
}

/** cluster-to-standalone STANDALONE CLUSTERED: the committed state of CLUSTERED as a new database. */
export async function clusterToStandalone(standalone: string, clustered: string, _io: ToolIo, deps: CreateDeps = systemCreateDeps): Promise<ExitCode> {
  const kind = await classifyPath(clustered);
  const bad = notADatabase(clustered, kind);
  if (bad) throw bad;
  if ((await classifyPath(standalone)).kind !== 'missing') throw new ToolError(`I/O error: ${standalone}: create failed (File exists)`);
  if (kind.kind === 'ovs-clustered') {
    throw new ToolError(`${clustered}: is an Open vSwitch clustered database file; convert it with "ovsdb-tool cluster-to-standalone ${standalone} ${clustered}" and import that with "ovsdb-ts tool create"`);
  }
  if (kind.kind !== 'ovsdb-ts-clustered') throw new ToolError('Database is not clustered db.');
  const log = await readClusteredLog(clustered);
  if (!hasJoined(log)) throw notJoinedError(clustered);
  const state = committedDatabase(log);
  const comment = `converted from clustered database ${clustered} at index ${state.appliedIndex}`;
  await writeNew(standalone, state.schemaJson, snapshotWithMeta(state.database.snapshotRecord(), comment, deps));
  return 0;
}
