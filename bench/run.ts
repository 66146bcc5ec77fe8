/**
 * `npm run bench`: our server and the real ovsdb-server side by side, driven by the same load
 * generator (src/client), each scenario repeated; prints a table and writes
 * bench/results/latest.{json,md}.
 *
 *   node dist/bench/run.js [--quick] [--duration-ms=N] [--repeat=N] [--only=a,b] [--sides=ours,real]
 *                          [--restart-rows=N] [--out=DIR] [--profile-dir=DIR]
 *
 * --profile-dir: run our server under `node --cpu-prof` (profiles written when it stops), to
 * explain a row where we are slower.
 * --quick: 400 ms per run, 1 run, 20,000 rows for the restart figure (under a minute).
 * Default: 2,000 ms per run, 3 runs, 100,000 rows (under ten minutes).
 * --cluster: the cluster scenarios instead (our 3- and 5-member clusters against real OVS
 * clusters), with the options of bench/cluster-run.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DB, benchSchema, loadRows, scenarios, type Figures, type RunContext } from './scenarios.js';
import { startServer, cliMain, type BenchServer, type Side } from './servers.js';
import { summarize, fmt } from './stats.js';
import { textTable, writeResults, type BenchReport, type ResultRow } from './report.js';

interface Options {
  quick: boolean;
  durationMs: number;
  repeat: number;
  only: string[] | undefined;
  sides: Side[];
  restartRows: number;
  out: string;
  profileDir: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const get = (name: string): string | undefined => {
    const a = argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
    return a === undefined ? undefined : a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
  };
  for (const a of argv) {
    if (!/^--(quick|duration-ms|repeat|only|sides|restart-rows|out|profile-dir|help)(=|$)/.test(a)) throw new Error(`unknown argument ${a} (see --help)`);
  }
  if (get('help') !== undefined) {
    process.stdout.write('usage: npm run bench -- [--quick] [--duration-ms=N] [--repeat=N] [--only=a,b] [--sides=ours,real] [--restart-rows=N] [--out=DIR] [--profile-dir=DIR]\n');
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
  const sides = (get('sides') ?? 'ours,real').split(',').filter((s): s is Side => s === 'ours' || s === 'real');
  const only = get('only')?.split(',').filter((s) => s.length > 0);
  const known = [...scenarios.map((s) => s.name), 'restart'];
  for (const o of only ?? []) if (!known.includes(o)) throw new Error(`unknown scenario ${o}; known: ${known.join(', ')}`);
  return {
    quick,
    durationMs: num('duration-ms', quick ? 400 : 2000),
    repeat: num('repeat', quick ? 1 : 3),
    only,
    sides,
    restartRows: num('restart-rows', quick ? 20_000 : 100_000),
    out: get('out') ?? resolve(import.meta.dirname, '../../bench/results'),
    profileDir: get('profile-dir') || undefined,
  };
}

const t0 = performance.now();
function progress(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
}

function ovsVersion(): string {
  try {
    return execFileSync('ovsdb-server', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'ovsdb-server';
  } catch {
    return 'ovsdb-server not found';
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--cluster')) {
    // The cluster scenarios have their own runner and options (bench/cluster-run.ts).
    const { runClusterBench } = await import('./cluster-run.js');
    await runClusterBench(process.argv.slice(2).filter((a) => a !== '--cluster'));
    return;
  }
  const opts = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-bench-'));
  const schemaPath = join(dir, 'bench.ovsschema');
  writeFileSync(schemaPath, JSON.stringify(benchSchema));
  const notes: string[] = [];
  const servers = new Map<Side, BenchServer>();
  const started: BenchServer[] = [];
  const figures = new Map<string, Figures[]>(); // key: side/scenario
  try {
    for (const side of opts.sides) {
      if (side === 'ours' && !existsSync(cliMain)) {
        notes.push(`ours: n/a (${cliMain} missing; run npm run build)`);
        continue;
      }
      progress(`starting ${side} server`);
      try {
        const s = await startServer(side, dir, schemaPath, DB, side === 'ours' ? opts.profileDir : undefined);
        servers.set(side, s);
        started.push(s);
      } catch (err) {
        notes.push(`${side}: n/a (server did not start: ${err instanceof Error ? err.message : String(err)})`);
        progress(`${side} server did not start: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const selected = scenarios.filter((s) => !opts.only || opts.only.includes(s.name));
    for (const sc of selected) {
      // Runs alternate between the servers (ours, real, ours, real, ...) rather than all of one
      // side and then all of the other: the machine's load drifts over seconds, and alternating
      // spreads that drift over both sides instead of handing it to one of them.
      const live = new Map<Side, RunContext>();
      for (const [side, server] of servers) {
        const ctx = { server, durationMs: opts.durationMs, quick: opts.quick };
        try {
          if (sc.prepare) {
            progress(`${sc.name}: preparing ${side}`);
            await sc.prepare(ctx);
          }
          live.set(side, ctx);
        } catch (err) {
          notes.push(`${side} ${sc.name}: failed (${err instanceof Error ? err.message : String(err)})`);
          progress(`${sc.name}: ${side} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      for (let i = 1; i <= opts.repeat; i++) {
        for (const [side, ctx] of live) {
          try {
            progress(`${sc.name}: ${side} run ${i}/${opts.repeat}`);
            const f = await sc.run(ctx);
            const key = `${side}/${sc.name}`;
            figures.set(key, [...(figures.get(key) ?? []), f]);
            progress(`${sc.name}: ${side} ${Object.entries(f).map(([k, v]) => `${k}=${fmt(v)}`).join(' ')}`);
          } catch (err) {
            notes.push(`${side} ${sc.name}: failed (${err instanceof Error ? err.message : String(err)})`);
            progress(`${sc.name}: ${side} failed: ${err instanceof Error ? err.message : String(err)}`);
            live.delete(side);
          }
        }
      }
    }
    // Restart, disk and memory: a fresh server per side holding restartRows rows.
    if (!opts.only || opts.only.includes('restart')) {
      for (const side of servers.keys()) {
        const sub = join(dir, `restart-${side}`);
        mkdirSync(sub, { recursive: true });
        let s: BenchServer | undefined;
        try {
          progress(`restart: starting a fresh ${side} server`);
          s = await startServer(side, sub, schemaPath, DB);
          progress(`restart: loading ${opts.restartRows.toLocaleString('en-US')} rows into ${side}`);
          const l0 = performance.now();
          await loadRows(s, opts.restartRows);
          const loadMs = performance.now() - l0;
          const rss = s.rssBytes();
          const restarts: number[] = [];
          for (let i = 1; i <= opts.repeat; i++) {
            progress(`restart: ${side} run ${i}/${opts.repeat}`);
            restarts.push(await s.restart());
          }
          const rssAfter = s.rssBytes();
          const disk = s.diskBytes();
          const key = `${side}/restart`;
          figures.set(key, restarts.map((ms) => ({ restartMs: ms, loadRowsPerSec: opts.restartRows / (loadMs / 1000), rssMiB: rss / 2 ** 20, rssAfterRestartMiB: rssAfter / 2 ** 20, diskMiB: disk / 2 ** 20 })));
          progress(`restart: ${side} restart=${restarts.map(fmt).join('/')} ms rss=${fmt(rss / 2 ** 20)} MiB disk=${fmt(disk / 2 ** 20)} MiB`);
        } catch (err) {
          notes.push(`${side} restart: failed (${err instanceof Error ? err.message : String(err)})`);
          progress(`restart: ${side} failed: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          await s?.stop();
        }
      }
    }
  } finally {
    for (const s of started) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const rows: ResultRow[] = [];
  const restartMetrics = {
    restartMs: { unit: 'ms', higherIsBetter: false },
    loadRowsPerSec: { unit: 'rows/s', higherIsBetter: true },
    rssMiB: { unit: 'MiB', higherIsBetter: false },
    rssAfterRestartMiB: { unit: 'MiB', higherIsBetter: false },
    diskMiB: { unit: 'MiB', higherIsBetter: false },
  };
  const all = [...scenarios.map((s) => ({ name: s.name, metrics: s.metrics })), { name: 'restart', metrics: restartMetrics }];
  for (const sc of all) {
    if (opts.only && !opts.only.includes(sc.name)) continue;
    for (const [metric, m] of Object.entries(sc.metrics)) {
      const pick = (side: Side) => {
        const fs = figures.get(`${side}/${sc.name}`);
        return fs ? summarize(fs.map((f) => f[metric] ?? Number.NaN)) : undefined;
      };
      rows.push({ scenario: sc.name === 'restart' ? `restart-${opts.restartRows / 1000}k` : sc.name, metric, unit: m.unit, higherIsBetter: m.higherIsBetter, ours: pick('ours'), real: pick('real') });
    }
  }
  const report: BenchReport = {
    startedAt: new Date(Date.now() - (performance.now() - t0)).toISOString(),
    durationSec: (performance.now() - t0) / 1000,
    options: { quick: opts.quick, durationMs: opts.durationMs, repeat: opts.repeat, only: opts.only ?? 'all', sides: opts.sides, restartRows: opts.restartRows },
    machine: { cpus: cpus().length, node: process.version, ovs: ovsVersion() },
    notes,
    rows,
  };
  process.stdout.write(`${textTable(report)}\n`);
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);
  writeResults(opts.out, report);
  progress(`wrote ${join(opts.out, 'latest.json')} and latest.md`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
