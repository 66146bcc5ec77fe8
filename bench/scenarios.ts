/**
 * The load generator: each scenario drives one server through our client library for a bounded
 * time (or a fixed amount of work) and returns its figures. The same code runs against both
 * servers, so differences come from the servers.
 */
import type { Json } from '../src/base/json.js';
import { OvsdbClient } from '../src/client/index.js';
import { percentile } from './stats.js';
import type { BenchServer } from './servers.js';

export const DB = 'Bench';

/** The schema both servers serve. */
export const benchSchema = {
  name: DB,
  version: '1.0.0',
  tables: {
    Item: { columns: { name: { type: 'string' }, n: { type: 'integer' } }, isRoot: true },
    ReadItem: { columns: { name: { type: 'string' }, n: { type: 'integer' }, tag: { type: 'string' } }, isRoot: true },
    Bulk: { columns: { name: { type: 'string' }, n: { type: 'integer' } }, isRoot: true },
    Fan: { columns: { name: { type: 'string' }, n: { type: 'integer' } }, isRoot: true },
  },
};

/** One measured figure of one run. */
export type Figures = { readonly [metric: string]: number };

export interface RunContext {
  readonly server: BenchServer;
  readonly durationMs: number;
  readonly quick: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Metric name → unit and whether higher is better. */
  readonly metrics: { readonly [metric: string]: { readonly unit: string; readonly higherIsBetter: boolean } };
  /** Runs once before the repeated runs (loading data). */
  readonly prepare?: (ctx: RunContext) => Promise<void>;
  readonly run: (ctx: RunContext) => Promise<Figures>;
}

async function clients(remote: string, n: number): Promise<OvsdbClient[]> {
  return Promise.all(Array.from({ length: n }, () => OvsdbClient.connect(remote, { requestTimeoutMs: 120_000 })));
}

function closeAll(cs: readonly OvsdbClient[]): void {
  for (const c of cs) c.close();
}

function checkOk(result: readonly Json[]): void {
  for (const r of result) {
    if (r !== null && typeof r === 'object' && !Array.isArray(r) && 'error' in r) throw new Error(`transaction failed: ${JSON.stringify(r)}`);
  }
}

let serial = 0;

