import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { canonicalJson } from '../../src/base/json.js';
import { isUuid, uuidFromRandom } from '../../src/base/uuid.js';

describe('Prng', () => {
  it('replays the same sequence from the same seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const seqA = Array.from({ length: 100 }, () => a.nextU32());
    const seqB = Array.from({ length: 100 }, () => b.nextU32());
    expect(seqA).toEqual(seqB);
    expect(new Set(seqA).size).toBeGreaterThan(95);
  });
  it('gives different sequences for different seeds', () => {
    expect(new Prng(1).nextU32()).not.toBe(new Prng(2).nextU32());
  });
  it('keeps int() within bounds', () => {
    const p = new Prng(7);
    for (let i = 0; i < 1000; i++) {
      const v = p.int(3, 9);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(9);
    }
  });
});

describe('json and uuid helpers', () => {
  it('sorts object keys canonically', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
  });
  it('makes version-4 uuids', () => {
    const p = new Prng(3);
    const u = uuidFromRandom(() => p.nextU32());
    expect(isUuid(u)).toBe(true);
    expect(u[14]).toBe('4');
  });
});
