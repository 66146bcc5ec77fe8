/**
 * Elections: randomized timeouts (§3.4), pre-vote (§9.6), the disruptive-server rule (§4.2.3)
 * and leadership transfer (§3.10).
 */
import { decodeMembership } from './codec.js';
import { isVoter } from './membership.js';
import type {
  PreVoteMsg, PreVoteReplyMsg, RaftMessage, VoteMsg, VoteReplyMsg,
} from './messages.js';
import { voteResult } from './quorum.js';
import * as replication from './replication.js';
import * as requests from './requests.js';
import { type CoreState, electionTicks, send } from './state.js';
import type { AdminResult, Membership, NodeId, Term } from './types.js';
import { term as mkTerm } from './types.js';

/**
 * Restarts the election timer with a fresh random timeout in [T, 2T) ticks, so that split votes
 * are rare and resolve quickly (§3.4).
 */
export function resetElectionTimer(s: CoreState): void {
  const t = electionTicks(s);
  s.electionElapsed = 0;
  s.randomizedElectionTicks = t + Math.floor(s.random() * t);
}

/**
 * Steps down (or stays) as follower in `t`; a new term clears the vote. `keepTimer` is for a
 * term learned from a RequestVote: Figure 3.1 resets the election timer only on hearing from a
 * leader or granting a vote, so a stream of hopeless candidates (e.g. a removed server that
 * does not know it) cannot keep a server that could win from ever timing out.
 */
export function becomeFollower(s: CoreState, t: Term, leader: NodeId | null, keepTimer = false): void {
  const wasLeader = s.role === 'leader';
  if (t !== s.term) {
    s.term = t;
    s.vote = null;
  }
  s.role = 'follower';
  s.leader = leader;
  s.votes.clear();
  s.leadTransferee = null;
  if (!keepTimer || wasLeader) resetElectionTimer(s);
  if (wasLeader) {
    s.progress.clear();
    s.pendingPromotions.clear();
    requests.failLeaderReads(s);
  }
}

/** Election timeout on a non-leader: campaign if this node may vote. */
export function tickElection(s: CoreState): void {
  s.electionElapsed++;
  if (s.electionElapsed >= s.randomizedElectionTicks) {
    resetElectionTimer(s);
    campaign(s, false);
  }
}

/**
 * A voter in its latest configuration may campaign. So may a voter of the last committed one
 * while a newer configuration that drops it is uncommitted (§4.2.2: "it might still be needed
 * until the Cnew entry is committed"); otherwise a leader that appended its own removal and
 * then lost leadership could leave the cluster with no server able to win. Its own vote then
 * does not count (tallies use the latest configuration).
 */
export function mayCampaign(s: CoreState): boolean {
  if (isVoter(s.config, s.id)) return true;
  if (s.configIndex <= s.log.committed) return false;
  return isVoter(committedConfig(s), s.id);
}

function committedConfig(s: CoreState): Membership {
  for (let i = s.log.committed; i > s.log.snap.index; i--) {
    const e = s.log.entry(i);
    if (e?.kind === 'config') {
      const m = decodeMembership(e.data);
      if (m !== undefined) return m;
    }
  }
  return s.log.snap.config;
}

/**
 * Starts an election. With pre-vote (§9.6) the node first asks whether it could win, without
 * touching its term, so a partitioned node that rejoins cannot force the cluster into a new term.
 * A transfer (TimeoutNow) skips pre-vote: the leader asked for it.
 */
export function campaign(s: CoreState, transfer: boolean): void {
  if (!mayCampaign(s) || s.role === 'leader') return;
  if (s.settings.preVote && !transfer) {
    s.role = 'preCandidate';
    s.leader = null;
    s.votes = new Map([[s.id, true]]);
    resetElectionTimer(s);
    if (voteResult(s.config.voters, s.votes) === 'won') {
      becomeCandidate(s, transfer);
      return;
    }
    for (const v of s.config.voters) {
      if (v === s.id) continue;
      send(s, v, { kind: 'preVote', lastIndex: s.log.lastIndex(), lastTerm: s.log.lastTerm() }, mkTerm(s.term + 1));
    }
    return;
  }
  becomeCandidate(s, transfer);
}

function becomeCandidate(s: CoreState, transfer: boolean): void {
  s.role = 'candidate';
  s.term = mkTerm(s.term + 1);
  s.vote = s.id;
  s.leader = null;
  s.votes = new Map([[s.id, true]]);
  resetElectionTimer(s);
  if (voteResult(s.config.voters, s.votes) === 'won') {
    replication.becomeLeader(s);
    return;
  }
  for (const v of s.config.voters) {
    if (v === s.id) continue;
    send(s, v, { kind: 'vote', lastIndex: s.log.lastIndex(), lastTerm: s.log.lastTerm(), transfer });
  }
}

