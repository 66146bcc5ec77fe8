/**
 * The simulated world: N real Raft servers, their disks and clocks, the network between them and
 * the clients, advanced one tick at a time in a fixed order (TigerBeetle's simulator loop):
 *
 *     disks complete writes → servers tick → network delivers → clients act → faults → checkers
 *
 * A stalled server (sim-clock.ts) does none of that: its disk completions, timers, messages and
 * client requests wait, in order, and run when the stall ends (timers first, late, seeing the
 * whole stall). A server that crashes resets its connections: each running peer may see that
 * (RaftHost.peerLost), and a live peer's connection may also reset spuriously.
 *
 * The key-value workload runs RaftHost + a key-value state machine on each server (sim-node.ts);
 * the OVSDB workload runs the production clustered backend, ClusteredHost (ovsdb-node.ts), over
 * the simulator's disk, network and clocks. Both exchange ClusterFrames on the network.
 *
 * Everything random comes from PRNG streams derived from the seed, so a seed replays exactly.
 * Safety checkers run on every event (writes, applies, role changes); the linearizability check
 * runs on the whole history at the end.
 */
import { Prng } from '../../src/base/prng.js';
import type { RaftTestFaults } from '../../src/raft/config.js';
import { nodeId, type ConfChange } from '../../src/raft/types.js';
import type { ClusterFrame } from '../../src/server/cluster-ports.js';
import { ClientOpChecker } from './checkers/client-ops.js';
import { RaftSafetyChecker, type LogView } from './checkers/raft-safety.js';
import { ReplicaEqualityChecker } from './checkers/replica-equality.js';
import { ViolationError } from './checkers/violation.js';
import { hashId, initialClusterState, OvsdbNode } from './ovsdb-node.js';
import { NodeClock, SimClock } from './sim-clock.js';
import { SimClusterStore } from './sim-cluster-ports.js';
import { SimDisk } from './sim-disk.js';
import { SimNetwork } from './sim-network.js';
import { SimNode } from './sim-node.js';
import type { NodeHooks, SimServer } from './sim-server.js';
import type { SwarmOptions } from './swarm.js';
import { Trace } from './trace.js';
import { History, SimClient, type ClientRequest, type ClientResponse } from './workload.js';
import type { HistoryOp, KvResult } from './checkers/linearizability.js';

/** Faults outside the Raft core, for proving checkers bite (never in the swarm). */
export interface SimFaults {
  /**
   * OVSDB workload: every forwarded transaction reaches the leader under a fresh request id,
   * so the leader cannot tell a resent write from a new one (sim-cluster-ports.ts NetFaults).
   */
  readonly ovsdbRenameRids?: boolean;
}

/** A frame in flight, or held for a stalled server, with its sender. */
interface Delivery {
  readonly frame: ClusterFrame;
  readonly from: string;
}

/** Counters for reports. */
export interface ClusterStats {
  crashes: number;
  restarts: number;
  partitions: number;
  confChanges: number;
  transfers: number;
  snapshots: number;
  timerChanges: number;
  leaderChanges: number;
  acks: number;
  /** Snapshots a follower received from a leader and installed. */
  installs: number;
  /** Hosts stopped by a storage error (then crashed and restarted). */
  fatalErrors: number;
  /** Event-loop stalls, clock jumps, and connection resets reported to a host. */
  stalls: number;
  clockJumps: number;
  resets: number;
}

