/**
 * The benchmark's output: a text table on stdout (scenario, metric, ours, real, ratio), and the
 * same as JSON and Markdown under bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, spreadPct, type Summary } from './stats.js';

export interface ResultRow {
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly ours: Summary | undefined;
  readonly real: Summary | undefined;
}

export interface BenchReport {
  /** Heading of the Markdown file (default "Benchmark results"). */
  readonly title?: string;
  readonly startedAt: string;
  readonly durationSec: number;
  readonly options: { readonly [k: string]: unknown };
  readonly machine: { readonly cpus: number; readonly node: string; readonly ovs: string };
  readonly notes: readonly string[];
  readonly rows: readonly ResultRow[];
}

/** ours/real; for "lower is better" metrics a ratio above 1 means we are slower. */
export function ratio(r: ResultRow): number {
  if (!r.ours || !r.real || !Number.isFinite(r.ours.median) || !Number.isFinite(r.real.median) || r.real.median === 0) return Number.NaN;
  return r.ours.median / r.real.median;
}

/** True if ours is worse than real by more than 10 %. */
export function weSlower(r: ResultRow): boolean {
  const x = ratio(r);
  if (!Number.isFinite(x)) return false;
  return r.higherIsBetter ? x < 0.9 : x > 1.1;
}

function cell(s: Summary | undefined): string {
  if (!s || !Number.isFinite(s.median)) return 'n/a';
  return s.runs.length > 1 ? `${fmt(s.median)} ±${fmt(spreadPct(s) / 2)}%` : fmt(s.median);
}

function lines(report: BenchReport): string[][] {
  return report.rows.map((r) => [
    r.scenario, `${r.metric} (${r.unit})`, cell(r.ours), cell(r.real),
    Number.isFinite(ratio(r)) ? `${ratio(r).toFixed(2)}${weSlower(r) ? ' (slower)' : ''}` : 'n/a',
  ]);
}

const headings = ['scenario', 'metric', 'ours', 'real ovsdb-server', 'ours/real'];

/** Plain-text table for the terminal. */
export function textTable(report: BenchReport): string {
  const rows = [headings, ...lines(report)];
  const widths = headings.map((_, x) => Math.max(...rows.map((r) => (r[x] ?? '').length)));
  const fmtRow = (r: string[]): string => r.map((c, x) => c.padEnd(widths[x] ?? 0)).join('  ').trimEnd();
  return [fmtRow(headings), widths.map((w) => '-'.repeat(w)).join('  '), ...lines(report).map(fmtRow)].join('\n');
}

/** Markdown table with a header describing the run. */
export function markdown(report: BenchReport): string {
  const out = [
    `# ${report.title ?? 'Benchmark results'} (${report.startedAt})`,
    '',
    `Machine: ${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.ovs}. ` +
      `Run took ${Math.round(report.durationSec)} s; options: \`${JSON.stringify(report.options)}\`.`,
    'Figures are the median of the repeated runs, ± half the spread (max - min) as a percentage of the median.',
    'ours/real > 1 is better for rates and worse for latencies; "(slower)" marks rows where we are more than 10 % behind.',
    '',
    `| ${headings.join(' | ')} |`,
    `|${headings.map(() => '---').join('|')}|`,
    ...lines(report).map((r) => `| ${r.join(' | ')} |`),
  ];
  if (report.notes.length) out.push('', ...report.notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}

/** Writes BASENAME.json and BASENAME.md (default latest.json, latest.md) to `dir`. */
export function writeResults(dir: string, report: BenchReport, basename = 'latest'): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${basename}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, `${basename}.md`), markdown(report));
}
