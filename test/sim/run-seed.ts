/**
 * Runs one seed end to end: a fault phase, then a liveness phase that heals the network and
 * restarts every server and requires a client write to commit within a bound, then a drain and
 * the linearizability check of the whole client history. Shared by the vitest suite and the
 * `npm run sim` CLI (so it must not import vitest).
 */
import type { RaftTestFaults } from '../../src/raft/config.js';
import { checkLinearizable } from './checkers/linearizability.js';
import { ViolationError, type Violation } from './checkers/violation.js';
import { SimCluster, type ClusterStats, type SimFaults } from './cluster.js';
import { describeSwarm, swarmOptions, type SwarmOptions } from './swarm.js';

/** Options of one run beyond what the seed picks. */
export interface RunOptions {
  /** Length of the fault phase in ticks. */
  readonly ticks?: number;
  readonly testFaults?: RaftTestFaults;
  readonly simFaults?: SimFaults;
  /** Overrides applied to the seed's swarm options (for scripted scenarios). */
  readonly swarm?: Partial<SwarmOptions>;
}

/** What one seed did. */
export interface SeedResult {
  readonly seed: number;
  readonly description: string;
  readonly violation: Violation | undefined;
  readonly ticks: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly traceHash: string;
  readonly traceTail: readonly string[];
  readonly operations: number;
  readonly completed: number;
  readonly stats: ClusterStats;
  readonly linearizability: SimCluster['linearizability'];
}

/** Runs one seed. Never throws for a violation: it is returned. */
export function runSeed(seed: number, run: RunOptions = {}): SeedResult {
  const options = { ...swarmOptions(seed, run.ticks), ...run.swarm };
  const started = performance.now();
  const cluster = new SimCluster(options, run.testFaults, run.simFaults);
  let violation: Violation | undefined;
  try {
    violation = phases(cluster, options);
  } catch (err) {
    if (err instanceof ViolationError) violation = err.violation;
    else {
      const e = err instanceof Error ? err : new Error(String(err));
      violation = { checker: 'crash', tick: cluster.clock.tick, message: `${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` };
    }
  }
  return {
    seed,
    description: describeSwarm(options),
    violation,
    ticks: cluster.clock.tick,
    simulatedMs: cluster.clock.nowMs,
    wallMs: performance.now() - started,
    traceHash: cluster.trace.hash,
    traceTail: cluster.trace.tail(),
    operations: cluster.history.ops.length,
    completed: cluster.history.completed,
    stats: cluster.stats,
    linearizability: cluster.linearizability,
  };
}

function phases(cluster: SimCluster, options: SwarmOptions): Violation | undefined {
  cluster.run(options.faultTicks);
  // Liveness (TigerBeetle's "core" phase): with every server up and the network healed, a
  // client write must commit within the bound.
  cluster.calm();
  const acksBefore = cluster.stats.acks;
  const started = cluster.clock.tick;
  cluster.run(options.livenessTicks, () => cluster.stats.acks > acksBefore);
  if (cluster.stats.acks === acksBefore) {
    return {
      checker: 'liveness',
      tick: cluster.clock.tick,
      message: `no client write committed within ${options.livenessTicks} ticks after healing (from tick ${started}); leader: ${cluster.leader()?.id ?? 'none'}`,
    };
  }
  // Drain: no new operations, let outstanding ones finish.
  cluster.clientsIssue = false;
  cluster.run(options.livenessTicks, () => cluster.clients.every((c) => !c.busy));
  // Every member catches up (by log or snapshot) and holds every acknowledged entry.
  const caughtUp = (): boolean => {
    const l = cluster.leader();
    if (l === undefined) return false;
    const members = [...l.core.config.voters, ...l.core.config.learners];
    return members.every((m) => (cluster.nodes.get(m)?.appliedIndex ?? -1) >= l.core.commitIndex);
  };
  // Tight flow-control limits make a far-behind learner slow (one small message per round
  // trip), so the bound grows with the lag; it still catches a follower that never moves.
  const lagEntries = laggingEntries(cluster);
  // A member that needs the snapshot receives it one chunk per round trip (tiny chunks in tight
  // worlds; the OVSDB snapshot, with its schema and request ids, is several KB).
  const snapshotBytes = cluster.disks.get(cluster.leader()?.id ?? '')?.logical.snapshot?.data.length ?? 0;
  const snapshotTicks = Math.ceil(snapshotBytes / options.raftLimits.snapshotChunkBytes) * (2 * options.network.delayTicksMax + 2);
  const catchUpTicks = Math.max(options.livenessTicks, lagEntries * 10, snapshotTicks);
  cluster.run(catchUpTicks, caughtUp);
  if (!caughtUp()) {
    const l = cluster.leader();
    const lag = l === undefined ? 'no leader' : [...l.core.config.voters, ...l.core.config.learners]
      .map((m) => `${m}@${cluster.nodes.get(m)?.appliedIndex ?? 'down'}`).join(' ') + ` < commit ${l.core.commitIndex}`;
    return { checker: 'liveness', tick: cluster.clock.tick, message: `members did not catch up within ${catchUpTicks} ticks: ${lag}` };
  }
  const verdict = checkLinearizable(cluster.resolvedHistory(), 300_000);
  cluster.linearizability = verdict.kind;
  if (verdict.kind === 'violation') {
    const ops = verdict.ops.map((h) => `c${h.clientId} ${JSON.stringify(h.op)} [${h.invokeTime},${h.returnTime ?? '∞'}] → ${JSON.stringify(h.result)}`);
    return { checker: 'linearizability', tick: cluster.clock.tick, message: `key ${verdict.key} is not linearizable:\n  ${ops.slice(-40).join('\n  ')}` };
  }
  return undefined;
}

/** How far the slowest member of the leader's configuration is behind its commit index. */
function laggingEntries(cluster: SimCluster): number {
  const l = cluster.leader();
  if (l === undefined) return 0;
  let lag = 0;
  for (const m of [...l.core.config.voters, ...l.core.config.learners]) {
    lag = Math.max(lag, l.core.commitIndex - (cluster.nodes.get(m)?.appliedIndex ?? 0));
  }
  return lag;
}

/** The commands that replay a failing seed. */
export function replayHint(seed: number): string {
  return `SIM_SEED=${seed} npx vitest run test/sim   |   npm run sim -- --seeds 1 --base ${seed}`;
}
