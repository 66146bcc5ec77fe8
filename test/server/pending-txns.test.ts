import { describe, expect, it } from 'vitest';
import { PendingTxns } from '../../src/server/pending-txns.js';
import { Prng } from '../../src/base/prng.js';

describe('PendingTxns', () => {
  it('behaves as a Map under random use, small and past its array size', () => {
    const p = new Prng(11);
    const ours = new PendingTxns<number>();
    const ref = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      // Phases of few and of many live keys, so it moves to its Map and back.
      const span = Math.floor(i / 2000) % 2 === 0 ? 6 : 60;
      const key = String(p.int(0, span));
      switch (p.int(0, 3)) {
        case 0:
        case 1:
          ours.set(key, i);
          ref.set(key, i);
          break;
        case 2:
          expect(ours.delete(key)).toBe(ref.delete(key));
          break;
        default:
          expect(ours.get(key)).toBe(ref.get(key));
          expect(ours.has(key)).toBe(ref.has(key));
      }
      expect(ours.size).toBe(ref.size);
    }
    expect([...ours.values()].sort((a, b) => a - b)).toEqual([...ref.values()].sort((a, b) => a - b));
    ours.clear();
    expect(ours.size).toBe(0);
    expect(ours.get('1')).toBeUndefined();
  });
});
