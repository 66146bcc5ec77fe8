/** Engine behaviour beyond single replies: wait/blocking, locks, durability, records and apply. */
import { describe, expect, test } from 'vitest';
import type { Json } from '../../src/base/json.js';
import type { Uuid } from '../../src/base/uuid.js';
import {
  Database, convertDatabase, evaluate, evaluateAny, parseConditions, parseSchema, OvsdbError,
} from '../../src/ovsdb/index.js';
import { TEST_SCHEMA_JSON, makeCtx, run, testSchema } from './helpers.js';

const waitOp = (until: string, rows: Json[], timeout?: number): Json => ({
  op: 'wait', table: 'A', where: [], columns: ['i'], until, rows, ...(timeout === undefined ? {} : { timeout }),
});

describe('wait', () => {
  test('blocks without timeout, then succeeds after a commit', () => {
    const db = new Database(testSchema());
    const first = db.transact([waitOp('==', [{ i: 1 }])], makeCtx());
    expect(first).toEqual({ kind: 'blocked', retryAtMs: undefined });
    run(db, [{ op: 'insert', table: 'A', row: { i: 1 } }]);
    const again = db.transact([waitOp('==', [{ i: 1 }])], makeCtx());
    expect(again).toMatchObject({ kind: 'done', results: [{}] });
  });

  test('blocked with a timeout reports the retry time; at the deadline it times out', () => {
    const db = new Database(testSchema());
    const ops = [waitOp('==', [{ i: 1 }], 500), waitOp('==', [{ i: 1 }], 200)];
    // Only the first wait ran before blocking, so its timeout decides.
    expect(db.transact(ops, makeCtx(1, { startedMs: 1000, nowMs: 1100 }))).toEqual({ kind: 'blocked', retryAtMs: 1500 });
    const late = db.transact(ops, makeCtx(1, { startedMs: 1000, nowMs: 1500 }));
    expect(late).toMatchObject({ kind: 'done', results: [{ error: 'timed out', details: '"wait" timed out after 500 ms' }, null] });
  });

  test('timeout 0 fails at once', () => {
    const db = new Database(testSchema());
    expect(db.transact([waitOp('==', [{ i: 1 }], 0)], makeCtx())).toMatchObject({
      kind: 'done', results: [{ error: 'timed out', details: '"where" clause test failed' }],
    });
    expect(db.transact([waitOp('!=', [{ i: 1 }], 0)], makeCtx())).toMatchObject({ kind: 'done', results: [{}] });
  });
});

describe('assert, commit, abort, read-only', () => {
  test('assert succeeds only when the lock is held', () => {
    const db = new Database(testSchema());
    expect(db.transact([{ op: 'assert', lock: 'l' }], makeCtx(1, { locks: ['l'] }))).toMatchObject({ results: [{}] });
    expect(db.transact([{ op: 'assert', lock: 'l' }], makeCtx())).toMatchObject({ results: [{ error: 'not owner', details: 'Asserted lock l not held.' }] });
  });

  test('durable flag and no record for a read-only transaction', () => {
    const db = new Database(testSchema());
    const out = db.transact([{ op: 'insert', table: 'A', row: {} }, { op: 'commit', durable: true }], makeCtx());
    expect(out).toMatchObject({ kind: 'done', durable: true });
    expect(out.kind === 'done' && out.record).toBeTruthy();
    const ro = db.transact([{ op: 'select', table: 'A', where: [] }], makeCtx());
    expect(ro).toMatchObject({ kind: 'done', record: undefined, durable: false });
  });

  test('comments are reported with the committed transaction', () => {
    const db = new Database(testSchema());
    const out = db.transact([{ op: 'comment', comment: 'a' }, { op: 'insert', table: 'A', row: {} }, { op: 'comment', comment: 'b' }], makeCtx());
    expect(out).toMatchObject({ kind: 'done', comment: 'a\nb' });
    expect(db.transact([{ op: 'insert', table: 'A', row: {} }], makeCtx())).not.toHaveProperty('comment');
  });

  test('abort discards everything', () => {
    const db = new Database(testSchema());
    const out = db.transact([{ op: 'insert', table: 'A', row: {} }, { op: 'abort' }], makeCtx());
    expect(out).toMatchObject({ results: [{}, { error: 'aborted', details: 'aborted by request' }], record: undefined });
  });

  test('read-only context and reserved databases refuse writes', () => {
    const db = new Database(testSchema());
    const ctx = { ...makeCtx(), readOnly: true };
    expect(db.transact([{ op: 'insert', table: 'A', row: {} }], ctx)).toMatchObject({
      results: [{ error: 'not allowed', details: 'insert operation not allowed when database server is in read only mode' }],
    });
    const server = new Database(parseSchema({ name: '_Server', tables: { Database: { columns: { name: { type: 'string' } } } } }));
    expect(server.transact([{ op: 'delete', table: 'Database', where: [] }], makeCtx())).toMatchObject({
      results: [{ error: 'not allowed', details: 'delete operation not allowed on table in reserved database _Server' }],
    });
  });

  test('non-array ops is a syntax error, not an exception', () => {
    const db = new Database(testSchema());
    expect(db.transact({ op: 'insert' }, makeCtx())).toMatchObject({ results: [{ error: 'syntax error', details: 'array expected' }] });
  });
});