/** The world of one seed. */
export class SimCluster {
  readonly clock: SimClock;
  readonly network: SimNetwork<ClusterFrame>;
  readonly ids: readonly string[];
  readonly disks = new Map<string, SimDisk>();
  readonly clocks = new Map<string, NodeClock>();
  readonly nodes = new Map<string, SimServer | undefined>();
  /** OVSDB workload: each server's store (its disk plus identity), reopened by every incarnation. */
  readonly stores = new Map<string, SimClusterStore>();
  readonly downUntil = new Map<string, number>();
  readonly incarnations = new Map<string, number>();
  readonly safety = new RaftSafetyChecker();
  readonly replicas = new ReplicaEqualityChecker();
  readonly clientOps = new ClientOpChecker();
  readonly history = new History();
  readonly clients: SimClient[] = [];
  readonly trace = new Trace(200);
  readonly stats: ClusterStats = {
    crashes: 0, restarts: 0, partitions: 0, confChanges: 0, transfers: 0, snapshots: 0, timerChanges: 0, leaderChanges: 0, acks: 0, installs: 0, fatalErrors: 0,
    stalls: 0, clockJumps: 0, resets: 0,
  };
  /** Per stalled server: messages and client requests that arrived during the stall, in order. */
  #held = new Map<string, (Delivery | ClientRequest)[]>();
  /** Client traffic in flight: tick → deliveries. */
  #toNodes = new Map<number, ClientRequest[]>();
  #toClients = new Map<number, ClientResponse[]>();
  #faults: Prng;
  /** Stalls, clock jumps and resets: a stream of their own, so they shift no other fault. */
  #timeFaults: Prng;
  #clientPrng: Prng;
  #lastLeader = new Map<string, string>();
  /** Servers whose host stopped on a storage error this tick. */
  #fatal: string[] = [];
  /** When false: no crashes, partitions or admin events (the liveness phase). */
  faultsOn = true;
  /** Responders for clients a script drives by hand (ids above the swarm's clients). */
  readonly scriptedClients = new Map<number, (r: ClientResponse) => void>();
  /** When false clients start no new operations. */
  clientsIssue = true;
  /** The verdict of the final linearizability check ('unknown': the search hit its bound). */
  linearizability: 'ok' | 'violation' | 'unknown' | 'not run' = 'not run';

  constructor(
    readonly options: SwarmOptions,
    readonly testFaults: RaftTestFaults | undefined = undefined,
    readonly simFaults: SimFaults = {},
  ) {
    const seed = options.seed;
    this.clock = new SimClock(options.tickMs);
    this.network = new SimNetwork(options.network, new Prng(seed ^ 0x6e6574));
    this.#faults = new Prng(seed ^ 0xfa17);
    this.#timeFaults = new Prng(seed ^ 0x7135fa);
    this.#clientPrng = new Prng(seed ^ 0xc11e);
    const total = options.voterCount + options.spareCount;
    this.ids = Array.from({ length: total }, (_, i) => `n${i + 1}`);
    const voters = this.ids.slice(0, options.voterCount);
    const driftPrng = new Prng(seed ^ 0xd21f);
    const diskPrng = new Prng(seed ^ 0xd15c);
    for (const id of this.ids) {
      this.disks.set(id, new SimDisk(options.disk, diskPrng));
      const random = driftPrng.int(-options.driftPpmMax, options.driftPpmMax);
      const drift = options.driftPpmOverride?.[id] ?? random;
      this.clocks.set(id, new NodeClock(this.clock, drift, driftPrng.int(0, 1000)));
      this.incarnations.set(id, 0);
    }
    for (const id of this.ids) {
      const disk = this.disks.get(id);
      if (disk === undefined) continue;
      disk.onWrite = (batch, before) => this.safety.observeWrite(id, batch, before);
      if (options.workload === 'ovsdb') {
        // create-cluster on the founders; every other server starts empty, knowing the
        // cluster id, and waits to be added (by the world's membership changes).
        if (voters.includes(id)) disk.format({ entries: [], ...initialClusterState(voters, options.electionTimerMs) });
        this.stores.set(id, new SimClusterStore(disk, { name: 'Sim', cid: `sim-${seed}`, sid: id, local: id, remotes: [] }));
      }
    }
    for (const id of this.ids) this.#start(id, voters.includes(id) ? voters : undefined);
    for (let c = 1; c <= options.clientCount; c++) {
      const counter = options.workload === 'ovsdb';
      const opts = {
        requestProbability: options.requestProbability, timeoutTicks: options.clientTimeoutTicks, keyCount: options.keyCount, attemptsMax: 12,
        ops: counter ? ('counter' as const) : ('kv' as const), retryWritesOnTimeout: !counter,
      };
      this.clients.push(new SimClient(c, opts, this.history, new Prng(seed * 7 + c)));
    }
  }

  #bootstrap = new Map<string, readonly string[] | undefined>();

