import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Prng } from '../../src/base/prng.js';
import { JsonFramer, type FramerLimits } from '../../src/jsonrpc/framer.js';
import { numbersUnambiguous } from '../../src/jsonrpc/native-numbers.js';

/**
 * The framer takes a chunk holding exactly one small value without its byte scan (tryWhole).
 * These tests hold it to the scan: the same bytes fed whole and fed one byte at a time (which
 * never takes the fast path: a one-byte chunk is never a whole value) must give the same values,
 * the same numbers (-0, bigint) and the same error.
 */

const enc = new TextEncoder();

/** Values and error as text that tells -0 from 0 and a bigint from a number. */
function show(values: readonly Json[], error: string | undefined): string {
  const walk = (v: Json): unknown => {
    if (typeof v === 'bigint') return `bigint:${v}`;
    if (typeof v === 'number') return Object.is(v, -0) ? 'number:-0' : v;
    if (Array.isArray(v)) return (v as readonly Json[]).map(walk);
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[`key:${k}`] = walk(x);
      return o;
    }
    return v;
  };
  return JSON.stringify({ values: values.map(walk), error });
}

function feedChunks(chunks: readonly Uint8Array[], limits: Partial<FramerLimits> = {}): string {
  const f = new JsonFramer(limits);
  const values: Json[] = [];
  for (const c of chunks) {
    const error = f.feed(c, (v) => values.push(v));
    if (error) return show(values, error.message);
  }
  return show(values, undefined);
}

function whole(bytes: Uint8Array, limits: Partial<FramerLimits> = {}): string {
  return feedChunks([bytes], limits);
}

function byteByByte(bytes: Uint8Array, limits: Partial<FramerLimits> = {}): string {
  return feedChunks(Array.from(bytes, (b) => Uint8Array.of(b)), limits);
}

const NUMBER_CASES = [
  '[-0]', '[-0.0]', '[0]', '[-0,1e2]', '[1e2]', '[0e-99999999999]', '[1e-99999999999]', '[1e-400]', '[-1e-400]',
  '[1e-320]', '[1e400]', '[-1e400]', '[1.5e300]', '[9007199254740993]', '[9007199254740992]', '[9223372036854775807]',
  '[-9223372036854775808]', '[9223372036854775808]', '[12345678901234567890]', '[1.00000000000000000001]',
  '[123456789012345]', '[1234567890123456]', '[1.5]', '[0.1]', '[-2.5e-3]', '[1E5]', '[2.0]', '{"a":"3e4f","b":1}',
  '{"__proto__":{"x":1},"y":1e2}', '{"a":1,"a":2}', '{"a":1e0,"a":-0}', '[5e-324]', '[2.2250738585072014e-308]',
];

const GARBAGE_CASES = [
  '{}{}', '[1][2]', '{"a":1} {"b":2}', '{} }', '[}', '{]', '{"a" 1}', '[1,]', '{a:1}', '[tru]', '[01]', '[1.]', '[-]',
  '["\u0001"]', '[1e]', '{"a":"}"}x}', '[[]]]', '{"a":[}', '[9223372036854775807,]', '{"a":1e400,}', '[-0x]',
];

