/**
 * The mutable state of one RaftCore, shared by the role modules (election.ts, replication.ts,
 * requests.ts), plus the helpers they all use. Internal: callers use RaftCore.
 */
import { raftAssert } from './assert.js';
import type { RaftConfig } from './config.js';
import { decodeElectionTimer, decodeMembership } from './codec.js';
import type { RaftLog } from './log.js';
import type { MessageBody, RaftMessage } from './messages.js';
import type { Progress } from './progress.js';
import type {
  EntryId, LogEntry, LogIndex, Membership, NodeId, ProposalResult, ReadState, Role, Snapshot, Term,
} from './types.js';
import * as replication from './replication.js';

/** Election timer bounds, as in OVS (ELECTION_MIN_MSEC, ELECTION_MAX_MSEC). */
export const electionTimerMinMs = 100;
export const electionTimerMaxMs = 600_000;

/** A pending ReadIndex request on the leader (§6.4). */
export interface PendingRead {
  readonly requestId: string;
  /** Where to answer: this node (readStates) or a follower that forwarded it. */
  readonly from: NodeId;
  readonly index: LogIndex;
  readonly seq: number;
}

/** Fully defaulted settings. */
export interface Settings {
  readonly tickMs: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxMsgBytes: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly snapshotChunkBytes: number;
  readonly catchUpMaxLagEntries: number;
  readonly leaseReads: boolean;
  readonly maxClockDriftRatio: number;
  readonly voteTwiceInTerm: boolean;
  readonly commitPriorTermByCounting: boolean;
  readonly skipPersistBeforeSend: boolean;
}

/**
 * Mutable state shared by the role modules. Not exported from index.ts: callers use RaftCore.
 * (A plain object rather than private fields so election.ts/replication.ts stay small files.)
 */
export interface CoreState {
  readonly id: NodeId;
  readonly clusterId: string;
  readonly settings: Settings;
  readonly random: () => number;
  readonly log: RaftLog;
  term: Term;
  vote: NodeId | null;
  role: Role;
  leader: NodeId | null;
  /** Membership from the latest config entry in the log (§4.1), and that entry's index. */
  config: Membership;
  configIndex: LogIndex;
  /** Committed election timer. */
  electionTimerMs: number;
  /** Ticks since the last election-timer reset (follower: since hearing from the leader). */
  electionElapsed: number;
  randomizedElectionTicks: number;
  heartbeatElapsed: number;
  /** Total ticks, the core's only notion of time (for leases). */
  now: number;
  votes: Map<NodeId, boolean>;
  progress: Map<NodeId, Progress>;
  leadTransferee: NodeId | null;
  transferElapsed: number;
  /** Index of the latest config entry not known committed (one change at a time). */
  pendingConfIndex: LogIndex;
  /** Same for election-timer entries. */
  pendingTimerIndex: LogIndex;
  /** Leader: entries were appended since the last broadcast (flushed at ready time: batching). */
  needBcast: boolean;
  /** Leader: reads wait for the next heartbeat round. */
  readHeartbeatPending: boolean;
  /** Leader: a TimeoutNow went out this term (the lease is void). */
  timeoutNowSent: boolean;
  /** addVoter: learners to promote once caught up. */
  pendingPromotions: Set<NodeId>;
  heartbeatSeq: number;
  seqSentTick: Map<number, number>;
  pendingReads: PendingRead[];
  /** Reads that arrived before the leader committed an entry of its term. */
  readsBeforeCommit: { requestId: string; from: NodeId }[];
  /** Proposals made on this node: id -> index once known. */
  pendingProposals: Map<EntryId, LogIndex | null>;
  /**
   * Ids of forwarded proposals this node refused, oldest first, at most `refusedIdsMax`. A copy
   * of a refused proposal (the network may duplicate and delay it) is refused again, even if this
   * node has become leader since: the proposer was told "dropped" and may re-run it.
   */
  refusedIds: Set<EntryId>;
  /** Messages that may leave at once (Ready.send). */
  msgs: RaftMessage[];
  /** Messages that acknowledge durable state: they leave once this Ready is durable (Ready.sendAfterPersist). */
  msgsAfterPersist: RaftMessage[];
  /**
   * This node's current pre-vote was started by `peerLost` (its leader's connection reset), not
   * by its timer; it yields to a no-worse peer that does the same, so two followers that saw the
   * same reset do not split the vote.
   */
  resetCampaign: boolean;
  readStates: ReadState[];
  proposalResults: ProposalResult[];
  /** Snapshot to persist in the next Ready, and whether it came from the leader. */
  pendingSnapshot: { snapshot: Snapshot; install: boolean } | undefined;
  incoming: { meta: Snapshot['meta']; chunks: Uint8Array[]; received: number; total: number } | undefined;
}

