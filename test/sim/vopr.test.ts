/**
 * The VOPR: a fixed range of swarm seeds, each a whole cluster under the faults its seed picks,
 * checked for every safety property, liveness after healing, and linearizability. Replay one
 * seed with `SIM_SEED=<n> npx vitest run test/sim`; widen with `SIM_SEEDS=1-5000`.
 */
import { describe, expect, test } from 'vitest';
import { replayHint, runSeed } from './run-seed.js';
import { seedsFromEnv } from './seeds.js';
import { defaultFaultTicks, swarmOptions } from './swarm.js';

const ciSeedCount = 500;
const faultTicks = defaultFaultTicks;
const chunkSize = 10;
const seeds = seedsFromEnv(process.env, ciSeedCount);
const chunks: number[][] = [];
for (let i = 0; i < seeds.length; i += chunkSize) chunks.push(seeds.slice(i, i + chunkSize));

const totals = { seeds: 0, completed: 0, simulatedMs: 0, crashes: 0, partitions: 0, confChanges: 0, transfers: 0, snapshots: 0, timerChanges: 0, leaderChanges: 0, installs: 0, ovsdbSeeds: 0, stalls: 0, clockJumps: 0, resets: 0 };

describe('vopr', () => {
  test('a seed replays exactly (same trace hash twice, a different one for another seed)', () => {
    // Seed 3 is a key-value world, seed 4 an OVSDB one.
    expect(swarmOptions(3).workload).toBe('kv');
    expect(swarmOptions(4).workload).toBe('ovsdb');
    for (const seed of [3, 4]) {
      const a = runSeed(seed, { ticks: 800 });
      const b = runSeed(seed, { ticks: 800 });
      expect(a.traceHash).toBe(b.traceHash);
      expect(a.ticks).toBe(b.ticks);
      expect(a.operations).toBe(b.operations);
      expect(a.stats).toEqual(b.stats);
    }
    expect(runSeed(3, { ticks: 800 }).traceHash).not.toBe(runSeed(4, { ticks: 800 }).traceHash);
  });

  test.each(chunks.map((c) => [c[0], c.at(-1), c] as const))('seeds %i..%i', async (_first, _last, chunk) => {
    const failures: string[] = [];
    for (const seed of chunk) {
      // Let the worker answer vitest's RPC between seeds (a long synchronous run starves it).
      await new Promise((resolve) => setImmediate(resolve));
      const r = runSeed(seed, { ticks: faultTicks });
      totals.seeds += 1;
      totals.completed += r.completed;
      totals.simulatedMs += r.simulatedMs;
      totals.crashes += r.stats.crashes;
      totals.partitions += r.stats.partitions;
      totals.confChanges += r.stats.confChanges;
      totals.transfers += r.stats.transfers;
      totals.snapshots += r.stats.snapshots;
      totals.timerChanges += r.stats.timerChanges;
      totals.leaderChanges += r.stats.leaderChanges;
      totals.installs += r.stats.installs;
      totals.stalls += r.stats.stalls;
      totals.clockJumps += r.stats.clockJumps;
      totals.resets += r.stats.resets;
      if (r.description.startsWith('workload=ovsdb')) totals.ovsdbSeeds += 1;
      if (r.violation !== undefined) {
        failures.push(`seed ${seed}: ${r.violation.checker} at tick ${r.violation.tick}: ${r.violation.message}\n  world: ${r.description}\n  replay: ${replayHint(seed)}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  // A simulator that never crashes anything proves nothing: the swarm must exercise its faults.
  test('the swarm exercised every kind of fault', () => {
    expect(totals.seeds).toBe(seeds.length);
    if (seeds.length < 100) return; // a replay of a few seeds need not cover everything
    expect(totals.completed).toBeGreaterThan(totals.seeds * 20);
    for (const k of ['crashes', 'partitions', 'confChanges', 'transfers', 'snapshots', 'timerChanges', 'leaderChanges', 'installs', 'ovsdbSeeds', 'stalls', 'clockJumps', 'resets'] as const) {
      expect(totals[k], k).toBeGreaterThan(totals.seeds / 10);
    }
  });
});
