/**
 * compileCondition (condition.ts) must agree with evaluate / evaluateAny on every row and
 * clause shape: scalar, optional-scalar (empty and set), sets, maps, _uuid/_version, bool.
 */
import { describe, expect, test } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import type { Json } from '../../src/base/json.js';
import { compileCondition } from '../../src/ovsdb/condition.js';
import { Database, evaluate, evaluateAny, parseConditions } from '../../src/ovsdb/index.js';
import { makeCtx, run, testSchema } from './helpers.js';

const FNS = ['==', '!=', 'includes', 'excludes', '<', '<=', '>', '>='] as const;

describe('compileCondition', () => {
  test('agrees with evaluate and evaluateAny on random rows and clauses', () => {
    const schema = testSchema();
    const db = new Database(schema);
    const ctx = makeCtx(7);
    const rng = new Prng(42);
    const strs = ['a', 'b', 'ab', '\u{1f600}', '\uffff'];
    for (let i = 0; i < 40; i++) {
      const row: { [k: string]: Json } = { name: `n${i}`, i: rng.int(-2, 2), r: rng.int(-2, 2) / 2, b: rng.int(0, 1) === 1, s: strs[rng.int(0, strs.length - 1)] ?? '' };
      if (rng.int(0, 1)) row['sl'] = ['set', rng.int(0, 1) ? [] : [strs[rng.int(0, 2)] ?? 'a']];
      row['is'] = ['set', [...new Set(Array.from({ length: rng.int(0, 2) }, () => rng.int(0, 2)))]];
      row['m'] = ['map', rng.int(0, 1) ? [] : [['a', rng.int(0, 2)]]];
      const res = run(db, [{ op: 'insert', table: 'A', row }], ctx);
      if (JSON.stringify(res).includes('error')) throw new Error(JSON.stringify([row, res]));
    }
    const rows = [...(db.table('A')?.values() ?? [])];
    const table = schema.tables.get('A');
    if (!table || rows.length !== 40) throw new Error('setup failed');
    const clause = (): Json => {
      const k = rng.int(0, 7);
      const fn = FNS[rng.int(0, FNS.length - 1)] ?? '==';
      const ordered = fn === '<' || fn === '<=' || fn === '>' || fn === '>=';
      if (k === 0) return rng.int(0, 1) === 1;
      if (k === 1) return ['i', fn, rng.int(-2, 2)];
      if (k === 2) return ['r', fn, rng.int(-2, 2) / 2];
      if (k === 3 || ordered) return ['_uuid', '==', ['uuid', (rows[rng.int(0, rows.length - 1)]?.uuid ?? '') as string]];
      if (k === 4) return ['s', fn, strs[rng.int(0, strs.length - 1)] ?? ''];
      if (k === 5) return ['sl', fn, rng.int(0, 1) ? 'a' : ['set', []]];
      if (k === 6) return ['is', fn, ['set', [rng.int(0, 2)]]];
      return ['m', fn, ['map', [['a', rng.int(0, 2)]]]];
    };
    let matched = 0;
    for (let n = 0; n < 300; n++) {
      const cond = parseConditions(table, Array.from({ length: rng.int(0, 3) }, clause));
      const all = compileCondition(cond, 'all');
      const any = compileCondition(cond, 'any');
      expect(compileCondition(cond, 'all')).toBe(all);
      for (const r of rows) {
        expect(all(r)).toBe(evaluate(cond, r));
        expect(any(r)).toBe(evaluateAny(cond, r));
        if (all(r)) matched++;
      }
    }
    // Both outcomes occur, so the comparison above is not vacuous.
    expect(matched).toBeGreaterThan(0);
    expect(matched).toBeLessThan(300 * 40);
  });
});
