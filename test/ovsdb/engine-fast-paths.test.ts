/**
 * The engine's shortcuts for small transactions give the same answers as the general paths:
 * the uuid text check, flattened fresh uuids, the per-table facts in TableMeta, the Txn overlay
 * searched linearly up to a few rows and through Maps beyond, and records applied from the
 * prepared slot or parsed (another replica) giving identical state.
 */
import { describe, expect, test } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Prng } from '../../src/base/prng.js';
import { isUuid } from '../../src/base/uuid.js';
import type { Uuid } from '../../src/base/uuid.js';
import { lowerUuid } from '../../src/ovsdb/atom.js';
import { Database } from '../../src/ovsdb/index.js';
import { buildMeta } from '../../src/ovsdb/table-meta.js';
import { freshUuid } from '../../src/ovsdb/uuid-source.js';
import { makeCtx, run, testSchema } from './helpers.js';

describe('lowerUuid', () => {
  test('accepts both cases and lowercases', () => {
    expect(lowerUuid('0123abcd-ef01-4567-89ab-cdef01234567')).toBe('0123abcd-ef01-4567-89ab-cdef01234567');
    expect(lowerUuid('0123ABCD-EF01-4567-89AB-CDEF01234567')).toBe('0123abcd-ef01-4567-89ab-cdef01234567');
  });

  test.each([
    '', 'x', '0123abcd-ef01-4567-89ab-cdef0123456', '0123abcd-ef01-4567-89ab-cdef012345678',
    '0123abcd0ef01-4567-89ab-cdef01234567', '0123abcd-ef01-4567-89ab-cdef0123456g',
    '0123abcd-ef01-4567-89ab_cdef01234567', 'g123abcd-ef01-4567-89ab-cdef01234567',
    '0123abcd-ef01-4567-89ab-cdef0123456\u212a', '0123abcd-ef01-4567-89ab-cdef0123456\u0000',
    '{0123abc-ef01-4567-89ab-cdef01234567}', '------------------------------------',
  ])('refuses %j', (s) => {
    expect(lowerUuid(s)).toBeUndefined();
    expect(isUuid(s)).toBe(false);
  });

  test('agrees with isUuid on random mutations of a uuid', () => {
    const rng = new Prng(7);
    const alphabet = '0123456789abcdefABCDEFgG-_ zK\u212a\u00e9';
    for (let n = 0; n < 3000; n++) {
      const chars = [...'6f9619ff-8b86-d011-b42d-00c04fc964ff'];
      for (let k = rng.int(0, 3); k > 0; k--) chars[rng.int(0, 35)] = alphabet[rng.int(0, alphabet.length - 1)] ?? '';
      const s = chars.join('');
      const got = lowerUuid(s);
      expect(got !== undefined).toBe(isUuid(s));
      if (got !== undefined) expect(got).toBe(s.toLowerCase());
    }
  });
});

test('freshUuid returns the source text unchanged', () => {
  const pieces = (): Uuid => ['6f9619ff', '-8b86', '-d011', '-b42d', '-00c04fc964ff'].join('') as Uuid;
  expect(freshUuid({ newUuid: pieces })).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff');
});

test('TableMeta facts: reference targets and constraint-violating defaults', () => {
  const meta = buildMeta(testSchema());
  const facts = (t: string): Json => {
    const m = meta.get(t);
    return m ? [m.strongTarget, m.weakTarget, m.badDefault] : null;
  };
  // A.ref and B.bref point (strongly) at B; A.wref and W.wref1 (weakly) at B.
  expect(facts('A')).toEqual([false, false, false]);
  expect(facts('B')).toEqual([true, true, false]);
  expect(facts('C')).toEqual([false, false, false]);
  expect(facts('W')).toEqual([false, false, false]);
  expect(meta.get('A')?.columnList.map((c) => c.name)).toEqual([...(testSchema().tables.get('A')?.columns.keys() ?? [])]);
});

/** Applies `ops` on `db` and the record on `replica` through parsing (a copy, so no slot hit). */
function runBoth(db: Database, replica: Database, ops: Json[], seed: number): readonly Json[] {
  const out = db.transact(ops, makeCtx(seed));
  if (out.kind !== 'done') throw new Error('blocked');
  if (out.record) {
    const copy = JSON.parse(JSON.stringify(out.record)) as typeof out.record;
    const local = db.apply(out.record);
    const remote = replica.apply(copy);
    expect([...remote.keys()]).toEqual([...local.keys()]);
    for (const [t, rows] of local) expect([...(remote.get(t)?.keys() ?? [])]).toEqual([...rows.keys()]);
  }
  return out.results;
}

