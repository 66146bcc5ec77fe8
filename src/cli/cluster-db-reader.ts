/**
 * Reading one member's clustered database directory offline (RaftDiskStore, read-only): its
 * cluster metadata, hard state, snapshot and log, and the OVSDB state they hold.
 *
 * "Committed" here means what this member knows is committed: the snapshot plus every entry up
 * to its persisted commit index (hardState.commit, capped at the last entry). The commit index is
 * persisted lazily, so a member that stopped may know fewer entries committed than the cluster
 * did; the entries after it are shown by show-log but applied by nothing here.
 *
 *     snapshot (index S)   S+1 ... C ......... L
 *                          \_ committed _/     \_ in the log, not known committed
 *
 * Used by the clustered `tool` commands (db-*, show-log, cluster-to-standalone, check-cluster)
 * and by anything else that needs a clustered database's contents without a running server.
 *
 * @example
 * const c = await readClusteredDb('/var/lib/ovn/nb');
 * c.database.table('Logical_Switch')?.size;
 */
import type { JsonObject } from '../base/json.js';
import { Database } from '../ovsdb/database.js';
import { OvsdbError } from '../ovsdb/errors.js';
import type { OvsdbEntry } from '../ovsdb/raft-payload.js';
import { PayloadError, decodeEntry, decodeSnapshot, parseRecordText } from '../ovsdb/raft-payload.js';
import type { CommitRecord, DatabaseSchema } from '../ovsdb/types.js';
import type { HardState, LogEntry, Snapshot } from '../raft/types.js';
import type { ClusterMeta } from '../storage/raft-disk-store.js';
import { RaftDiskStore } from '../storage/raft-disk-store.js';
import { schemaFromJson } from './tool-db.js';
import { ToolError } from './tool-io.js';

/** Everything one member's directory holds, read into memory. */
export interface ClusteredLog {
  readonly path: string;
  readonly meta: ClusterMeta;
  readonly hardState: HardState;
  readonly snapshot: Snapshot | undefined;
  /** Entries after the snapshot, contiguous, in index order. */
  readonly entries: readonly LogEntry[];
}

