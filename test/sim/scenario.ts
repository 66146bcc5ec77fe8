/**
 * Scripted scenarios on top of the simulated cluster, for proofs that checkers bite: a calm world
 * (no random faults, no client traffic) that a script drives with partitions, crashes, forced
 * campaigns and message filters, waiting for conditions with a bound on ticks.
 */
import type { RaftTestFaults } from '../../src/raft/config.js';
import { checkLinearizable, type KvOp } from './checkers/linearizability.js';
import { ViolationError, type Violation } from './checkers/violation.js';
import { SimCluster } from './cluster.js';
import type { SimServer } from './sim-server.js';
import { swarmOptions, type SwarmOptions } from './swarm.js';

/** A calm world with `voters` founding voters and the given disk latency. */
export function calmOptions(voters: number, diskLatencyTicks: number, extra: Partial<SwarmOptions> = {}): SwarmOptions {
  const base = swarmOptions(1);
  return {
    ...base,
    workload: 'kv',
    raftLimits: { maxMsgBytes: 2048, maxInflightMsgs: 64, maxInflightBytes: 1 << 20, snapshotChunkBytes: 256 },
    voterCount: voters,
    spareCount: 0,
    electionTimerMs: 1000,
    preVote: true,
    checkQuorum: false,
    leaseReads: false,
    network: { delayTicksMin: 1, delayTicksMax: 1, lossProbability: 0, duplicateProbability: 0, reorder: false, capacityPackets: 10_000 },
    partitionMode: 'none',
    partitionChangeProbability: 0,
    disk: { latencyTicksMin: diskLatencyTicks, latencyTicksMax: diskLatencyTicks, slowProbability: 0, slowTicksMax: 1, crashSurvivalProbability: 0 },
    crashProbability: 0,
    driftPpmMax: 0,
    stallProbability: 0,
    clockJumpProbability: 0,
    resetSeenProbability: 0,
    spuriousResetProbability: 0,
    clientCount: 1,
    requestProbability: 0,
    membershipChangeProbability: 0,
    transferProbability: 0,
    snapshotProbability: 0,
    electionTimerChangeProbability: 0,
    ...extra,
  };
}

/** A scripted run; `run` returns the first violation a checker reported, if any. */
export class Scenario {
  readonly cluster: SimCluster;

  constructor(options: SwarmOptions, faults: RaftTestFaults | undefined) {
    this.cluster = new SimCluster(options, faults);
    this.cluster.faultsOn = false;
    this.cluster.clientsIssue = false;
  }

  /** The running node `id` (throws if it is down). */
  node(id: string): SimServer {
    const n = this.cluster.nodes.get(id);
    if (n === undefined) throw new Error(`${id} is down`);
    return n;
  }

  /** Steps until `cond` holds; throws a plain Error (the script went wrong) after `ticksMax`. */
  until(what: string, cond: () => boolean, ticksMax = 2000): void {
    for (let i = 0; i < ticksMax; i++) {
      if (cond()) return;
      this.cluster.step();
    }
    if (!cond()) throw new Error(`scenario: "${what}" did not happen within ${ticksMax} ticks`);
  }

  /** Steps `n` ticks. */
  ticks(n: number): void {
    this.cluster.run(n);
  }

  #seq = 0;

  /**
   * A client operation sent by the script to server `target` (client id 99), recorded in the
   * history like any other. Returns a function telling whether it has completed.
   */
  request(target: string, op: KvOp): () => boolean {
    const clientId = 99;
    const seq = ++this.#seq;
    const handle = this.cluster.history.invoke(clientId, op, seq);
    let done = false;
    const previous = this.cluster.scriptedClients.get(clientId);
    this.cluster.scriptedClients.set(clientId, (r) => {
      if (r.seq !== seq) {
        previous?.(r);
        return;
      }
      if (r.kind !== 'result' || done) return;
      done = true;
      this.cluster.history.complete(handle, r.result);
    });
    this.node(target).request({ clientId, seq, attempt: 1, op, target });
    return () => done;
  }

  /** Runs the linearizability checker over the history so far; throws ViolationError. */
  checkHistory(): void {
    const v = checkLinearizable(this.cluster.history.ops);
    if (v.kind === 'violation') {
      throw new ViolationError({ checker: 'linearizability', tick: this.cluster.clock.tick, message: `key ${v.key}: ${JSON.stringify(v.ops)}` });
    }
  }

  /** The id of a running leader, if any. */
  leaderId(): string | undefined {
    return this.cluster.leader()?.id;
  }

  /** Cuts `a` off from `b` both ways. */
  cut(a: readonly string[], b: readonly string[]): void {
    this.cluster.network.split(a, b);
  }

  isLeader(id: string): boolean {
    return this.cluster.nodes.get(id)?.core.role === 'leader';
  }

  /** Runs `script`; returns the violation a checker raised, or undefined if the script completed. */
  static run(options: SwarmOptions, faults: RaftTestFaults | undefined, script: (s: Scenario) => void): Violation | undefined {
    const s = new Scenario(options, faults);
    try {
      script(s);
      return undefined;
    } catch (err) {
      if (err instanceof ViolationError) return err.violation;
      throw err;
    }
  }
}
