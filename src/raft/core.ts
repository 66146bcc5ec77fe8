/**
 * RaftCore: the Raft state machine of one server as a synchronous class with no I/O, no timers,
 * no clock and no randomness of its own (etcd raft.go + rawnode.go). Inputs: `tick()`, `step()`,
 * and the local requests below. Output: a `Ready` that the host takes with `ready()` and releases
 * with `advance()` at once; its write may still be in flight. Once the write is durable the host
 * calls `persisted()` (for every Ready, in order) and only then sends `sendAfterPersist`. Several
 * writes may be in flight; the core never hands out an entry twice (etcd async storage writes).
 *
 * Role-specific behaviour lives in election.ts (votes, pre-vote, transfer), replication.ts
 * (appends, snapshots, commit) and requests.ts (proposals, reads, admin); this file holds state,
 * message dispatch and the Ready cycle.
 */
import { raftAssert } from './assert.js';
import type { RaftConfig, RaftStatus, Ready, PeerStatus } from './config.js';
import { decodeElectionTimer, encodeMembership } from './codec.js';
import { emptySnapshotMeta, RaftLog } from './log.js';
import { isMember, isVoter, peersOf } from './membership.js';
import type { RaftMessage } from './messages.js';
import type { RaftStorageView } from './ports.js';
import { hashString, seededRandom } from './prng.js';
import type {
  AdminResult, ConfChange, HardState, LogEntry, LogIndex, Membership, NodeId, Proposal, Role, Term,
} from './types.js';
import { type CoreState, defaults, electionTimerMaxMs, electionTimerMinMs, recomputeConfig } from './state.js';
import { entryIdFor, logIndex, term as mkTerm } from './types.js';
import * as election from './election.js';
import * as replication from './replication.js';
import * as requests from './requests.js';
import { compact } from './snapshot.js';

/**
 * The Raft core of one server.
 *
 * @example
 * const core = new RaftCore({ id: nodeId('a'), clusterId: 'c1', bootstrapVoters: [nodeId('a')] }, store);
 * core.campaign();
 * while (core.hasReady()) {
 *   const rd = core.ready();
 *   sendAll(rd.send); apply(rd.apply); core.advance(rd);
 *   persist(rd, () => { core.persisted(rd); sendAll(rd.sendAfterPersist); }); // in order
 * }
 */
export class RaftCore {
  readonly #s: CoreState;
  #prevHard: HardState;
  #outstanding = false;
  /** Readies handed out and not yet `persisted()`, oldest first (to check the host's order). */
  readonly #unpersisted: Ready[] = [];

