import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { ColumnLayout, ColumnMap } from '../../src/ovsdb/column-map.js';
import type { Datum } from '../../src/ovsdb/types.js';

const d = (n: number): Datum => ({ keys: [n], values: undefined });

describe('ColumnMap', () => {
  it('behaves as a Map of its layout\'s columns under random use', () => {
    const names = ['a', 'b', 'c', 'd'];
    const layout = new ColumnLayout(names);
    const p = new Prng(9);
    const initial = names.map((_, i) => d(i));
    const ours = ColumnMap.of(layout, initial);
    const ref = new Map<string, Datum>(names.map((n, i) => [n, initial[i] as Datum]));
    for (let step = 0; step < 5000; step++) {
      const name = names[p.int(0, names.length - 1)] as string;
      switch (p.int(0, 3)) {
        case 0: {
          const v = d(step);
          ours.set(name, v);
          ref.set(name, v);
          break;
        }
        case 1:
          expect(ours.delete(name)).toBe(ref.delete(name));
          break;
        default:
          expect(ours.get(name)).toBe(ref.get(name));
          expect(ours.has(name)).toBe(ref.has(name));
      }
      expect(ours.size).toBe(ref.size);
      // Same entries; the order is the layout's (a Map's would be insertion order).
      const byName = (a: [string, Datum], b: [string, Datum]): number => a[0].localeCompare(b[0]);
      expect([...ours].sort(byName)).toEqual([...ref].sort(byName));
    }
    expect(ours.get('zz')).toBeUndefined();
    expect(() => ours.set('zz', d(1))).toThrow(/no column zz/);
    const copy = ours.copy();
    copy.set('a', d(-1));
    expect(ours.get('a')).not.toEqual(d(-1));
    ours.clear();
    expect(ours.size).toBe(0);
    expect(Object.prototype.toString.call(ours)).toBe('[object Map]');
  });
});
