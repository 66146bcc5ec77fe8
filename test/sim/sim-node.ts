/**
 * One simulated server: a real RaftCore from src/raft driven through the Ready contract over a
 * SimDisk, a drifting NodeClock and the SimNetwork, plus the key-value state machine and the
 * server side of the client protocol (proposals for writes, ReadIndex for reads).
 *
 * The production RaftHost runs the Ready cycle (persist, then send, then apply); the simulator
 * only supplies its ports. A crash drops the node's object graph; the disk (durable part only)
 * and the id survive.
 */
import type { RaftConfig, RaftTestFaults } from '../../src/raft/config.js';
import type { RaftCore } from '../../src/raft/core.js';
import { RaftHost } from '../../src/raft/host.js';
import type { RaftMessage } from '../../src/raft/messages.js';
import {
  entryId, logIndex, nodeId, type LogEntry, type NodeId, type ProposalResult, type ReadState, type Snapshot,
} from '../../src/raft/types.js';
import type { KvResult } from './checkers/linearizability.js';
import { KvStateMachine, decodeCommand, encodeCommand } from './kv-state-machine.js';
import type { NodeClock } from './sim-clock.js';
import type { SimDisk } from './sim-disk.js';
import type { ClientRequest, ClientResponse } from './workload.js';

/** What a node reports to the world (the cluster wires these to the network and checkers). */
export interface NodeHooks {
  send(msg: RaftMessage): void;
  respond(r: ClientResponse): void;
  applied(node: string, entry: LogEntry, sm: KvStateMachine): void;
  reset(node: string, index: number, sm: KvStateMachine): void;
  acked(id: string, index: number): void;
  trace(line: string): void;
}

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
}

/** A running incarnation of one server. */
export class SimNode {
  readonly host: RaftHost;
  sm: KvStateMachine;
  appliedIndex: number;
  #proposals = new Map<string, { clientId: number; seq: number }>();
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
      maxMsgBytes: 2048,
      snapshotChunkBytes: 256,
      ...(settings.bootstrapVoters !== undefined ? { bootstrapVoters: settings.bootstrapVoters.map(nodeId) } : {}),
      ...(settings.testFaults !== undefined ? { testFaults: settings.testFaults } : {}),
    };
    const snap = disk.snapshot();
    this.sm = snap === undefined ? new KvStateMachine() : KvStateMachine.decode(snap.data);
    this.appliedIndex = snap?.meta.index ?? 0;
    hooks.reset(id, this.appliedIndex, this.sm);
    this.host = new RaftHost({
      config,
      store: disk,
      transport: { send: (m) => hooks.send(m) },
      timers: clock,
      events: {
        onApply: (entries) => this.#apply(entries),
        onSnapshot: (snapshot) => this.#install(snapshot),
        onReadState: (rs) => this.#readState(rs),
        onProposalResult: (pr) => this.#proposalResult(pr),
        onFatal: (err) => {
          throw err;
        },
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

  /** Delivers one message. */
  step(msg: RaftMessage): void {
    this.host.receive(msg);
  }

  #install(snapshot: Snapshot): void {
    this.sm = KvStateMachine.decode(snapshot.data);
    this.appliedIndex = snapshot.meta.index;
    this.hooks.reset(this.id, this.appliedIndex, this.sm);
    this.hooks.trace(`${this.id} install ${this.appliedIndex}`);
  }

  #apply(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      if (e.kind === 'normal') this.sm.apply(decodeCommand(e.data));
      this.appliedIndex = e.index;
      this.hooks.applied(this.id, e, this.sm);
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
    const p = this.#proposals.get(pr.id);
    if (p === undefined) return;
    this.#proposals.delete(pr.id);
    const result = this.sm.resultFor(p.clientId, p.seq);
    if (pr.outcome === 'committed' && pr.index !== undefined) this.hooks.acked(pr.id, pr.index);
    if ((pr.outcome === 'committed' || pr.outcome === 'unknown') && result !== undefined) this.#reply(p.clientId, p.seq, result);
    else this.#retry(p.clientId, p.seq);
  }

  #serveReads(): void {
    for (const [id, r] of this.#reads) {
      if (r.index === undefined || r.index > this.appliedIndex) continue;
      this.#reads.delete(id);
      this.#reply(r.clientId, r.seq, { kind: 'get', value: this.sm.get(r.key) });
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
    } else {
      const id = `k:${tag}`;
      this.#proposals.set(id, { clientId: req.clientId, seq: req.seq });
      this.host.propose({ id: entryId(id), data: encodeCommand({ c: req.clientId, s: req.seq, op: req.op }) });
    }
  }

  /** Compacts the log at the applied index (a snapshot at a random point). */
  compact(): boolean {
    if (this.appliedIndex <= this.core.firstIndex) return false;
    return this.host.compact(logIndex(this.appliedIndex), this.sm.encode()).ok;
  }

  /** The id as the core's brand. */
  get nodeId(): NodeId {
    return nodeId(this.id);
  }
}

function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
