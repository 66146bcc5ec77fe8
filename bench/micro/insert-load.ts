/**
 * The write-16 load the micro-benchmarks share (not run in CI): N connections, each keeping
 * `inFlight` single-row inserts outstanding for a while, and the CPU a process used meanwhile,
 * read from /proc (utime + stime, in clock ticks of 10 ms).
 *
 * @example
 * const cpu0 = processCpuMs(pid);
 * const r = await insertLoad('unix:/tmp/db.sock', 16, 1, 2000);
 * const usPerTxn = ((processCpuMs(pid).total - cpu0.total) * 1000) / r.count;
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OvsdbClient } from '../../src/client/index.js';
import { benchSchema, DB } from '../scenarios.js';

/** CPU time a process has used so far, in ms: user, kernel and both. */
export function processCpuMs(pid: number): { readonly user: number; readonly sys: number; readonly total: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]) * 10;
  const sys = Number(fields[12]) * 10;
  return { user, sys, total: user + sys };
}

/** A fresh database of the benchmark's schema for the build in `root`, made in `dir`: that build's CLI and the database path. */
export function createBenchDb(root: string, dir: string, name: string): { readonly cli: string; readonly dbPath: string } {
  const schemaPath = join(dir, 'bench.ovsschema');
  writeFileSync(schemaPath, JSON.stringify(benchSchema));
  const cli = join(root, 'dist/src/cli/main.js');
  const dbPath = join(dir, `${name}.db`);
  execFileSync(process.execPath, [cli, 'tool', 'create', dbPath, schemaPath], { stdio: 'pipe' });
  return { cli, dbPath };
}

let serial = 0;

/**
 * Inserts rows into table Item over `connections` connections to `remote` for `durationMs`;
 * a reply that is an error stops the run. Calls `around.before` once every connection is open
 * and `around.after` as soon as the last reply is in (for CPU readings around the load only).
 */
export async function insertLoad(remote: string, connections: number, inFlight: number, durationMs: number,
  around: { before?: () => void; after?: () => void } = {}): Promise<{ count: number; elapsedMs: number }> {
  const cs = await Promise.all(Array.from({ length: connections }, () => OvsdbClient.connect(remote, { requestTimeoutMs: 60_000 })));
  let count = 0;
  around.before?.();
  const t0 = performance.now();
  const end = t0 + durationMs;
  try {
    await Promise.all(cs.flatMap((c) => Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const r = await c.transact(DB, [{ op: 'insert', table: 'Item', row: { name: `w${serial++}`, n: serial } }]);
        const first = r[0];
        if (first === null || typeof first !== 'object' || Array.isArray(first) || 'error' in first) throw new Error(`transaction failed: ${JSON.stringify(r)}`);
        count++;
      }
    })));
    const elapsedMs = performance.now() - t0;
    around.after?.();
    return { count, elapsedMs };
  } finally {
    for (const c of cs) c.close();
  }
}
