/**
 * The cluster scenarios (issues 11 and 12): the same load against our cluster and a real Open
 * vSwitch cluster. Each scenario gets one running cluster of one side and returns figures; the
 * runner (cluster-run.ts) alternates the sides run by run.
 *
 * Scenarios are grouped by the cluster they need: `three` (3 members, fresh), `five` (5
 * members) and `big` (3 members holding 100,000 rows, for restart and join).
 */
import type { Json } from '../src/base/json.js';
import { OvsdbClient } from '../src/client/index.js';
import { benchSchema, DB, measureFanout, type Figures } from './scenarios.js';
import { percentile } from './stats.js';
import { waitForMarker, writeMarker, type BenchCluster } from './cluster-servers.js';

/** The benchmark schema plus a `Marker` table, written to tell when a member has caught up. */
export const clusterSchema = {
  ...benchSchema,
  tables: { ...benchSchema.tables, Marker: { columns: { name: { type: 'string' } }, isRoot: true } },
};

export interface ClusterRunContext {
  readonly cluster: BenchCluster;
  readonly durationMs: number;
  readonly quick: boolean;
  /** Rows loaded into the `big` group's clusters. */
  readonly bigRows: number;
  readonly progress: (msg: string) => void;
}

type Metrics = { readonly [metric: string]: { readonly unit: string; readonly higherIsBetter: boolean } };

export interface ClusterScenario {
  readonly name: string;
  readonly description: string;
  readonly metrics: Metrics;
  /** Runs once per side before the measured runs. */
  readonly prepare?: (ctx: ClusterRunContext) => Promise<void>;
  readonly run: (ctx: ClusterRunContext) => Promise<Figures>;
  /** Repetitions if not the runner's --repeat (the failover gap is measured more often). */
  readonly repeat?: (defaultRepeat: number, quick: boolean) => number;
}

export interface ClusterGroup {
  readonly name: string;
  readonly size: number;
  /** Runs once per side after the cluster started (loading data). */
  readonly prepare?: (ctx: ClusterRunContext) => Promise<void>;
  readonly scenarios: readonly ClusterScenario[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An error result in a transact reply, or undefined. */
function txnError(result: readonly Json[]): string | undefined {
  for (const r of result) {
    if (r !== null && typeof r === 'object' && !Array.isArray(r) && 'error' in r) return JSON.stringify(r);
  }
  return undefined;
}

async function connectAll(remotes: readonly string[], n: number, requestTimeoutMs: number): Promise<OvsdbClient[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => OvsdbClient.connect(remotes[i % remotes.length] ?? '', { requestTimeoutMs, connectTimeoutMs: 10_000 })));
}

let serial = 0;

/**
 * `connections` clients over `remotes` (round robin), each keeping `inFlight` one-row insert
 * transactions outstanding for durationMs. Errors (error replies, timeouts) are counted, not
 * thrown: forwarded writes on OVS followers fail under load and that is part of the figure.
 */
