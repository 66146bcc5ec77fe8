/**
 * Client-facing requests: proposals with conditional append (OVS prereq), forwarding to the
 * leader, ReadIndex (§6.4) with optional leases, membership and election-timer changes.
 */
import { encodeElectionTimer, encodeMembership } from './codec.js';
import { applyConfChange, isLearner, isMember } from './membership.js';
import type { ProposeMsg, ProposeReplyMsg, ReadIndexMsg, ReadIndexReplyMsg } from './messages.js';
import { hasQuorum, majorityIndex } from './quorum.js';
import { appendEntries } from './replication.js';
import {
  type CoreState, electionTicks, electionTimerMaxMs, electionTimerMinMs, refusedIdsMax, send,
} from './state.js';
import type {
  AdminResult, ConfChange, EntryId, LogEntry, LogIndex, NodeId, Proposal,
} from './types.js';
import { logIndex } from './types.js';

type LeaderOutcome = { outcome: 'appended'; index: LogIndex } | { outcome: 'stale' | 'dropped'; index: LogIndex };

/**
 * The leader's decision on a proposal. The conditional append compares `prereq` with the last
 * `normal` entry in the leader's log, committed or not: if anything was appended since the
 * proposer computed its transaction, it must re-run it on fresh data (OVS BAD_PREREQ).
 */
function leaderAccept(s: CoreState, id: EntryId, data: Uint8Array, prereq: EntryId | null | undefined): LeaderOutcome {
  const none = logIndex(0);
  // A duplicated (network) or retried forward of a proposal we already appended: same answer,
  // never a second copy (the entry would otherwise be applied twice). This comes before every
  // refusal: answering "dropped" for an entry that is in the log would make the proposer re-run
  // a transaction that still commits.
  const have = s.log.indexOfId(id);
  if (have !== undefined) return { outcome: 'appended', index: have };
  if (s.leadTransferee !== null) return { outcome: 'dropped', index: none };
  if (id.startsWith('raft:')) return { outcome: 'dropped', index: none };
  if (prereq !== undefined && s.log.lastNormalId() !== prereq) return { outcome: 'stale', index: none };
  const [e] = appendEntries(s, [{ kind: 'normal', data, id }]);
  return { outcome: 'appended', index: e?.index ?? none };
}

function rememberRefused(s: CoreState, id: EntryId): void {
  s.refusedIds.add(id);
  if (s.refusedIds.size > refusedIdsMax) {
    const oldest = s.refusedIds.values().next().value;
    if (oldest !== undefined) s.refusedIds.delete(oldest);
  }
}

/** A local proposal: appended here if leader, forwarded if a leader is known, else dropped. */
export function propose(s: CoreState, p: Proposal): void {
  if (s.pendingProposals.has(p.id)) {
    // The first proposal with this id is still pending, and its outcome (reported once, by id)
    // answers this retry too. Reporting "dropped" here would be a lie if the first one commits.
    return;
  }
  if (s.role === 'leader') {
    const r = leaderAccept(s, p.id, p.data, p.prereq);
    if (r.outcome === 'appended') trackAppended(s, p.id, r.index);
    else s.proposalResults.push({ id: p.id, outcome: r.outcome });
    return;
  }
  if (s.leader === null) {
    s.proposalResults.push({ id: p.id, outcome: 'dropped' });
    return;
  }
  s.pendingProposals.set(p.id, null);
  send(s, s.leader, {
    kind: 'propose', id: p.id, data: p.data, ...(p.prereq !== undefined ? { prereq: p.prereq } : {}),
  });
}

/**
 * Records that proposal `id` sits at `index`. If this node already applied that index (the
 * answer came late, or a retried id was found in the log), the outcome is known now.
 */
function trackAppended(s: CoreState, id: EntryId, index: LogIndex): void {
  if (index > s.log.applied) {
    s.pendingProposals.set(id, index);
    return;
  }
  s.pendingProposals.delete(id);
  const e = s.log.entry(index);
  const outcome = e === undefined ? 'unknown' : e.id === id ? 'committed' : 'lost';
  s.proposalResults.push({ id, outcome, index });
}

