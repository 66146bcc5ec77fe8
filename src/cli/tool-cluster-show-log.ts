/**
 * `ovsdb-ts tool [-m]... show-log DB` on one of our clustered databases, in the layout of
 * ovsdb-tool's do_show_log_cluster(): record 0 is the header (cluster metadata and the
 * snapshot, "prev_*"), then one record per log entry, then the hard state:
 *
 *     record 0:
 *      name: "OVN_Northbound'                         ← sic: ovsdb-tool's quote
 *      local address: "tcp:10.0.0.1:6643"
 *      server_id: 28b9
 *      cluster_id: 9df0
 *      prev_index: 1
 *      prev_term: 1
 *      prev_servers: 28b9("tcp:10.0.0.1:6643")
 *      prev_schema: "OVN_Northbound", version="7.0.0", cksum="94023179 33468"
 *
 *     record 1:
 *      term: 2
 *      index: 2
 *      kind: noop
 *      eid: raft:2:2
 *
 *     record 2:
 *      term: 2
 *      index: 3
 *      kind: txn
 *      eid: 3b1f...
 *      2026-12-08 03:25:08.760 "hello"                ← date and comment from the entry header
 *       table Logical_Switch insert row "sw0" (cec7e148):   ← with -m
 *
 *     hard state:
 *      term: 2
 *      vote: 28b9
 *      commit_index: 3
 *
 * Differences from OVS, whose log interleaves term/vote/commit records with entries: ours keeps
 * the hard state apart, so it comes once at the end; each entry says its `kind`; ids print whole
 * (ours are not all uuids).
 */
import type { JsonObject } from '../base/json.js';
import { tryParseSchema } from '../ovsdb/schema/parse-schema.js';
import type { DatabaseSchema } from '../ovsdb/types.js';
import { decodeSnapshot, parseRecordText } from '../ovsdb/raft-payload.js';
import { decodeElectionTimer, decodeMembership } from '../raft/codec.js';
import type { LogEntry, Membership } from '../raft/types.js';
import type { ClusteredLog } from './cluster-db-reader.js';
import { decodeNormalEntry, readClusteredLog, shortId } from './cluster-db-reader.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { formatChanges, formatLogDate } from './tool-show-log.js';

/** State carried from record to record: the schema in effect and the names rows were shown by. */
interface Walk {
  schema: DatabaseSchema | undefined;
  readonly names: Map<string, string>;
  readonly verbosity: number;
}

/** print_servers(): `sid4("address"), ...` sorted by server id. */
function servers(label: string, ids: readonly string[], addresses: Membership['addresses']): string {
  if (ids.length === 0) return '';
  const parts = [...ids].sort().map((id) => {
    const address = addresses?.[id];
    return `${shortId(id)}(${address === undefined ? 'null' : JSON.stringify(address)})`;
  });
  return ` ${label}: ${parts.join(', ')}\n`;
}

function schemaLine(prefix: string, json: JsonObject, walk: Walk): string {
  const parsed = tryParseSchema(json);
  if (!parsed.ok) return ` ${prefix}schema: ***invalid schema: ${parsed.error.message}***\n`;
  walk.schema = parsed.schema;
  const s = parsed.schema;
  return ` ${prefix}schema: "${s.name}", version="${s.version ?? ''}", cksum="${s.cksum ?? ''}"\n`;
}

/** print_change_record(): " DATE \"COMMENT\"" and, with -m, the changes; no final newline. */
function changeRecord(date: number | undefined, comment: string | undefined, records: readonly JsonObject[], walk: Walk): string {
  let out = '';
  if (date !== undefined) out += formatLogDate(date);
  if (comment !== undefined) out += ` "${comment}"`;
  if (walk.verbosity > 0 && walk.schema !== undefined) {
    for (const r of records) out += formatChanges(r, walk.schema, walk.names, walk.verbosity);
  }
  return out;
}

