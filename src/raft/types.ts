/**
 * Public data types of the Raft core. Everything here is plain data: no classes, no I/O, so a
 * value can be persisted, sent over a wire or compared in a simulator checker as it is.
 *
 * src/raft imports nothing outside src/raft (it is shippable on its own), so it has its own brand.
 */

declare const raftBrand: unique symbol;
/** A nominal type, local to src/raft (the package may not import src/base). */
export type RaftBrand<T, Name extends string> = T & { readonly [raftBrand]: Name };

/** A Raft term (thesis §3.3). 0 means "before any election". */
export type Term = RaftBrand<number, 'Term'>;
/** A position in the replicated log. Index 0 is the empty prefix; the first entry is 1. */
export type LogIndex = RaftBrand<number, 'LogIndex'>;
/** A server's identity, stable for its whole life in the cluster. */
export type NodeId = RaftBrand<string, 'NodeId'>;
/** A cluster-wide unique id of one log entry (the proposer supplies it; see `entryIdFor`). */
export type EntryId = RaftBrand<string, 'EntryId'>;

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid ${what}: ${String(n)}`);
}

/** Checked constructor: a non-negative safe integer. */
export function term(n: number): Term {
  assertCount(n, 'term');
  return n as Term;
}

/** Checked constructor: a non-negative safe integer. */
export function logIndex(n: number): LogIndex {
  assertCount(n, 'log index');
  return n as LogIndex;
}

/** Checked constructor: a non-empty string. */
export function nodeId(s: string): NodeId {
  if (typeof s !== 'string' || s.length === 0) throw new Error('invalid node id');
  return s as NodeId;
}

/** Checked constructor: a non-empty string. */
export function entryId(s: string): EntryId {
  if (typeof s !== 'string' || s.length === 0) throw new Error('invalid entry id');
  return s as EntryId;
}

/**
 * The id the core gives entries it creates itself (noop, config, election timer). Derived from
 * term and index, so every replay of the same history produces the same id, and it cannot clash
 * with a proposer's ids (which must not start with `raft:`).
 */
export function entryIdFor(t: Term, i: LogIndex): EntryId {
  return `raft:${t}:${i}` as EntryId;
}

/**
 * What an entry does:
 * - `normal`: application data (an OVSDB transaction); `data` is opaque to the core.
 * - `config`: a membership configuration, `data` = `encodeMembership(...)`. Takes effect as soon
 *   as it is in the log, committed or not (thesis §4.1).
 * - `electionTimer`: the new election timer in ms, `data` = `encodeElectionTimer(...)`. Takes
 *   effect when committed (as in OVS).
 * - `noop`: appended by a new leader so it can commit entries of earlier terms (thesis §3.6.2).
 */
export type EntryKind = 'normal' | 'config' | 'electionTimer' | 'noop';

/** One log entry. Immutable once created: the core never mutates an entry it handed out. */
export interface LogEntry {
  readonly term: Term;
  readonly index: LogIndex;
  readonly id: EntryId;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** The state that must be durable before any message that depends on it is sent (§3.8). */
export interface HardState {
  readonly term: Term;
  /** The candidate voted for in `term`, or null. */
  readonly vote: NodeId | null;
  /** Highest index known committed; persisting it is an optimisation, not needed for safety. */
  readonly commit: LogIndex;
}

/**
 * A membership configuration. Voters elect and count for commitment; learners only receive the
 * log (thesis §4.2.1 "catch-up" servers, etcd learners). A node is never in both lists.
 */
export interface Membership {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /**
   * Where each member listens, by node id (OVS keeps "servers: {sid: address}" in its
   * configuration the same way). Opaque to the core: the host's transport reads it. A member
   * without an entry is reached by other means (tests, the simulator).
   */
  readonly addresses?: Readonly<Record<string, string>>;
}

/** Metadata of a snapshot: the state machine after applying every entry up to `index`. */
export interface SnapshotMeta {
  readonly index: LogIndex;
  readonly term: Term;
  /** The membership in effect at `index` (latest config entry at or below it). */
  readonly config: Membership;
  /** Index of the config entry `config` came from (0 for "none"). */
  readonly configIndex: LogIndex;
  /** The committed election timer at `index`. */
  readonly electionTimerMs: number;
  /** Id of the last `normal` entry at or below `index`, or null: the base for prereq checks. */
  readonly lastNormalId: EntryId | null;
}

/** A snapshot: metadata plus the application's serialized state. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** The roles of thesis §3.3, plus the pre-candidate of §9.6. */
export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** A proposal of application data. */
export interface Proposal {
  /** Cluster-wide unique id of the entry this proposal becomes (must not start with `raft:`). */
  readonly id: EntryId;
  readonly data: Uint8Array;
  /**
   * Conditional append (OVS "prereq"): if present, the leader appends only if the id of the last
   * `normal` entry in its log equals this (null: "no normal entry yet"); otherwise the result is
   * 'stale' and the proposer re-runs its transaction on fresh data.
   */
  readonly prereq?: EntryId | null;
}

/**
 * The fate of a proposal, reported once per proposal by the node it was proposed on:
 * - `committed`: the entry is committed and appears in this ready's (or an earlier) `apply`.
 * - `stale`: rejected because `prereq` did not match the leader's last normal entry.
 * - `dropped`: definitely not appended (no leader known, leadership transfer in progress,
 *   a duplicate id, or not a member).
 * - `lost`: appended, but a different entry was committed at its index (leader change).
 * - `unknown`: a snapshot moved this node past the entry's index; it may or may not be in it.
 */
export type ProposalOutcome = 'committed' | 'stale' | 'dropped' | 'lost' | 'unknown';

/** One reported proposal outcome. `index` is set for committed and lost. */
export interface ProposalResult {
  readonly id: EntryId;
  readonly outcome: ProposalOutcome;
  readonly index?: LogIndex;
}

/**
 * The answer to `readIndex(requestId)` (thesis §6.4). When `ok`, a read that reflects every
 * write committed before the request may be served once this node has applied `index`.
 */
export interface ReadState {
  readonly requestId: string;
  readonly ok: boolean;
  readonly index: LogIndex;
}

/** A membership change, one server at a time (thesis §4.1-4.3). */
export type ConfChange =
  /** Add a non-voting learner that receives the log (at `address`, if given). */
  | { readonly type: 'addLearner'; readonly node: NodeId; readonly address?: string }
  /** Add a learner that the leader promotes to voter once it has caught up (§4.2.1). */
  | { readonly type: 'addVoter'; readonly node: NodeId; readonly address?: string }
  /** Promote an existing, caught-up learner to voter. */
  | { readonly type: 'promote'; readonly node: NodeId }
  /** Remove a voter or learner (possibly the leader itself, §4.2.2). */
  | { readonly type: 'remove'; readonly node: NodeId };

/** The result of an admin request that the core validates synchronously. */
export type AdminResult = { readonly ok: true } | { readonly ok: false; readonly error: string };
