/**
 * Small statistics for the benchmark: percentiles of latency samples and the median and spread
 * of repeated runs.
 */

/** The p-th percentile (0..100) of `samples` by nearest rank; NaN if empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Median, minimum and maximum of repeated measurements. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

export function summarize(runs: readonly number[]): Summary {
  const finite = runs.filter((x) => Number.isFinite(x));
  return {
    median: percentile(finite, 50),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    runs: [...runs],
  };
}

/** Spread as a percentage of the median: (max - min) / median. */
export function spreadPct(s: Summary): number {
  return s.median === 0 ? 0 : ((s.max - s.min) / s.median) * 100;
}

/** A compact human figure: 3 significant digits, thousands grouped. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}
