/**
 * Swarm testing (TigerBeetle VOPR, Groce et al. 2012): the seed alone picks the shape of the
 * world and every fault rate, so a few hundred seeds cover calm clusters, lossy ones, ones that
 * crash all the time, and everything between. Printing the options of a failing seed says what
 * kind of world broke.
 */
import { Prng } from '../../src/base/prng.js';
import type { DiskOptions } from './sim-disk.js';
import type { NetworkOptions, PartitionMode } from './sim-network.js';

/** The RaftConfig knobs that bound messages and pipelining. */
export interface RaftLimits {
  readonly maxMsgBytes: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly snapshotChunkBytes: number;
}

/** Everything one simulation run needs, derived from its seed. */
export interface SwarmOptions {
  readonly seed: number;
  /** The replicated application: key-value registers, or OVSDB transactions on counters. */
  readonly workload: 'kv' | 'ovsdb';
  /** Founding voters (1..7). */
  readonly voterCount: number;
  /** Extra servers that may be added later (voters + spares <= 7). */
  readonly spareCount: number;
  readonly tickMs: number;
  readonly electionTimerMs: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly leaseReads: boolean;
  readonly network: NetworkOptions;
  readonly partitionMode: PartitionMode;
  /** Per tick, chance the partition is replaced by a fresh one (or healed). */
  readonly partitionChangeProbability: number;
  readonly disk: DiskOptions;
  /** Per tick and node, chance the node crashes. */
  readonly crashProbability: number;
  /** Ticks a crashed node stays down, at most. */
  readonly downTicksMax: number;
  /** Largest clock rate error, parts per million. */
  readonly driftPpmMax: number;
  /** Per tick, chance one running server's event loop stalls (sim-clock.ts), and for how long at most. */
  readonly stallProbability: number;
  readonly stallTicksMax: number;
  /**
   * Per tick, chance one running server's clock jumps forward, by at most this many ms. Never
   * with lease reads: a follower whose clock leaps ahead stops refusing votes (§4.2.3) before
   * the leader's lease runs out, which no lease survives (it assumes bounded clock rates, §6.4.1).
   */
  readonly clockJumpProbability: number;
  readonly clockJumpMsMax: number;
  /** Chance each running server sees the connection of a server that crashes reset (RaftHost.peerLost). */
  readonly resetSeenProbability: number;
  /** Per tick, chance one server sees a spurious reset of its connection from a live peer. */
  readonly spuriousResetProbability: number;
  /** Replication limits of every core: small ones force batching, pipelining and chunking. */
  readonly raftLimits: RaftLimits;
  /** OVSDB workload: the ClusteredHost's own automatic snapshot interval (entries), or never. */
  readonly hostSnapshotEveryEntries: number | false;
  /** Scripted scenarios only: exact drift of named servers (ppm), instead of a random one. */
  readonly driftPpmOverride?: Readonly<Record<string, number>>;
  readonly clientCount: number;
  /** Per tick and idle client, chance it issues an operation. */
  readonly requestProbability: number;
  readonly clientTimeoutTicks: number;
  readonly keyCount: number;
  /** Per tick chances of the admin events. */
  readonly membershipChangeProbability: number;
  readonly transferProbability: number;
  readonly snapshotProbability: number;
  readonly electionTimerChangeProbability: number;
  /** Ticks with faults, then ticks of the liveness phase. */
  readonly faultTicks: number;
  readonly livenessTicks: number;
}

/** Length of the fault phase when nothing else is asked (the CI range and `npm run sim` agree). */
export const defaultFaultTicks = 3000;

