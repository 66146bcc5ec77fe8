/**
 * Exact 64-bit integers in the engine: values beyond ±2^53 held as bigint, ordered and compared
 * exactly, int64 overflow of every arithmetic mutator reported as OVS does (ovsdb/mutation.c),
 * constraints, conditions and indexes on such values, and records that round-trip through text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { jsonText } from '../../src/base/json.js';
import { parseJsonText } from '../../src/base/json-exact.js';
import { compareAtoms, normalInteger } from '../../src/ovsdb/atom.js';
import { Database, parseSchema } from '../../src/ovsdb/index.js';
import type { CommitRecord } from '../../src/ovsdb/index.js';
import { makeCtx, run } from './helpers.js';

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;
const schemaJson: unknown = JSON.parse(readFileSync(new URL('../diff/schemas/diff.ovsschema', import.meta.url), 'utf8'));

function db(): Database {
  return new Database(parseSchema(schemaJson));
}

let seed = 100;
/** Inserts one Atoms row (a fresh uuid seed each time: makeCtx() repeats its uuids). */
function insertI(d: Database, i: Json): readonly Json[] {
  return run(d, [{ op: 'insert', table: 'Atoms', row: { i } }], makeCtx(seed++));
}

function mutate(d: Database, mutator: string, arg: Json): Json {
  return run(d, [{ op: 'mutate', table: 'Atoms', where: [], mutations: [['i', mutator, arg]] }])[0] ?? null;
}

function selectI(d: Database, where: Json[] = []): Json[] {
  const r = run(d, [{ op: 'select', table: 'Atoms', where, columns: ['i'] }])[0] as { rows: { i: Json }[] };
  return r.rows.map((row) => row.i);
}

const range = (m: string): Json => ({ error: 'range error', details: `Result of "${m}" operation is out of range.` });

describe('int64 atoms', () => {
  it('normalises: safe values are numbers, others bigints, out of range undefined', () => {
    expect(normalInteger(5n)).toBe(5);
    expect(normalInteger(9007199254740992n)).toBe(9007199254740992n);
    expect(normalInteger(MAX + 1n)).toBeUndefined();
    expect(normalInteger(MIN - 1n)).toBeUndefined();
  });

  it('orders numbers and bigints exactly', () => {
    const atoms = [MAX, 0, MIN, 9007199254740993n, 9007199254740991, -9007199254740993n, -1];
    const sorted = [...atoms].sort(compareAtoms);
    expect(sorted).toEqual([MIN, -9007199254740993n, -1, 0, 9007199254740991, 9007199254740993n, MAX]);
    expect(compareAtoms(9007199254740993n, 9007199254740992n)).toBe(1);
  });

  it('stores and selects the int64 extremes, and compares them in conditions', () => {
    const d = db();
    insertI(d, MIN);
    insertI(d, MAX);
    insertI(d, 9007199254740993n);
    expect(selectI(d, [['i', '<', 0]])).toEqual([MIN]);
    expect(selectI(d, [['i', '==', MAX]])).toEqual([MAX]);
    expect(selectI(d, [['i', '>', 9007199254740992n]]).sort(compareAtoms as (a: Json, b: Json) => number)).toEqual([9007199254740993n, MAX]);
    expect(selectI(d, [['i', '!=', 9007199254740993n]]).length).toBe(2);
  });

  it('refuses reals where an integer is expected, printing them as OVS does', () => {
    const d = db();
    expect(insertI(d, 9223372036854775808)).toEqual([
      { error: 'syntax error', details: 'expected integer', syntax: '9.22337203685478e+18' }]);
    expect(insertI(d, 1.5)).toEqual([{ error: 'syntax error', details: 'expected integer', syntax: '1.5' }]);
  });

  it('sorts integer sets holding values beyond 2^53 and finds duplicates exactly', () => {
    const d = db();
    const r = run(d, [{ op: 'insert', table: 'Atoms', row: { iset: ['set', [MAX, 9007199254740993n, 9007199254740992n, 1]] } },
      { op: 'select', table: 'Atoms', where: [['iset', 'includes', 9007199254740993n]], columns: ['iset'] }]);
    expect(r[1]).toEqual({ rows: [{ iset: ['set', [1, 9007199254740992n, 9007199254740993n, MAX]] }] });
    const dup = run(d, [{ op: 'insert', table: 'Atoms', row: { iset: ['set', [MAX, MAX]] } }]);
    expect(dup[0]).toMatchObject({ error: 'ovsdb error', details: 'set contains duplicate' });
  });
});

describe('int64 mutations', () => {
  it.each([
    ['+=', MAX, 1, range('+=')],
    ['-=', MIN, 1, range('-=')],
    ['*=', MIN, -1, range('*=')],
    ['*=', 4611686018427387904n, 2, range('*=')],
    ['/=', MIN, -1, range('/=')],
    ['%=', MIN, -1, range('%=')],
    ['/=', MIN, 0, { error: 'domain error', details: 'Division by zero.' }],
  ] as [string, bigint, number, Json][])('%s on %s by %s is refused', (m, start, arg, expected) => {
    const d = db();
    insertI(d, start);
    expect(mutate(d, m, arg)).toEqual(expected);
    expect(selectI(d)).toEqual([start]);
  });

  it.each([
    ['+=', MAX - 1n, 1, MAX],
    ['-=', MIN + 1n, 1, MIN],
    ['+=', 9007199254740991, 2, 9007199254740993n],
    ['-=', 9007199254740993n, 2, 9007199254740991],
    ['*=', 4611686018427387904n, -2, MIN],
    ['/=', MAX, -1, -MAX],
    ['/=', -7, 2, -3],
    ['%=', -7, 3, -1],
    ['%=', MIN, 10, -8],
    ['/=', MIN, 2, -4611686018427387904n],
    ['%=', MAX, 1000000007, Number(MAX % 1000000007n)],
  ] as [string, bigint | number, number, bigint | number][])('%s on %s by %s gives %s exactly', (m, start, arg, result) => {
    const d = db();
    insertI(d, start);
    expect(mutate(d, m, arg)).toEqual({ count: 1 });
    expect(selectI(d)).toEqual([result]);
  });

  it('checks minInteger/maxInteger against exact values', () => {
    const d = db();
    const r = run(d, [{ op: 'insert', table: 'Atoms', row: { ir: MAX } }]);
    expect(r[0]).toEqual({ error: 'constraint violation', details: '9223372036854775807 is not in the valid range 0 to 100 (inclusive)' });
  });
});

describe('int64 records', () => {
  it('round-trip through JSON text into an identical database', () => {
    const a = db();
    const b = db();
    const ctx = makeCtx(3);
    const out = a.transact([{ op: 'insert', table: 'Atoms', row: { i: MIN, iset: ['set', [MAX, 9007199254740993n]] } }], ctx);
    if (out.kind !== 'done' || out.record === undefined) throw new Error('insert failed');
    a.apply(out.record);
    const text = jsonText(out.record);
    expect(text).toContain('-9223372036854775808');
    expect(text).toContain('9223372036854775807');
    b.apply(parseJsonText(text) as CommitRecord);
    const rows = run(b, [{ op: 'select', table: 'Atoms', where: [], columns: ['i', 'iset'] }])[0];
    expect(rows).toEqual({ rows: [{ i: MIN, iset: ['set', [9007199254740993n, MAX]] }] });
  });
});
