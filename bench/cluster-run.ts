/**
 * `npm run bench:cluster` (or `npm run bench -- --cluster ...`): our Raft cluster and a real
 * Open vSwitch cluster of the same size side by side, driven by the same load generator; prints
 * a table and writes bench/results/cluster-latest.{json,md}.
 *
 *   node dist/bench/cluster-run.js [--quick] [--duration-ms=N] [--repeat=N] [--only=a,b]
 *                                  [--sides=ours,real] [--big-rows=N] [--election-timer=MS] [--out=DIR] [--keep]
 *
 * For each group of scenarios (3 members; 5 members; 3 members holding --big-rows rows) a
 * cluster of each side is created and started, then every scenario runs alternately on ours
 * and on the real one (ours, real, ours, real, ...): the machine has 2 cores and a cluster plus
 * the load generator oversubscribes it, so its drift over time must land on both sides alike.
 * --quick: 400 ms per run, 1 run (2 for the failover gap), 20,000 big rows (a few minutes).
 * Default: 2,000 ms per run, 3 runs (5 for the failover gap), 100,000 big rows.
 * --keep: leave the temp directory (every member's database and log) in place and print its path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DB, type Figures } from './scenarios.js';
import { cliMain, type Side } from './servers.js';
import { BenchCluster } from './cluster-servers.js';
import { clusterGroups, clusterSchema, type ClusterRunContext } from './cluster-scenarios.js';
import { summarize, fmt } from './stats.js';
import { textTable, writeResults, type BenchReport, type ResultRow } from './report.js';

interface Options {
  quick: boolean;
  durationMs: number;
  repeat: number;
  only: string[] | undefined;
  sides: Side[];
  bigRows: number;
  electionTimerMs: number;
  out: string;
  keep: boolean;
}

const FLAGS = ['quick', 'duration-ms', 'repeat', 'only', 'sides', 'big-rows', 'election-timer', 'out', 'keep', 'help', 'cluster'];
const USAGE = 'usage: npm run bench:cluster -- [--quick] [--duration-ms=N] [--repeat=N] [--only=a,b] [--sides=ours,real] [--big-rows=N] [--election-timer=MS] [--out=DIR] [--keep]\n';

function parseArgs(argv: readonly string[]): Options {
  const get = (name: string): string | undefined => {
    const a = argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
    return a === undefined ? undefined : a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
  };
  for (const a of argv) {
    const name = /^--([a-z-]+)(=|$)/.exec(a)?.[1];
    if (name === undefined || !FLAGS.includes(name)) throw new Error(`unknown argument ${a} (see --help)`);
  }
  if (get('help') !== undefined) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = get('quick') !== undefined;
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer`);
    return n;
  };
  const bigRows = num('big-rows', quick ? 20_000 : 100_000);
  const sides = (get('sides') ?? 'ours,real').split(',').filter((s): s is Side => s === 'ours' || s === 'real');
  const only = get('only')?.split(',').filter((s) => s.length > 0);
  const known = clusterGroups(bigRows).flatMap((g) => g.scenarios.map((s) => s.name));
  for (const o of only ?? []) if (!known.includes(o)) throw new Error(`unknown scenario ${o}; known: ${known.join(', ')}`);
  return {
    quick,
    durationMs: num('duration-ms', quick ? 400 : 2000),
    repeat: num('repeat', quick ? 1 : 3),
    only,
    sides,
    bigRows,
    electionTimerMs: num('election-timer', 1000),
    out: get('out') ?? resolve(import.meta.dirname, '../../bench/results'),
    keep: get('keep') !== undefined,
  };
}

const t0 = performance.now();
function progress(msg: string): void {
  process.stderr.write(`[bench-cluster ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
}

function ovsVersion(): string {
  try {
    return execFileSync('ovsdb-server', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'ovsdb-server';
  } catch {
    return 'ovsdb-server not found';
  }
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function runClusterBench(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-bench-cluster-'));
  const schemaPath = join(dir, 'bench.ovsschema');
  writeFileSync(schemaPath, JSON.stringify(clusterSchema));
  const notes: string[] = [];
  const figures = new Map<string, Figures[]>(); // key: side/scenario
  const groups = clusterGroups(opts.bigRows);
  const sides = opts.sides.filter((side) => {
    if (side === 'ours' && !existsSync(cliMain)) {
      notes.push(`ours: n/a (${cliMain} missing; run npm run build)`);
      return false;
    }
    return true;
  });
  const live: BenchCluster[] = [];
  const interrupted = (): void => {
    // Ctrl-C: stop every member we started before exiting.
    void Promise.all(live.map((c) => c.destroy())).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    for (const group of groups) {
      const selected = group.scenarios.filter((s) => !opts.only || opts.only.includes(s.name));
      if (selected.length === 0) continue;
      const contexts = new Map<Side, ClusterRunContext>();
      for (const side of sides) {
        progress(`${group.name}: starting a ${group.size}-member ${side} cluster`);
        try {
          const cluster = await BenchCluster.create({
            side, dir: join(dir, `${group.name}-${side}`), schemaPath, database: DB, size: group.size, electionTimerMs: opts.electionTimerMs,
          });
          live.push(cluster);
          const ctx: ClusterRunContext = { cluster, durationMs: opts.durationMs, quick: opts.quick, bigRows: opts.bigRows, progress };
          if (group.prepare) {
            progress(`${group.name}: preparing ${side}`);
            await group.prepare(ctx);
          }
          contexts.set(side, ctx);
        } catch (err) {
          notes.push(`${side} ${group.name}-member group: failed to start (${errText(err)})`);
          progress(`${group.name}: ${side} failed: ${errText(err)}`);
        }
      }
      for (const sc of selected) {
        const active = new Map<Side, ClusterRunContext>();
        for (const [side, ctx] of contexts) {
          try {
            if (sc.prepare) {
              progress(`${sc.name}: preparing ${side}`);
              await sc.prepare(ctx);
            }
            active.set(side, ctx);
          } catch (err) {
            notes.push(`${side} ${sc.name}: failed (${errText(err)})`);
            progress(`${sc.name}: ${side} failed: ${errText(err)}`);
          }
        }
        const repeat = sc.repeat ? sc.repeat(opts.repeat, opts.quick) : opts.repeat;
        for (let i = 1; i <= repeat; i++) {
          for (const [side, ctx] of active) {
            try {
              progress(`${sc.name}: ${side} run ${i}/${repeat}`);
              const f = await sc.run(ctx);
              const key = `${side}/${sc.name}`;
              figures.set(key, [...(figures.get(key) ?? []), f]);
              progress(`${sc.name}: ${side} ${Object.entries(f).map(([k, v]) => `${k}=${fmt(v)}`).join(' ')}`);
            } catch (err) {
              notes.push(`${side} ${sc.name} run ${i}: failed (${errText(err)})`);
              progress(`${sc.name}: ${side} failed: ${errText(err)}`);
              // A failed run may leave the cluster short of a member; the later runs still try.
            }
          }
        }
      }
      for (const ctx of contexts.values()) {
        progress(`${group.name}: stopping the ${ctx.cluster.side} cluster`);
        await ctx.cluster.destroy();
      }
    }
  } finally {
    await Promise.all(live.map((c) => c.destroy()));
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    if (opts.keep) progress(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  const rows: ResultRow[] = [];
  for (const sc of groups.flatMap((g) => g.scenarios)) {
    if (opts.only && !opts.only.includes(sc.name)) continue;
    for (const [metric, m] of Object.entries(sc.metrics)) {
      const pick = (side: Side) => {
        const fs = figures.get(`${side}/${sc.name}`);
        return fs ? summarize(fs.map((f) => f[metric] ?? Number.NaN)) : undefined;
      };
      rows.push({ scenario: sc.name, metric, unit: m.unit, higherIsBetter: m.higherIsBetter, ours: pick('ours'), real: pick('real') });
    }
  }
  const report: BenchReport = {
    title: 'Cluster benchmark results',
    startedAt: new Date(Date.now() - (performance.now() - t0)).toISOString(),
    durationSec: (performance.now() - t0) / 1000,
    options: {
      quick: opts.quick, durationMs: opts.durationMs, repeat: opts.repeat, only: opts.only ?? 'all', sides: opts.sides,
      bigRows: opts.bigRows, electionTimerMs: opts.electionTimerMs,
    },
    machine: { cpus: cpus().length, node: process.version, ovs: ovsVersion() },
    notes,
    rows,
  };
  process.stdout.write(`${textTable(report)}\n`);
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);
  writeResults(opts.out, report, 'cluster-latest');
  progress(`wrote ${join(opts.out, 'cluster-latest.json')} and cluster-latest.md`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  runClusterBench(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bench-cluster: ${errText(err)}\n`);
    process.exit(1);
  });
}
