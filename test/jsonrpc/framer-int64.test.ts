import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Prng } from '../../src/base/prng.js';
import { JsonFramer } from '../../src/jsonrpc/framer.js';

const enc = new TextEncoder();

function pushAll(chunks: Uint8Array[]): { values: Json[]; error: string | undefined } {
  const f = new JsonFramer();
  const values: Json[] = [];
  for (const c of chunks) {
    const out = f.push(c);
    values.push(...out.values);
    if (out.error) return { values, error: out.error.message };
  }
  return { values, error: undefined };
}

const TEXT = '{"id":1,"params":["Diff",{"row":{"i":9223372036854775807,"j":-9223372036854775808,"r":9223372036854775808}}]}' +
  '[1,"12345678901234567890",2]' +
  '{"e":1e18,"f":1.5e300,"g":true,"h":"3e4f"}' +
  '{"s":"\\"9223372036854775807","n":-9007199254740993}';
const EXPECTED: Json[] = [
  { id: 1, params: ['Diff', { row: { i: 9223372036854775807n, j: -9223372036854775808n, r: 9223372036854775808 } }] },
  [1, '12345678901234567890', 2],
  { e: 1000000000000000000n, f: 1.5e300, g: true, h: '3e4f' },
  { s: '"9223372036854775807', n: -9007199254740993n },
];

describe('JsonFramer with 64-bit integers', () => {
  it('keeps int64 literals exact (bigint beyond ±2^53) and makes larger ones reals', () => {
    const out = pushAll([enc.encode(TEXT)]);
    expect(out.error).toBeUndefined();
    expect(out.values).toEqual(EXPECTED);
  });

  it('gives the same values when split at every byte position, and byte by byte', () => {
    const bytes = enc.encode(TEXT);
    for (let cut = 1; cut < bytes.length; cut++) {
      const out = pushAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(out.error).toBeUndefined();
      expect(out.values).toEqual(EXPECTED);
    }
    const single = pushAll(Array.from(bytes, (b) => Uint8Array.of(b)));
    expect(single.values).toEqual(EXPECTED);
  });

  it('uses the native parser for safe numbers, the exact one only where needed', () => {
    const out = pushAll([enc.encode('[123456789012345,-0,1.5]{"a":1234567890123456}')]);
    expect(out.values).toEqual([[123456789012345, -0, 1.5], { a: 1234567890123456 }]);
    // -0 on the fast path stays JSON.parse's -0; on the exact path OVS makes every zero 0.
    expect(Object.is((out.values[0] as number[])[1], -0)).toBe(true);
    const exact = pushAll([enc.encode('[-0,1e2]')]);
    expect(exact.values).toEqual([[0, 100]]);
  });

  it('rejects garbage around big numbers with a syntax error and keeps earlier values', () => {
    const bad = ['[9223372036854775807,]', '[92233720368547758070x]', '{"a":1e400}', '[01234567890123456789]', '[1.e18]',
      '{"a":9223372036854775807 "b":1}', '[- 9223372036854775807]'];
    for (const b of bad) {
      const out = pushAll([enc.encode(`[9223372036854775807]${b}`)]);
      expect(out.values, b).toEqual([[9223372036854775807n]]);
      expect(out.error, b).toMatch(/^syntax error/);
    }
  });

  it('survives random garbage mixed with long digit runs (no throw, error or values)', () => {
    const prng = new Prng(11);
    const alphabet = '[]{}",:0123456789-.eE \\tn';
    for (let n = 0; n < 1000; n++) {
      let t = '[';
      const len = prng.nextU32() % 40;
      for (let i = 0; i < len; i++) t += alphabet[prng.nextU32() % alphabet.length];
      const bytes = enc.encode(t);
      const cut = prng.nextU32() % (bytes.length + 1);
      const f = new JsonFramer({ maxDepth: 50 });
      for (const c of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        const out = f.push(c);
        if (out.error) {
          expect(out.error.kind === 'syntax' || out.error.kind === 'too-deep').toBe(true);
          break;
        }
      }
    }
  });
});