  #start(id: string, bootstrapVoters?: readonly string[]): void {
    if (!this.#bootstrap.has(id)) this.#bootstrap.set(id, bootstrapVoters);
    const disk = this.disks.get(id);
    const clock = this.clocks.get(id);
    if (disk === undefined || clock === undefined) throw new Error(`unknown node ${id}`);
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    const o = this.options;
    const store = this.stores.get(id);
    if (store !== undefined) {
      const l = o.raftLimits;
      this.nodes.set(id, new OvsdbNode(id, store, clock, {
        tickMs: o.tickMs,
        seed: o.seed,
        raft: {
          // Per node, not only per world: equal seeds give every node the same election jitter, and
          // six nodes timing out together split every vote forever (seed 1052594151).
          seed: (o.seed * 31 + incarnation * 7919 + hashId(id) * 104_729) >>> 0, preVote: o.preVote, checkQuorum: o.checkQuorum, leaseReads: o.leaseReads,
          maxMsgBytes: l.maxMsgBytes, maxInflightMsgs: l.maxInflightMsgs, maxInflightBytes: l.maxInflightBytes, snapshotChunkBytes: l.snapshotChunkBytes,
          ...(this.testFaults !== undefined ? { testFaults: this.testFaults } : {}),
        },
        snapshotEveryEntries: o.hostSnapshotEveryEntries,
        netFaults: { renameRids: this.simFaults.ovsdbRenameRids === true },
      }, this.#hooks, incarnation));
      return;
    }
    const node = new SimNode(id, disk, clock, {
      clusterId: `sim-${o.seed}`, tickMs: o.tickMs, electionTimerMs: o.electionTimerMs, preVote: o.preVote,
      checkQuorum: o.checkQuorum, leaseReads: o.leaseReads, bootstrapVoters: this.#bootstrap.get(id), seed: o.seed,
      testFaults: this.testFaults, raftLimits: o.raftLimits,
    }, this.#hooks, incarnation);
    this.nodes.set(id, node);
    node.start();
  }

  readonly #hooks: NodeHooks = {
    send: (from, to, frame) => this.network.send(this.clock.tick, from, to, frame),
    respond: (r) => this.#queue(this.#toClients, this.clock.tick + this.#clientPrng.int(1, 2), r),
    applied: (node, entry, state) => {
      this.safety.observeApply(node, entry);
      if (state !== undefined) this.replicas.observe(node, entry.index, state());
      this.trace.add(`${node} apply ${entry.index} ${entry.id}`);
    },
    reset: (node, index, state) => {
      this.safety.observeReset(node, index);
      if (state !== undefined) this.replicas.observe(node, index, state());
    },
    state: (node, index, state) => this.replicas.observe(node, index, state),
    acked: (id, index) => {
      this.stats.acks += 1;
      this.safety.observeAck(id, index);
    },
    outcome: (node, id, outcome) => this.safety.observeOutcome(node, id, outcome),
    fatal: (node) => {
      this.stats.fatalErrors += 1;
      this.#fatal.push(node);
    },
    proposed: (id, clientId, seq, result) => {
      this.proposals.set(id, { clientId, seq, result });
    },
    trace: (line) => {
      if (line.includes(' install ')) this.stats.installs += 1;
      this.trace.add(line);
    },
    opApplied: (node, clientId, seq, entryId, index, value) => this.clientOps.applied(node, clientId, seq, entryId, index, value),
    opAnswered: (node, clientId, seq, value) => {
      const e = this.clientOps.answered(node, clientId, seq, value);
      this.stats.acks += 1;
      this.safety.observeAck(e.entryId, e.index);
    },
    observe: (clientId, op) => {
      const handle = this.history.invoke(clientId, op, -1);
      return (result) => this.history.complete(handle, result);
    },
  };

  /** Every proposal made for a client operation: id → (client, serial, answer if known). */
  readonly proposals = new Map<string, { readonly clientId: number; readonly seq: number; readonly result: KvResult | undefined }>();

  /**
   * The client history with the simulator's omniscience applied to operations that never
   * returned: one none of whose proposals reached any log certainly had no effect and is
   * dropped; one whose proposal was applied and whose answer is known gets that answer (it
   * still has no return time). Sound, and it keeps the linearizability search small.
   */
  resolvedHistory(): HistoryOp[] {
    if (this.options.workload === 'ovsdb') return this.#resolvedOvsdbHistory();
    const inLog = new Set<string>(this.safety.applied.values());
    for (const id of this.ids) for (const e of this.nodes.get(id)?.core.entries() ?? []) inLog.add(e.id);
    for (const disk of this.disks.values()) for (const e of disk.logical.entries) inLog.add(e.id);
    const reached = new Map<string, KvResult | undefined>();
    const applied = new Set<string>(this.safety.applied.values());
    for (const [id, p] of this.proposals) {
      if (!inLog.has(id)) continue;
      const key = `${p.clientId}:${p.seq}`;
      const known = applied.has(id) ? p.result : undefined;
      reached.set(key, reached.get(key) ?? known);
    }
    const out: HistoryOp[] = [];
    for (const h of this.history.ops) {
      if (h.returnTime !== undefined || h.op.kind === 'get') {
        out.push(h);
        continue;
      }
      const key = `${h.clientId}:${h.seq ?? -1}`;
      if (!reached.has(key)) continue;
      const result = reached.get(key);
      out.push(result === undefined ? h : { ...h, result });
    }
    return out;
  }

  /**
   * The OVSDB history resolved the same way, from the entries applied (each names its client
   * operation): an increment that never returned but was applied gets the value it produced; one
   * applied nowhere by the end had no effect on anything observed and is dropped.
   */
  #resolvedOvsdbHistory(): HistoryOp[] {
    const out: HistoryOp[] = [];
    for (const h of this.history.ops) {
      if (h.returnTime !== undefined || h.op.kind === 'get' || h.seq === undefined) {
        out.push(h);
        continue;
      }
      const value = this.clientOps.resultOf(h.clientId, h.seq);
      if (value !== undefined) out.push({ ...h, result: { kind: 'inc', value: String(value) } });
    }
    return out;
  }

  #queue<T>(m: Map<number, T[]>, tick: number, item: T): void {
    let list = m.get(tick);
    if (list === undefined) {
      list = [];
      m.set(tick, list);
    }
    list.push(item);
  }

