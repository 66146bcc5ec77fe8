import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { ColumnLayout, ColumnMap } from '../../src/ovsdb/column-map.js';
import {
  datumEquals, datumToJson, defaultDatum, isDefaultDatum, isDefaultStored, storedEquals, storedToDatum, storedToJson,
  type StoredValue,
} from '../../src/ovsdb/datum.js';
import { columnValue } from '../../src/ovsdb/row.js';
import { parseColumnType } from '../../src/ovsdb/schema/parse-type.js';
import type { Uuid } from '../../src/base/uuid.js';
import type { Atom, ColumnType, Datum, Row } from '../../src/ovsdb/types.js';

const types: ColumnType[] = [
  parseColumnType('integer'),
  parseColumnType('string'),
  parseColumnType('boolean'),
  parseColumnType('uuid'),
  parseColumnType({ key: 'integer', min: 0, max: 1 }),
  parseColumnType({ key: 'string', min: 0, max: 'unlimited' }),
  parseColumnType({ key: 'integer', value: 'string', min: 0, max: 'unlimited' }),
  parseColumnType({ key: 'string', value: 'integer', min: 1, max: 1 }),
];

function atom(p: Prng, t: ColumnType['key']['type']): Atom {
  switch (t) {
    case 'integer': return p.int(-2, 2);
    case 'real': return p.int(-2, 2) / 2;
    case 'boolean': return p.int(0, 1) === 1;
    case 'string': return ['', 'a', 'b'][p.int(0, 2)] as string;
    case 'uuid': return ['00000000-0000-0000-0000-000000000000', '11111111-1111-4111-8111-111111111111'][p.int(0, 1)] as string;
  }
}

/** A datum of type t: the default, or 0-3 keys (sorted, unique, clipped to the type's bounds). */
function datum(p: Prng, t: ColumnType): Datum {
  if (p.int(0, 3) === 0) return defaultDatum(t);
  const n = Math.max(t.min, Math.min(Number.isFinite(t.max) ? t.max : 3, p.int(0, 3)));
  const keys = [...new Set(Array.from({ length: n }, () => atom(p, t.key.type)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length < t.min) return defaultDatum(t);
  const vt = t.value?.type;
  return { keys, values: vt === undefined ? undefined : keys.map(() => atom(p, vt)) };
}

/** The form a ColumnMap stores `d` in. */
function stored(d: Datum): StoredValue {
  const layout = new ColumnLayout(['c']);
  const v = ColumnMap.of(layout, [d]).slot('c');
  if (v === undefined) throw new Error('no value stored');
  return v;
}

describe('stored column values (a bare atom for a one-key datum)', () => {
  it('encode, compare and test for the default exactly as the Datum they stand for', () => {
    const p = new Prng(17);
    let bare = 0;
    for (let i = 0; i < 4000; i++) {
      const t = types[p.int(0, types.length - 1)] as ColumnType;
      const a = datum(p, t);
      const b = p.int(0, 2) === 0 ? a : datum(p, t);
      const sa = stored(a);
      const sb = stored(b);
      if (typeof sa !== 'object') bare++;
      expect(storedToDatum(sa)).toEqual(a);
      expect(storedToJson(t, sa)).toEqual(datumToJson(t, a));
      expect(isDefaultStored(t, sa)).toBe(isDefaultDatum(t, a));
      expect(storedEquals(sa, sb)).toBe(datumEquals(a, b));
      expect(storedEquals(sa, b)).toBe(datumEquals(a, b));
      expect(storedEquals(a, sb)).toBe(datumEquals(a, b));
    }
    // Both forms were exercised.
    expect(bare).toBeGreaterThan(1000);
    expect(bare).toBeLessThan(3900);
  });

  it('columnValue reads a ColumnMap row and a plain Map row alike', () => {
    const d: Datum = { keys: [5], values: undefined };
    const layout = new ColumnLayout(['n']);
    const u = '11111111-1111-4111-8111-111111111111' as Uuid;
    const packed: Row = { uuid: u, version: u, columns: ColumnMap.of(layout, [d]) };
    const plain: Row = { uuid: u, version: u, columns: new Map([['n', d]]) };
    expect(columnValue(packed, 'n')).toBe(5);
    expect(columnValue(plain, 'n')).toBe(d);
    expect(columnValue(plain, 'missing')).toEqual({ keys: [], values: undefined });
  });
});
