import { describe, expect, test } from 'vitest';
import type { Uuid } from '../../src/base/uuid.js';
import type { RowChanges } from '../../src/ovsdb/types.js';
import { TxnHistory } from '../../src/server/txn-history.js';

const id = (n: number): Uuid => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}` as Uuid;
const changes = (n: number): RowChanges => new Map([[`T${n}`, new Map()]]) as unknown as RowChanges;
const tags = (cs: RowChanges[] | undefined): string[] | undefined => cs?.map((c) => [...c.keys()].join());

describe('TxnHistory', () => {
  test('keeps the last maxEntries commits across many adds', () => {
    const h = new TxnHistory(id(0), 5);
    for (let n = 1; n <= 1000; n++) {
      h.add(id(n), changes(n));
      expect(h.size).toBe(Math.min(n, 5));
      expect(h.lastTxnId).toBe(id(n));
    }
    expect(tags(h.since(id(995)))).toEqual(['T996', 'T997', 'T998', 'T999', 'T1000']);
    expect(tags(h.since(id(998)))).toEqual(['T999', 'T1000']);
    expect(h.since(id(1000))).toEqual([]);
    expect(h.since(id(994))).toBeUndefined();
    expect(h.since(id(3))).toBeUndefined();
  });

  test('the initial id works until it falls out of the window', () => {
    const h = new TxnHistory(id(0), 3);
    h.add(id(1), changes(1));
    h.add(id(2), changes(2));
    expect(tags(h.since(id(0)))).toEqual(['T1', 'T2']);
    h.add(id(3), changes(3));
    h.add(id(4), changes(4));
    expect(h.since(id(0))).toBeUndefined();
    expect(tags(h.since(id(1)))).toEqual(['T2', 'T3', 'T4']);
    h.reset(id(9));
    expect(h.size).toBe(0);
    expect(h.since(id(9))).toEqual([]);
    expect(h.since(id(4))).toBeUndefined();
  });

  test('a history of size 0 keeps nothing but the last id', () => {
    const h = new TxnHistory(id(0), 0);
    h.add(id(1), changes(1));
    h.add(id(2), changes(2));
    expect(h.size).toBe(0);
    expect(h.since(id(2))).toEqual([]);
    expect(h.since(id(1))).toBeUndefined();
  });
});
