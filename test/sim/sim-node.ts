/**
 * One simulated server of the key-value workload: the production RaftHost + RaftCore from
 * src/raft over a SimDisk, a drifting NodeClock and the SimNetwork, plus the key-value state
 * machine (app.ts) and the server side of the client protocol: writes go to the application,
 * reads use ReadIndex (Raft thesis §6.4) and are served once the local replica has applied that
 * far. (The OVSDB workload runs the production ClusteredHost instead: ovsdb-node.ts.)
 *
 * The production RaftHost runs the Ready cycle (send what may leave at once, start the write,
 * apply; once durable, send the acknowledgements) and ticks the core by the NodeClock's elapsed
 * time; the simulator only supplies its ports. A crash drops the node's object graph; the disk (durable part only)
 * and the id survive.
 */
import type { RaftConfig, RaftTestFaults } from '../../src/raft/config.js';
import type { RaftCore } from '../../src/raft/core.js';
import { RaftHost } from '../../src/raft/host.js';
import type { RaftMessage } from '../../src/raft/messages.js';
import {
  logIndex, nodeId, type LogEntry, type ProposalResult, type ReadState, type Snapshot,
} from '../../src/raft/types.js';
import type { ClusterFrame } from '../../src/server/cluster-ports.js';
import { KvApp, type App, type AppHost } from './app.js';
import type { KvResult } from './checkers/linearizability.js';
import type { NodeClock } from './sim-clock.js';
import type { SimDisk } from './sim-disk.js';
import type { NodeHooks, SimServer } from './sim-server.js';
import type { RaftLimits } from './swarm.js';
import type { ClientRequest } from './workload.js';

interface PendingRead {
  readonly clientId: number;
  readonly seq: number;
  readonly key: string;
  index: number | undefined;
}

/** Static settings of a node. */
export interface NodeSettings {
  readonly clusterId: string;
  readonly tickMs: number;
  readonly electionTimerMs: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly leaseReads: boolean;
  readonly bootstrapVoters: readonly string[] | undefined;
  readonly seed: number;
  readonly testFaults: RaftTestFaults | undefined;
  readonly raftLimits: RaftLimits;
}

/** A running incarnation of one server. */
export class SimNode implements SimServer {
  readonly host: RaftHost;
  readonly app: App;
  #reads = new Map<string, PendingRead>();

  constructor(
    readonly id: string,
    readonly disk: SimDisk,
    readonly clock: NodeClock,
    settings: NodeSettings,
    private readonly hooks: NodeHooks,
    incarnation: number,
  ) {
    const config: RaftConfig = {
      id: nodeId(id),
      clusterId: settings.clusterId,
      tickMs: settings.tickMs,
      electionTimerMs: settings.electionTimerMs,
      seed: (settings.seed * 31 + incarnation * 7919 + hashId(id)) >>> 0,
      preVote: settings.preVote,
      checkQuorum: settings.checkQuorum,
      leaseReads: settings.leaseReads,
      maxMsgBytes: settings.raftLimits.maxMsgBytes,
      maxInflightMsgs: settings.raftLimits.maxInflightMsgs,
      maxInflightBytes: settings.raftLimits.maxInflightBytes,
      snapshotChunkBytes: settings.raftLimits.snapshotChunkBytes,
      ...(settings.bootstrapVoters !== undefined ? { bootstrapVoters: settings.bootstrapVoters.map(nodeId) } : {}),
      ...(settings.testFaults !== undefined ? { testFaults: settings.testFaults } : {}),
    };
    const appHost: AppHost = {
      propose: (p) => this.host.propose(p),
      reply: (c, s, r) => this.#reply(c, s, r),
      retry: (c, s) => this.#retry(c, s),
      acked: (eid, index) => hooks.acked(eid, index),
      nowMs: () => clock.nowMs(),
      proposed: (eid, c, s, r) => hooks.proposed(eid, c, s, r),
    };
    this.app = new KvApp(appHost);
    this.app.load(disk.snapshot());
    hooks.reset(id, this.app.appliedIndex, () => this.app.stateJson());
    this.host = new RaftHost({
      config,
      store: disk,
      transport: { send: (m: RaftMessage) => hooks.send(id, m.to, { kind: 'raft', msg: m }) },
      timers: clock,
      events: {
        onApply: (entries) => this.#apply(entries),
        onSnapshot: (snapshot) => this.#install(snapshot),
        onReadState: (rs) => this.#readState(rs),
        onProposalResult: (pr) => this.#proposalResult(pr),
        // The host stopped on a storage error (crashing beats diverging): the world restarts it.
        onFatal: () => hooks.fatal(id),
      },
    });
  }

