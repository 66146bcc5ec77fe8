/**
 * One simulated server: a real RaftCore from src/raft driven through the Ready contract over a
 * SimDisk, a drifting NodeClock and the SimNetwork, plus the key-value state machine and the
 * server side of the client protocol (proposals for writes, ReadIndex for reads).
 *
 * The Ready cycle (config.ts): persist snapshot/append/hardState, and only once the disk says it
 * is durable send the messages, install/apply, answer reads and proposals, then advance().
 * A crash drops the node's object graph; the disk (durable part only) and the id survive.
 */
import { RaftCore } from '../../src/raft/core.js';
import type { RaftConfig, RaftTestFaults, Ready } from '../../src/raft/config.js';
import type { RaftMessage } from '../../src/raft/messages.js';
import type { PersistBatch } from '../../src/raft/ports.js';
import { entryId, logIndex, nodeId, type LogEntry, type NodeId } from '../../src/raft/types.js';
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
  readonly core: RaftCore;
  sm: KvStateMachine;
  appliedIndex: number;
  #waitingDisk = false;
  #coreTicks: number;
  #proposals = new Map<string, { clientId: number; seq: number }>();
  #reads = new Map<string, PendingRead>();
  #incarnation: number;
  #stopped = false;

  constructor(
    readonly id: string,
    readonly disk: SimDisk,
    readonly clock: NodeClock,
    private readonly settings: NodeSettings,
    private readonly hooks: NodeHooks,
    incarnation: number,
  ) {
    this.#incarnation = incarnation;
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
    this.core = new RaftCore(config, disk);
    const snap = disk.snapshot();
    this.sm = snap === undefined ? new KvStateMachine() : KvStateMachine.decode(snap.data);
    this.appliedIndex = snap?.meta.index ?? 0;
    hooks.reset(id, this.appliedIndex, this.sm);
    this.#coreTicks = Math.floor(clock.nowMs() / settings.tickMs);
  }

  /** Stops this incarnation: pending disk callbacks are ignored from now on. */
  stop(): void {
    this.#stopped = true;
  }

  /** Runs as many core ticks as this node's (drifting) clock says are due. */
  tick(): void {
    const due = Math.floor(this.clock.nowMs() / this.settings.tickMs);
    // Bounded: a clock never runs more than a few core ticks ahead per world tick.
    for (let i = 0; this.#coreTicks < due && i < 8; i++) {
      this.#coreTicks += 1;
      this.core.tick();
    }
    this.#coreTicks = Math.max(this.#coreTicks, due - 8);
    this.pump();
  }

  /** Delivers one message. */
  step(msg: RaftMessage): void {
    this.core.step(msg);
    this.pump();
  }

  /** Drains Ready batches until one waits for the disk. */
  pump(): void {
    for (let rounds = 0; !this.#stopped && !this.#waitingDisk && this.core.hasReady(); rounds++) {
      if (rounds > 1000) throw new Error(`${this.id}: ready loop did not settle`);
      const rd = this.core.ready();
      const batch: PersistBatch = {
        entries: rd.append,
        ...(rd.hardState !== undefined ? { hardState: rd.hardState } : {}),
        ...(rd.snapshot !== undefined ? { snapshot: rd.snapshot } : {}),
      };
      if (rd.append.length === 0 && rd.hardState === undefined && rd.snapshot === undefined) {
        this.#finish(rd);
        continue;
      }
      this.#waitingDisk = true;
      const incarnation = this.#incarnation;
      this.disk.write(batch, (err) => {
        if (this.#stopped || incarnation !== this.#incarnation) return;
        if (err !== undefined) throw err;
        this.#waitingDisk = false;
        this.#finish(rd);
        this.pump();
      });
    }
  }

  #finish(rd: Ready): void {
    for (const m of rd.send) this.hooks.send(m);
    if (rd.installSnapshot && rd.snapshot !== undefined) {
      this.sm = KvStateMachine.decode(rd.snapshot.data);
      this.appliedIndex = rd.snapshot.meta.index;
      this.hooks.reset(this.id, this.appliedIndex, this.sm);
      this.hooks.trace(`${this.id} install ${this.appliedIndex}`);
    }
    for (const e of rd.apply) {
      if (e.kind === 'normal') this.sm.apply(decodeCommand(e.data));
      this.appliedIndex = e.index;
      this.hooks.applied(this.id, e, this.sm);
    }
    for (const rs of rd.readStates) {
      const r = this.#reads.get(rs.requestId);
      if (r === undefined) continue;
      if (rs.ok) r.index = rs.index;
      else {
        this.#reads.delete(rs.requestId);
        this.#retry(r.clientId, r.seq);
      }
    }
    this.#serveReads();
    for (const pr of rd.proposalResults) {
      const p = this.#proposals.get(pr.id);
      if (p === undefined) continue;
      this.#proposals.delete(pr.id);
      const result = this.sm.resultFor(p.clientId, p.seq);
      if (pr.outcome === 'committed' && pr.index !== undefined) this.hooks.acked(pr.id, pr.index);
      if ((pr.outcome === 'committed' || pr.outcome === 'unknown') && result !== undefined) this.#reply(p.clientId, p.seq, result);
      else this.#retry(p.clientId, p.seq);
    }
    this.core.advance(rd);
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
      this.core.readIndex(requestId);
    } else {
      const id = `k:${tag}`;
      this.#proposals.set(id, { clientId: req.clientId, seq: req.seq });
      this.core.propose({ id: entryId(id), data: encodeCommand({ c: req.clientId, s: req.seq, op: req.op }) });
    }
    this.pump();
  }

  /** Compacts the log at the applied index (a snapshot at a random point). */
  compact(): boolean {
    if (this.appliedIndex <= this.core.firstIndex) return false;
    const r = this.core.compact(logIndex(this.appliedIndex), this.sm.encode());
    this.pump();
    return r.ok;
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
