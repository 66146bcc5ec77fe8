/**
 * Log replication (§3.5): the leader's side (progress, pipelined appends, heartbeats,
 * commitment) and the follower's side of AppendEntries. Snapshots are in snapshot.ts.
 */
import { raftAssert } from './assert.js';
import { becomeFollower, resetElectionTimer } from './election.js';
import { entryBytes } from './log.js';
import { isLearner, isVoter, peersOf } from './membership.js';
import type {
  AppendMsg, AppendReplyMsg, HeartbeatMsg, HeartbeatReplyMsg, SnapshotMsg, SnapshotReplyMsg,
} from './messages.js';
import { Progress } from './progress.js';
import { hasQuorum, majorityIndex } from './quorum.js';
import * as requests from './requests.js';
import {
  type CoreState, commitTo, electionTicks, heartbeatTicks, recomputeConfig, send,
} from './state.js';
import type { EntryId, EntryKind, LogEntry, NodeId } from './types.js';
import { entryIdFor, logIndex, term as mkTerm } from './types.js';
import { handleSnapshotChunk, sendSnapshotChunk } from './snapshot.js';

/** Won the election: initialise progress and append a no-op to commit earlier terms (§3.6.2). */
export function becomeLeader(s: CoreState): void {
  s.role = 'leader';
  s.leader = s.id;
  s.votes.clear();
  s.progress.clear();
  s.leadTransferee = null;
  s.heartbeatElapsed = 0;
  s.electionElapsed = 0;
  s.pendingReads = [];
  s.readsBeforeCommit = [];
  s.timeoutNowSent = false;
  syncProgress(s);
  // Entries of earlier terms may hold uncommitted config/timer changes: one change at a time.
  s.pendingTimerIndex = s.log.lastIndex();
  appendEntries(s, [{ kind: 'noop', data: new Uint8Array(0) }]);
  // No configuration change before an entry of this term is committed (Ongaro, raft-dev 2015,
  // the fix to single-server changes): otherwise two leaders of different terms, each holding a
  // different uncommitted one-server change of the same configuration, can commit with
  // majorities that do not overlap. (The simulator found exactly that: n1 removed n2 right
  // after its election, while n2's log held an uncommitted removal of n4 from an earlier term.)
  s.pendingConfIndex = s.log.lastIndex();
  bcastAppend(s, true);
}

/** Makes `progress` match the current membership (called when it changes on a leader). */
export function syncProgress(s: CoreState): void {
  const peers = peersOf(s.config, s.id);
  for (const id of peers) {
    if (s.progress.has(id)) continue;
    const pr = new Progress(logIndex(s.log.lastIndex() + 1), s.settings.maxInflightMsgs, s.settings.maxInflightBytes);
    pr.recentActive = true; // a grace period before check-quorum counts it
    s.progress.set(id, pr);
  }
  for (const id of [...s.progress.keys()]) if (!peers.includes(id)) s.progress.delete(id);
  if (s.leadTransferee !== null && !isVoter(s.config, s.leadTransferee)) s.leadTransferee = null;
}

/** Appends entries as leader (ids of core-made entries derive from term+index). */
export function appendEntries(s: CoreState, items: readonly { kind: EntryKind; data: Uint8Array; id?: EntryId }[]): LogEntry[] {
  const out: LogEntry[] = [];
  let i = s.log.lastIndex();
  for (const it of items) {
    i++;
    const index = logIndex(i);
    out.push({ term: s.term, index, id: it.id ?? entryIdFor(s.term, index), kind: it.kind, data: it.data });
  }
  s.log.append(out);
  if (out.some((e) => e.kind === 'config')) recomputeConfig(s);
  s.needBcast = true;
  return out;
}

/**
 * `ticks` of time on a leader: check-quorum, transfer timeout, heartbeats. After a stalled event
 * loop `ticks` is large: `now` (and so the lease, §6.4.1) moves by all of it, but one check and
 * one heartbeat round run, at the end, since nothing was received or sent in between.
 */
export function tickLeader(s: CoreState, ticks: number): void {
  s.heartbeatElapsed += ticks;
  s.electionElapsed += ticks;
  const et = electionTicks(s);
  if (s.electionElapsed >= et) {
    s.electionElapsed = 0;
    if (s.settings.checkQuorum) {
      const ok = hasQuorum(s.config.voters, (id) => id === s.id || s.progress.get(id)?.recentActive === true);
      for (const pr of s.progress.values()) pr.recentActive = false;
      if (!ok) {
        becomeFollower(s, s.term, null);
        return;
      }
    }
  }
  s.transferElapsed += ticks;
  if (s.leadTransferee !== null && s.transferElapsed >= et) s.leadTransferee = null;
  if (s.heartbeatElapsed >= heartbeatTicks(s)) {
    s.heartbeatElapsed = 0;
    bcastHeartbeat(s);
  }
}