function header(log: ClusteredLog, walk: Walk): string {
  const { meta, snapshot } = log;
  let out = 'record 0:\n';
  out += ` name: "${meta.name}'\n`;
  out += ` local address: "${meta.local}"\n`;
  out += ` server_id: ${shortId(meta.sid)}\n`;
  if (meta.cid !== null) out += ` cluster_id: ${shortId(meta.cid)}\n`;
  if (meta.remotes.length > 0) out += ` remote_addresses: ${meta.remotes.join(' ')}\n`;
  if (snapshot !== undefined) {
    const m = snapshot.meta;
    out += ` prev_index: ${m.index}\n prev_term: ${m.term}\n`;
    out += servers('prev_servers', m.config.voters, m.config.addresses);
    out += servers('prev_learners', m.config.learners, m.config.addresses);
    out += ` prev_election_timer: ${m.electionTimerMs}\n`;
    if (m.lastNormalId !== null) out += ` prev_eid: ${m.lastNormalId}\n`;
    try {
      const decoded = decodeSnapshot(snapshot.data);
      out += schemaLine('prev_', decoded.schema, walk);
      out += changeRecord(undefined, undefined, walk.verbosity > 0 ? [...decoded.records()] : [], walk).replace(/^\n/, '');
    } catch (e) {
      out += ` ***invalid snapshot data: ${e instanceof Error ? e.message : String(e)}***\n`;
    }
  }
  return out;
}

const KIND_NAMES: { readonly [k in LogEntry['kind']]: string } = { normal: 'normal', config: 'config', electionTimer: 'election timer', noop: 'noop' };

function entryRecord(log: ClusteredLog, e: LogEntry, walk: Walk): string {
  let out = ` term: ${e.term}\n index: ${e.index}\n`;
  switch (e.kind) {
    case 'config': {
      const m = decodeMembership(e.data);
      out += ` kind: ${KIND_NAMES[e.kind]}\n eid: ${e.id}\n`;
      out += m === undefined ? ' ***invalid configuration***\n' : servers('servers', m.voters, m.addresses) + servers('learners', m.learners, m.addresses);
      return out;
    }
    case 'electionTimer': {
      const ms = decodeElectionTimer(e.data);
      return `${out} kind: ${KIND_NAMES[e.kind]}\n eid: ${e.id}\n election_timer: ${ms === undefined ? '***invalid***' : ms}\n`;
    }
    case 'noop':
      return `${out} kind: ${KIND_NAMES[e.kind]}\n eid: ${e.id}\n`;
    case 'normal':
      break;
  }
  let decoded;
  try {
    decoded = decodeNormalEntry(log.path, e);
  } catch (err) {
    return `${out} kind: normal\n eid: ${e.id}\n ***${err instanceof Error ? err.message : String(err)}***\n`;
  }
  out += ` kind: ${decoded.kind}\n eid: ${e.id}\n`;
  if (decoded.kind === 'lock') return `${out} lock: ${JSON.stringify(decoded.op)}\n`;
  if (decoded.kind === 'convert') {
    out += schemaLine('', decoded.schema, walk);
    walk.names.clear();
    return out + changeRecord(decoded.date, decoded.comment, decoded.records, walk);
  }
  let records: JsonObject[] = [];
  if (walk.verbosity > 0) {
    try {
      records = [parseRecordText(decoded.recordText)];
    } catch (err) {
      out += ` ***invalid record: ${err instanceof Error ? err.message : String(err)}***\n`;
    }
  }
  return out + changeRecord(decoded.date, decoded.comment, records, walk);
}

/** The whole show-log text of a clustered log. */
export function formatClusterLog(log: ClusteredLog, verbosity: number): string {
  const walk: Walk = { schema: undefined, names: new Map(), verbosity };
  let out = `${header(log, walk)}\n`;
  log.entries.forEach((e, i) => {
    out += `record ${i + 1}:\n${entryRecord(log, e, walk)}\n`;
  });
  const h = log.hardState;
  out += `hard state:\n term: ${h.term}\n`;
  if (h.vote !== null) out += ` vote: ${shortId(h.vote)}\n`;
  out += ` commit_index: ${h.commit}\n\n`;
  return out;
}

/** show-log DB for one of our clustered databases. */
export async function showClusterLog(db: string, verbosity: number, io: ToolIo): Promise<ExitCode> {
  io.stdout(formatClusterLog(await readClusteredLog(db), verbosity));
  return 0;
}