export function defaults(c: RaftConfig): Settings {
  return {
    tickMs: c.tickMs ?? 10,
    preVote: c.preVote ?? true,
    checkQuorum: c.checkQuorum ?? true,
    maxMsgBytes: c.maxMsgBytes ?? 64 * 1024,
    maxInflightMsgs: c.maxInflightMsgs ?? 64,
    maxInflightBytes: c.maxInflightBytes ?? 1024 * 1024,
    snapshotChunkBytes: c.snapshotChunkBytes ?? 64 * 1024,
    catchUpMaxLagEntries: c.catchUpMaxLagEntries ?? 0,
    leaseReads: c.leaseReads ?? false,
    maxClockDriftRatio: c.maxClockDriftRatio ?? 0.1,
    voteTwiceInTerm: c.testFaults?.voteTwiceInTerm ?? false,
    commitPriorTermByCounting: c.testFaults?.commitPriorTermByCounting ?? false,
    skipPersistBeforeSend: c.testFaults?.skipPersistBeforeSend ?? false,
  };
}

/** Election timeout in ticks for the committed timer. */
export function electionTicks(s: CoreState): number {
  return Math.max(1, Math.ceil(s.electionTimerMs / s.settings.tickMs));
}

/** Heartbeat interval: a third of the election timeout, as OVS pings. */
export function heartbeatTicks(s: CoreState): number {
  return Math.max(1, Math.floor(electionTicks(s) / 3));
}

/**
 * True for the messages that acknowledge durable state: a vote grant or refusal (the vote and
 * term must survive a crash, §3.8), an append answer (the follower's match index counts toward
 * commitment) and a snapshot answer. They wait for the Ready that produced them to be durable
 * (etcd msgsAfterAppend). Everything else (appends and heartbeats from a leader, §10.2.1;
 * heartbeat replies; pre-votes and their answers, which promise nothing; ReadIndex, forwarded
 * proposals, TimeoutNow) may leave at once, so it never waits behind an fsync.
 */
export function needsPersist(kind: RaftMessage['kind']): boolean {
  return kind === 'voteReply' || kind === 'appendReply' || kind === 'snapshotReply';
}

/** Queues a message, filling in the header, in the list its kind belongs to. */
export function send(s: CoreState, to: NodeId, body: MessageBody, msgTerm: Term = s.term): void {
  const m: RaftMessage = { ...body, from: s.id, to, clusterId: s.clusterId, term: msgTerm };
  if (needsPersist(m.kind)) s.msgsAfterPersist.push(m);
  else s.msgs.push(m);
}

/** Recomputes membership after the log changed below the current config entry. */
export function recomputeConfig(s: CoreState): void {
  for (let i = s.log.lastIndex(); i > s.log.snap.index; i--) {
    const e = s.log.entry(i);
    if (e?.kind === 'config') {
      const m = decodeMembership(e.data);
      raftAssert(m !== undefined, `malformed config entry at ${i}`);
      setConfig(s, m, e.index);
      return;
    }
  }
  setConfig(s, s.log.snap.config, s.log.snap.configIndex);
}

/** Notes config entries among newly appended ones. */
export function noteAppended(s: CoreState, es: readonly LogEntry[]): void {
  for (const e of es) {
    if (e.kind !== 'config') continue;
    const m = decodeMembership(e.data);
    raftAssert(m !== undefined, `malformed config entry at ${e.index}`);
    setConfig(s, m, e.index);
  }
}

function setConfig(s: CoreState, m: Membership, index: LogIndex): void {
  s.config = m;
  s.configIndex = index;
  if (s.role === 'leader') replication.syncProgress(s);
}

/** Advances commit and reacts to newly committed election-timer entries and self-removal. */
export function commitTo(s: CoreState, index: number): boolean {
  const old = s.log.committed;
  if (!s.log.commitTo(index)) return false;
  for (let i = old + 1; i <= s.log.committed; i++) {
    const e = s.log.entry(i);
    if (e?.kind === 'electionTimer') {
      const ms = decodeElectionTimer(e.data);
      raftAssert(ms !== undefined, `malformed election timer entry at ${i}`);
      s.electionTimerMs = ms;
    }
  }
  if (s.role === 'leader') replication.onLeaderCommit(s);
  return true;
}

/** How many refused forwarded-proposal ids a node remembers (see CoreState.refusedIds). */
export const refusedIdsMax = 4096;
