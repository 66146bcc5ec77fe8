import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { uuidFromRandom, type Uuid } from '../../src/base/uuid.js';
import { RowTable, uuidKey } from '../../src/ovsdb/row-table.js';
import type { Row } from '../../src/ovsdb/types.js';

function row(uuid: Uuid, n: number): Row {
  return { uuid, version: uuid, columns: new Map([['n', { keys: [n], values: undefined }]]) };
}

/** Uuids whose key numbers collide in groups, found among seeded random uuids. */
function collidingUuids(p: Prng, groups: number): Uuid[][] {
  const byKey = new Map<number, Uuid[]>();
  const out: Uuid[][] = [];
  while (out.length < groups) {
    const u = uuidFromRandom(() => p.nextU32());
    const k = uuidKey(u);
    const list = byKey.get(k) ?? [];
    list.push(u);
    byKey.set(k, list);
    if (list.length === 2) out.push(list);
  }
  return out;
}

describe('RowTable', () => {
  it('behaves as a Map under random inserts, replaces and deletes, colliding keys included', () => {
    const p = new Prng(77);
    const pool: Uuid[] = collidingUuids(p, 6).flat();
    for (let i = 0; i < 300; i++) pool.push(uuidFromRandom(() => p.nextU32()));
    const ours = new RowTable();
    const ref = new Map<Uuid, Row>();
    for (let step = 0; step < 30_000; step++) {
      const u = pool[p.int(0, pool.length - 1)] as Uuid;
      if (p.chance(0.6)) {
        const r = row(u, step);
        ours.set(u, r);
        ref.set(u, r);
      } else {
        expect(ours.delete(u)).toBe(ref.delete(u));
      }
      expect(ours.get(u)).toBe(ref.get(u));
      expect(ours.has(u)).toBe(ref.has(u));
      expect(ours.size).toBe(ref.size);
      if (step % 1000 === 0) {
        const sorted = (it: Iterable<Row>): string[] => [...it].map((r) => `${r.uuid}:${String(r.columns.get('n')?.keys[0])}`).sort();
        expect(sorted(ours.values())).toEqual(sorted(ref.values()));
        expect([...ours.keys()].sort()).toEqual([...ref.keys()].sort());
        expect(new Map(ours)).toEqual(ref);
        let n = 0;
        ours.forEach((r, k) => {
          expect(r.uuid).toBe(k);
          n++;
        });
        expect(n).toBe(ref.size);
      }
    }
  });

  it('finds colliding uuids apart', () => {
    const [a, b] = collidingUuids(new Prng(3), 1)[0] as Uuid[];
    if (a === undefined || b === undefined) throw new Error('no collision found');
    expect(uuidKey(a)).toBe(uuidKey(b));
    const t = new RowTable();
    t.set(a, row(a, 1));
    expect(t.get(b)).toBeUndefined();
    t.set(b, row(b, 2));
    expect(t.get(a)?.columns.get('n')?.keys[0]).toBe(1);
    expect(t.get(b)?.columns.get('n')?.keys[0]).toBe(2);
    expect(t.delete(a)).toBe(true);
    expect(t.get(b)?.columns.get('n')?.keys[0]).toBe(2);
    expect(t.size).toBe(1);
  });
});
