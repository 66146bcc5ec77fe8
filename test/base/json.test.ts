import { describe, expect, it } from 'vitest';
import { jsonText, smallJsonText, stringText } from '../../src/base/json.js';
import { Prng } from '../../src/base/prng.js';

/** Strings that exercise escaping: quotes, backslashes, controls, lone and paired surrogates. */
const PIECES = ['a', 'uuid', '"', '\\', '\n', '\u0001', '\u007f', 'é', '\ud83d\ude00', '\ud800', '\udfff', ' ', '0', '-'];

function randomString(p: Prng, max: number): string {
  let s = '';
  const n = p.int(0, max);
  for (let i = 0; i < n; i++) s += PIECES[p.int(0, PIECES.length - 1)] as string;
  return s;
}

function randomValue(p: Prng, depth: number): unknown {
  switch (p.int(0, depth > 3 ? 5 : 8)) {
    case 0: return null;
    case 1: return p.int(0, 1) === 1;
    case 2: return [0, -0, 1.5, -7, 1e21, 2 ** 53, NaN, Infinity, 123456789][p.int(0, 8)];
    case 3: return 12345678901234567890n * BigInt(p.int(-2, 2));
    case 4: return randomString(p, 8);
    case 5: return randomString(p, 80);
    case 6: return Array.from({ length: p.int(0, 6) }, () => (p.int(0, 9) === 0 ? undefined : randomValue(p, depth + 1)));
    case 7: {
      const o: { [k: string]: unknown } = p.int(0, 3) === 0 ? (Object.create(null) as { [k: string]: unknown }) : {};
      const n = p.int(0, 5);
      for (let i = 0; i < n; i++) o[p.int(0, 4) === 0 ? String(p.int(0, 20)) : randomString(p, 6)] = p.int(0, 9) === 0 ? undefined : randomValue(p, depth + 1);
      return o;
    }
    default: return { uuid: ['uuid', '0f0e0d0c-0b0a-4908-8706-050403020100'] };
  }
}

describe('stringText', () => {
  it('is JSON.stringify of any string', () => {
    const p = new Prng(11);
    for (let i = 0; i < 20_000; i++) {
      const s = randomString(p, i % 2 === 0 ? 8 : 80);
      expect(stringText(s)).toBe(JSON.stringify(s));
    }
  });
});

describe('smallJsonText', () => {
  it('writes exactly what jsonText writes, on random values', () => {
    const p = new Prng(2026);
    for (let i = 0; i < 20_000; i++) {
      const v = randomValue(p, 0);
      expect(smallJsonText(v)).toBe(jsonText(v));
    }
  });

  it('hands over what it does not write itself', () => {
    const withToJson = { a: 1, toJSON: () => 'x' };
    expect(smallJsonText(withToJson)).toBe('"x"');
    expect(smallJsonText(new Date(0))).toBe(JSON.stringify(new Date(0)));
    expect(smallJsonText(new Map([[1, 2]]))).toBe('{}');
    const big = Array.from({ length: 100 }, (_, i) => ({ n: i }));
    expect(smallJsonText(big)).toBe(JSON.stringify(big));
    expect(smallJsonText([undefined, () => 1, Symbol('s')])).toBe('[null,null,null]');
    expect(smallJsonText({ a: undefined, b: () => 1 })).toBe('{}');
    expect(smallJsonText(undefined)).toBeUndefined();
  });

  it('writes the common transact reply by itself', () => {
    const r = [{ uuid: ['uuid', '0f0e0d0c-0b0a-4908-8706-050403020100'] }, {}, { count: 2 }, null];
    expect(smallJsonText(r)).toBe(JSON.stringify(r));
  });
});