  /** Advances the world by one tick; throws ViolationError on a safety violation. */
  step(): void {
    this.clock.advance();
    const now = this.clock.tick;
    this.safety.tick = now;
    this.replicas.tick = now;
    this.clientOps.tick = now;
    for (const id of this.ids) if (!this.stalled(id)) this.disks.get(id)?.tick(now);
    for (const id of this.#fatal.splice(0)) this.crash(id, 1 + this.#faults.int(0, 20));
    for (const id of this.ids) if (!this.stalled(id)) this.nodes.get(id)?.tick();
    for (const [id, held] of [...this.#held]) {
      if (this.stalled(id)) continue;
      this.#held.delete(id);
      for (const x of held) this.#arrive(id, x);
    }
    for (const p of this.network.deliver(now)) this.#arrive(p.to, { frame: p.msg, from: p.from });
    this.#clientsStep(now);
    for (const id of this.ids) this.nodes.get(id)?.settle();
    this.#crashOrRestart(now);
    if (this.faultsOn) this.#injectFaults();
    this.#observeRoles();
  }

  #clientsStep(now: number): void {
    const responses = this.#toClients.get(now);
    if (responses !== undefined) {
      this.#toClients.delete(now);
      for (const r of responses) {
        const client = this.clients[r.clientId - 1];
        if (client !== undefined) client.receive(now, r);
        else this.scriptedClients.get(r.clientId)?.(r);
      }
    }
    for (const c of this.clients) {
      const req = c.tick(now, this.ids, this.clientsIssue);
      if (req !== undefined) this.#queue(this.#toNodes, now + this.#clientPrng.int(1, 2), req);
    }
    const requests = this.#toNodes.get(now);
    if (requests !== undefined) {
      this.#toNodes.delete(now);
      for (const r of requests) this.#arrive(r.target, r);
    }
  }

  /** True while `id` runs and its event loop is stalled. */
  stalled(id: string): boolean {
    return this.nodes.get(id) !== undefined && this.clocks.get(id)?.stalled === true;
  }

  /** A message or client request reaches server `id`: handled now, or after its stall. */
  #arrive(id: string, x: Delivery | ClientRequest): void {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    if (this.stalled(id)) {
      const held = this.#held.get(id) ?? [];
      held.push(x);
      this.#held.set(id, held);
      return;
    }
    if ('clientId' in x) node.request(x);
    else node.receive(x.frame, x.from);
  }

  #observeRoles(): void {
    for (const id of this.ids) {
      const node = this.nodes.get(id);
      if (node === undefined) continue;
      const core = node.core;
      const role = core.role;
      if (role === 'leader' && this.#lastLeader.get(id) !== `${core.term}`) {
        this.#lastLeader.set(id, `${core.term}`);
        this.stats.leaderChanges += 1;
        this.trace.add(`${id} leader ${core.term}`);
      }
      this.safety.observeRole(id, role, core.term, () => coreLogView(node));
    }
  }

  /** The current leader with the highest term among running servers, if any. */
  leader(): SimServer | undefined {
    let best: SimServer | undefined;
    for (const id of this.ids) {
      const n = this.nodes.get(id);
      if (n !== undefined && n.core.role === 'leader' && (best === undefined || n.core.term > best.core.term)) best = n;
    }
    return best;
  }

  /** Crashes `id`: in-flight disk writes may be lost, timers and memory are gone. */
  crash(id: string, downTicks: number): void {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    node.stop();
    this.disks.get(id)?.crash();
    this.clocks.get(id)?.reset();
    this.nodes.set(id, undefined);
    this.#held.delete(id);
    // Its connections reset: a running peer may notice (the kernel answers with RST, or the
    // socket closes) and tell its host, which may then start a fast election.
    const seen = this.options.resetSeenProbability;
    if (seen > 0) {
      for (const peer of this.ids) {
        if (peer === id || this.nodes.get(peer) === undefined || this.stalled(peer)) continue;
        if (this.#timeFaults.chance(seen)) this.#peerLost(peer, id);
      }
    }
    this.downUntil.set(id, this.clock.tick + downTicks);
    this.stats.crashes += 1;
    this.trace.add(`${id} crash`);
  }

  /** Restarts `id` from its durable disk. */
  restart(id: string): void {
    if (this.nodes.get(id) !== undefined) return;
    this.downUntil.delete(id);
    this.stats.restarts += 1;
    this.trace.add(`${id} restart`);
    this.#start(id);
  }

  /** Random crashes (fault phase only), and restarts of servers whose down time is over. */
  #crashOrRestart(now: number): void {
    const f = this.#faults;
    for (const id of this.ids) {
      const node = this.nodes.get(id);
      if (node !== undefined) {
        if (this.faultsOn && f.chance(this.options.crashProbability)) this.crash(id, f.int(1, this.options.downTicksMax));
      } else if (now >= (this.downUntil.get(id) ?? Number.POSITIVE_INFINITY)) this.restart(id);
    }
  }

  #peerLost(at: string, lost: string): void {
    const node = this.nodes.get(at);
    if (node === undefined) return;
    this.stats.resets += 1;
    this.trace.add(`${at} reset-from ${lost}`);
    node.peerLost(lost);
  }

  /** Stalls, clock jumps and spurious connection resets (fault phase only). */
  #injectTimeFaults(): void {
    const o = this.options;
    const f = this.#timeFaults;
    const up = (): string[] => this.ids.filter((id) => this.nodes.get(id) !== undefined && !this.stalled(id));
    if (f.chance(o.stallProbability)) {
      const ids = up();
      if (ids.length > 0) {
        const id = f.pick(ids);
        const ticks = f.int(1, o.stallTicksMax);
        this.clocks.get(id)?.stall(ticks);
        this.stats.stalls += 1;
        this.trace.add(`${id} stall ${ticks}`);
      }
    }
    if (f.chance(o.clockJumpProbability)) {
      const ids = up();
      if (ids.length > 0) {
        const id = f.pick(ids);
        const ms = f.int(1, o.clockJumpMsMax);
        this.clocks.get(id)?.jump(ms);
        this.stats.clockJumps += 1;
        this.trace.add(`${id} clock-jump ${ms}`);
      }
    }
    if (f.chance(o.spuriousResetProbability)) {
      const ids = up();
      if (ids.length >= 2) {
        const at = f.pick(ids);
        this.#peerLost(at, f.pick(ids.filter((x) => x !== at)));
      }
    }
  }

  #injectFaults(): void {
    this.#injectTimeFaults();
    const o = this.options;
    const f = this.#faults;
    if (f.chance(o.partitionChangeProbability)) {
      this.stats.partitions += 1;
      if (f.chance(0.4)) this.network.heal();
      else this.network.partition(o.partitionMode, this.ids);
      this.trace.add(`partition ${this.network.describePartition()}`);
    }
    if (f.chance(o.membershipChangeProbability)) this.#changeMembership();
    if (f.chance(o.transferProbability)) this.#transfer();
    if (f.chance(o.snapshotProbability)) {
      const up = this.ids.filter((id) => this.nodes.get(id) !== undefined);
      if (up.length > 0 && this.nodes.get(f.pick(up))?.compact() === true) this.stats.snapshots += 1;
    }
    if (f.chance(o.electionTimerChangeProbability)) {
      const leader = this.leader();
      if (leader !== undefined) {
        const cur = leader.core.electionTimerMs;
        const next = Math.max(100, Math.min(1000, f.int(Math.floor(cur / 2), cur * 2)));
        if (leader.host.changeElectionTimer(next).ok) this.stats.timerChanges += 1;
      }
    }
  }

  /** OVSDB workload: servers the world removed (never added back). */
  readonly #removed = new Set<string>();

  #changeMembership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const cfg = leader.core.config;
    const f = this.#faults;
    const choices: ConfChange[] = [];
    for (const id of this.ids) {
      const n = nodeId(id);
      // A removed OVSDB member stops serving for good (the leader tells it it left, as OVS's
      // does): it is never added back under the same server id and disk.
      if (this.#removed.has(id)) continue;
      if (cfg.voters.includes(n)) {
        if (cfg.voters.length > 1) choices.push({ type: 'remove', node: n });
      } else if (cfg.learners.includes(n)) {
        choices.push({ type: 'promote', node: n }, { type: 'remove', node: n });
      } else if (this.options.workload === 'ovsdb') {
        // A ClusteredHost sends to the address in the configuration (the node id here).
        choices.push({ type: 'addVoter', node: n, address: id }, { type: 'addLearner', node: n, address: id });
      } else choices.push({ type: 'addVoter', node: n }, { type: 'addLearner', node: n });
    }
    if (choices.length === 0) return;
    const cc = f.pick(choices);
    const r = leader.host.proposeConfChange(cc);
    if (r.ok && cc.type === 'remove' && this.options.workload === 'ovsdb') this.#removed.add(cc.node);
    if (r.ok) {
      this.stats.confChanges += 1;
      this.trace.add(`conf ${cc.type} ${cc.node}`);
    }
  }

  #transfer(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const voters = leader.core.config.voters.filter((v) => v !== leader.core.id);
    const to = voters.length > 0 && this.#faults.chance(0.7) ? this.#faults.pick(voters) : undefined;
    const r = leader.host.transferLeadership(to);
    if (r.ok) this.stats.transfers += 1;
  }

  /** Enters the liveness phase: heal the network, stop faults, restart every crashed server. */
  calm(): void {
    this.faultsOn = false;
    this.network.heal();
    this.network.calm();
    for (const disk of this.disks.values()) disk.calm = true;
    for (const clock of this.clocks.values()) clock.unstall();
    for (const id of this.ids) if (this.nodes.get(id) === undefined) this.restart(id);
  }

  /** Runs `ticks` steps, stopping early when `until` returns true. Returns ticks run. */
  run(ticks: number, until?: () => boolean): number {
    for (let i = 0; i < ticks; i++) {
      this.step();
      if (until?.()) return i + 1;
    }
    return ticks;
  }
}

function coreLogView(node: SimServer): LogView {
  const core = node.core;
  return {
    firstIndex: core.firstIndex,
    entry: (i) => core.entries(i, i + 1)[0],
  };
}

export { ViolationError };
