/**
 * What a clustered database needs from the adapters (STYLE habit 5: ports are defined where
 * they are consumed). The composition root passes a RaftDiskStore (src/storage) as the
 * ClusterStore and a RaftTransport (src/transport) as the ClusterNet; the simulator and unit
 * tests pass in-memory ones.
 */
import type { LogStore, RaftMessage } from '../raft/index.js';

/**
 * What a member knows of itself, kept durable with its log: database name, cluster id (null for
 * a joining member not given --cid, until it learns it), server id, its Raft address, and the
 * addresses to contact to join ([] for a founding member and once joined). The store defines the
 * shape it persists; the host only reads and replaces it.
 */
export type { ClusterMeta } from '../storage/raft-values.js';
import type { ClusterMeta } from '../storage/raft-values.js';

/** The Raft log, hard state and snapshot of one member, plus its identity. */
export interface ClusterStore extends LogStore {
  meta(): ClusterMeta;
  /** Durable. */
  setMeta(meta: ClusterMeta): Promise<void>;
  stats(): { readonly entries: number; readonly logBytes: number; readonly writes: number; readonly syncs: number };
  close(): Promise<void>;
}

/** What travels between members. */
export type ClusterFrame =
  | { readonly kind: 'raft'; readonly msg: RaftMessage }
  | { readonly kind: 'app'; readonly body: unknown };

/** The sender of an inbound frame, as its connection's handshake named it. */
export interface PeerRef {
  readonly sid: string;
  readonly address: string;
}

/** The network between members (src/transport/raft-transport.ts RaftTransport provides it). */
export interface ClusterNet {
  /** Best effort; never throws. */
  send(address: string, frame: ClusterFrame): void;
  onFrame(handler: (frame: ClusterFrame, from: PeerRef) => void): void;
  /** The connection from a peer closed or was reset (its process may have died). */
  onPeerLost(handler: (from: PeerRef) => void): void;
  setClusterId(cid: string): void;
  close(): Promise<void>;
}