/** Forwarded proposals and reads, and their answers. */
export function handleRequestMsg(s: CoreState, msg: ProposeMsg | ProposeReplyMsg | ReadIndexMsg | ReadIndexReplyMsg): void {
  switch (msg.kind) {
    case 'propose': {
      // A non-leader that already holds the entry (a duplicate arriving after the leader stepped
      // down) reports where it is; if that entry is later overwritten the proposer sees "lost".
      const held = s.log.indexOfId(msg.id);
      const r: LeaderOutcome = held !== undefined
        ? { outcome: 'appended', index: held }
        : s.refusedIds.has(msg.id)
          ? { outcome: 'dropped', index: logIndex(0) }
          : s.role === 'leader'
            ? leaderAccept(s, msg.id, msg.data, msg.prereq)
            : { outcome: 'dropped', index: logIndex(0) };
      if (r.outcome !== 'appended') rememberRefused(s, msg.id);
      send(s, msg.from, { kind: 'proposeReply', id: msg.id, outcome: r.outcome, index: r.index });
      return;
    }
    case 'proposeReply': {
      if (!s.pendingProposals.has(msg.id)) return;
      if (msg.outcome !== 'appended') {
        // A refusal of a duplicate copy, after an earlier copy was appended: the entry's fate is
        // decided by the log at the known index, not by this answer.
        if (s.pendingProposals.get(msg.id) !== null) return;
        s.pendingProposals.delete(msg.id);
        s.proposalResults.push({ id: msg.id, outcome: msg.outcome });
        return;
      }
      trackAppended(s, msg.id, msg.index);
      return;
    }
    case 'readIndex':
      readIndex(s, msg.requestId, msg.from);
      return;
    case 'readIndexReply':
      s.readStates.push({ requestId: msg.requestId, ok: msg.ok, index: msg.index });
      return;
  }
}

/** Resolves pending proposals against entries being applied (and a snapshot being installed). */
export function resolveApplied(s: CoreState, apply: readonly LogEntry[], installedIndex: LogIndex | undefined): void {
  if (s.pendingProposals.size === 0) return;
  if (installedIndex !== undefined) {
    for (const [id, index] of s.pendingProposals) {
      if (index !== null && index <= installedIndex) {
        s.pendingProposals.delete(id);
        s.proposalResults.push({ id, outcome: 'unknown', index });
      }
    }
  }
  const last = apply.at(-1);
  if (last === undefined) return;
  for (const e of apply) {
    if (s.pendingProposals.delete(e.id)) s.proposalResults.push({ id: e.id, outcome: 'committed', index: e.index });
  }
  for (const [id, index] of s.pendingProposals) {
    if (index !== null && index <= last.index) {
      s.pendingProposals.delete(id);
      s.proposalResults.push({ id, outcome: 'lost', index });
    }
  }
}

function answerRead(s: CoreState, to: NodeId, requestId: string, ok: boolean, index: LogIndex): void {
  if (to === s.id) s.readStates.push({ requestId, ok, index });
  else send(s, to, { kind: 'readIndexReply', requestId, ok, index });
}

/**
 * ReadIndex (§6.4): the read point is the commit index, valid once a heartbeat round shows this
 * server was still leader when the request arrived. A new leader first waits for an entry of its
 * own term to commit (its commit index may lag before that). Followers forward to the leader.
 */
export function readIndex(s: CoreState, requestId: string, from: NodeId): void {
  if (s.role !== 'leader') {
    if (from === s.id && s.leader !== null) send(s, s.leader, { kind: 'readIndex', requestId });
    else answerRead(s, from, requestId, false, logIndex(0));
    return;
  }
  if (from !== s.id && !isMember(s.config, from)) {
    // A removed server that never learned of its removal would never apply the index we gave it,
    // so its read would hang: refuse at once.
    answerRead(s, from, requestId, false, logIndex(0));
    return;
  }
  if (s.log.term(s.log.committed) !== s.term) {
    s.readsBeforeCommit.push({ requestId, from });
    return;
  }
  const index = s.log.committed;
  if (s.config.voters.length === 1 && s.config.voters[0] === s.id) {
    answerRead(s, from, requestId, true, index);
    return;
  }
  if (s.settings.leaseReads && leaseValid(s)) {
    answerRead(s, from, requestId, true, index);
    return;
  }
  // Reads arriving before the next flush share one heartbeat round.
  s.readHeartbeatPending = true;
  s.pendingReads.push({ requestId, from, index, seq: s.heartbeatSeq + 1 });
}