/** Sends a heartbeat with a new seq to every peer; returns the seq. */
export function bcastHeartbeat(s: CoreState): number {
  const seq = ++s.heartbeatSeq;
  s.readHeartbeatPending = false;
  s.seqSentTick.set(seq, s.now);
  const horizon = s.now - 2 * electionTicks(s);
  for (const [k, t] of s.seqSentTick) {
    if (t >= horizon) break;
    s.seqSentTick.delete(k);
  }
  for (const [id, pr] of s.progress) {
    send(s, id, { kind: 'heartbeat', commit: logIndex(Math.min(pr.match, s.log.committed)), seq });
  }
  return seq;
}

/** Sends whatever is pending on a leader: batched appends and a heartbeat for reads. */
export function flush(s: CoreState): void {
  if (s.role !== 'leader') return;
  if (s.needBcast) bcastAppend(s, false);
  if (s.readHeartbeatPending) bcastHeartbeat(s);
}

/** Appends (or commit updates when `sendIfEmpty`) to every peer. */
export function bcastAppend(s: CoreState, sendIfEmpty: boolean): void {
  s.needBcast = false;
  for (const id of s.progress.keys()) sendAppend(s, id, sendIfEmpty);
}

/**
 * Sends the next append to `to` if its progress allows. Entries are batched up to maxMsgBytes
 * and to what the in-flight byte budget still allows.
 *
 *   leader log  [snap][ .. match | next ...................... last ]
 *   message     prevIndex = next-1, entries = next .. (bounded by bytes)
 */
export function sendAppend(s: CoreState, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = s.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = logIndex(pr.next - 1);
  const prevTerm = s.log.term(prevIndex);
  if (prevTerm === undefined) {
    // The entries it needs were compacted away (§5.3): send the snapshot instead.
    const snap = s.log.snapshot;
    raftAssert(snap !== undefined, 'compacted log without a snapshot');
    pr.becomeSnapshot(snap.meta.index);
    sendSnapshotChunk(s, to, pr);
    return false;
  }
  const last = s.log.lastIndex();
  const budget = Math.min(s.settings.maxMsgBytes, pr.inflights.roomBytes());
  const entries = pr.next <= last ? s.log.slice(pr.next, last + 1, budget) : [];
  if (entries.length === 0 && !sendIfEmpty) return false;
  send(s, to, { kind: 'append', prevIndex, prevTerm, entries, commit: s.log.committed });
  const lastSent = entries.at(-1);
  if (pr.state === 'replicate') {
    if (lastSent !== undefined) {
      pr.next = logIndex(lastSent.index + 1);
      pr.inflights.add(lastSent.index, entries.reduce((n, e) => n + entryBytes(e), 0));
    }
  } else {
    pr.probeSent = true;
  }
  return true;
}

/** Sends TimeoutNow to the transfer target once it has every entry (§3.10). */
export function maybeSendTimeoutNow(s: CoreState, target: NodeId): void {
  const pr = s.progress.get(target);
  if (pr === undefined) return;
  if (pr.match === s.log.lastIndex()) {
    // A TimeoutNow may arrive arbitrarily late and its campaign bypasses §4.2.3, so once one is
    // out, this leader stops trusting its lease for the rest of its term.
    s.timeoutNowSent = true;
    send(s, target, { kind: 'timeoutNow' });
  }
  else sendAppend(s, target, true);
}

/** Commits the highest index a majority has, if it is of the current term (§3.6.2). */
export function maybeCommit(s: CoreState): boolean {
  const mci = majorityIndex(s.config.voters, (id) => (id === s.id ? s.log.stable : s.progress.get(id)?.match ?? 0));
  if (mci <= s.log.committed) return false;
  // Figure 3.7: counting replicas proves nothing for an earlier term's entry; it is committed
  // indirectly once an entry of this term above it is.
  if (s.log.term(mci) !== s.term && !s.settings.commitPriorTermByCounting) return false;
  return commitTo(s, mci);
}

/** Called by commitTo on a leader. */
export function onLeaderCommit(s: CoreState): void {
  if (s.log.term(s.log.committed) === s.term && s.readsBeforeCommit.length > 0) {
    const reads = s.readsBeforeCommit;
    s.readsBeforeCommit = [];
    for (const r of reads) requests.readIndex(s, r.requestId, r.from);
  }
  s.needBcast = true;
  if (s.configIndex <= s.log.committed && !isVoter(s.config, s.id)) {
    // §4.2.2: a leader removed from the configuration steps down once the removal is committed,
    // handing off to the most up-to-date voter so the cluster need not wait for a timeout.
    bcastAppend(s, true);
    let best: NodeId | null = null;
    for (const v of s.config.voters) {
      if (s.progress.get(v)?.match === s.log.lastIndex()) { best = v; break; }
    }
    if (best !== null) send(s, best, { kind: 'timeoutNow' });
    becomeFollower(s, s.term, null);
    return;
  }
  requests.checkPromotions(s);
}