describe('records and apply', () => {
  test('record shape, RowChanges, and a second replica reaching the same state', () => {
    const a = new Database(testSchema());
    const b = new Database(testSchema());
    const ctx = makeCtx(3);
    const out = a.transact([
      { op: 'insert', table: 'B', row: { n: 5 }, 'uuid-name': 'b' },
      { op: 'insert', table: 'A', row: { name: 'x', ref: ['named-uuid', 'b'], i: 0 } },
    ], ctx);
    if (out.kind !== 'done' || !out.record) throw new Error('no record');
    const record = JSON.parse(JSON.stringify(out.record)) as typeof out.record;
    const aRow = Object.entries(record['A'] ?? {})[0];
    expect(aRow?.[1]).toMatchObject({ name: 'x', ref: ['uuid', expect.any(String)], _version: ['uuid', expect.any(String)] });
    expect(aRow?.[1]).not.toHaveProperty('i'); // default values are left out of inserts
    const changesA = a.apply(out.record);
    const changesB = b.apply(record); // slow path: parsed from JSON
    expect(a.canonicalDump()).toBe(b.canonicalDump());
    expect(a.contentHash()).toBe(b.contentHash());
    expect([...(changesA.get('A')?.values() ?? [])][0]?.old).toBeUndefined();
    expect([...(changesB.get('B')?.values() ?? [])][0]?.new?.columns.get('n')).toEqual({ keys: [5], values: undefined });
    // Deleting the referencing row garbage-collects B in the same record.
    const del = a.transact([{ op: 'delete', table: 'A', where: [] }], ctx);
    if (del.kind !== 'done' || !del.record) throw new Error('no record');
    expect(Object.values(del.record['B'] ?? {})).toEqual([null]);
    const ch = b.apply(JSON.parse(JSON.stringify(del.record)) as typeof del.record);
    expect([...(ch.get('B')?.values() ?? [])][0]?.new).toBeUndefined();
    a.apply(del.record);
    expect(a.canonicalDump()).toBe(b.canonicalDump());
    expect(a.table('B')?.size).toBe(0);
  });

  test('modify records carry only changed columns and a new _version', () => {
    const db = new Database(testSchema());
    run(db, [{ op: 'insert', table: 'A', row: { name: 'x', i: 1 } }]);
    const before = [...(db.table('A')?.values() ?? [])][0];
    const out = db.transact([{ op: 'update', table: 'A', where: [], row: { i: 2, name: 'x' } }], makeCtx(9));
    if (out.kind !== 'done' || !out.record) throw new Error('no record');
    const row = Object.values(out.record['A'] ?? {})[0];
    expect(Object.keys(row ?? {}).sort()).toEqual(['_version', 'i']);
    db.apply(out.record);
    const after = db.getRow('A', before?.uuid as Uuid);
    expect(after?.version).not.toBe(before?.version);
    // An update that changes nothing produces no record.
    expect(db.transact([{ op: 'update', table: 'A', where: [], row: { i: 2 } }], makeCtx())).toMatchObject({ record: undefined });
  });

  test('snapshotRecord rebuilds an identical database', () => {
    const db = new Database(testSchema());
    run(db, [{ op: 'insert', table: 'B', row: { n: 1 }, 'uuid-name': 'b' }, { op: 'insert', table: 'A', row: { name: 'q', ref: ['named-uuid', 'b'], wref: ['named-uuid', 'b'], m: ['map', [['k', 1]]] } }]);
    const copy = new Database(testSchema());
    copy.apply(JSON.parse(JSON.stringify(db.snapshotRecord())) as ReturnType<Database['snapshotRecord']>);
    expect(copy.canonicalDump()).toBe(db.canonicalDump());
    // Reference bookkeeping was rebuilt too: deleting the referrer collects B and clears nothing else.
    run(copy, [{ op: 'delete', table: 'A', where: [] }]);
    expect(copy.table('B')?.size).toBe(0);
  });

  test('a malformed record is a bug and throws', () => {
    const db = new Database(testSchema());
    expect(() => db.apply({ Nope: {} })).toThrow(/unknown table/);
  });
});

