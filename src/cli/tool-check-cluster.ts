/**
 * `ovsdb-ts tool check-cluster DB...`: reads every member's directory offline and checks the
 * Raft safety properties the logs can show (Raft thesis Figure 3.2, as ovsdb-tool's
 * do_check_cluster() does for OVS logs). Exit 1 with one `ovsdb-ts: ...` line naming the members
 * and the index at the first violation; a summary line on stdout when all is well.
 *
 * - Same cluster: distinct server ids, one cluster id, one database name.
 * - Each log on its own: entry terms never decrease; the hard state's term is at least the last
 *   entry's; the commit index is within the log.
 * - Election Safety (§3.6.3): at most one leader per term. Every elected leader appends one
 *   `noop` (id `raft:TERM:INDEX`) before anything else of its term, so two noops of one term at
 *   different indexes, or an entry of a term placed before that term's noop, mean two leaders.
 * - Log Matching (§3.5): where two logs hold entries of the same term at the same index, they and
 *   every entry before them are identical.
 * - State Machine Safety (§3.6.3): entries at or below both members' commit indexes are
 *   identical, and a snapshot's (index, term) agrees with the other member's committed entry or
 *   snapshot at that index.
 *
 * Members that have not joined yet are reported and left out, as ovsdb-tool does.
 */
import type { LogEntry } from '../raft/types.js';
import type { ClusteredLog } from './cluster-db-reader.js';
import { committedIndex, hasJoined, lastIndex, readClusteredLog, shortId } from './cluster-db-reader.js';
import { notADatabase } from './tool-cluster-info.js';
import { classifyPath } from './tool-db.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { ToolError } from './tool-io.js';

/** One member, with the facts the checks use. */
interface Member {
  readonly log: ClusteredLog;
  readonly name: string;
  /** Index of the first entry in `log.entries` (snapshot index + 1). */
  readonly start: number;
  readonly last: number;
  readonly commit: number;
}

function entryAt(m: Member, index: number): LogEntry | undefined {
  return index >= m.start && index <= m.last ? m.log.entries[index - m.start] : undefined;
}

/** The term at `index` in m's log or snapshot, if m knows it. */
function termAt(m: Member, index: number): number | undefined {
  const snap = m.log.snapshot?.meta;
  if (snap !== undefined && snap.index === index) return snap.term;
  return entryAt(m, index)?.term;
}

function describe(e: LogEntry): string {
  return JSON.stringify({ term: e.term, id: e.id, kind: e.kind, bytes: e.data.length });
}