describe('JsonFramer whole-chunk fast path', () => {
  it('reads numbers exactly as the scan does (int64, -0, exponents, out of range)', () => {
    for (const text of NUMBER_CASES) {
      const bytes = enc.encode(text);
      expect(whole(bytes), text).toBe(byteByByte(bytes));
    }
    // Spot checks of what both give.
    expect(whole(enc.encode('[-0]'))).toBe(show([[-0]], undefined));
    expect(whole(enc.encode('[-0,1e2]'))).toBe(show([[0, 100]], undefined));
    expect(whole(enc.encode('[9223372036854775807]'))).toBe(show([[9223372036854775807n]], undefined));
    expect(whole(enc.encode('[0e-99999999999]'))).toMatch(/exponent outside valid range/);
    expect(whole(enc.encode('[1e-320]'))).toMatch(/number outside valid range/);
  });

  it('gives the scan\'s values and errors for garbage and for several values in one chunk', () => {
    for (const text of GARBAGE_CASES) {
      const bytes = enc.encode(text);
      expect(whole(bytes), text).toBe(byteByByte(bytes));
    }
    expect(whole(enc.encode('{"a":1} {"b":2}'))).toBe(show([{ a: 1 }, { b: 2 }], undefined));
    expect(whole(enc.encode('{} }'))).toMatch(/unexpected byte 0x7d/);
    expect(whole(enc.encode('[1,]'))).toMatch(/^\{"values":\[\],"error":"syntax error: /);
  });

  it('rejects invalid UTF-8, a BOM and raw bytes >= 0x80 in a whole chunk as the scan does', () => {
    const cases = [
      Uint8Array.of(0x5b, 0x22, 0xff, 0x22, 0x5d),
      Uint8Array.of(0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d),
      Uint8Array.of(0x5b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x5d), // an encoded surrogate
      Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d),
      enc.encode('["é€😀"]'),
    ];
    for (const bytes of cases) expect(whole(bytes)).toBe(byteByByte(bytes));
    expect(whole(cases[0] ?? new Uint8Array())).toMatch(/invalid UTF-8/);
    expect(whole(cases[4] ?? new Uint8Array())).toBe(show([['é€😀']], undefined));
  });

  it('keeps the depth and size limits for whole chunks', () => {
    const limits = { maxDepth: 3, maxMessageBytes: 40 };
    for (const text of ['[[[]]]', '[[[[]]]]', '[[[1]]]', '{"a":{"b":{"c":{}}}}', `["${'x'.repeat(37)}"]`, `["${'x'.repeat(38)}"]`]) {
      const bytes = enc.encode(text);
      expect(whole(bytes, limits), text).toBe(byteByByte(bytes, limits));
    }
    expect(whole(enc.encode('[[[[]]]]'), limits)).toMatch(/maximum nesting depth 3/);
    expect(whole(enc.encode(`["${'x'.repeat(38)}"]`), limits)).toMatch(/maximum size of 40 bytes/);
    // A generous depth limit: whole chunks up to the fast path's size cap, and past it.
    const deep = { maxDepth: 100_000 };
    const depthOf = (v: Json | undefined): number => {
      let d = 0;
      for (let x = v; Array.isArray(x); x = (x as readonly Json[])[0]) d++;
      return d;
    };
    for (const d of [2048, 2049, 5000]) {
      const bytes = enc.encode('['.repeat(d) + ']'.repeat(d));
      for (const chunks of [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))]) {
        const f = new JsonFramer(deep);
        const values: Json[] = [];
        for (const c of chunks) expect(f.feed(c, (v) => values.push(v))).toBeUndefined();
        expect(values.map(depthOf), `depth ${d}`).toEqual([d]);
      }
    }
  });

  it('matches the scan on random texts, whole and as random single-value and pipelined chunks (seeded)', () => {
    const rng = new Prng(5);
    const alphabet = ['[', ']', '{', '}', '"', '\\', ':', ',', ' ', '0', '1', '9', '-', '.', 'e', 'E', 'a', 'é', '"a":', '[1,2]', '1e5', '-0', '12345678901234567'];
    for (let round = 0; round < 3000; round++) {
      let t = rng.chance(0.5) ? '[' : '{"k":';
      for (let i = rng.int(0, 12); i > 0; i--) t += rng.pick(alphabet);
      t += rng.pick([']', '}', ']]', '}}', '"]', '"}']);
      const bytes = enc.encode(t);
      expect(whole(bytes, { maxDepth: 8 }), t).toBe(byteByByte(bytes, { maxDepth: 8 }));
    }
  });

  it('delivers a stream of whole-chunk messages, pipelined bursts in between, as the scan does', () => {
    const rng = new Prng(9);
    const msgs: string[] = [];
    for (let i = 0; i < 600; i++) {
      const n = rng.pick(['1', '0', '-0', '9007199254740993', '2.5', '1e3']);
      msgs.push(`{"id":${i},"method":"transact","params":["db",{"op":"insert","row":{"n":${n},"s":"${rng.pick(['a', 'é', '\\"', '3e4'])}"}}]}`);
    }
    // Runs of one message per chunk, then bursts of several per chunk, then split messages.
    const chunks: Uint8Array[] = [];
    let i = 0;
    while (i < msgs.length) {
      const mode = rng.int(0, 2);
      if (mode === 0) {
        for (let k = rng.int(1, 40); k > 0 && i < msgs.length; k--) chunks.push(enc.encode(msgs[i++] ?? ''));
      } else if (mode === 1) {
        const burst = msgs.slice(i, i + rng.int(2, 6));
        i += burst.length;
        chunks.push(enc.encode(burst.join('')));
      } else {
        const bytes = enc.encode(msgs[i++] ?? '');
        const cut = rng.int(1, bytes.length - 1);
        chunks.push(bytes.subarray(0, cut), bytes.subarray(cut));
      }
    }
    const all = enc.encode(msgs.join(''));
    const expected = byteByByte(all);
    expect(feedChunks(chunks)).toBe(expected);
    const parsed = JSON.parse(expected) as { values: unknown[]; error?: string };
    expect(parsed.error).toBeUndefined();
    expect(parsed.values).toHaveLength(600);
  });

  it('trusts JSON.parse only for nonzero safe integers and finite normal reals', () => {
    for (const ok of [1, -1, 9007199254740991, -9007199254740991, 1.5, -2.5e-300, 2.2250738585072014e-308, 'x', true, null, [], {}]) {
      expect(numbersUnambiguous([{ a: ok }]), String(ok)).toBe(true);
    }
    for (const bad of [0, -0, 9007199254740992, -9007199254740992, 1e300, Infinity, -Infinity, NaN, 5e-324, -1e-310]) {
      expect(numbersUnambiguous({ a: [1, { b: bad }] }), String(bad)).toBe(false);
    }
  });

  it('push and feed agree, and a failed framer stays failed', () => {
    const f = new JsonFramer();
    expect(f.push(enc.encode('{"a":1}'))).toEqual({ values: [{ a: 1 }], error: undefined });
    const out = f.push(enc.encode('[1,]'));
    expect(out.values).toEqual([]);
    expect(out.error?.kind).toBe('syntax');
    let delivered = 0;
    expect(f.feed(enc.encode('{"b":2}'), () => delivered++)).toBe(out.error);
    expect(delivered).toBe(0);
  });
});
