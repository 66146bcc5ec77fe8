/**
 * Determinism and robustness: a seeded random workload on the OVN Northbound schema is replayed
 * from its JSON records onto fresh replicas (identical dumps), a snapshot taken midway continues
 * identically, reference invariants hold, and garbage ops never throw.
 */
import { describe, expect, test } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { jsonText } from '../../src/base/json.js';
import { Prng } from '../../src/base/prng.js';
import type { Uuid } from '../../src/base/uuid.js';
import { Database, parseSchema } from '../../src/ovsdb/index.js';
import type { CommitRecord, DatabaseSchema, RowChanges } from '../../src/ovsdb/index.js';
import { makeCtx, nbSchemaJson } from './helpers.js';

const nb: DatabaseSchema = parseSchema(nbSchemaJson());

function pick<T>(rng: Prng, xs: readonly T[]): T | undefined {
  return xs.length ? xs[rng.int(0, xs.length - 1)] : undefined;
}

function uuids(db: Database, table: string): Uuid[] {
  return [...(db.table(table)?.keys() ?? [])].sort();
}

/** One random transaction against the current state. */
function randomTxn(rng: Prng, db: Database, step: number): Json[] {
  const ls = uuids(db, 'Logical_Switch');
  const lsp = uuids(db, 'Logical_Switch_Port');
  const ref = (u: Uuid | undefined): Json => ['uuid', u ?? '00000000-0000-0000-0000-000000000000'];
  switch (rng.int(0, 8)) {
    case 0: case 1: {
      const n = rng.int(0, 3);
      const ops: Json[] = [];
      const names: Json[] = [];
      for (let i = 0; i < n; i++) {
        ops.push({ op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': `p${i}`, row: { name: `lsp${rng.int(0, 60)}`, addresses: ['set', [`00:00:00:00:00:0${i}`]] } });
        names.push(['named-uuid', `p${i}`]);
      }
      ops.push({ op: 'insert', table: 'Logical_Switch', row: { name: `ls${step}`, ports: ['set', names], other_config: ['map', [['k', `${step}`]]] } });
      return ops;
    }
    case 2:
      return [{ op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': 'np', row: { name: `lsp${rng.int(0, 60)}` } },
        { op: 'mutate', table: 'Logical_Switch', where: [['_uuid', '==', ref(pick(rng, ls))]], mutations: [['ports', 'insert', ['set', [['named-uuid', 'np']]]]] }];
    case 3:
      return [{ op: 'mutate', table: 'Logical_Switch', where: [], mutations: [['ports', 'delete', ['set', [ref(pick(rng, lsp))]]]] }];
    case 4:
      return [{ op: 'delete', table: 'Logical_Switch', where: [['_uuid', '==', ref(pick(rng, ls))]] }];
    case 5:
      return [{ op: 'insert', table: 'Port_Group', row: { name: `pg${rng.int(0, 20)}`, ports: ['set', [ref(pick(rng, lsp)), ref(pick(rng, lsp))].filter((x, i, a) => a.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i)] } }];
    case 6:
      return [{ op: 'update', table: 'Logical_Switch_Port', where: [['_uuid', '==', ref(pick(rng, lsp))]], row: { enabled: rng.chance(0.5), external_ids: ['map', [['s', `${step}`]]] } }];
    case 7:
      return [{ op: 'insert', table: 'Address_Set', row: { name: `as${rng.int(0, 15)}`, addresses: ['set', ['10.0.0.1', `10.0.0.${rng.int(2, 9)}`]] } },
        { op: 'delete', table: 'Address_Set', where: [['name', '==', `as${rng.int(0, 15)}`]] }];
    default:
      return [{ op: 'delete', table: 'Port_Group', where: [['name', '==', `pg${rng.int(0, 20)}`]] }];
  }
}

/**
 * Runs the workload. `viaText`: commit as a server does, by the outcome's record text and
 * applyOutcome (no record object built); otherwise through the record object and apply().
 */
function runWorkload(db: Database, seed: number, from: number, to: number, records: CommitRecord[], viaText = false, changes: string[] = []): Json[] {
  const rng = new Prng(seed * 1000 + from);
  const ctx = makeCtx(seed * 7919 + from);
  const results: Json[] = [];
  for (let step = from; step < to; step++) {
    const out = db.transact(randomTxn(rng, db, step), ctx);
    if (out.kind !== 'done') throw new Error('unexpected block');
    results.push([...out.results]);
    if (viaText && out.recordText !== undefined) {
      records.push(JSON.parse(out.recordText) as CommitRecord);
      changes.push(changesText(db.applyOutcome(out)));
    } else if (out.record) {
      expect(out.recordText).toBe(jsonText(out.record));
      records.push(JSON.parse(JSON.stringify(out.record)) as CommitRecord);
      changes.push(changesText(db.apply(out.record)));
    }
  }
  return results;
}

/** Every table, row and old/new state a RowChanges reports, as text. */
function changesText(changes: RowChanges): string {
  const parts: string[] = [`${changes.size}`];
  for (const [table, rows] of changes) {
    parts.push(`${table}:${rows.size}`);
    for (const [uuid, c] of rows) parts.push(`${uuid}:${c.old?.version ?? '-'}:${c.new?.version ?? '-'}:${c.new ? c.new.columns.size : '-'}`);
  }
  return parts.join(' ');
}

function checkInvariants(db: Database): void {
  const referenced = new Set<string>();
  for (const row of db.table('Logical_Switch')?.values() ?? []) for (const k of row.columns.get('ports')?.keys ?? []) referenced.add(k as string);
  for (const u of uuids(db, 'Logical_Switch_Port')) expect(referenced.has(u)).toBe(true); // GC left no orphans
  for (const k of referenced) expect(db.getRow('Logical_Switch_Port', k as Uuid)).toBeDefined();
  for (const row of db.table('Port_Group')?.values() ?? []) {
    for (const k of row.columns.get('ports')?.keys ?? []) expect(db.getRow('Logical_Switch_Port', k as Uuid)).toBeDefined();
  }
  const names = [...(db.table('Logical_Switch_Port')?.values() ?? [])].map((r) => r.columns.get('name')?.keys[0]);
  expect(new Set(names).size).toBe(names.length); // index uniqueness
}

describe('deterministic replay', () => {
  test.each([1, 2, 3])('seed %i: replicas, snapshots and continuations agree', (seed) => {
    const db = new Database(nb);
    const records: CommitRecord[] = [];
    runWorkload(db, seed, 0, 150, records);
    checkInvariants(db);
    const snapshot = JSON.parse(JSON.stringify(db.snapshotRecord())) as CommitRecord;
    const fromSnapshot = new Database(nb);
    fromSnapshot.apply(snapshot);
    expect(fromSnapshot.canonicalDump()).toBe(db.canonicalDump());
    // Continue both with the same inputs: same replies and same state.
    const r1 = runWorkload(db, seed, 150, 300, records);
    const r2 = runWorkload(fromSnapshot, seed, 150, 300, []);
    expect(r2).toEqual(r1);
    expect(fromSnapshot.contentHash()).toBe(db.contentHash());
    checkInvariants(db);
    const replica = new Database(nb);
    for (const r of records) replica.apply(r);
    expect(replica.canonicalDump()).toBe(db.canonicalDump());
    expect(records.length).toBeGreaterThan(50);
    expect(db.table('Logical_Switch_Port')?.size).toBeGreaterThan(0);
  });

  test.each([4, 5])('seed %i: committing by record text and applyOutcome gives the same state and records', (seed) => {
    const byObject = new Database(nb);
    const objectRecords: CommitRecord[] = [];
    const objectChanges: string[] = [];
    const r1 = runWorkload(byObject, seed, 0, 200, objectRecords, false, objectChanges);
    const byText = new Database(nb);
    const textRecords: CommitRecord[] = [];
    const textChanges: string[] = [];
    const r2 = runWorkload(byText, seed, 0, 200, textRecords, true, textChanges);
    expect(r2).toEqual(r1);
    expect(textRecords).toEqual(objectRecords);
    expect(textChanges).toEqual(objectChanges);
    expect(byText.canonicalDump()).toBe(byObject.canonicalDump());
    const replica = new Database(nb);
    for (const r of textRecords) replica.apply(r);
    expect(replica.contentHash()).toBe(byText.contentHash());
    // applyOutcome of a stale outcome (something applied since) falls back to its record.
    const a = byText.transact([{ op: 'insert', table: 'Address_Set', row: { name: 'stale1' } }], makeCtx(99));
    const b = byText.transact([{ op: 'insert', table: 'Address_Set', row: { name: 'stale2' } }], makeCtx(98));
    byText.applyOutcome(b);
    byText.applyOutcome(a);
    expect([...(byText.table('Address_Set')?.values() ?? [])].map((r) => r.columns.get('name')?.keys[0]).filter((n) => String(n).startsWith('stale')).sort()).toEqual(['stale1', 'stale2']);
  });
});

function randomJson(rng: Prng, depth: number): Json {
  switch (rng.int(0, depth > 3 ? 5 : 8)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.int(-5, 5) * (rng.chance(0.2) ? 1.5 : 1);
    case 3: return pick(rng, ['', 'set', 'map', 'uuid', 'named-uuid', 'A', 'name', '==', 'includes', '+=', 'insert', 'x\u0000', '\ud800'] as const) ?? '';
    case 4: return pick(rng, ['insert', 'select', 'update', 'mutate', 'delete', 'wait', 'commit', 'abort', 'comment', 'assert'] as const) ?? '';
    case 5: return ['uuid', '550e8400-e29b-41d4-a716-446655440000'];
    case 6: return Array.from({ length: rng.int(0, 3) }, () => randomJson(rng, depth + 1));
    default: {
      const o: { [k: string]: Json } = {};
      for (let i = rng.int(0, 4); i > 0; i--) {
        o[pick(rng, ['op', 'table', 'row', 'where', 'columns', 'mutations', 'until', 'rows', 'timeout', 'uuid-name', 'uuid', 'durable', 'lock', 'comment', 'name', 'ports'] as const) ?? 'x'] = randomJson(rng, depth + 1);
      }
      return o;
    }
  }
}

describe('garbage in transact', () => {
  test('random and mutated operations never throw and always yield one result per op (or a trailing error)', () => {
    const rng = new Prng(42);
    const db = new Database(nb);
    const ctx = makeCtx(5);
    const tables = ['Logical_Switch', 'Logical_Switch_Port', 'ACL', 'Address_Set', 'NB_Global'];
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const ops: Json[] = [];
      for (let j = rng.int(0, 3); j > 0; j--) {
        const base = randomJson(rng, 0);
        if (base !== null && typeof base === 'object' && !Array.isArray(base) && rng.chance(0.7)) {
          ops.push({ ...base, table: pick(rng, tables) ?? 'ACL', op: pick(rng, ['insert', 'select', 'update', 'mutate', 'delete', 'wait'] as const) ?? 'insert' });
        } else ops.push(base);
      }
      const input = rng.chance(0.02) ? randomJson(rng, 0) : ops;
      const out = db.transact(input, { ...ctx, startedMs: 0, nowMs: 10 });
      if (out.kind !== 'done') continue;
      expect(Array.isArray(out.results)).toBe(true);
      if (Array.isArray(input)) expect([input.length, input.length + 1]).toContain(out.results.length);
      else expect(out.results).toMatchObject([{ error: 'syntax error', details: 'array expected' }]);
      if (out.results.some((r) => r !== null && typeof r === 'object' && 'error' in r)) errors++;
      if (out.record) db.apply(out.record);
    }
    expect(errors).toBeGreaterThan(100);
  });
});

describe('performance', () => {
  test('small insert transactions cost O(rows touched), not O(table size)', () => {
    const db = new Database(nb);
    const ctx = makeCtx(11);
    const batch = 2000;
    const batchMs: number[] = [];
    for (let b = 0; b < 4; b++) {
      const t0 = performance.now();
      for (let i = b * batch; i < (b + 1) * batch; i++) {
        const out = db.transact([{ op: 'insert', table: 'Address_Set', row: { name: `as${i}`, addresses: ['set', ['10.0.0.1']] } }], ctx);
        if (out.kind !== 'done' || !out.record) throw new Error('insert failed');
        db.apply(out.record);
      }
      batchMs.push(performance.now() - t0);
    }
    const total = batchMs.reduce((a, b) => a + b, 0);
    console.log(`engine: ${4 * batch} single-row insert transactions in ${total.toFixed(0)} ms (${Math.round((4 * batch) / (total / 1000))}/s), batches ${batchMs.map((m) => m.toFixed(0)).join('/')} ms`);
    expect(db.table('Address_Set')?.size).toBe(4 * batch);
    // The fourth batch runs against a table 4x larger than the first; allow noise, not growth.
    expect((batchMs[3] ?? 0)).toBeLessThan(4 * Math.max(batchMs[0] ?? 0, batchMs[1] ?? 0) + 50);
  });
});
