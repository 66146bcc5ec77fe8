/**
 * Which seeds a test run covers. `SIM_SEED=n` replays one seed; `SIM_SEEDS=N` runs seeds
 * 1..N and `SIM_SEEDS=B-E` runs seeds B..E (inclusive), to widen the CI range on demand.
 */
export function seedsFromEnv(env: Readonly<Record<string, string | undefined>>, defaultCount: number, defaultBase = 1): number[] {
  const one = env['SIM_SEED'];
  if (one !== undefined && one !== '') return [parseSeed(one)];
  const many = env['SIM_SEEDS'];
  if (many !== undefined && many !== '') {
    const m = /^(\d+)-(\d+)$/.exec(many);
    if (m !== null) return range(parseSeed(m[1] ?? ''), parseSeed(m[2] ?? ''));
    return range(defaultBase, defaultBase + parseSeed(many) - 1);
  }
  return range(defaultBase, defaultBase + defaultCount - 1);
}

function parseSeed(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad seed ${s}`);
  return n;
}

function range(lo: number, hi: number): number[] {
  if (hi < lo) throw new Error(`empty seed range ${lo}-${hi}`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