async function writeLoad(ctx: ClusterRunContext, remotes: readonly string[], connections: number, inFlight: number): Promise<Figures> {
  const timeoutMs = ctx.quick ? 5000 : 10_000;
  const cs = await connectAll(remotes, connections, timeoutMs);
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  const end = performance.now() + ctx.durationMs;
  const worker = async (c: OvsdbClient): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const e = txnError(await c.transact(DB, [{ op: 'insert', table: 'Item', row: { name: `w${serial++}`, n: serial } }]));
        if (e === undefined) latencies.push(performance.now() - t0);
        else { errors++; firstError ||= e; }
      } catch (err) {
        errors++;
        firstError ||= err instanceof Error ? err.message : String(err);
        if (!c.isConnected) return;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(cs.flatMap((c) => Array.from({ length: inFlight }, () => worker(c))));
  const elapsed = performance.now() - t0;
  for (const c of cs) c.close();
  if (errors > 0) ctx.progress(`  ${errors} failed transactions, first: ${firstError.slice(0, 200)}`);
  await settle(ctx);
  return { tps: (latencies.length / elapsed) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
}

/** After a heavy run: waits until the leader commits a write again (the backlog is gone). */
async function settle(ctx: ClusterRunContext): Promise<void> {
  const leader = await ctx.cluster.leader();
  await writeMarker(leader.remote, DB, 60_000);
  await sleep(200);
}

const writeMetrics: Metrics = {
  tps: { unit: 'txn/s', higherIsBetter: true },
  p50Ms: { unit: 'ms', higherIsBetter: false },
  p99Ms: { unit: 'ms', higherIsBetter: false },
  errors: { unit: 'txns', higherIsBetter: false },
};

async function insertRows(remote: string, table: string, count: number, row: (i: number) => { [k: string]: Json }, perTxn = 10_000): Promise<void> {
  const c = await OvsdbClient.connect(remote, { requestTimeoutMs: 300_000 });
  try {
    for (let done = 0; done < count; done += perTxn) {
      const n = Math.min(perTxn, count - done);
      const e = txnError(await c.transact(DB, Array.from({ length: n }, (_, i) => ({ op: 'insert', table, row: row(done + i) }))));
      if (e !== undefined) throw new Error(`loading ${table}: ${e}`);
    }
  } finally {
    c.close();
  }
}

/** Writes a marker through the leader and waits until every running member shows it. */
async function allCaughtUp(cluster: BenchCluster, timeoutMs: number): Promise<void> {
  const leader = await cluster.leader();
  const marker = await writeMarker(leader.remote, DB, timeoutMs);
  await Promise.all(cluster.running().map((m) => waitForMarker(m.remote, DB, marker, timeoutMs)));
}

const leaderWrites = (n: number, prefix: string, members: number): ClusterScenario => ({
  name: `${prefix}write-${n}`,
  description: `${members} members; ${n} connection(s) to the leader, one small insert per transaction, one at a time each`,
  metrics: writeMetrics,
  run: async (ctx) => writeLoad(ctx, [(await ctx.cluster.leader()).remote], n, 1),
});

const spreadRemotes = (cluster: BenchCluster): string[] => cluster.running().map((m) => m.remote);

const READ_ROWS = 10_000;

/** Issue 11 and 12 scenarios on a fresh 3-member cluster. */
const threeMember: ClusterGroup = {
  name: 'three',
  size: 3,
  scenarios: [
    ...[1, 16, 64].map((n) => leaderWrites(n, 'cluster-', 3)),
    {
      name: 'cluster-bulk-insert-10k',
      description: 'one transaction of 10,000 insert operations, sent to the leader',
      metrics: { latencyMs: { unit: 'ms', higherIsBetter: false }, rowsPerSec: { unit: 'rows/s', higherIsBetter: true } },
      run: async (ctx) => {
        const leader = await ctx.cluster.leader();
        const c = await OvsdbClient.connect(leader.remote, { requestTimeoutMs: 120_000 });
        const base = serial;
        serial += 10_000;
        const ops: Json[] = Array.from({ length: 10_000 }, (_, i) => ({ op: 'insert', table: 'Bulk', row: { name: `b${base + i}`, n: base + i } }));
        const t0 = performance.now();
        const e = txnError(await c.transact(DB, ops));
        const ms = performance.now() - t0;
        c.close();
        if (e !== undefined) throw new Error(e);
        await settle(ctx);
        return { latencyMs: ms, rowsPerSec: 10_000 / (ms / 1000) };
      },
    },
    {
      name: 'cluster-spread-write-64',
      description: '64 connections spread over all members (followers forward to the leader), one insert at a time each',
      metrics: writeMetrics,
      run: (ctx) => writeLoad(ctx, spreadRemotes(ctx.cluster), 64, 1),
    },
    {
      name: 'cluster-spread-pipelined-64x16',
      description: 'as cluster-spread-write-64 with 16 transactions in flight on each connection',
      metrics: writeMetrics,
      run: (ctx) => writeLoad(ctx, spreadRemotes(ctx.cluster), 64, 16),
    },
    {
      name: 'cluster-spread-read-select',
      description: `16 connections spread over all members, select by tag (100 of ${READ_ROWS.toLocaleString('en-US')} rows)`,
      metrics: { ...writeMetrics },
      prepare: async (ctx) => {
        await insertRows((await ctx.cluster.leader()).remote, 'ReadItem', READ_ROWS, (i) => ({ name: `r${i}`, n: i, tag: `t${i % 100}` }));
        await allCaughtUp(ctx.cluster, 60_000);
      },
      run: async (ctx) => {
        const cs = await connectAll(spreadRemotes(ctx.cluster), 16, 30_000);
        const latencies: number[] = [];
        let errors = 0;
        let firstError = '';
        const end = performance.now() + ctx.durationMs;
        let k = 0;
        const t0 = performance.now();
        await Promise.all(cs.map(async (c) => {
          while (performance.now() < end) {
            const s = performance.now();
            try {
              const [r] = await c.transact(DB, [{ op: 'select', table: 'ReadItem', where: [['tag', '==', `t${k++ % 100}`]], columns: ['name', 'n'] }]);
              const rows = r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as { rows?: unknown }).rows : undefined;
              if (!Array.isArray(rows) || rows.length !== READ_ROWS / 100) throw new Error(`select returned ${Array.isArray(rows) ? rows.length : JSON.stringify(r)} rows`);
              latencies.push(performance.now() - s);
            } catch (err) {
              errors++;
              firstError ||= err instanceof Error ? err.message : String(err);
              if (!c.isConnected) return;
            }
          }
        }));
        const elapsed = performance.now() - t0;
        for (const c of cs) c.close();
        if (errors > 0) ctx.progress(`  ${errors} failed selects, first: ${firstError.slice(0, 200)}`);
        return { tps: (latencies.length / elapsed) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
      },
    },
    {
      name: 'cluster-spread-monitor-fanout-50',
      description: '50 monitoring connections spread over all members, one writer on the leader inserting a row at a time: delay from transact sent to each update received',
      metrics: {
        updatesPerSec: { unit: 'updates/s', higherIsBetter: true },
        p50Ms: { unit: 'ms', higherIsBetter: false },
        p99Ms: { unit: 'ms', higherIsBetter: false },
        missing: { unit: 'updates', higherIsBetter: false },
      },
      run: monitorFanout,
    },
    {
      name: 'cluster-failover',
      description: '16 clients writing through the list of all members (leader first, reconnecting); SIGKILL the leader: time until a write sent after the kill succeeds',
      metrics: { gapMs: { unit: 'ms', higherIsBetter: false } },
      repeat: (r, quick) => (quick ? 2 : Math.max(5, r)),
      run: failoverGap,
    },
  ],
};

async function monitorFanout(ctx: ClusterRunContext): Promise<Figures> {
  const watchers = await connectAll(spreadRemotes(ctx.cluster), 50, 30_000);
  const writer = await OvsdbClient.connect((await ctx.cluster.leader()).remote, { requestTimeoutMs: 30_000 });
  const f = await measureFanout(watchers, writer, ctx.durationMs, 10_000, (results) => {
    const e = txnError(results);
    if (e !== undefined) throw new Error(e);
  });
  for (const c of [...watchers, writer]) c.close();
  return f;
}

/**
 * The failover gap. 16 clients connect with the list of all members, the leader first, as
 * leader-only clients with reconnection (the IDL's behaviour; a 20 ms pause between rounds over
 * the list so the client's backoff does not dominate) and write continuously. After a second
 * the leader is SIGKILLed; the gap is the time from the kill to the first successful write sent
 * after it. The killed member is then restarted and caught up before the next run.
 */
async function failoverGap(ctx: ClusterRunContext): Promise<Figures> {
  const cluster = ctx.cluster;
  const leader = await cluster.leader();
  const list = cluster.remoteList(leader);
  const cs = await Promise.all(Array.from({ length: 16 }, () => OvsdbClient.connect(list, {
    database: DB, reconnect: true, reconnectDelayMs: 20, connectTimeoutMs: 2000, requestTimeoutMs: 2000,
  })));
  let stop = false;
  let killedAt = Number.POSITIVE_INFINITY;
  let firstOkAfterKill = Number.POSITIVE_INFINITY;
  let beforeKill = 0;
  const worker = async (c: OvsdbClient): Promise<void> => {
    while (!stop) {
      const sent = performance.now();
      try {
        const e = txnError(await c.transact(DB, [{ op: 'insert', table: 'Item', row: { name: `x${serial++}`, n: serial } }]));
        if (e === undefined) {
          const now = performance.now();
          if (sent > killedAt) firstOkAfterKill = Math.min(firstOkAfterKill, now);
          else beforeKill++;
        } else {
          await sleep(5);
        }
      } catch {
        await sleep(5);
      }
    }
  };
  const workers = cs.map(worker);
  await sleep(1000);
  if (beforeKill === 0) ctx.progress('  no write succeeded before the kill');
  killedAt = performance.now();
  const stopping = cluster.stop(leader, 'SIGKILL');
  const end = killedAt + 30_000;
  while (firstOkAfterKill === Number.POSITIVE_INFINITY && performance.now() < end) await sleep(2);
  stop = true;
  await stopping;
  for (const c of cs) c.close();
  await Promise.all(workers);
  const gapMs = firstOkAfterKill - killedAt;
  // Bring the killed member back and let it catch up before the next run.
  await cluster.start(leader);
  await allCaughtUp(cluster, 60_000);
  if (!Number.isFinite(gapMs)) throw new Error('no write succeeded within 30 s of the kill');
  return { gapMs };
}

/** Loads the `big` clusters: bigRows rows in Bulk, 10,000 per transaction. */
async function loadBig(ctx: ClusterRunContext): Promise<void> {
  const leader = await ctx.cluster.leader();
  const t0 = performance.now();
  await insertRows(leader.remote, 'Bulk', ctx.bigRows, (i) => ({ name: `row-${i}-${'x'.repeat(16)}`, n: i }));
  ctx.progress(`  loaded ${ctx.bigRows.toLocaleString('en-US')} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await allCaughtUp(ctx.cluster, 120_000);
}

/** Counts Bulk rows as `remote` sees them. */
async function bulkCount(remote: string): Promise<number> {
  const c = await OvsdbClient.connect(remote, { requestTimeoutMs: 60_000 });
  try {
    const [r] = await c.transact(DB, [{ op: 'select', table: 'Bulk', where: [], columns: ['n'] }]);
    const rows = r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as { rows?: unknown }).rows : undefined;
    return Array.isArray(rows) ? rows.length : -1;
  } finally {
    c.close();
  }
}

/** A 3-member cluster holding bigRows rows: a follower's restart and a new member's join. */
const bigGroup = (rowsLabel: string): ClusterGroup => ({
  name: 'big',
  size: 3,
  prepare: loadBig,
  scenarios: [
    {
      name: `cluster-restart-${rowsLabel}`,
      description: 'stop a follower (SIGTERM), write a row, start it again: time from spawn until a select on it returns that row',
      metrics: { restartMs: { unit: 'ms', higherIsBetter: false } },
      run: async (ctx) => {
        const cluster = ctx.cluster;
        const [f] = await cluster.followers();
        if (f === undefined) throw new Error('no follower');
        await cluster.stop(f);
        const marker = await writeMarker((await cluster.leader()).remote, DB, 30_000);
        const t0 = performance.now();
        await cluster.start(f);
        const t1 = await waitForMarker(f.remote, DB, marker, 120_000, 5);
        await allCaughtUp(cluster, 60_000);
        return { restartMs: t1 - t0 };
      },
    },
    {
      name: `cluster-join-${rowsLabel}`,
      description: 'join-cluster a fourth member and start it: time from spawn until a select on it returns the last row written before (every row); it then leaves',
      metrics: { joinMs: { unit: 'ms', higherIsBetter: false } },
      run: async (ctx) => {
        const cluster = ctx.cluster;
        const marker = await writeMarker((await cluster.leader()).remote, DB, 30_000);
        const m = await cluster.addMember();
        try {
          const t0 = performance.now();
          await cluster.start(m);
          const t1 = await waitForMarker(m.remote, DB, marker, 300_000, 10);
          const rows = await bulkCount(m.remote);
          if (rows < ctx.bigRows) throw new Error(`the new member shows ${rows} rows, expected at least ${ctx.bigRows}`);
          return { joinMs: t1 - t0 };
        } finally {
          await cluster.remove(m);
          await allCaughtUp(cluster, 60_000);
        }
      },
    },
  ],
});

/** Every group, in run order. */
export function clusterGroups(bigRows: number): readonly ClusterGroup[] {
  return [
    threeMember,
    { name: 'five', size: 5, scenarios: [leaderWrites(16, 'cluster5-', 5)] },
    bigGroup(`${bigRows / 1000}k`),
  ];
}