function sameEntry(a: LogEntry, b: LogEntry): boolean {
  if (a.term !== b.term || a.id !== b.id || a.kind !== b.kind || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

async function load(path: string, io: ToolIo): Promise<Member | undefined> {
  const kind = await classifyPath(path);
  const bad = notADatabase(path, kind);
  if (bad) throw bad;
  if (kind.kind === 'ovs-clustered') throw new ToolError(`${path}: is an Open vSwitch clustered database file: check it with "ovsdb-tool check-cluster"`);
  if (kind.kind !== 'ovsdb-ts-clustered') throw new ToolError(`ovsdb error: ${path}: cannot identify file type`);
  const log = await readClusteredLog(path);
  if (!hasJoined(log)) {
    io.stdout(`${path} has not joined the cluster, omitting\n`);
    return undefined;
  }
  const start = (log.snapshot?.meta.index ?? 0) + 1;
  return { log, name: path, start, last: lastIndex(log), commit: committedIndex(log) };
}

function checkSameCluster(members: readonly Member[]): void {
  const first = members[0];
  if (first === undefined) return;
  members.forEach((m, i) => {
    for (const other of members.slice(0, i)) {
      if (other.log.meta.sid === m.log.meta.sid) throw new ToolError(`Duplicate server ID ${shortId(m.log.meta.sid)} in ${m.name} and ${other.name}.`);
    }
    if (m.log.meta.cid !== first.log.meta.cid) {
      throw new ToolError(`${first.name} has cluster ID ${shortId(first.log.meta.cid ?? '0000')} but ${m.name} has cluster ID ${shortId(m.log.meta.cid ?? '0000')}`);
    }
    if (m.log.meta.name !== first.log.meta.name) throw new ToolError(`${first.name} is named "${first.log.meta.name}" but ${m.name} is named "${m.log.meta.name}"`);
  });
}

function checkOwnLog(m: Member): void {
  let prevTerm = m.log.snapshot?.meta.term ?? 0;
  for (const e of m.log.entries) {
    if (e.term < prevTerm) throw new ToolError(`${m.name}: entry ${e.index} has term ${e.term}, which precedes the previous entry's term ${prevTerm}`);
    prevTerm = e.term;
  }
  const h = m.log.hardState;
  if (h.term < prevTerm) throw new ToolError(`${m.name}: current term ${h.term} is below the term ${prevTerm} of its last entry ${m.last}`);
  if (h.commit > m.last) throw new ToolError(`${m.name}: commit index ${h.commit} is beyond the last log index ${m.last}`);
}

/** Election Safety; returns the number of terms with a known leader. */
function checkLeaders(members: readonly Member[]): number {
  const noops = new Map<number, { index: number; member: Member }>();
  for (const m of members) {
    for (const e of m.log.entries) {
      if (e.kind !== 'noop') continue;
      const seen = noops.get(e.term);
      if (seen === undefined) noops.set(e.term, { index: e.index, member: m });
      else if (seen.index !== e.index) {
        throw new ToolError(`term ${e.term} has two different leaders: ${seen.member.name} has the leader's first entry (noop) at index ${seen.index} and ${m.name} has one at index ${e.index}`);
      }
    }
  }
  for (const m of members) {
    for (const e of m.log.entries) {
      const noop = noops.get(e.term);
      if (noop !== undefined && e.index < noop.index) {
        throw new ToolError(`term ${e.term} has two different leaders: ${m.name} has entry ${e.index} of term ${e.term} before that term's first entry (noop) at index ${noop.index} in ${noop.member.name}`);
      }
    }
  }
  return noops.size;
}

/** Log Matching and State Machine Safety between two members. */
function checkPair(a: Member, b: Member): void {
  let mustEqual = false;
  for (let idx = Math.min(a.last, b.last); idx >= Math.max(a.start, b.start); idx--) {
    const ae = entryAt(a, idx);
    const be = entryAt(b, idx);
    if (ae === undefined || be === undefined) continue;
    if (ae.term === be.term) mustEqual = true;
    const committed = idx <= a.commit && idx <= b.commit;
    if ((mustEqual || committed) && !sameEntry(ae, be)) {
      const why = committed ? 'committed log entries' : 'log entries';
      throw new ToolError(`${why} with index ${idx} differ: ${a.name} has ${describe(ae)} but ${b.name} has ${describe(be)}`);
    }
  }
  for (const [x, y] of [[a, b], [b, a]] as const) {
    const snap = x.log.snapshot?.meta;
    if (snap === undefined || snap.index > y.commit) continue;
    const other = termAt(y, snap.index);
    if (other !== undefined && other !== snap.term) {
      throw new ToolError(`committed states with index ${snap.index} differ: ${x.name} has a snapshot of term ${snap.term} but ${y.name} has term ${other} there`);
    }
  }
}

/** check-cluster DB... */
export async function checkCluster(dbs: readonly string[], io: ToolIo): Promise<ExitCode> {
  const members: Member[] = [];
  for (const db of dbs) {
    const m = await load(db, io);
    if (m !== undefined) members.push(m);
  }
  checkSameCluster(members);
  if (members.length === 0) throw new ToolError('all logs are empty');
  for (const m of members) checkOwnLog(m);
  const leaderTerms = checkLeaders(members);
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) checkPair(members[i] as Member, members[j] as Member);
  }
  const terms = members.map((m) => m.log.hardState.term);
  const commit = Math.max(...members.map((m) => m.commit));
  const last = Math.max(...members.map((m) => m.last));
  const n = members.length;
  io.stdout(`${n} member${n === 1 ? ' of' : 's of'} ${members[0]?.log.meta.name ?? ''} ${n === 1 ? 'is' : 'are'} consistent: committed up to index ${commit}, logs up to index ${last}, terms up to ${Math.max(...terms)}, ${leaderTerms} elected leader${leaderTerms === 1 ? '' : 's'} seen\n`);
  return 0;
}
