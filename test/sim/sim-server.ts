/**
 * What the simulated world needs of one running server, whichever workload it serves:
 * `SimNode` (sim-node.ts) runs a RaftHost with the key-value state machine, `OvsdbNode`
 * (ovsdb-node.ts) runs the production ClusteredHost. Both are rebuilt from their disk after a
 * crash; the world reaches the Raft host for admin events (membership, transfers, timers).
 */
import type { RaftCore } from '../../src/raft/core.js';
import type { RaftHost } from '../../src/raft/host.js';
import type { LogEntry } from '../../src/raft/types.js';
import type { ClusterFrame } from '../../src/server/cluster-ports.js';
import type { KvOp, KvResult } from './checkers/linearizability.js';
import type { ClientRequest, ClientResponse } from './workload.js';

/** One running incarnation of a server. */
export interface SimServer {
  readonly id: string;
  /** The Raft host (admin calls, scripted campaigns). */
  readonly host: RaftHost;
  /** Its core (read-only use: status and checkers). */
  readonly core: RaftCore;
  /** Index of the last entry the replicated state applied. */
  readonly appliedIndex: number;
  /** Fires the node's due timers. */
  tick(): void;
  /** A frame from member `from`. */
  receive(frame: ClusterFrame, from: string): void;
  /** The connection from `from` reset (it crashed, or spuriously). */
  peerLost(from: string): void;
  /** A client request arrives. */
  request(req: ClientRequest): void;
  /** Reports applied entries not reported yet (after every step of the world). */
  settle(): void;
  /** Compacts the log at the applied index (a snapshot at a random point); true if it did. */
  compact(): boolean;
  /** Stops this incarnation (a crash): nothing of it runs again. */
  stop(): void;
}

/** What a node reports to the world (the cluster wires these to the network and checkers). */
export interface NodeHooks {
  send(from: string, to: string, frame: ClusterFrame): void;
  respond(r: ClientResponse): void;
  /** `node` applied `entry`; `state` is given when the node's state is exactly that at the entry. */
  applied(node: string, entry: LogEntry, state: (() => string) | undefined): void;
  /** `node` continues after `index` (a restart, a snapshot); `state` is its state there, when known. */
  reset(node: string, index: number, state: (() => string) | undefined): void;
  /** `node` holds `state` after applying everything up to `index` (replica equality). */
  state(node: string, index: number, state: string): void;
  acked(id: string, index: number): void;
  proposed(id: string, clientId: number, seq: number, result: KvResult | undefined): void;
  /** The core reported the fate of a proposal made here. */
  outcome(node: string, id: string, outcome: string): void;
  /** The host stopped after a storage error. */
  fatal(node: string): void;
  trace(line: string): void;
  /** OVSDB workload: an entry carrying client `clientId`'s operation `seq` was applied at `index`. */
  opApplied(node: string, clientId: number, seq: number, entryId: string, index: number, value: number): void;
  /** OVSDB workload: `node` answered client `clientId`'s operation `seq` with counter value `value`. */
  opAnswered(node: string, clientId: number, seq: number, value: number): void;
  /**
   * OVSDB workload: a server-side observation (a transaction the node ran for a client) recorded
   * in the history as its own operation; returns a function that completes it.
   */
  observe(clientId: number, op: KvOp): (result: KvResult) => void;
}
