/**
 * `npm run sim -- --seeds N --base B [--ticks T] [--verbose]`: runs seeds B..B+N-1 of the
 * simulator, prints a progress line every 50 seeds (every seed with --verbose) and one block
 * per violation with its replay command, the speed in simulated seconds per wall second, and
 * ends with exactly `sim: N seeds, V violations` (exit status 1 if V > 0).
 *
 * Exploration knobs (they change the worlds, so a replay must repeat them): --no-duplication,
 * --dup P (duplication probability, reordering on), --transfer P (leadership transfers per
 * tick), --fault NAME (a RaftTestFaults switch in every core, to watch the checkers bite),
 * --no-time-faults (no event-loop stalls, clock jumps or connection resets).
 * This file is the only one in test/sim that touches process.argv and the exit status.
 */
import { replayHint, runSeed, type RunOptions } from './run-seed.js';
import { swarmOptions, type SwarmOptions } from './swarm.js';
import type { RaftTestFaults } from '../../src/raft/config.js';

interface CliOptions {
  seeds: number;
  base: number;
  ticks: number | undefined;
  verbose: boolean;
  /** Turn message duplication off (to look past a known duplication bug). */
  noDuplication: boolean;
  /** Turn stalls, clock jumps and connection resets off (to tell whether a failure needs them). */
  noTimeFaults: boolean;
  /** Test faults to switch on in every core (to see the checkers bite). */
  faults: RaftTestFaults;
  /** Overrides: duplication probability (with reordering on) and leadership-transfer rate. */
  dup: number | undefined;
  transfer: number | undefined;
  /** The world-changing flags as given, for the replay command. */
  extraFlags: string[];
}

function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = { seeds: 100, base: 1, ticks: undefined, verbose: false, noDuplication: false, noTimeFaults: false, faults: {}, dup: undefined, transfer: undefined, extraFlags: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    const probability = (): number => {
      const v = Number(argv[++i]);
      if (!(v >= 0 && v <= 1)) throw new Error(`${a} needs a probability in [0, 1]`);
      return v;
    };
    if (a === '--seeds') o.seeds = value();
    else if (a === '--base') o.base = value();
    else if (a === '--ticks') {
      o.ticks = value();
      o.extraFlags.push(a, String(o.ticks));
    }
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--no-duplication') {
      o.noDuplication = true;
      o.extraFlags.push(a);
    } else if (a === '--no-time-faults') {
      o.noTimeFaults = true;
      o.extraFlags.push(a);
    } else if (a === '--dup') {
      o.dup = probability();
      o.extraFlags.push(a, String(o.dup));
    } else if (a === '--transfer') {
      o.transfer = probability();
      o.extraFlags.push(a, String(o.transfer));
    }
    else if (a === '--fault') {
      const name = argv[++i];
      if (name !== 'voteTwiceInTerm' && name !== 'commitPriorTermByCounting' && name !== 'skipPersistBeforeSend') throw new Error(`unknown fault ${String(name)}`);
      o.faults = { ...o.faults, [name]: true };
      o.extraFlags.push(a, name);
    }
    else throw new Error(`unknown argument ${String(a)} (usage: --seeds N --base B [--ticks T] [--verbose] [--no-duplication] [--no-time-faults] [--dup P] [--transfer P] [--fault NAME])`);
  }
  return o;
}

function swarmOverrides(o: CliOptions, seed: number): Partial<SwarmOptions> {
  const network = swarmOptions(seed).network;
  const dup = o.noDuplication ? 0 : o.dup;
  return {
    ...(dup !== undefined ? { network: { ...network, duplicateProbability: dup, reorder: dup > 0 ? true : network.reorder } } : {}),
    ...(o.transfer !== undefined ? { transferProbability: o.transfer } : {}),
    ...(o.noTimeFaults ? { stallProbability: 0, clockJumpProbability: 0, resetSeenProbability: 0, spuriousResetProbability: 0 } : {}),
  };
}

function main(): number {
  const o = parseArgs(process.argv.slice(2));
  let violations = 0;
  let simulatedMs = 0;
  let wallMs = 0;
  let ops = 0;
  let unknown = 0;
  const started = performance.now();
  for (let k = 0; k < o.seeds; k++) {
    const seed = o.base + k;
    const run: RunOptions = {
      ...(o.ticks !== undefined ? { ticks: o.ticks } : {}),
      ...(Object.keys(o.faults).length > 0 ? { testFaults: o.faults } : {}),
      swarm: swarmOverrides(o, seed),
    };
    const r = runSeed(seed, run);
    simulatedMs += r.simulatedMs;
    wallMs += r.wallMs;
    ops += r.completed;
    if (r.linearizability === 'unknown') unknown += 1;
    if (r.violation !== undefined) {
      violations += 1;
      console.log(`seed ${seed}: VIOLATION ${r.violation.checker} at tick ${r.violation.tick}: ${r.violation.message}`);
      console.log(`  world: ${r.description}`);
      console.log(`  last events: ${r.traceTail.slice(-12).join(' | ')}`);
      console.log(`  replay: ${o.extraFlags.length === 0 ? replayHint(seed) : `npm run sim -- --seeds 1 --base ${seed} ${o.extraFlags.join(' ')}`}`);
    } else if (o.verbose) {
      console.log(`seed ${seed}: ok ${r.description.split(" ")[0]} ${r.ticks} ticks, ${r.completed}/${r.operations} ops, ${r.wallMs.toFixed(0)} ms, trace ${r.traceHash}, ${JSON.stringify(r.stats)}`);
    }
    if (!o.verbose && ((k + 1) % 50 === 0 || k + 1 === o.seeds)) {
      const speed = wallMs > 0 ? simulatedMs / wallMs : 0;
      console.log(`progress: ${k + 1}/${o.seeds} seeds, ${violations} violations, ${((performance.now() - started) / 1000).toFixed(1)} s, ${speed.toFixed(1)} simulated s per wall s`);
    }
  }
  const speed = wallMs > 0 ? simulatedMs / wallMs : 0;
  console.log(`speed: ${(simulatedMs / 1000).toFixed(0)} simulated s in ${(wallMs / 1000).toFixed(1)} wall s = ${speed.toFixed(1)} simulated s per wall s; ${ops} client operations completed`);
  if (unknown > 0) console.log(`linearizability: ${unknown} seeds too large to decide within the search bound`);
  console.log(`sim: ${o.seeds} seeds, ${violations} violations`);
  return violations > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
}