/** N connections, each keeping `inFlight` small insert transactions outstanding for durationMs. */
async function writeLoad(ctx: RunContext, connections: number, inFlight: number, durable: boolean): Promise<Figures> {
  const cs = await clients(ctx.server.remote, connections);
  const latencies: number[] = [];
  const end = performance.now() + ctx.durationMs;
  const worker = async (c: OvsdbClient): Promise<void> => {
    while (performance.now() < end) {
      const ops: Json[] = [{ op: 'insert', table: 'Item', row: { name: `w${serial++}`, n: serial } }];
      if (durable) ops.push({ op: 'commit', durable: true });
      const t0 = performance.now();
      checkOk(await c.transact(DB, ops));
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(cs.flatMap((c) => Array.from({ length: inFlight }, () => worker(c))));
  const elapsed = performance.now() - t0;
  closeAll(cs);
  return { tps: (latencies.length / elapsed) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

const writeMetrics = {
  tps: { unit: 'txn/s', higherIsBetter: true },
  p50Ms: { unit: 'ms', higherIsBetter: false },
  p99Ms: { unit: 'ms', higherIsBetter: false },
};

async function insertRows(c: OvsdbClient, table: string, count: number, row: (i: number) => { [k: string]: Json }, perTxn = 10_000): Promise<void> {
  for (let done = 0; done < count; done += perTxn) {
    const n = Math.min(perTxn, count - done);
    checkOk(await c.transact(DB, Array.from({ length: n }, (_, i) => ({ op: 'insert', table, row: row(done + i) }))));
  }
}

const READ_ROWS = 10_000;

/** All scenarios, in run order. */
export const scenarios: readonly Scenario[] = [
  ...[1, 16, 64].map((n): Scenario => ({
    name: `write-${n}`,
    description: `${n} connection(s), one small insert per transaction, one at a time each`,
    metrics: writeMetrics,
    run: (ctx) => writeLoad(ctx, n, 1, false),
  })),
  ...[1, 16, 64].map((n): Scenario => ({
    name: `durable-write-${n}`,
    description: `as write-${n} with {"op":"commit","durable":true} (fsync before the reply)`,
    metrics: writeMetrics,
    run: (ctx) => writeLoad(ctx, n, 1, true),
  })),
  {
    name: 'pipelined-write-4x16',
    description: '4 connections with 16 insert transactions in flight on each',
    metrics: writeMetrics,
    run: (ctx) => writeLoad(ctx, 4, 16, false),
  },
  {
    name: 'read-select',
    description: `16 connections selecting by condition (tag == tNN, 100 matches) from ${READ_ROWS.toLocaleString('en-US')} rows`,
    metrics: writeMetrics,
    prepare: async (ctx) => {
      const [c] = await clients(ctx.server.remote, 1);
      if (!c) return;
      await insertRows(c, 'ReadItem', READ_ROWS, (i) => ({ name: `r${i}`, n: i, tag: `t${i % 100}` }));
      c.close();
    },
    run: async (ctx) => {
      const cs = await clients(ctx.server.remote, 16);
      const latencies: number[] = [];
      const end = performance.now() + ctx.durationMs;
      let k = 0;
      const t0 = performance.now();
      await Promise.all(cs.map(async (c) => {
        while (performance.now() < end) {
          const s = performance.now();
          const [r] = await c.transact(DB, [{ op: 'select', table: 'ReadItem', where: [['tag', '==', `t${k++ % 100}`]], columns: ['name', 'n'] }]);
          const rows = r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as { rows?: unknown }).rows : undefined;
          if (!Array.isArray(rows) || rows.length !== READ_ROWS / 100) throw new Error(`select returned ${Array.isArray(rows) ? rows.length : 'no'} rows`);
          latencies.push(performance.now() - s);
        }
      }));
      const elapsed = performance.now() - t0;
      closeAll(cs);
      return { tps: (latencies.length / elapsed) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
    },
  },
  {
    name: 'monitor-fanout-50',
    description: '50 connections monitoring a table, one writer inserting a row at a time: delay from transact sent to each update received',
    metrics: {
      updatesPerSec: { unit: 'updates/s', higherIsBetter: true },
      p50Ms: { unit: 'ms', higherIsBetter: false },
      p99Ms: { unit: 'ms', higherIsBetter: false },
    },
    run: async (ctx) => {
      const watchers = await clients(ctx.server.remote, 50);
      const [writer] = await clients(ctx.server.remote, 1);
      if (!writer) throw new Error('no writer');
      const f = await measureFanout(watchers, writer, ctx.durationMs, 5000, (results) => checkOk(results));
      closeAll([...watchers, writer]);
      return { updatesPerSec: f.updatesPerSec, p50Ms: f.p50Ms, p99Ms: f.p99Ms };
    },
  },
  {
    name: 'bulk-insert-10k',
    description: 'one transaction inserting 10,000 rows (10,000 insert operations)',
    metrics: { latencyMs: { unit: 'ms', higherIsBetter: false }, rowsPerSec: { unit: 'rows/s', higherIsBetter: true } },
    run: async (ctx) => {
      const [c] = await clients(ctx.server.remote, 1);
      if (!c) throw new Error('no client');
      const base = serial;
      serial += 10_000;
      const ops: Json[] = Array.from({ length: 10_000 }, (_, i) => ({ op: 'insert', table: 'Bulk', row: { name: `b${base + i}`, n: base + i } }));
      const t0 = performance.now();
      checkOk(await c.transact(DB, ops));
      const ms = performance.now() - t0;
      c.close();
      return { latencyMs: ms, rowsPerSec: 10_000 / (ms / 1000) };
    },
  },
];

/** Loads `rows` rows into Bulk for the restart/size/memory figures. */
export async function loadRows(server: BenchServer, rows: number): Promise<void> {
  const [c] = await clients(server.remote, 1);
  if (!c) return;
  await insertRows(c, 'Bulk', rows, (i) => ({ name: `row-${i}-${'x'.repeat(16)}`, n: i }));
  c.close();
}

/**
 * The monitor fan-out load, shared by the standalone and cluster benchmarks: every watcher
 * monitors inserts into Fan, the writer inserts one row at a time for `durationMs`, and the delay
 * from sending each transaction to each update is collected (waiting up to `settleMs` for the
 * last ones). `check` sees each transaction's results.
 */
export async function measureFanout(watchers: readonly OvsdbClient[], writer: OvsdbClient, durationMs: number, settleMs: number,
  check: (results: readonly Json[]) => void): Promise<{ updatesPerSec: number; p50Ms: number; p99Ms: number; missing: number }> {
  const sentAt = new Map<string, number>();
  const delays: number[] = [];
  for (const w of watchers) {
    const m = await w.monitor(DB, { Fan: { columns: ['name'], select: { initial: false, insert: true, delete: false, modify: false } } }, { version: 2 });
    m.onChange((changes) => {
      const now = performance.now();
      for (const ch of changes) {
        const name = ch.new?.['name'];
        const t = typeof name === 'string' ? sentAt.get(name) : undefined;
        if (t !== undefined) delays.push(now - t);
      }
    });
  }
  const end = performance.now() + durationMs;
  const t0 = performance.now();
  let i = 0;
  while (performance.now() < end) {
    const name = `f${serial++}`;
    sentAt.set(name, performance.now());
    check(await writer.transact(DB, [{ op: 'insert', table: 'Fan', row: { name, n: i++ } }]));
  }
  const expected = sentAt.size * watchers.length;
  const settle = performance.now() + settleMs;
  while (delays.length < expected && performance.now() < settle) await new Promise((r) => setTimeout(r, 5));
  const elapsed = performance.now() - t0;
  return { updatesPerSec: (delays.length / elapsed) * 1000, p50Ms: percentile(delays, 50), p99Ms: percentile(delays, 99), missing: expected - delays.length };
}