/** Picks every option from `seed`; `ticks` overrides the length of the fault phase. */
export function swarmOptions(seed: number, ticks = defaultFaultTicks): SwarmOptions {
  const prng = new Prng(seed ^ 0x5eed);
  const tickMs = 10;
  const voterCount = prng.pick([1, 2, 3, 3, 3, 4, 5, 5, 6, 7]);
  const spareCount = prng.int(0, Math.min(2, 7 - voterCount));
  const electionTimerMs = prng.pick([100, 200, 300, 500, 1000]);
  const electionTicks = electionTimerMs / tickMs;
  const delayTicksMax = Math.max(1, Math.min(prng.int(1, 8), Math.floor(electionTicks / 4)));
  const lossy = prng.chance(0.6);
  const crashy = prng.chance(0.5);
  const partitionMode = prng.pick<PartitionMode>(['none', 'isolate-one', 'split', 'asymmetric', 'random-links']);
  const leaseReads = prng.chance(0.25);
  // A lease is only safe if clock rates differ by less than the bound the core assumes (0.1 by
  // default): with ±4.5% drift two clocks differ by up to 9%, close to the edge on purpose.
  const driftPpmMax = leaseReads ? prng.pick([0, 1000, 20_000, 45_000]) : prng.pick([0, 1000, 50_000, 200_000]);
  const workload = prng.chance(0.3) ? 'ovsdb' : 'kv';
  // Drawn from a stream of their own so they do not shift the other choices of a seed.
  const limits = new Prng(seed ^ 0x1d175);
  const tight = limits.chance(0.5);
  const raftLimits: RaftLimits = tight
    ? {
      maxMsgBytes: limits.pick([64, 512, 2048]),
      maxInflightMsgs: limits.pick([1, 2, 8]),
      maxInflightBytes: limits.pick([0, 256, 4096]),
      snapshotChunkBytes: limits.pick([16, 64, 256]),
    }
    : { maxMsgBytes: 2048, maxInflightMsgs: 64, maxInflightBytes: 1 << 20, snapshotChunkBytes: 256 };
  const writeErrorProbability = limits.chance(0.1) ? limits.pick([0.0005, 0.002]) : 0;
  const hostSnapshots = new Prng(seed ^ 0x05ab);
  const hostSnapshotEveryEntries = hostSnapshots.pick<number | false>([false, false, 20, 100]);
  // Time faults and connection resets: a stream of their own too.
  const timing = new Prng(seed ^ 0x7135);
  const stallProbability = timing.pick([0, 0.0005, 0.002, 0.005]);
  const stallTicksMax = Math.max(2, Math.floor(electionTicks * timing.pick([0.5, 2, 5])));
  const clockJumpProbability = leaseReads ? 0 : timing.pick([0, 0, 0.0005, 0.002]);
  const clockJumpMsMax = electionTimerMs * timing.pick([1, 5]);
  const resetSeenProbability = timing.pick([0, 0.5, 1, 1]);
  const spuriousResetProbability = timing.pick([0, 0.001, 0.005]);
  const calm: SwarmOptions = {
    seed,
    raftLimits,
    hostSnapshotEveryEntries,
    workload,
    voterCount,
    spareCount,
    tickMs,
    electionTimerMs,
    preVote: prng.chance(0.8),
    checkQuorum: prng.chance(0.8),
    leaseReads,
    network: {
      delayTicksMin: 1,
      delayTicksMax,
      lossProbability: lossy ? prng.pick([0.01, 0.05, 0.1, 0.2]) : 0,
      duplicateProbability: prng.pick([0, 0, 0.01, 0.05]),
      reorder: prng.chance(0.5),
      capacityPackets: 10_000,
    },
    partitionMode,
    partitionChangeProbability: partitionMode === 'none' ? 0 : prng.pick([0.002, 0.005, 0.02]),
    disk: {
      latencyTicksMin: 0,
      latencyTicksMax: prng.pick([0, 1, 2, 4]),
      slowProbability: prng.pick([0, 0, 0.01, 0.05]),
      slowTicksMax: prng.pick([5, 20, 50]),
      crashSurvivalProbability: prng.pick([0, 0.5, 0.9]),
      writeErrorProbability,
    },
    crashProbability: crashy ? prng.pick([0.0005, 0.001, 0.003]) : 0,
    downTicksMax: prng.pick([10, 50, 200]),
    driftPpmMax,
    stallProbability,
    stallTicksMax,
    clockJumpProbability,
    clockJumpMsMax,
    resetSeenProbability,
    spuriousResetProbability,
    clientCount: prng.int(1, 5),
    requestProbability: prng.pick([0.05, 0.2, 0.5]),
    clientTimeoutTicks: Math.max(20, electionTicks * prng.int(2, 4)),
    keyCount: prng.int(1, 4),
    membershipChangeProbability: prng.pick([0, 0.001, 0.003]),
    transferProbability: prng.pick([0, 0.001, 0.003]),
    snapshotProbability: prng.pick([0, 0.002, 0.01]),
    electionTimerChangeProbability: prng.pick([0, 0, 0.0005]),
    faultTicks: ticks,
    livenessTicks: Math.max(600, electionTicks * 40),
  };
  // One world in seven is a storm: every fault at once, often (drawn last, so the other worlds
  // stay as they were).
  if (!prng.chance(0.15)) return calm;
  return {
    ...calm,
    network: { ...calm.network, lossProbability: prng.pick([0.2, 0.3]), duplicateProbability: 0.1, reorder: true },
    partitionMode: partitionMode === 'none' ? 'random-links' : partitionMode,
    partitionChangeProbability: 0.05,
    crashProbability: 0.01,
    membershipChangeProbability: 0.01,
    transferProbability: 0.01,
    snapshotProbability: 0.02,
    electionTimerChangeProbability: 0.002,
    stallProbability: Math.max(stallProbability, 0.005),
    clockJumpProbability: leaseReads ? 0 : Math.max(clockJumpProbability, 0.002),
  };
}

/** A one-line description of a world, for failure reports. */
export function describeSwarm(o: SwarmOptions): string {
  const n = o.network;
  return [
    `workload=${o.workload}`,
    ...(o.crashProbability >= 0.01 ? ['STORM'] : []),
    `voters=${o.voterCount}+${o.spareCount}`,
    `election=${o.electionTimerMs}ms`,
    `prevote=${o.preVote} checkquorum=${o.checkQuorum} lease=${o.leaseReads}`,
    `delay=${n.delayTicksMin}..${n.delayTicksMax} loss=${n.lossProbability} dup=${n.duplicateProbability} reorder=${n.reorder}`,
    `partition=${o.partitionMode}@${o.partitionChangeProbability}`,
    `disk=${o.disk.latencyTicksMin}..${o.disk.latencyTicksMax}+slow${o.disk.slowProbability} survive=${o.disk.crashSurvivalProbability} ioerr=${o.disk.writeErrorProbability ?? 0}`,
    `crash=${o.crashProbability} drift=${o.driftPpmMax}ppm`,
    `stall=${o.stallProbability}/${o.stallTicksMax}t jump=${o.clockJumpProbability}/${o.clockJumpMsMax}ms reset=${o.resetSeenProbability}/spurious${o.spuriousResetProbability}`,
    `limits=${o.raftLimits.maxMsgBytes}B/${o.raftLimits.maxInflightMsgs}msgs/${o.raftLimits.maxInflightBytes}B/chunk${o.raftLimits.snapshotChunkBytes}`,
    `clients=${o.clientCount} keys=${o.keyCount}`,
    ...(o.workload === 'ovsdb' ? [`host-snapshots=${o.hostSnapshotEveryEntries === false ? 'off' : o.hostSnapshotEveryEntries}`] : []),
    `member=${o.membershipChangeProbability} transfer=${o.transferProbability} snap=${o.snapshotProbability} etimer=${o.electionTimerChangeProbability}`,
  ].join(' ');
}
