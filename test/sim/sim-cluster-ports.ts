/**
 * The simulator's adapters for the ports of the production clustered host
 * (src/server/cluster-ports.ts), as src/cli/open-database.ts builds a RaftDiskStore and a
 * RaftTransport for it:
 *
 *   ClusterStore  SimClusterStore: the node's SimDisk (the Raft log, hard state and snapshot,
 *                 crash-truncated like the real one) plus the member's identity (meta)
 *   ClusterNet    SimClusterNet: frames {kind:'raft'|'app'} through the SimNetwork, so they meet
 *                 its delay, loss, duplication, reordering and partitions; peers named by node id
 *                 (the address of every member is its id); onPeerLost fed by the cluster's
 *                 crash and spurious-reset events
 *   Clock         the node's NodeClock (sim-clock.ts), with its drift, stalls and jumps
 *
 * Each store outlives the hosts built over it: a restarted node gets a new ClusteredHost over
 * the same store, as a restarted process reopens its directory.
 */
import type { PersistBatch } from '../../src/raft/ports.js';
import type { HardState, LogEntry, Snapshot } from '../../src/raft/types.js';
import type { ClusterFrame, ClusterMeta, ClusterNet, ClusterStore, PeerRef } from '../../src/server/cluster-ports.js';
import type { SimDisk } from './sim-disk.js';

/** A ClusterStore over a SimDisk. The meta is durable at once (the simulator never changes it). */
export class SimClusterStore implements ClusterStore {
  #meta: ClusterMeta;
  /** Called before every write is handed to the disk (the node records what it applied first). */
  beforeWrite: ((batch: PersistBatch) => void) | undefined;

  constructor(readonly disk: SimDisk, meta: ClusterMeta) {
    this.#meta = meta;
  }

  hardState(): HardState {
    return this.disk.hardState();
  }

  snapshot(): Snapshot | undefined {
    return this.disk.snapshot();
  }

  entries(): readonly LogEntry[] {
    return this.disk.entries();
  }

  write(batch: PersistBatch, done: (err?: Error) => void): void {
    this.beforeWrite?.(batch);
    this.disk.write(batch, done);
  }

  meta(): ClusterMeta {
    return this.#meta;
  }

  setMeta(meta: ClusterMeta): Promise<void> {
    this.#meta = meta;
    return Promise.resolve();
  }

  stats(): { readonly entries: number; readonly logBytes: number; readonly writes: number; readonly syncs: number } {
    const entries = this.disk.logical.entries;
    return { entries: entries.length, logBytes: entries.reduce((n, e) => n + e.data.length, 0), writes: this.disk.stats.writes, syncs: this.disk.stats.writes };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A fault in the simulated network between members, for proving the checkers bite (never in
 * the swarm): `renameRids` gives every forwarded transaction a fresh request id on every send,
 * as if the leader did not recognise a resent request, so the leader's exactly-once check
 * (Raft thesis §6.3) cannot see retries; answers are mapped back so the follower still replies.
 */
export interface NetFaults {
  readonly renameRids?: boolean;
}

/** One member's ClusterNet over the simulated network. Addresses are node ids. */
export class SimClusterNet implements ClusterNet {
  #onFrame: ((frame: ClusterFrame, from: PeerRef) => void) | undefined;
  #onPeerLost: ((from: PeerRef) => void) | undefined;
  #closed = false;
  #renamed = 0;

  constructor(
    readonly id: string,
    private readonly wire: (to: string, frame: ClusterFrame) => void,
    private readonly faults: NetFaults = {},
  ) {}

  send(address: string, frame: ClusterFrame): void {
    if (this.#closed) return;
    this.wire(address, this.faults.renameRids === true ? this.#rename(frame) : frame);
  }

  onFrame(handler: (frame: ClusterFrame, from: PeerRef) => void): void {
    this.#onFrame = handler;
  }

  onPeerLost(handler: (from: PeerRef) => void): void {
    this.#onPeerLost = handler;
  }

  setClusterId(_cid: string): void {
    // Every simulated member is built with the cluster id; nothing else shares the network.
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** The node crashed: nothing more leaves it. */
  kill(): void {
    this.#closed = true;
  }

  /** A frame arrives from member `from`. */
  deliver(frame: ClusterFrame, from: string): void {
    if (this.#closed) return;
    this.#onFrame?.(this.faults.renameRids === true ? unrename(frame) : frame, { sid: from, address: from });
  }

  /** The connection from `from` reset (it crashed, or spuriously). */
  peerLost(from: string): void {
    if (this.#closed) return;
    this.#onPeerLost?.({ sid: from, address: from });
  }

  #rename(frame: ClusterFrame): ClusterFrame {
    const body = appBody(frame);
    if (body === undefined || body['t'] !== 'txn' || typeof body['rid'] !== 'string') return frame;
    return { kind: 'app', body: { ...body, rid: `${body['rid']}~${++this.#renamed}` } };
  }
}

function appBody(frame: ClusterFrame): Record<string, unknown> | undefined {
  if (frame.kind !== 'app' || typeof frame.body !== 'object' || frame.body === null || Array.isArray(frame.body)) return undefined;
  return frame.body as Record<string, unknown>;
}

/** Maps a renamed rid in a leader's answer back to the follower's own. */
function unrename(frame: ClusterFrame): ClusterFrame {
  const body = appBody(frame);
  const rid = body?.['rid'];
  if (body === undefined || body['t'] !== 'txnReply' || typeof rid !== 'string' || !rid.includes('~')) return frame;
  return { kind: 'app', body: { ...body, rid: rid.slice(0, rid.indexOf('~')) } };
}