  constructor(config: RaftConfig, storage: RaftStorageView) {
    const settings = defaults(config);
    const timer = config.electionTimerMs ?? 1000;
    raftAssert(timer >= electionTimerMinMs && timer <= electionTimerMaxMs, 'electionTimerMs out of range');
    raftAssert(settings.tickMs > 0, 'tickMs must be positive');
    const hs = storage.hardState();
    const snapshot = storage.snapshot();
    const snapMeta = snapshot?.meta ?? emptySnapshotMeta(timer);
    const log = new RaftLog(snapMeta, snapshot, storage.entries(), hs.commit);
    this.#prevHard = hs;
    this.#s = {
      id: config.id, clusterId: config.clusterId, settings,
      random: config.random ?? seededRandom(config.seed ?? hashString(config.id)),
      log, term: hs.term, vote: hs.vote, role: 'follower', leader: null,
      config: snapMeta.config, configIndex: snapMeta.configIndex, electionTimerMs: snapMeta.electionTimerMs,
      electionElapsed: 0, randomizedElectionTicks: 0, heartbeatElapsed: 0, now: 0,
      votes: new Map(), progress: new Map(), leadTransferee: null, transferElapsed: 0,
      pendingConfIndex: logIndex(0), pendingTimerIndex: logIndex(0), needBcast: false, readHeartbeatPending: false, timeoutNowSent: false, pendingPromotions: new Set(), heartbeatSeq: 0, seqSentTick: new Map(),
      pendingReads: [], readsBeforeCommit: [], pendingProposals: new Map(), refusedIds: new Set(), msgs: [], msgsAfterPersist: [],
      resetCampaign: false, readStates: [],
      proposalResults: [], pendingSnapshot: undefined, incoming: undefined,
    };
    const s = this.#s;
    const fresh = hs.term === 0 && snapshot === undefined && log.lastIndex() === 0;
    if (fresh && config.bootstrapVoters !== undefined && config.bootstrapVoters.length > 0) {
      // Every founding member writes the same committed entry 1 in term 1 (etcd Bootstrap).
      const m: Membership = { voters: [...config.bootstrapVoters], learners: [] };
      const t1 = mkTerm(1);
      const i1 = logIndex(1);
      const e: LogEntry = { term: t1, index: i1, id: entryIdFor(t1, i1), kind: 'config', data: encodeMembership(m) };
      log.append([e]);
      log.commitTo(1);
      s.term = t1;
    }
    recomputeConfig(s);
    // Committed election-timer entries after the snapshot.
    for (let i = log.firstIndex(); i <= log.committed; i++) {
      const e = log.entry(i);
      if (e?.kind === 'electionTimer') s.electionTimerMs = decodeElectionTimer(e.data) ?? s.electionTimerMs;
    }
    election.becomeFollower(s, s.term, null);
  }

  // ---- inputs -------------------------------------------------------------------------------

  /**
   * Advances logical time by `ticks` ticks of `tickMs` (the host counts them from its clock, so
   * a stalled event loop or a suspended process shows up here as a count above one). The whole
   * span counts toward timeouts and the lease; timeouts that fall inside it act once, at its end.
   */
  tick(ticks = 1): void {
    raftAssert(Number.isSafeInteger(ticks) && ticks >= 0, 'tick count must be a non-negative integer');
    if (ticks === 0) return;
    const s = this.#s;
    s.now += ticks;
    if (s.role === 'leader') replication.tickLeader(s, ticks);
    else election.tickElection(s, ticks);
  }

  /**
   * Handles one message from a peer, or this node's own vote (a self-addressed voteReply from
   * `sendAfterPersist`, which the host steps back once durable). Messages for another cluster or
   * node are dropped.
   */
  step(msg: RaftMessage): void {
    const s = this.#s;
    if (msg.clusterId !== s.clusterId || msg.to !== s.id) return;
    if (msg.from === s.id && msg.kind !== 'voteReply') return;
    if (!election.stepTerm(s, msg)) return;
    switch (msg.kind) {
      case 'preVote':
      case 'vote':
        election.handleVoteRequest(s, msg);
        return;
      case 'preVoteReply':
      case 'voteReply':
        election.handleVoteReply(s, msg);
        return;
      case 'timeoutNow':
        election.handleTimeoutNow(s);
        return;
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        replication.handleFromLeader(s, msg);
        return;
      case 'appendReply':
      case 'heartbeatReply':
      case 'snapshotReply':
        replication.handleReply(s, msg);
        return;
      case 'propose':
      case 'proposeReply':
      case 'readIndex':
      case 'readIndexReply':
        requests.handleRequestMsg(s, msg);
        return;
    }
  }

  /** Starts an election now (etcd MsgHup), through pre-vote when enabled. */
  campaign(): void {
    election.campaign(this.#s, false);
  }

  /**
   * The transport saw the connection from `node` close or reset (its process probably died): a
   * follower of `node` pre-votes at once instead of waiting for its election timeout (see
   * election.peerLost for why this cannot disrupt a healthy leader).
   */
  peerLost(node: NodeId): void {
    election.peerLost(this.#s, node);
  }

  /** Proposes application data; the outcome arrives in a later Ready's `proposalResults`. */
  propose(p: Proposal): void {
    requests.propose(this.#s, p);
  }

  /** Requests a linearizable read point (§6.4); the answer arrives in `readStates`. */
  readIndex(requestId: string): void {
    requests.readIndex(this.#s, requestId, this.#s.id);
  }

  /** Transfers leadership to `to`, or to the most up-to-date voter (§3.10). Leader only. */
  transferLeadership(to?: NodeId): AdminResult {
    return election.transferLeadership(this.#s, to);
  }

  /** Proposes a one-server membership change (§4.1). Leader only. */
  proposeConfChange(cc: ConfChange): AdminResult {
    return requests.proposeConfChange(this.#s, cc);
  }

  /** Proposes a new election timer through the log (at most doubling it, as OVS). Leader only. */
  changeElectionTimer(ms: number): AdminResult {
    return requests.changeElectionTimer(this.#s, ms);
  }

  /**
   * Compacts the log: `data` is the state machine after applying every entry up to `index`
   * (which must be applied). Entries up to `index` are dropped; lagging followers get the snapshot.
   */
  compact(index: LogIndex, data: Uint8Array): AdminResult {
    return compact(this.#s, index, data);
  }

  // ---- Ready cycle --------------------------------------------------------------------------

  /** True when `ready()` has something to do (and no Ready is outstanding). */
  hasReady(): boolean {
    const s = this.#s;
    if (this.#outstanding) return false;
    replication.flush(s);
    return !sameHard(this.#hard(), this.#prevHard) || s.log.unstableEntries().length > 0
      || s.pendingSnapshot !== undefined || s.msgs.length > 0 || s.msgsAfterPersist.length > 0
      || s.log.nextApply().length > 0 || s.readStates.length > 0 || s.proposalResults.length > 0;
  }

  /**
   * Takes the next batch of work. Call `advance(ready)` once it is taken in hand (messages in
   * `send` sent, `apply` applied, the write started), then `persisted(ready)` once its write is
   * durable. Entries handed out here are never handed out again, unless a truncation replaces them.
   */
  ready(): Ready {
    const s = this.#s;
    raftAssert(!this.#outstanding, 'ready() called before advance() of the previous Ready');
    this.#outstanding = true;
    replication.flush(s);
    const hard = this.#hard();
    const hardChanged = !sameHard(hard, this.#prevHard);
    const append = s.log.unstableEntries();
    const snap = s.pendingSnapshot;
    s.pendingSnapshot = undefined;
    const apply = s.log.nextApply();
    requests.resolveApplied(s, apply, snap?.install === true ? snap.snapshot.meta.index : undefined);
    const lastApplied = apply.at(-1);
    if (lastApplied !== undefined) s.log.applied = lastApplied.index;
    const lastAppended = append.at(-1);
    if (lastAppended !== undefined) s.log.acceptInProgress(lastAppended.index);
    let send = s.msgs;
    let sendAfterPersist = s.msgsAfterPersist;
    if (s.settings.skipPersistBeforeSend) {
      // Test fault: acknowledgements (votes, append and snapshot answers) leave before the state
      // they vouch for is durable (breaks §3.8). The self-vote stays: it is not sent anywhere.
      send = [...send, ...sendAfterPersist.filter((m) => m.to !== s.id)];
      sendAfterPersist = sendAfterPersist.filter((m) => m.to === s.id);
    }
    const rd: Ready = {
      ...(hardChanged ? { hardState: hard } : {}),
      append,
      ...(snap !== undefined ? { snapshot: snap.snapshot } : {}),
      installSnapshot: snap?.install ?? false,
      send,
      sendAfterPersist,
      apply,
      readStates: s.readStates,
      proposalResults: s.proposalResults,
    };
    this.#prevHard = hard;
    s.msgs = [];
    s.msgsAfterPersist = [];
    s.readStates = [];
    s.proposalResults = [];
    this.#unpersisted.push(rd);
    return rd;
  }

  /** Releases `rd`: the next `ready()` may be taken while its write is still in flight. */
  advance(rd: Ready): void {
    raftAssert(this.#outstanding && this.#unpersisted.includes(rd), 'advance() without ready()');
    this.#outstanding = false;
  }

  /**
   * `rd`'s hardState, entries and snapshot are durable. Called for every Ready, in the order they
   * were taken (the LogStore completes writes in order; a Ready with nothing to write is
   * "durable" once every earlier one is). Entries become stable, and so count for the leader's
   * own match (thesis §10.2.1: it replicated them while its own write was in flight) and may be
   * applied. The host sends `rd.sendAfterPersist` after this call.
   */
  persisted(rd: Ready): void {
    const s = this.#s;
    raftAssert(this.#unpersisted[0] === rd, 'persisted() out of order or twice');
    this.#unpersisted.shift();
    const last = rd.append.at(-1);
    if (last !== undefined) s.log.stableTo(last.index, last.term);
    if (s.role === 'leader') replication.onSelfStable(s);
  }

  #hard(): HardState {
    const s = this.#s;
    return { term: s.term, vote: s.vote, commit: s.log.committed };
  }

  // ---- status -------------------------------------------------------------------------------

  get id(): NodeId { return this.#s.id; }
  get role(): Role { return this.#s.role; }
  get term(): Term { return this.#s.term; }
  get vote(): NodeId | null { return this.#s.vote; }
  get leader(): NodeId | null { return this.#s.leader; }
  get commitIndex(): LogIndex { return this.#s.log.committed; }
  get appliedIndex(): LogIndex { return this.#s.log.applied; }
  get lastIndex(): LogIndex { return this.#s.log.lastIndex(); }
  get firstIndex(): LogIndex { return this.#s.log.firstIndex(); }
  get config(): Membership { return this.#s.config; }
  get electionTimerMs(): number { return this.#s.electionTimerMs; }
  /** True if this node is a voter in its latest configuration (it may campaign). */
  get isVoter(): boolean { return isVoter(this.#s.config, this.#s.id); }
  /** True if this node is in its latest configuration at all. */
  get isMember(): boolean { return isMember(this.#s.config, this.#s.id); }

  /** The in-memory log entries in [lo, hi) (both clamped to what is held). For tests and checkers. */
  entries(lo = 0, hi = Number.POSITIVE_INFINITY): readonly LogEntry[] {
    const log = this.#s.log;
    const a = Math.max(lo, log.firstIndex());
    const b = Math.min(hi, log.lastIndex() + 1);
    return a < b ? log.slice(a, b) : [];
  }

  /** The term of the entry at `index` (also the snapshot's own index), or undefined if not held. */
  termAt(index: number): Term | undefined {
    return this.#s.log.term(index);
  }

  /** The snapshot being received from the leader, if any: its index and bytes so far (progress logs). */
  incomingSnapshot(): { readonly index: LogIndex; readonly received: number; readonly total: number } | undefined {
    const inc = this.#s.incoming;
    return inc === undefined ? undefined : { index: inc.meta.index, received: inc.received, total: inc.total };
  }

  /** A cluster/status-like view. */
  status(): RaftStatus {
    const s = this.#s;
    const progress: PeerStatus[] = [];
    if (s.role === 'leader') {
      for (const id of peersOf(s.config, s.id)) {
        const pr = s.progress.get(id);
        if (pr === undefined) continue;
        progress.push({
          id, voter: isVoter(s.config, id), match: pr.match, next: pr.next, state: pr.state,
          recentActive: pr.recentActive, inflightMsgs: pr.inflights.count, inflightBytes: pr.inflights.bytes,
        });
      }
    }
    return {
      id: s.id, role: s.role, term: s.term, vote: s.vote, leader: s.leader, commitIndex: s.log.committed,
      appliedIndex: s.log.applied, lastIndex: s.log.lastIndex(), firstIndex: s.log.firstIndex(),
      config: s.config, electionTimerMs: s.electionTimerMs, progress,
    };
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