/**
 * Term rules applied to every message before role-specific handling. Returns false when the
 * message must be ignored.
 */
export function stepTerm(s: CoreState, msg: RaftMessage): boolean {
  const forwarded = msg.kind === 'propose' || msg.kind === 'proposeReply'
    || msg.kind === 'readIndex' || msg.kind === 'readIndexReply';
  if (msg.term > s.term) {
    if (msg.kind === 'vote' || msg.kind === 'preVote') {
      // §4.2.3: a server that heard from a current leader within the minimum election timeout
      // ignores RequestVote, so a removed or partitioned server cannot depose a healthy leader.
      // A campaign started by leadership transfer carries `transfer` and is exempt.
      const force = msg.kind === 'vote' && msg.transfer;
      const inLease = s.leader !== null && s.electionElapsed < electionTicks(s);
      if (!force && inLease) return false;
    }
    // A pre-vote request is for a term nobody is in yet; a granted pre-vote reply echoes it.
    if (msg.kind === 'preVote') return true;
    if (msg.kind === 'preVoteReply' && msg.granted) return true;
    const lead = msg.kind === 'append' || msg.kind === 'heartbeat' || msg.kind === 'snapshot' ? msg.from : null;
    becomeFollower(s, msg.term, lead, msg.kind === 'vote');
    return true;
  }
  if (msg.term < s.term) {
    // Forwarded requests/answers stay valid across terms: their content is not term-bound.
    if (forwarded) return true;
    if (msg.kind === 'append' || msg.kind === 'heartbeat') {
      // Basic Raft (§3.3): answer a stale leader with our term so it steps down. This matters
      // because of §4.2.3 above: a leader ignores RequestVote, so without this answer a
      // deposed leader that never runs check-quorum would keep its lease forever.
      send(s, msg.from, { kind: 'appendReply', success: false, index: msg.kind === 'append' ? msg.prevIndex : s.log.committed, hintIndex: s.log.committed, hintTerm: mkTerm(0) });
    } else if (msg.kind === 'preVote') {
      send(s, msg.from, { kind: 'preVoteReply', granted: false });
    }
    return false;
  }
  return true;
}

/** RequestVote / pre-vote at a term >= ours (§3.4, §3.6.1 election restriction). */
export function handleVoteRequest(s: CoreState, msg: VoteMsg | PreVoteMsg): void {
  const pre = msg.kind === 'preVote';
  const canVote = s.vote === msg.from
    || (s.vote === null && s.leader === null)
    || (pre && msg.term > s.term)
    || (!pre && s.settings.voteTwiceInTerm);
  const granted = canVote && s.log.isUpToDate(msg.lastIndex, msg.lastTerm);
  if (pre) {
    send(s, msg.from, { kind: 'preVoteReply', granted }, granted ? msg.term : s.term);
    return;
  }
  send(s, msg.from, { kind: 'voteReply', granted });
  if (granted) {
    s.vote = msg.from;
    resetElectionTimer(s);
  }
}

/** A (pre-)vote answer for our current campaign. */
export function handleVoteReply(s: CoreState, msg: VoteReplyMsg | PreVoteReplyMsg): void {
  if (msg.kind === 'preVoteReply' ? s.role !== 'preCandidate' : s.role !== 'candidate') return;
  s.votes.set(msg.from, msg.granted);
  const r = voteResult(s.config.voters, s.votes);
  if (r === 'won') {
    if (s.role === 'preCandidate') becomeCandidate(s, false);
    else replication.becomeLeader(s);
  } else if (r === 'lost') {
    becomeFollower(s, s.term, null);
  }
}

/** TimeoutNow (§3.10): campaign at once, flagged as a transfer. */
export function handleTimeoutNow(s: CoreState): void {
  if (s.role !== 'leader') campaign(s, true);
}

/**
 * Leadership transfer (§3.10): bring the target up to date, then tell it to time out now. New
 * proposals are refused meanwhile; the attempt is abandoned after an election timeout.
 */
export function transferLeadership(s: CoreState, to?: NodeId): AdminResult {
  if (s.role !== 'leader') return { ok: false, error: 'not leader' };
  let target = to;
  if (target === undefined) {
    let best = -1;
    for (const v of s.config.voters) {
      const pr = v === s.id ? undefined : s.progress.get(v);
      if (pr !== undefined && pr.match > best) {
        best = pr.match;
        target = v;
      }
    }
    if (target === undefined) return { ok: false, error: 'no other voter to transfer to' };
  }
  if (target === s.id) return { ok: false, error: 'already leader' };
  if (!isVoter(s.config, target)) return { ok: false, error: `${target} is not a voter` };
  s.leadTransferee = target;
  s.transferElapsed = 0;
  replication.maybeSendTimeoutNow(s, target);
  return { ok: true };
}
