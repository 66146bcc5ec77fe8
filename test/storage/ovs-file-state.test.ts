import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { JsonObject } from '../../src/base/json.js';
import { makeDatum } from '../../src/ovsdb/datum.js';
import { parseSchema } from '../../src/ovsdb/schema/parse-schema.js';
import type { ColumnType } from '../../src/ovsdb/types.js';
import { Prng } from '../../src/base/prng.js';
import { OvsFileError, encodeOvsStandaloneFile, readOvsStandaloneFile } from '../../src/storage/ovs-file-format.js';
import {
  applyDatumDiff, replayOvsTransactions, rowsFromRecord, rowsToRecord,
} from '../../src/storage/ovs-file-state.js';
import { requireOvs } from '../helpers/ovs.js';

const dir = mkdtempSync(join(tmpdir(), 'ovs-file-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A schema with every kind of column whose diff encoding differs. */
const allTypesSchema = {
  name: 'T', version: '1.2.3',
  tables: {
    A: {
      isRoot: true,
      columns: {
        i: { type: 'integer' }, r: { type: 'real' }, b: { type: 'boolean' }, s: { type: 'string' },
        opt: { type: { key: 'string', min: 0, max: 1 } },
        ref: { type: { key: { type: 'uuid', refTable: 'B' }, min: 0, max: 1 } },
        set: { type: { key: 'integer', min: 0, max: 'unlimited' } },
        set2: { type: { key: 'string', min: 1, max: 3 } },
        m: { type: { key: 'string', value: 'integer', min: 0, max: 'unlimited' } },
        refs: { type: { key: { type: 'uuid', refTable: 'B' }, min: 0, max: 'unlimited' } },
      },
    },
    B: { isRoot: true, columns: { name: { type: 'string' } } },
  },
};
const schema = parseSchema(allTypesSchema);

const setType: ColumnType = { key: { type: 'integer' }, value: undefined, min: 0, max: Infinity };
const mapType: ColumnType = { key: { type: 'string' }, value: { type: 'integer' }, min: 0, max: Infinity };

describe('applyDatumDiff (ovsdb_datum_apply_diff_in_place)', () => {
  test('sets toggle membership', () => {
    expect(applyDatumDiff(setType, makeDatum([1, 2, 3]), makeDatum([2, 4]))).toEqual(makeDatum([1, 3, 4]));
  });
  test('maps: equal pair removes, new key adds, new value updates', () => {
    const cur = makeDatum(['a', 'b', 'c'], [1, 2, 3]);
    expect(applyDatumDiff(mapType, cur, makeDatum(['a', 'b', 'd'], [1, 9, 4]))).toEqual(makeDatum(['b', 'c', 'd'], [9, 3, 4]));
  });
  test('a result outside the size limits is an error', () => {
    const t: ColumnType = { ...setType, min: 1, max: 2 };
    expect(() => applyDatumDiff(t, makeDatum([1]), makeDatum([1]))).toThrow(/size error/);
    expect(() => applyDatumDiff(t, makeDatum([1]), makeDatum([2, 3]))).toThrow(/size error/);
  });
});

describe('replaying records', () => {
  const u1 = '11111111-1111-4111-8111-111111111111';
  const b1 = '22222222-2222-4222-8222-222222222222';
  test('insert, diff modify, delete', () => {
    const rows = replayOvsTransactions(schema, [
      { B: { [b1]: { name: 'b' } }, A: { [u1]: { i: 5, set: ['set', [1, 2]], m: ['map', [['x', 1]]], set2: 'q' } } },
      { _is_diff: true, A: { [u1]: { i: 6, set: 2, m: ['map', [['x', 1], ['y', 2]]], refs: ['uuid', b1] } } },
    ], 'x.db');
    expect(rowsToRecord(schema, rows)).toEqual({
      A: { [u1]: { i: 6, set: 1, set2: 'q', m: ['map', [['y', 2]]], refs: ['uuid', b1] } },
      B: { [b1]: { name: 'b' } },
    });
    const after = replayOvsTransactions(schema, [{ B: { [b1]: { name: 'b' } } }, { B: { [b1]: null } }], 'x.db');
    expect(rowsToRecord(schema, after)).toEqual({});
  });

  test('non-diff records replace whole values; defaults are not stored', () => {
    const rows = replayOvsTransactions(schema, [
      { A: { [u1]: { set: ['set', [1, 2]], s: 'x' } } },
      { A: { [u1]: { set: 2, s: '' } } },
    ], 'x.db');
    expect(rowsToRecord(schema, rows)).toEqual({ A: { [u1]: { set: 2 } } });
  });

  test('errors name the record', () => {
    const bad: JsonObject[] = [
      { Nope: {} }, { A: { 'not-a-uuid': {} } }, { A: { [u1]: null } }, { A: { [u1]: { zz: 1 } } },
      { A: { [u1]: { i: 'x' } } }, { A: { [u1]: 7 } }, { A: [] },
    ];
    for (const txn of bad) {
      expect(() => replayOvsTransactions(schema, [txn], 'bad.db')).toThrow(/^bad\.db: record 1: /);
    }
  });

  test('garbage records fail with OvsFileError, never anything else', () => {
    const rng = new Prng(11);
    const atoms: JsonObject[keyof JsonObject][] = [null, true, 1, -2.5, 'x', u1, b1, [], {}, ['set', []], ['map', [[1, 2]]], ['uuid', b1], ['uuid', 'zz']];
    const pick = (): JsonObject[keyof JsonObject] => atoms[rng.int(0, atoms.length - 1)] ?? null;
    const columns = ['i', 'r', 'b', 's', 'opt', 'ref', 'set', 'set2', 'm', 'refs', 'nope', '_version'];
    for (let n = 0; n < 500; n++) {
      const row: { [k: string]: JsonObject[keyof JsonObject] } = {};
      for (let k = rng.int(0, 3); k > 0; k--) row[columns[rng.int(0, columns.length - 1)] ?? 'i'] = pick();
      const txn: JsonObject = { _is_diff: rng.chance(0.5), [rng.chance(0.9) ? 'A' : 'Zz']: { [rng.chance(0.9) ? u1 : 'bad']: rng.chance(0.1) ? null : row } };
      try {
        replayOvsTransactions(schema, [{ A: { [u1]: { set2: 'q' } } }, txn], 'g.db');
      } catch (e) {
        expect(e, JSON.stringify(txn)).toBeInstanceOf(OvsFileError);
      }
    }
  });

  test('persistentOnly leaves ephemeral columns out, as ovsdb-server writes files', () => {
    const eph = parseSchema({ name: 'E', tables: { T: { columns: { a: { type: 'string' }, st: { type: 'string', ephemeral: true } } } } });
    const rows = rowsFromRecord(eph, { T: { [u1]: { a: 'x', st: 'up' } } });
    expect(rowsToRecord(eph, rows)).toEqual({ T: { [u1]: { a: 'x', st: 'up' } } });
    expect(rowsToRecord(eph, rows, { persistentOnly: true })).toEqual({ T: { [u1]: { a: 'x' } } });
  });

  test('rowsFromRecord drops _version and defaults', () => {
    const rows = rowsFromRecord(schema, { A: { [u1]: { _version: ['uuid', b1], i: 0, s: 'k', set: ['set', []] } } });
    expect(rowsToRecord(schema, rows)).toEqual({ A: { [u1]: { s: 'k' } } });
  });
});

function ovsdbTool(...args: string[]): string {
  return execFileSync('ovsdb-tool', args, { encoding: 'utf8' });
}

/** Rows as `ovsdb-tool query` shows them, normalised like rowsToRecord. */
function realRows(db: string): unknown {
  const out: { [t: string]: unknown } = {};
  for (const table of ['A', 'B']) {
    const res = JSON.parse(ovsdbTool('query', db, JSON.stringify(['T', { op: 'select', table, where: [] }]))) as [{ rows: JsonObject[] }];
    const rec: { [u: string]: JsonObject } = {};
    for (const row of res[0].rows) {
      const { _uuid, ...cols } = row;
      rec[(_uuid as [string, string])[1]] = cols;
    }
    out[table] = rec;
  }
  return rowsToRecord(schema, rowsFromRecord(schema, out as { [t: string]: { [u: string]: JsonObject } }));
}

describe.runIf(requireOvs('ovsdb-tool'))('replay matches the real ovsdb-tool', () => {
  test('diff records written by ovsdb-tool transact replay to the same rows', async () => {
    const db = join(dir, 'all.db');
    const schemaFile = join(dir, 'all.ovsschema');
    writeFileSync(schemaFile, JSON.stringify(allTypesSchema));
    ovsdbTool('create', db, schemaFile);
    const txns: unknown[][] = [
      [{ op: 'insert', table: 'B', row: { name: 'b1' }, 'uuid-name': 'b1' },
        { op: 'insert', table: 'B', row: { name: 'b2' }, 'uuid-name': 'b2' },
        { op: 'insert', table: 'A', row: { i: 1, r: 1.5, b: true, s: 'a', opt: 'o', ref: ['named-uuid', 'b1'], set: ['set', [1, 2, 3]], set2: ['set', ['x', 'y']], m: ['map', [['k1', 1], ['k2', 2]]], refs: ['set', [['named-uuid', 'b1'], ['named-uuid', 'b2']]] } },
        { op: 'insert', table: 'A', row: { s: 'second' } }],
      [{ op: 'mutate', table: 'A', where: [['s', '==', 'a']], mutations: [['set', 'delete', 2], ['set', 'insert', ['set', [7, 8]]], ['m', 'delete', ['set', ['k1']]], ['m', 'insert', ['map', [['k3', 3]]]], ['i', '+=', 10]] },
        { op: 'update', table: 'A', where: [['s', '==', 'a']], row: { opt: ['set', []], set2: 'z', r: 0.25 } }],
      [{ op: 'update', table: 'A', where: [['s', '==', 'second']], row: { m: ['map', [['k1', 5]]], opt: 'p', refs: ['set', []] } },
        { op: 'update', table: 'A', where: [['s', '==', 'a']], row: { m: ['map', [['k2', 20], ['k3', 3]]] } }],
      [{ op: 'update', table: 'A', where: [['s', '==', 'a']], row: { ref: ['set', []], refs: ['set', []] } },
        { op: 'delete', table: 'B', where: [['name', '==', 'b1']] }],
    ];
    for (const t of txns) {
      const reply = JSON.parse(ovsdbTool('transact', db, JSON.stringify(['T', ...t]))) as JsonObject[];
      expect(reply.some((r) => r !== null && 'error' in r), JSON.stringify(reply)).toBe(false);
    }
    const file = await readOvsStandaloneFile(db);
    expect(file.transactions.some((t) => t['_is_diff'] === true)).toBe(true);
    const ours = rowsToRecord(schema, replayOvsTransactions(schema, file.transactions, db));
    expect(ours).toEqual(realRows(db));

    // And the single compacted record we write is read back by ovsdb-tool identically.
    const out = join(dir, 'ours.db');
    writeFileSync(out, encodeOvsStandaloneFile(file.schema, [{ _date: 0, ...ours }]));
    expect(realRows(out)).toEqual(ours);
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });
});
