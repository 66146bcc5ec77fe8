import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { isId } from '../../src/ovsdb/parser.js';

describe('isId', () => {
  it('accepts exactly what /^[A-Za-z_][A-Za-z0-9_]*$/ accepts', () => {
    const alphabet = ['a', 'z', 'A', 'Z', '_', '0', '9', '/', ':', '@', '[', '`', '{', '-', ' ', 'é', '\u0000'];
    const p = new Prng(5);
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const n = p.int(0, 5);
      for (let k = 0; k < n; k++) s += alphabet[p.int(0, alphabet.length - 1)] as string;
      expect(isId(s)).toBe(/^[A-Za-z_][A-Za-z0-9_]*$/.test(s));
    }
    expect(isId('Logical_Switch')).toBe(true);
    expect(isId('9lives')).toBe(false);
    expect(isId('')).toBe(false);
  });
});