/** The leader's own entries became durable: they count for commitment now. */
export function onSelfStable(s: CoreState): void {
  maybeCommit(s);
}

/** Follower (or candidate) side of append / heartbeat / snapshot from the current leader. */
export function handleFromLeader(s: CoreState, msg: AppendMsg | HeartbeatMsg | SnapshotMsg): void {
  if (s.role === 'leader') return; // same term, two leaders: impossible by election safety
  if (s.role !== 'follower') becomeFollower(s, s.term, msg.from);
  s.leader = msg.from;
  resetElectionTimer(s);
  switch (msg.kind) {
    case 'append': return handleAppend(s, msg);
    case 'heartbeat':
      commitTo(s, Math.min(msg.commit, s.log.lastIndex()));
      send(s, msg.from, { kind: 'heartbeatReply', seq: msg.seq });
      return;
    case 'snapshot': return handleSnapshotChunk(s, msg);
  }
}

function handleAppend(s: CoreState, msg: AppendMsg): void {
  const log = s.log;
  if (msg.prevIndex < log.committed) {
    // Everything up to commit is already ours and matches (§3.5 Log Matching).
    send(s, msg.from, { kind: 'appendReply', success: true, index: log.committed, hintIndex: logIndex(0), hintTerm: mkTerm(0) });
    return;
  }
  const r = log.maybeAppend(msg.prevIndex, msg.prevTerm, msg.entries);
  if (r === undefined) {
    // Fast back-tracking: point the leader at the last index whose term could still match.
    const hintIndex = log.findConflictByTerm(logIndex(Math.min(msg.prevIndex, log.lastIndex())), msg.prevTerm);
    send(s, msg.from, {
      kind: 'appendReply', success: false, index: msg.prevIndex, hintIndex, hintTerm: log.term(hintIndex) ?? mkTerm(0),
    });
    return;
  }
  if (r.truncatedAt !== undefined || msg.entries.some((e) => e.kind === 'config')) recomputeConfig(s);
  commitTo(s, Math.min(msg.commit, r.last));
  send(s, msg.from, { kind: 'appendReply', success: true, index: r.last, hintIndex: logIndex(0), hintTerm: mkTerm(0) });
}

/** Leader side of the replies. */
export function handleReply(s: CoreState, msg: AppendReplyMsg | HeartbeatReplyMsg | SnapshotReplyMsg): void {
  if (s.role !== 'leader') return;
  const pr = s.progress.get(msg.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  switch (msg.kind) {
    case 'appendReply': return handleAppendReply(s, msg, pr);
    case 'heartbeatReply':
      if (msg.seq > pr.ackedSeq) {
        pr.ackedSeq = msg.seq;
        pr.ackedSeqSentTick = s.seqSentTick.get(msg.seq) ?? pr.ackedSeqSentTick;
      }
      requests.releaseReads(s);
      if (pr.state === 'snapshot') {
        sendSnapshotChunk(s, msg.from, pr);
        return;
      }
      pr.probeSent = false;
      if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
      if (pr.match < s.log.lastIndex()) sendAppend(s, msg.from, true);
      return;
    case 'snapshotReply':
      if (pr.state !== 'snapshot' || msg.index !== pr.pendingSnapshot) return;
      if (msg.done) {
        pr.maybeUpdate(msg.index);
        pr.becomeProbe();
        sendAppend(s, msg.from, true);
      } else if (msg.offset !== pr.snapshotOffset) {
        pr.snapshotOffset = msg.offset;
        sendSnapshotChunk(s, msg.from, pr);
      }
      return;
  }
}

function handleAppendReply(s: CoreState, msg: AppendReplyMsg, pr: Progress): void {
  if (!msg.success) {
    const probe = msg.hintTerm > 0 ? s.log.findConflictByTerm(msg.hintIndex, msg.hintTerm) : msg.hintIndex;
    if (pr.maybeDecrTo(msg.index, probe)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(s, msg.from, true);
    }
    return;
  }
  if (pr.state === 'replicate') pr.inflights.freeLE(msg.index);
  if (!pr.maybeUpdate(msg.index)) return;
  if (pr.state === 'probe' || (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot)) pr.becomeReplicate();
  if (maybeCommit(s) && s.role === 'leader') bcastAppend(s, true);
  if (s.role !== 'leader') return;
  while (sendAppend(s, msg.from, false)) { /* pipeline until the window is full */ }
  if (s.leadTransferee === msg.from) maybeSendTimeoutNow(s, msg.from);
  if (isLearner(s.config, msg.from)) requests.checkPromotions(s);
}