/** A clustered database's committed state. */
export interface ClusteredDb extends ClusteredLog {
  readonly schemaJson: JsonObject;
  readonly schema: DatabaseSchema;
  /** The OVSDB state after the snapshot and every committed normal entry. */
  readonly database: Database;
  /** The index `database` reflects (see committedIndex). */
  readonly appliedIndex: number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Opens DIR read-only, copies what it holds, and closes it again (the LevelDB lock is released). */
export async function readClusteredLog(path: string): Promise<ClusteredLog> {
  let store: RaftDiskStore;
  try {
    store = await RaftDiskStore.open(path, { readOnly: true });
  } catch (e) {
    throw new ToolError(message(e));
  }
  try {
    return { path, meta: store.meta(), hardState: store.hardState(), snapshot: store.snapshot(), entries: [...store.entries()] };
  } finally {
    await store.close();
  }
}

/** True once the member has anything of the cluster's state (a joining member has nothing yet). */
export function hasJoined(log: ClusteredLog): boolean {
  return log.snapshot !== undefined || log.entries.length > 0;
}

/** Index of the last entry in the log (the snapshot's if the log is empty, 0 if neither). */
export function lastIndex(log: ClusteredLog): number {
  const last = log.entries[log.entries.length - 1];
  return last !== undefined ? last.index : (log.snapshot?.meta.index ?? 0);
}

/** The highest index this member knows committed: hardState.commit within [snapshot, last]. */
export function committedIndex(log: ClusteredLog): number {
  return Math.max(log.snapshot?.meta.index ?? 0, Math.min(log.hardState.commit, lastIndex(log)));
}

/** The committed entries after the snapshot. */
export function committedEntries(log: ClusteredLog): readonly LogEntry[] {
  const commit = committedIndex(log);
  return log.entries.filter((e) => e.index <= commit);
}

/** Decodes a `normal` entry, naming the database and index on failure. */
export function decodeNormalEntry(path: string, e: LogEntry): OvsdbEntry {
  try {
    return decodeEntry(e.data);
  } catch (err) {
    if (err instanceof PayloadError) throw new ToolError(`${path}: log entry ${e.index}: ${err.message}`);
    throw err;
  }
}

function decodeSnapshotOf(path: string, snapshot: Snapshot): ReturnType<typeof decodeSnapshot> {
  try {
    return decodeSnapshot(snapshot.data);
  } catch (e) {
    if (e instanceof PayloadError) throw new ToolError(`${path}: snapshot at index ${snapshot.meta.index}: ${e.message}`);
    throw e;
  }
}

/** The error for a member that has not joined yet and so has no schema or data. */
export function notJoinedError(path: string): ToolError {
  return new ToolError(`ovsdb error: ${path}: database has not joined its cluster yet (it joins when its server starts), so it has no schema or data`);
}

/**
 * The committed schema JSON: the snapshot's, or that of the latest committed `convert` entry.
 * Cheap: no row is parsed (decodeEntry leaves a transaction's record as text; a `convert` entry
 * is parsed in full).
 */
export function committedSchemaJson(log: ClusteredLog): JsonObject {
  if (log.snapshot === undefined) throw notJoinedError(log.path);
  let schema = decodeSnapshotOf(log.path, log.snapshot).schema;
  for (const e of committedEntries(log)) {
    if (e.kind !== 'normal') continue;
    const decoded = decodeNormalEntry(log.path, e);
    if (decoded.kind === 'convert') schema = decoded.schema;
  }
  return schema;
}

function applyRecord(db: Database, record: CommitRecord, what: string): void {
  try {
    db.apply(record);
  } catch (e) {
    throw new ToolError(`${what} cannot be applied: ${message(e)}`);
  }
}

function newDatabase(path: string, schemaJson: JsonObject, what: string): Database {
  try {
    return new Database(schemaFromJson(schemaJson, `${path}: ${what}`));
  } catch (e) {
    if (e instanceof OvsdbError) throw new ToolError(`${path}: ${what}: ${e.message}`);
    throw e;
  }
}

/** Builds the committed OVSDB state of a log read by readClusteredLog. */
export function committedDatabase(log: ClusteredLog): ClusteredDb {
  if (log.snapshot === undefined) throw notJoinedError(log.path);
  const { path } = log;
  const snap = decodeSnapshotOf(path, log.snapshot);
  let schemaJson = snap.schema;
  let database = newDatabase(path, schemaJson, `snapshot at index ${log.snapshot.meta.index}`);
  let n = 0;
  try {
    for (const r of snap.records()) applyRecord(database, r, `${path}: snapshot record ${++n}`);
  } catch (e) {
    if (e instanceof PayloadError) throw new ToolError(`${path}: snapshot at index ${log.snapshot.meta.index}: ${e.message}`);
    throw e;
  }
  const entries = committedEntries(log);
  for (const e of entries) {
    if (e.kind !== 'normal') continue;
    const decoded = decodeNormalEntry(path, e);
    if (decoded.kind === 'lock') continue; // cluster-wide locks are not database contents
    if (decoded.kind === 'txn') {
      let record: CommitRecord;
      try {
        record = parseRecordText(decoded.recordText);
      } catch (err) {
        throw new ToolError(`${path}: log entry ${e.index}: ${message(err)}`);
      }
      applyRecord(database, record, `${path}: log entry ${e.index}`);
    } else {
      schemaJson = decoded.schema;
      database = newDatabase(path, schemaJson, `log entry ${e.index}`);
      decoded.records.forEach((r, i) => applyRecord(database, r, `${path}: log entry ${e.index} record ${i + 1}`));
    }
  }
  return { ...log, schemaJson, schema: database.schema, database, appliedIndex: committedIndex(log) };
}

/**
 * Reads DIR and builds its committed state: the shared reader for tools that need a clustered
 * database's schema and rows offline.
 */
export async function readClusteredDb(path: string): Promise<ClusteredDb> {
  return committedDatabase(await readClusteredLog(path));
}

/** The first four hex digits of a uuid, as OVS prints server and cluster ids (SID_FMT, CID_FMT). */
export function shortId(id: string): string {
  return id.slice(0, 4);
}
