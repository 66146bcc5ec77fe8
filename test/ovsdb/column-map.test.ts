import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { ColumnLayout, ColumnMap } from '../../src/ovsdb/column-map.js';
import type { Datum } from '../../src/ovsdb/types.js';

const d = (n: number): Datum => ({ keys: [n], values: undefined });

/** Datums of every shape a row holds: one key (stored as its bare atom), none, several, a map. */
function anyDatum(p: Prng, n: number): Datum {
  switch (p.int(0, 4)) {
    case 0: return { keys: [], values: undefined };
    case 1: return { keys: [n, n + 1], values: undefined };
    case 2: return { keys: [`k${n}`], values: [n] };
    case 3: return { keys: [p.int(0, 1) === 1], values: undefined };
    default: return { keys: [`s${n}`], values: undefined };
  }
}

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
          const v = anyDatum(p, step);
          ours.set(name, v);
          ref.set(name, v);
          break;
        }
        case 1:
          expect(ours.delete(name)).toBe(ref.delete(name));
          break;
        default:
          // Equal, not the same object: a one-key datum is kept as its atom and rebuilt.
          expect(ours.get(name)).toEqual(ref.get(name));
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

  it('keeps a one-key datum as its atom and gives back an equal datum', () => {
    const layout = new ColumnLayout(['s', 'set', 'map']);
    const cols = ColumnMap.of(layout, [d(7), { keys: [1, 2], values: undefined }, { keys: ['a'], values: ['b'] }]);
    expect(cols.get('s')).toEqual(d(7));
    expect(cols.get('s')).not.toBe(cols.get('s'));
    expect(cols.get('set')).toEqual({ keys: [1, 2], values: undefined });
    expect(cols.get('map')).toEqual({ keys: ['a'], values: ['b'] });
    expect([...cols.values()]).toEqual([d(7), { keys: [1, 2], values: undefined }, { keys: ['a'], values: ['b'] }]);
    const seen: [string, Datum][] = [];
    cols.forEach((v, k) => seen.push([k, v]));
    expect(seen).toEqual([...cols.entries()]);
  });
});