describe('conditions for monitor_cond', () => {
  test('evaluate is conjunction, evaluateAny is disjunction, booleans are clauses', () => {
    const schema = testSchema();
    const table = schema.tables.get('A');
    if (!table) throw new Error('no table');
    const db = new Database(schema);
    run(db, [{ op: 'insert', table: 'A', row: { i: 5, name: 'n' } }]);
    const row = [...(db.table('A')?.values() ?? [])][0];
    if (!row) throw new Error('no row');
    const both = parseConditions(table, [['i', '==', 5], ['name', '==', 'zz']]);
    expect(evaluate(both, row)).toBe(false);
    expect(evaluateAny(both, row)).toBe(true);
    expect(evaluateAny(parseConditions(table, [false]), row)).toBe(false);
    expect(evaluateAny(parseConditions(table, [true]), row)).toBe(true);
    expect(evaluateAny(parseConditions(table, []), row)).toBe(true);
    expect(() => parseConditions(table, [['nope', '==', 1]])).toThrow(OvsdbError);
  });
});

describe('convertDatabase', () => {
  test('keeps rows, drops removed columns and tables, defaults new columns', () => {
    const db = new Database(testSchema());
    run(db, [{ op: 'insert', table: 'A', row: { name: 'x', i: 3, s: 'keep' } }, { op: 'insert', table: 'C', row: { n: 1 } }]);
    const src = JSON.parse(JSON.stringify(TEST_SCHEMA_JSON)) as { tables: { [k: string]: { columns: { [k: string]: unknown } } } };
    delete src.tables['C'];
    delete src.tables['A']?.columns['s'];
    (src.tables['A'] as { columns: { [k: string]: unknown } }).columns['extra'] = { type: 'integer' };
    const converted = convertDatabase(db, parseSchema(src));
    const row = [...(converted.table('A')?.values() ?? [])][0];
    expect(row?.columns.get('i')).toEqual({ keys: [3], values: undefined });
    expect(row?.columns.get('extra')).toEqual({ keys: [0], values: undefined });
    expect(row?.columns.has('s')).toBe(false);
    expect(converted.table('C')).toBeUndefined();
    const old = [...(db.table('A')?.values() ?? [])][0];
    expect(row?.uuid).toBe(old?.uuid);
    expect(row?.version).toBe(old?.version);
  });

  test('fails clearly when data violates the new schema', () => {
    const db = new Database(testSchema());
    run(db, [{ op: 'insert', table: 'A', row: { name: 'x', i: 30 } }]);
    const src = JSON.parse(JSON.stringify(TEST_SCHEMA_JSON)) as { tables: { A: { columns: { [k: string]: unknown } } } };
    src.tables.A.columns['i'] = { type: { key: { type: 'integer', maxInteger: 10 } } };
    expect(() => convertDatabase(db, parseSchema(src))).toThrow(/column i row .*30 is greater than maximum allowed value 10/);
  });

  test('fails with the commit-time error when an index becomes violated', () => {
    const db = new Database(testSchema());
    run(db, [{ op: 'insert', table: 'I', row: { a: 1, b: 'x', c: 1 } }, { op: 'insert', table: 'I', row: { a: 1, b: 'y', c: 2 } }]);
    expect(db.table('I')?.size).toBe(2);
    const src = JSON.parse(JSON.stringify(TEST_SCHEMA_JSON)) as { tables: { I: { indexes: string[][] } } };
    src.tables.I.indexes = [['a']];
    let err: unknown;
    try { convertDatabase(db, parseSchema(src)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OvsdbError);
    expect((err as OvsdbError).tag).toBe('constraint violation');
    expect((err as OvsdbError).details).toMatch(/^Transaction causes multiple rows in "I" table to have identical values \(1\) for index on column "a"/);
  });
});