  /** The core this host drives (read-only use: status and checkers). */
  get core(): RaftCore {
    return this.host.core;
  }

  /** Starts the host's tick timer. */
  start(): void {
    this.host.start();
  }

  /** Stops this incarnation: pending disk callbacks and timers are ignored from now on. */
  stop(): void {
    this.host.stop();
  }

  /** Fires the node's due timers (the host's tick). */
  tick(): void {
    this.clock.fireDue();
  }

  /** Delivers one frame (the key-value workload has only Raft messages). */
  receive(frame: ClusterFrame, _from: string): void {
    if (frame.kind === 'raft') this.host.receive(frame.msg);
  }

  peerLost(from: string): void {
    this.host.peerLost(nodeId(from));
  }

  /** Applies are reported as they happen. */
  settle(): void {}

  /** Index of the last entry the application applied. */
  get appliedIndex(): number {
    return this.app.appliedIndex;
  }

  #install(snapshot: Snapshot): void {
    this.app.load(snapshot);
    this.hooks.reset(this.id, this.app.appliedIndex, () => this.app.stateJson());
    this.hooks.trace(`${this.id} install ${this.app.appliedIndex}`);
  }

  #apply(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      this.app.apply(e);
      this.hooks.applied(this.id, e, () => this.app.stateJson());
    }
    this.#serveReads();
  }

  #readState(rs: ReadState): void {
    const r = this.#reads.get(rs.requestId);
    if (r === undefined) return;
    if (rs.ok) r.index = rs.index;
    else {
      this.#reads.delete(rs.requestId);
      this.#retry(r.clientId, r.seq);
    }
    this.#serveReads();
  }

  #proposalResult(pr: ProposalResult): void {
    this.hooks.outcome(this.id, pr.id, pr.outcome);
    this.app.proposalResult(pr);
  }

  #serveReads(): void {
    for (const [id, r] of this.#reads) {
      if (r.index === undefined || r.index > this.appliedIndex) continue;
      this.#reads.delete(id);
      this.#reply(r.clientId, r.seq, { kind: 'get', value: this.app.read(r.key) });
    }
  }

  #reply(clientId: number, seq: number, result: KvResult): void {
    this.hooks.respond({ clientId, seq, kind: 'result', result });
  }

  #retry(clientId: number, seq: number): void {
    const leader = this.core.leader;
    this.hooks.respond({ clientId, seq, kind: 'retry', leaderHint: leader === null ? undefined : leader });
  }

  /** A client request arrives at this server. */
  request(req: ClientRequest): void {
    const tag = `${req.clientId}:${req.seq}:${req.attempt}`;
    if (req.op.kind === 'get') {
      const requestId = `r:${tag}`;
      this.#reads.set(requestId, { clientId: req.clientId, seq: req.seq, key: req.op.key, index: undefined });
      this.host.readIndex(requestId);
    } else this.app.write(req);
  }

  /** Compacts the log at the applied index (a snapshot at a random point). */
  compact(): boolean {
    if (this.appliedIndex <= this.core.firstIndex) return false;
    return this.host.compact(logIndex(this.appliedIndex), this.app.encode()).ok;
  }
}

function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
