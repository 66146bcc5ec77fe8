/**
 * The `ovsdb-ts tool` commands that report facts about a clustered database, with ovsdb-tool's
 * output and exit codes (ovsdb-tool.c do_db_cid() ... do_db_local_address()):
 *
 *   db-cid DB            the cluster id; "DB: cluster ID not yet known" and exit 2 for a member
 *                        that has not joined yet (and was not given --cid)
 *   db-sid DB            this member's server id
 *   db-local-address DB  this member's Raft address
 *   db-name DB           the database name from the cluster metadata (known before joining)
 *   db-version DB, db-cksum DB
 *                        the committed schema's version and checksum (snapshot or later
 *                        `convert`); ovsdb-tool refuses these on clustered files, we answer
 *
 * On a standalone database db-cid/db-sid/db-local-address fail with "DB: not a clustered
 * database". They also read an Open vSwitch clustered file's header, as ovsdb-tool does.
 */
import { readFile } from 'node:fs/promises';
import { isJsonObject } from '../base/json.js';
import type { JsonObject } from '../base/json.js';
import { decodeOvsLog } from '../storage/ovs-file-format.js';
import { committedSchemaJson, readClusteredLog } from './cluster-db-reader.js';
import type { PathKind } from './tool-db.js';
import { classifyPath, schemaFromJson } from './tool-db.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { ToolError } from './tool-io.js';

/** The header facts of a clustered database, ours or an Open vSwitch file. */
interface ClusterHeader {
  readonly name: string;
  readonly cid: string | null;
  readonly sid: string;
  readonly local: string;
}

/** The error ovsdb-tool gives for a path that is not a database at all, or is missing. */
export function notADatabase(path: string, kind: PathKind): ToolError | undefined {
  switch (kind.kind) {
    case 'missing':
      return new ToolError(`I/O error: ${path}: open failed (No such file or directory)`);
    case 'other-file':
      return new ToolError(`ovsdb error: ${path}: unexpected file format`);
    default:
      return undefined;
  }
}

async function ovsClusterHeader(path: string): Promise<ClusterHeader> {
  let first: JsonObject | undefined;
  try {
    first = decodeOvsLog(await readFile(path), path).records[0]?.json;
  } catch (e) {
    throw new ToolError(e instanceof Error ? e.message : String(e));
  }
  const str = (k: string): string | undefined => (first !== undefined && typeof first[k] === 'string' ? first[k] : undefined);
  const name = str('name');
  const sid = str('server_id');
  const local = str('local_address');
  if (!isJsonObject(first) || name === undefined || sid === undefined || local === undefined) {
    throw new ToolError(`ovsdb error: ${path}: clustered database header is missing name, server_id or local_address`);
  }
  return { name, cid: str('cluster_id') ?? null, sid, local };
}

/** Reads the cluster header of DB; fails as ovsdb-tool does on anything but a clustered database. */
async function clusterHeader(path: string): Promise<ClusterHeader> {
  const kind = await classifyPath(path);
  const bad = notADatabase(path, kind);
  if (bad) throw bad;
  if (kind.kind === 'ovs-clustered') return ovsClusterHeader(path);
  if (kind.kind !== 'ovsdb-ts-clustered') throw new ToolError(`${path}: not a clustered database`);
  const { meta } = await readClusteredLog(path);
  return meta;
}

/** db-cid DB: exit 2 (with ovsdb-tool's message, not prefixed) while the cluster id is unknown. */
export async function dbCid(db: string, io: ToolIo): Promise<ExitCode> {
  const h = await clusterHeader(db);
  if (h.cid === null) {
    io.stderr(`${db}: cluster ID not yet known\n`);
    return 2;
  }
  io.stdout(`${h.cid}\n`);
  return 0;
}

/** db-sid DB. */
export async function dbSid(db: string, io: ToolIo): Promise<ExitCode> {
  io.stdout(`${(await clusterHeader(db)).sid}\n`);
  return 0;
}

/** db-local-address DB. */
export async function dbLocalAddress(db: string, io: ToolIo): Promise<ExitCode> {
  io.stdout(`${(await clusterHeader(db)).local}\n`);
  return 0;
}

/**
 * db-name / db-version / db-cksum on one of our clustered databases. The name is in the cluster
 * metadata (a joining member has it too); version and checksum need the committed schema.
 */
export async function clusteredSchemaField(field: 'name' | 'version' | 'cksum', db: string, io: ToolIo): Promise<ExitCode> {
  const log = await readClusteredLog(db);
  if (field === 'name') {
    io.stdout(`${log.meta.name}\n`);
    return 0;
  }
  const schema = schemaFromJson(committedSchemaJson(log), db);
  io.stdout(`${schema[field] ?? ''}\n`);
  return 0;
}
