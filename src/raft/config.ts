/**
 * Configuration of one RaftCore, and the Ready batch it hands out.
 */
import type { RaftMessage } from './messages.js';
import type {
  HardState, LogEntry, LogIndex, Membership, NodeId, ProposalResult, ReadState, Role, Snapshot, Term,
} from './types.js';

/**
 * Fault switches for the simulator, to prove its checkers catch real bugs. Production never sets
 * them (the host ignores nothing: a core built with any of these is deliberately unsafe).
 */
export interface RaftTestFaults {
  /** Grant a vote to any candidate in a term even after voting for another (breaks §3.4). */
  readonly voteTwiceInTerm?: boolean;
  /**
   * Commit an entry of an earlier term by counting replicas (the Figure 3.7 bug, §3.6.2). Only
   * unsafe in the narrow window before a new leader's no-op is replicated; see the transcript
   * test/raft/transcripts/3.6.2-figure-3.7-fault.txt for a schedule that exposes it.
   */
  readonly commitPriorTermByCounting?: boolean;
  /**
   * Put the acknowledgements (vote, append and snapshot answers) in `Ready.send` instead of
   * `sendAfterPersist`, so they leave before the state they vouch for is durable (breaks §3.8).
   */
  readonly skipPersistBeforeSend?: boolean;
}

/** Settings of one RaftCore. Times are in ms and converted to ticks of `tickMs`. */
export interface RaftConfig {
  /** This server. */
  readonly id: NodeId;
  /** Every message carries it; messages from another cluster are dropped. */
  readonly clusterId: string;
  /**
   * Bootstrap: when storage is empty and this is set, the core writes a config entry at
   * index 1, term 1 with these voters, committed (every founding member writes the same entry).
   * A server that joins later leaves it unset and learns membership from the leader.
   */
  readonly bootstrapVoters?: readonly NodeId[];
  /** Length of one tick in ms (the host's timer period; it ticks by elapsed time). Default 10. */
  readonly tickMs?: number;
  /**
   * Election timer until a committed `electionTimer` entry or snapshot says otherwise.
   * 100..600000, default 1000. Followers time out after a random [T, 2T) (§3.4).
   */
  readonly electionTimerMs?: number;
  /** Seeded source of [0, 1) numbers for election jitter. Default: a PRNG seeded from `seed`. */
  readonly random?: () => number;
  /** Seed for the built-in PRNG when `random` is absent. Default: a hash of `id`. */
  readonly seed?: number;
  /** Pre-vote (§9.6). Default true. */
  readonly preVote?: boolean;
  /** A leader steps down when it has not heard from a quorum for an election timeout. Default true. */
  readonly checkQuorum?: boolean;
  /** Most bytes of entry data per append message (always at least one entry). Default 64 KiB. */
  readonly maxMsgBytes?: number;
  /** Most append messages in flight per follower. Default 64. */
  readonly maxInflightMsgs?: number;
  /** Most entry bytes in flight per follower (0 = unbounded). Default 1 MiB. */
  readonly maxInflightBytes?: number;
  /** Size of one InstallSnapshot chunk. Default 64 KiB. */
  readonly snapshotChunkBytes?: number;
  /** A learner is "caught up" when its match is within this many entries of the leader's last. Default 0. */
  readonly catchUpMaxLagEntries?: number;
  /**
   * Serve reads from a leader lease (no heartbeat round) when a quorum acknowledged a heartbeat
   * sent within electionTimeout * (1 - maxClockDriftRatio). Default false.
   */
  readonly leaseReads?: boolean;
  /** Bound on relative clock rate difference between servers for leases. Default 0.1. */
  readonly maxClockDriftRatio?: number;
  /** See RaftTestFaults; never set in production. */
  readonly testFaults?: RaftTestFaults;
}

/**
 * One batch of work for the host (etcd Ready with async storage writes, STYLE habit 2):
 * 1. Send `send` now: nothing in it vouches for durable state (appends and heartbeats from a
 *    leader, thesis §10.2.1; heartbeat replies; pre-votes; ReadIndex; forwarded proposals).
 * 2. If `installSnapshot`, load `snapshot` into the state machine; then apply `apply` in order
 *    (committed entries that are already durable here) and deliver `readStates` /
 *    `proposalResults`.
 * 3. Start writing `snapshot`, then `append`, then `hardState` (one atomic write), and call
 *    `advance(ready)`: the next Ready may be taken while this write is in flight.
 * 4. Once the write is durable, call `persisted(ready)` (every Ready, in the order taken; one
 *    with nothing to write once the earlier ones are durable), then send `sendAfterPersist`,
 *    stepping a message addressed to this node (its own vote) back into the core.
 * Fields are always present (possibly empty) so hosts and checkers need no undefined checks,
 * except the two optional persistence items.
 */
export interface Ready {
  /** Changed term/vote/commit to persist. */
  readonly hardState?: HardState;
  /**
   * Entries to persist. They replace any stored entries at index >= append[0].index (a follower
   * truncating a conflicting suffix, §3.5). Never the same entry twice, unless such a
   * truncation replaced it in between.
   */
  readonly append: readonly LogEntry[];
  /**
   * A snapshot to persist. The store drops entries <= its index; if the store has no entry with
   * the snapshot's (index, term) it drops the whole log (a snapshot from the leader replacing it).
   */
  readonly snapshot?: Snapshot;
  /** True when `snapshot` came from the leader and must replace the state machine. */
  readonly installSnapshot: boolean;
  /** Messages that may leave at once, before the write is durable. */
  readonly send: readonly RaftMessage[];
  /**
   * Messages that acknowledge durable state (vote, append and snapshot answers, §3.8), valid only
   * once this Ready's write, and every earlier one, is durable. A voteReply addressed to this
   * node is its own vote as candidate: step it into the core (it counts only once durable).
   */
  readonly sendAfterPersist: readonly RaftMessage[];
  /** Committed entries to apply, in index order (all durable on this server). */
  readonly apply: readonly LogEntry[];
  /** Answers to readIndex requests. */
  readonly readStates: readonly ReadState[];
  /** Outcomes of proposals made on this node. */
  readonly proposalResults: readonly ProposalResult[];
}

/** Status of one peer as seen by a leader (a cluster/status-like view). */
export interface PeerStatus {
  readonly id: NodeId;
  readonly voter: boolean;
  readonly match: LogIndex;
  readonly next: LogIndex;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly recentActive: boolean;
  readonly inflightMsgs: number;
  readonly inflightBytes: number;
}

/** Read-only snapshot of a core's status. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commitIndex: LogIndex;
  readonly appliedIndex: LogIndex;
  readonly lastIndex: LogIndex;
  readonly firstIndex: LogIndex;
  readonly config: Membership;
  readonly electionTimerMs: number;
  /** Only on a leader: every other member's replication progress. */
  readonly progress: readonly PeerStatus[];
}