/**
 * Leader lease: a quorum acknowledged heartbeats sent less than electionTimeout*(1-drift) ticks
 * ago. Each of them then refuses votes (§4.2.3) until a full election timeout after receiving
 * it, so no other leader can exist yet, even if clocks run up to `maxClockDriftRatio` apart.
 */
export function leaseValid(s: CoreState): boolean {
  if (s.leadTransferee !== null || s.timeoutNowSent) return false;
  const limit = electionTicks(s) * (1 - s.settings.maxClockDriftRatio);
  return hasQuorum(s.config.voters, (id) => {
    if (id === s.id) return true;
    const pr = s.progress.get(id);
    return pr !== undefined && s.now - pr.ackedSeqSentTick < limit;
  });
}

/** Answers the reads whose heartbeat round a quorum has acknowledged. */
export function releaseReads(s: CoreState): void {
  if (s.pendingReads.length === 0) return;
  const acked = majorityIndex(s.config.voters, (id) => (id === s.id ? s.heartbeatSeq : s.progress.get(id)?.ackedSeq ?? 0));
  let n = 0;
  for (const r of s.pendingReads) {
    if (r.seq > acked) break;
    answerRead(s, r.from, r.requestId, true, r.index);
    n++;
  }
  s.pendingReads.splice(0, n);
}

/** On losing leadership: pending reads fail (the caller may retry elsewhere). */
export function failLeaderReads(s: CoreState): void {
  for (const r of [...s.pendingReads, ...s.readsBeforeCommit]) answerRead(s, r.from, r.requestId, false, logIndex(0));
  s.pendingReads = [];
  s.readsBeforeCommit = [];
  s.readHeartbeatPending = false;
}

function caughtUp(s: CoreState, id: NodeId): boolean {
  const pr = s.progress.get(id);
  return pr !== undefined && pr.match >= s.log.lastIndex() - s.settings.catchUpMaxLagEntries;
}

/** One-server membership change (§4.1); only one may be uncommitted at a time. */
export function proposeConfChange(s: CoreState, cc: ConfChange): AdminResult {
  if (s.role !== 'leader') return { ok: false, error: 'not leader' };
  if (s.pendingConfIndex > s.log.committed) return { ok: false, error: 'configuration change in progress' };
  const r = applyConfChange(s.config, cc, (id) => caughtUp(s, id));
  if (!r.ok) return r;
  if (cc.type === 'addVoter') s.pendingPromotions.add(cc.node);
  if (cc.type === 'remove' || cc.type === 'promote') s.pendingPromotions.delete(cc.node);
  const [e] = appendEntries(s, [{ kind: 'config', data: encodeMembership(r.next) }]);
  if (e !== undefined) s.pendingConfIndex = e.index;
  return { ok: true };
}

/** Promotes `addVoter` learners once they have caught up (§4.2.1). */
export function checkPromotions(s: CoreState): void {
  if (s.role !== 'leader' || s.pendingConfIndex > s.log.committed) return;
  for (const id of s.pendingPromotions) {
    if (!isLearner(s.config, id)) {
      s.pendingPromotions.delete(id);
      continue;
    }
    if (caughtUp(s, id)) {
      proposeConfChange(s, { type: 'promote', node: id });
      return;
    }
  }
}

/**
 * The election timer is replicated state (OVS): changed through the log, effective on commit,
 * within [100, 600000] ms and at most doubling per change, so that a change can never make the
 * old leader's heartbeats look like failures to servers still on the old timer.
 */
export function changeElectionTimer(s: CoreState, ms: number): AdminResult {
  if (s.role !== 'leader') return { ok: false, error: 'election timer must be changed through leader.' };
  if (!Number.isSafeInteger(ms) || ms < electionTimerMinMs || ms > electionTimerMaxMs) {
    return { ok: false, error: `election timer must be between ${electionTimerMinMs} and ${electionTimerMaxMs}, in msec.` };
  }
  if (s.pendingTimerIndex > s.log.committed) return { ok: false, error: 'election timer change pending.' };
  if (ms === s.electionTimerMs) return { ok: false, error: 'change election timer to current value.' };
  if (ms > 2 * s.electionTimerMs) return { ok: false, error: 'election timer increase should not exceed the current value x 2.' };
  const [e] = appendEntries(s, [{ kind: 'electionTimer', data: encodeElectionTimer(ms) }]);
  if (e !== undefined) s.pendingTimerIndex = e.index;
  return { ok: true };
}