describe('transactions beyond the small-overlay size', () => {
  const U = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

  test('many rows, the same uuid in two tables, rows revisited within the transaction', () => {
    const db = new Database(testSchema());
    const replica = new Database(testSchema());
    const ops: Json[] = [];
    for (let i = 0; i < 12; i++) ops.push({ op: 'insert', table: 'A', uuid: U(i), row: { i, name: `a${i}` } });
    // The same uuid as A's first rows, in another table: the overlay is keyed by table too.
    for (let i = 0; i < 2; i++) ops.push({ op: 'insert', table: 'C', uuid: U(i), row: { n: i } });
    ops.push({ op: 'update', table: 'A', where: [['_uuid', '==', ['uuid', U(1)]]], row: { s: 'one' } });
    ops.push({ op: 'mutate', table: 'C', where: [['_uuid', '==', ['uuid', U(1)]]], mutations: [['n', '+=', 10]] });
    ops.push({ op: 'delete', table: 'A', where: [['_uuid', '==', ['uuid', U(11)]]] });
    ops.push({ op: 'select', table: 'A', where: [['i', '<', 3]], columns: ['i', 's'], sort: ['i'] });
    ops.push({ op: 'select', table: 'C', where: [], columns: ['n'], sort: ['n'] });
    const results = runBoth(db, replica, ops, 1);
    expect(results.slice(14)).toEqual([
      { count: 1 }, { count: 1 }, { count: 1 },
      { rows: [{ i: 0, s: '' }, { i: 1, s: 'one' }, { i: 2, s: '' }] },
      { rows: [{ n: 0 }, { n: 11 }] },
    ]);
    expect(db.table('A')?.size).toBe(11);
    expect(db.getRow('C', U(1) as Uuid)?.columns.get('n')?.keys).toEqual([11]);
    expect(replica.contentHash()).toBe(db.contentHash());
    // C has maxRows 2: a third row, after many rows of another table, fails at commit.
    const more: Json[] = [];
    for (let i = 0; i < 9; i++) more.push({ op: 'insert', table: 'A', row: { i: 50 + i } });
    more.push({ op: 'insert', table: 'C', row: { n: 3 } });
    expect(runBoth(db, replica, more, 2)[10]).toEqual({ error: 'constraint violation',
      details: 'transaction causes "C" table to contain 3 rows, greater than the schema-defined limit of 2 row(s)' });
    expect(db.table('A')?.size).toBe(11);
  });

  test('a small and a large transaction touching the same rows leave identical replicas', () => {
    const db = new Database(testSchema());
    const replica = new Database(testSchema());
    const bulk: Json[] = [];
    for (let i = 0; i < 20; i++) bulk.push({ op: 'insert', table: 'A', uuid: U(100 + i), row: { i, name: `n${i}` } });
    runBoth(db, replica, bulk, 2);
    // One transaction revisiting rows past the threshold (update then delete of the same row).
    const ops: Json[] = [];
    for (let i = 0; i < 10; i++) ops.push({ op: 'update', table: 'A', where: [['_uuid', '==', ['uuid', U(100 + i)]]], row: { b: true } });
    ops.push({ op: 'delete', table: 'A', where: [['_uuid', '==', ['uuid', U(100)]]] });
    ops.push({ op: 'mutate', table: 'A', where: [['_uuid', '==', ['uuid', U(109)]]], mutations: [['i', '*=', 3]] });
    expect(runBoth(db, replica, ops, 3).slice(10)).toEqual([{ count: 1 }, { count: 1 }]);
    expect(db.getRow('A', U(109) as Uuid)?.columns.get('i')?.keys).toEqual([27]);
    expect(db.getRow('A', U(100) as Uuid)).toBeUndefined();
    // Small ones on top, through the prepared slot locally and parsed on the replica.
    runBoth(db, replica, [{ op: 'update', table: 'A', where: [['_uuid', '==', ['uuid', U(101)]]], row: { s: 'x', r: 1.5 } }], 4);
    runBoth(db, replica, [{ op: 'mutate', table: 'A', where: [['_uuid', '==', ['uuid', U(102)]]], mutations: [['is', 'insert', ['set', [3, 1]]]] }], 5);
    expect(replica.contentHash()).toBe(db.contentHash());
    expect(replica.canonicalDump()).toBe(db.canonicalDump());
  });

  test('an update giving no change, and one giving an immutable column, as before', () => {
    const db = new Database(testSchema());
    run(db, [{ op: 'insert', table: 'A', uuid: U(1), row: { i: 1, im: 5 } }]);
    const same = db.transact([{ op: 'update', table: 'A', where: [], row: { i: 1 } }], makeCtx());
    expect(same).toMatchObject({ kind: 'done', results: [{ count: 1 }], record: undefined });
    const bad = db.transact([{ op: 'update', table: 'A', where: [], row: { i: 2, im: 6 } }], makeCtx());
    expect(bad).toMatchObject({ kind: 'done', results: [{ error: 'constraint violation', details: 'Cannot update immutable column im in table A.' }] });
  });
});
