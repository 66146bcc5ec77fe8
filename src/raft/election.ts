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
  s.resetCampaign = false;
  if (!keepTimer || wasLeader) resetElectionTimer(s);
  if (wasLeader) {
    s.progress.clear();
    s.pendingPromotions.clear();
    requests.failLeaderReads(s);
  }
}

/**
 * `ticks` of time on a non-leader: at the election timeout, campaign if this node may vote.
 * After a stalled event loop `ticks` is large: the time counts in full (so this server stops
 * refusing votes, §4.2.3, as its real clock says it should), but one campaign starts, at the
 * end: nothing could have been received in between, so earlier campaigns would change nothing.
 */
export function tickElection(s: CoreState, ticks: number): void {
  s.electionElapsed += ticks;
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
export function campaign(s: CoreState, transfer: boolean, reset = false): void {
  if (!mayCampaign(s) || s.role === 'leader') return;
  if (s.settings.preVote && !transfer) {
    s.role = 'preCandidate';
    s.leader = null;
    s.resetCampaign = reset;
    // A pre-vote changes no durable state, so our own counts at once.
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

/**
 * Votes for itself in a new term. Its own vote counts only once the new term and vote are
 * durable (§3.8): it is a self-addressed voteReply in the after-persist list, which the host
 * steps back into this core after the write (etcd). Until then the candidate cannot lead, even
 * with every other grant in: a leader whose term is not on disk could crash, restart in the
 * previous term, win the same term again and append different entries at indexes its first
 * incarnation already sent out (two entries with one index and term, against Log Matching).
 */
function becomeCandidate(s: CoreState, transfer: boolean): void {
  s.role = 'candidate';
  s.term = mkTerm(s.term + 1);
  s.vote = s.id;
  s.leader = null;
  s.resetCampaign = false;
  s.votes = new Map();
  resetElectionTimer(s);
  send(s, s.id, { kind: 'voteReply', granted: true });
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
  let granted = canVote && s.log.isUpToDate(msg.lastIndex, msg.lastTerm);
  if (pre) {
    // Two followers that saw their leader's connection reset both pre-vote at once; if both
    // went on to a real vote they would split it and wait out a timeout. So while campaigning
    // on a reset, grant only a peer at least as good (longer log, else lower id) and yield to it:
    // exactly one of them goes on. Refusing a pre-vote is always safe (it only delays).
    const yields = s.role === 'preCandidate' && s.resetCampaign;
    if (yields) granted = granted && betterCandidate(s, msg);
    send(s, msg.from, { kind: 'preVoteReply', granted }, granted ? msg.term : s.term);
    if (yields && granted) becomeFollower(s, s.term, null);
    else if (yields) {
      // We are the better candidate. The peer may have ignored our own pre-vote because it
      // arrived before the peer saw the reset (it still had a leader then); now that it
      // campaigns too, ask again, or both would wait out a whole election timeout.
      send(s, msg.from, { kind: 'preVote', lastIndex: s.log.lastIndex(), lastTerm: s.log.lastTerm() }, mkTerm(s.term + 1));
    }
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
    // Not before our own vote is durable (see becomeCandidate), even if others made a majority.
    else if (s.votes.get(s.id) === true) replication.becomeLeader(s);
  } else if (r === 'lost') {
    becomeFollower(s, s.term, null);
  }
}

/** True if the pre-vote `msg` comes from a candidate at least as good as this one (see handleVoteRequest). */
function betterCandidate(s: CoreState, msg: PreVoteMsg): boolean {
  const myTerm = s.log.lastTerm();
  const myIndex = s.log.lastIndex();
  if (msg.lastTerm !== myTerm) return msg.lastTerm > myTerm;
  if (msg.lastIndex !== myIndex) return msg.lastIndex > myIndex;
  return msg.from < s.id;
}

/**
 * The transport saw the connection from `node` close or reset: its process probably died. A
 * follower of `node` starts a pre-vote at once instead of waiting out its election timeout.
 * Campaigning, it has forgotten its leader, so it grants the others that saw the same reset
 * (their pre-vote, then the vote); a member still hearing from `node` ignores them (§4.2.3,
 * §9.6), so one broken connection never unseats a healthy leader: the pre-vote fails and the
 * next heartbeat makes this node a follower again. Without pre-vote nothing happens: a real
 * vote would raise the term, and a higher term deposes a healthy leader.
 */
export function peerLost(s: CoreState, node: NodeId): void {
  if (s.role !== 'follower' || s.leader !== node || !s.settings.preVote) return;
  campaign(s, false, true);
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
