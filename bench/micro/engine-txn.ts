/**
 * Micro-benchmark (not run in CI): CPU time of the engine alone (Database.transact + apply) per
 * small transaction of the shapes a busy server sees, against a table holding ~50k rows:
 * insert, update of one column by _uuid, mutate by _uuid, delete by _uuid, and a 3-op
 * transaction (insert + update + mutate), and a replica applying insert records it receives as
 * JSON (the parse path of apply). Each case reports the median of several rounds,
 * as process CPU time and as wall time.
 *
 *   node dist/bench/micro/engine-txn.js [transactionsPerRound=20000] [rounds=7] [tableRows=50000] [caseFilter]
 *
 * caseFilter runs only the cases whose name starts with it (for profiling one shape).
 */
import { randomUUID } from 'node:crypto';
import type { Json } from '../../src/base/json.js';
import { isJsonObject } from '../../src/base/json.js';
import type { Uuid } from '../../src/base/uuid.js';
import { Database, parseSchema } from '../../src/ovsdb/index.js';
import type { CommitRecord, TxnContext } from '../../src/ovsdb/index.js';
import { benchSchema } from '../scenarios.js';

const perRound = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 7);
const tableRows = Number(process.argv[4] ?? 50_000);
const only = process.argv[5];

const db = new Database(parseSchema(benchSchema));
const ctx: TxnContext = { nowMs: 0, startedMs: 0, newUuid: (): Uuid => randomUUID() as Uuid, hasLock: () => false };

/** Runs one transaction and applies it; returns the results. */
function run(ops: Json[]): readonly Json[] {
  const out = db.transact(ops, ctx);
  if (out.kind !== 'done' || !out.record) throw new Error(`transaction failed: ${JSON.stringify(out)}`);
  db.apply(out.record);
  return out.results;
}

function insertedUuid(r: Json | undefined): Uuid {
  if (!isJsonObject(r)) throw new Error('no insert result');
  const u = r['uuid'];
  if (!Array.isArray(u) || typeof u[1] !== 'string') throw new Error('no insert uuid');
  return u[1] as Uuid;
}

const base: Uuid[] = [];
for (let i = 0; i < tableRows; i++) {
  base.push(insertedUuid(run([{ op: 'insert', table: 'Item', row: { name: `base${i}`, n: i } }])[0]));
}

let serial = 0;
const pick = (i: number): Uuid => base[(i * 7919) % base.length] as Uuid;
const byUuid = (u: Uuid): Json => [['_uuid', '==', ['uuid', u]]];

/** Each case runs `perRound` transactions; `after` (untimed) restores the table size. */
interface Case {
  readonly name: string;
  readonly setup?: () => void;
  readonly txn: (i: number) => void;
  readonly after?: () => void;
}

let fresh: Uuid[] = [];
let replica: Database | undefined;
let records: CommitRecord[] = [];
const cases: Case[] = [
  {
    name: 'insert',
    txn: (i) => { fresh.push(insertedUuid(run([{ op: 'insert', table: 'Item', row: { name: `w${serial++}`, n: i } }])[0])); },
    after: () => { for (const u of fresh) run([{ op: 'delete', table: 'Item', where: byUuid(u) }]); fresh = []; },
  },
  {
    name: 'update 1 column by _uuid',
    txn: (i) => { run([{ op: 'update', table: 'Item', where: byUuid(pick(i)), row: { n: -1 - serial++ } }]); },
  },
  {
    name: 'mutate by _uuid',
    txn: (i) => { run([{ op: 'mutate', table: 'Item', where: byUuid(pick(i)), mutations: [['n', '+=', 1]] }]); },
  },
  {
    name: 'delete by _uuid',
    setup: () => { for (let i = 0; i < perRound; i++) fresh.push(insertedUuid(run([{ op: 'insert', table: 'Item', row: { name: `d${i}`, n: i } }])[0])); },
    txn: (i) => { run([{ op: 'delete', table: 'Item', where: byUuid(fresh[i] as Uuid) }]); },
    after: () => { fresh = []; },
  },
  {
    name: '3 ops (insert+update+mutate)',
    txn: (i) => {
      const r = run([
        { op: 'insert', table: 'Item', row: { name: `t${serial++}`, n: i } },
        { op: 'update', table: 'Item', where: byUuid(pick(i)), row: { name: `u${serial}` } },
        { op: 'mutate', table: 'Item', where: byUuid(pick(i + 1)), mutations: [['n', '+=', 1]] },
      ]);
      fresh.push(insertedUuid(r[0]));
    },
    after: () => { for (const u of fresh) run([{ op: 'delete', table: 'Item', where: byUuid(u) }]); fresh = []; },
  },
  {
    // A follower applying the leader's records as they arrive (parsed JSON, so apply() parses).
    name: 'replica apply (insert record)',
    setup: () => {
      if (replica === undefined) replica = replicaOf(db);
      records = [];
      for (let i = 0; i < perRound; i++) {
        const out = db.transact([{ op: 'insert', table: 'Item', row: { name: `r${serial++}`, n: i } }], ctx);
        if (out.kind !== 'done' || !out.record) throw new Error('insert failed');
        records.push(JSON.parse(JSON.stringify(out.record)) as CommitRecord);
        db.apply(out.record);
        fresh.push(insertedUuid(out.results[0]));
      }
    },
    txn: (i) => { replica?.apply(records[i] as CommitRecord); },
    after: () => {
      for (const u of fresh) {
        const out = db.transact([{ op: 'delete', table: 'Item', where: byUuid(u) }], ctx);
        if (out.kind !== 'done' || !out.record) throw new Error('delete failed');
        db.apply(out.record);
        replica?.apply(JSON.parse(JSON.stringify(out.record)) as CommitRecord);
      }
      fresh = [];
    },
  },
];

/** A second database holding the same rows, loaded from a snapshot record. */
function replicaOf(leader: Database): Database {
  const r = new Database(parseSchema(benchSchema));
  r.apply(JSON.parse(JSON.stringify(leader.snapshotRecord())) as CommitRecord);
  return r;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

// CPU time (all threads of the process, GC helpers included) is what the goal is about and is
// steadier than wall time on a shared machine, where a preempted run only loses wall time.
for (const c of cases) {
  if (only !== undefined && !c.name.startsWith(only)) continue;
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    c.setup?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) c.txn(i);
    wall.push(((performance.now() - t0) * 1000) / perRound);
    const dc = process.cpuUsage(c0);
    cpu.push((dc.user + dc.system) / perRound);
    c.after?.();
  }
  process.stdout.write(`${c.name.padEnd(30)} cpu ${median(cpu).toFixed(2).padStart(6)} us/txn  wall ${median(wall).toFixed(2).padStart(6)} us/txn` +
    `  (cpu rounds: ${cpu.map((x) => x.toFixed(1)).join(' ')})\n`);
}
