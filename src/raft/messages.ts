/**
 * Every Raft RPC as one discriminated union. Every message carries the cluster id (a mismatch is
 * dropped, as in OVS) and the sender's term (thesis §3.3: "if one server's current term is smaller
 * than the other's, it updates its current term").
 */
import type {
  EntryId, LogEntry, LogIndex, NodeId, ProposalOutcome, SnapshotMeta, Term,
} from './types.js';

/** Fields on every message. */
export interface MessageHeader {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly clusterId: string;
  readonly term: Term;
}

/** Pre-vote request (§9.6); `term` is the term the sender would campaign in, its own is term-1. */
export interface PreVoteMsg extends MessageHeader {
  readonly kind: 'preVote';
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
}
/** Pre-vote answer; `term` echoes the request's term when granted, else the responder's term. */
export interface PreVoteReplyMsg extends MessageHeader {
  readonly kind: 'preVoteReply';
  readonly granted: boolean;
}
/** RequestVote (§3.4). `transfer` marks a campaign started by TimeoutNow (§3.10, §4.2.3). */
export interface VoteMsg extends MessageHeader {
  readonly kind: 'vote';
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
  readonly transfer: boolean;
}
export interface VoteReplyMsg extends MessageHeader {
  readonly kind: 'voteReply';
  readonly granted: boolean;
}
/** AppendEntries with entries (§3.5). */
export interface AppendMsg extends MessageHeader {
  readonly kind: 'append';
  readonly prevIndex: LogIndex;
  readonly prevTerm: Term;
  readonly entries: readonly LogEntry[];
  readonly commit: LogIndex;
}
/**
 * AppendEntries answer. On success `index` is the follower's match index. On rejection `index`
 * is the rejected prevIndex and (hintIndex, hintTerm) let the leader skip a whole term of
 * conflicting entries at once (thesis §5.4.2 / etcd findConflictByTerm).
 */
export interface AppendReplyMsg extends MessageHeader {
  readonly kind: 'appendReply';
  readonly success: boolean;
  readonly index: LogIndex;
  readonly hintIndex: LogIndex;
  readonly hintTerm: Term;
}
/**
 * Heartbeat: an empty AppendEntries that carries no log position, so `commit` is already capped
 * at the follower's match index. `seq` confirms leadership for ReadIndex (§6.4).
 */
export interface HeartbeatMsg extends MessageHeader {
  readonly kind: 'heartbeat';
  readonly commit: LogIndex;
  readonly seq: number;
}
export interface HeartbeatReplyMsg extends MessageHeader {
  readonly kind: 'heartbeatReply';
  readonly seq: number;
}
/** One chunk of InstallSnapshot (§5.3): bytes [offset, offset+data.length) of `totalBytes`. */
export interface SnapshotMsg extends MessageHeader {
  readonly kind: 'snapshot';
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly totalBytes: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}
/** Snapshot progress: `offset` = bytes received so far; `done` once installed. */
export interface SnapshotReplyMsg extends MessageHeader {
  readonly kind: 'snapshotReply';
  readonly index: LogIndex;
  readonly offset: number;
  readonly done: boolean;
}
/** Leadership transfer (§3.10): "start an election now, ignoring your timer". */
export interface TimeoutNowMsg extends MessageHeader {
  readonly kind: 'timeoutNow';
}
/** A follower forwards a ReadIndex request to the leader. */
export interface ReadIndexMsg extends MessageHeader {
  readonly kind: 'readIndex';
  readonly requestId: string;
}
export interface ReadIndexReplyMsg extends MessageHeader {
  readonly kind: 'readIndexReply';
  readonly requestId: string;
  readonly ok: boolean;
  readonly index: LogIndex;
}
/** A follower forwards a proposal to the leader. */
export interface ProposeMsg extends MessageHeader {
  readonly kind: 'propose';
  readonly id: EntryId;
  readonly data: Uint8Array;
  /** Absent: unconditional. Null: "no normal entry yet". */
  readonly prereq?: EntryId | null;
}
/** The leader's answer: appended at `index`, or stale/dropped. */
export interface ProposeReplyMsg extends MessageHeader {
  readonly kind: 'proposeReply';
  readonly id: EntryId;
  readonly outcome: 'appended' | Extract<ProposalOutcome, 'stale' | 'dropped'>;
  readonly index: LogIndex;
}

/** Every Raft RPC. Switch on `kind`; switches are exhaustive. */
export type RaftMessage =
  | PreVoteMsg | PreVoteReplyMsg | VoteMsg | VoteReplyMsg
  | AppendMsg | AppendReplyMsg | HeartbeatMsg | HeartbeatReplyMsg
  | SnapshotMsg | SnapshotReplyMsg | TimeoutNowMsg
  | ReadIndexMsg | ReadIndexReplyMsg | ProposeMsg | ProposeReplyMsg;

/** The message kinds, for tests and decoders. */
export const raftMessageKinds = [
  'preVote', 'preVoteReply', 'vote', 'voteReply', 'append', 'appendReply', 'heartbeat',
  'heartbeatReply', 'snapshot', 'snapshotReply', 'timeoutNow', 'readIndex', 'readIndexReply',
  'propose', 'proposeReply',
] as const satisfies readonly RaftMessage['kind'][];

/** Distributes Omit over a union, so `Omit<RaftMessage, header>` stays a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message body: what the core fills in before adding from/to/clusterId/term. */
export type MessageBody = DistributiveOmit<RaftMessage, keyof MessageHeader>;
