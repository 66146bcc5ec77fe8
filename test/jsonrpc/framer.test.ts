import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Prng } from '../../src/base/prng.js';
import { JsonFramer, type FramerError } from '../../src/jsonrpc/framer.js';

const enc = new TextEncoder();

function feedAll(framer: JsonFramer, chunks: Uint8Array[]): { values: Json[]; error: FramerError | undefined } {
  const values: Json[] = [];
  for (const c of chunks) {
    const out = framer.push(c);
    values.push(...out.values);
    if (out.error) return { values, error: out.error };
  }
  return { values, error: undefined };
}

const SAMPLE: Json[] = [
  { id: 1, method: 'transact', params: ['Open_vSwitch', { op: 'insert', table: 'Bridge', row: { name: 'br-é€😀' } }] },
  { id: null, method: 'update', params: [null, { Bridge: { x: { new: { name: 'a"}{]["\\' } } } }] },
  [1, 2.5, -3e10, true, false, null, 'tab\there', '\u0000\u001f'],
  { id: 'str-id', result: { rows: [] }, error: null },
  {},
  [],
  { nested: [[[{ a: [{}] }]]] },
];

describe('JsonFramer', () => {
  it('splits back-to-back values with and without whitespace between them', () => {
    const text = SAMPLE.map((v, i) => JSON.stringify(v) + (i % 2 ? '' : ' \n\t\r')).join('');
    const f = new JsonFramer();
    const out = f.push(enc.encode(text));
    expect(out.error).toBeUndefined();
    expect(out.values).toEqual(SAMPLE);
    expect(f.midValue).toBe(false);
    expect(f.bufferedBytes).toBe(0);
  });

  it('gives the same values when the stream is split at every byte position', () => {
    const bytes = enc.encode(SAMPLE.map((v) => JSON.stringify(v)).join(''));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = feedAll(new JsonFramer(), [bytes.slice(0, cut), bytes.slice(cut)]);
      expect(r.error, `cut at ${cut}`).toBeUndefined();
      expect(r.values, `cut at ${cut}`).toEqual(SAMPLE);
    }
  });

  it('gives the same values when fed one byte at a time, including inside multi-byte UTF-8', () => {
    const bytes = enc.encode(SAMPLE.map((v) => JSON.stringify(v)).join(''));
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(feedAll(new JsonFramer(), chunks)).toEqual({ values: SAMPLE, error: undefined });
  });

  it('handles random chunkings of random messages (seeded)', () => {
    const rng = new Prng(7);
    const strings = ['', 'a', '"', '\\', '}{', '][', 'é', '€', '😀', '\\"', '\n'];
    const gen = (depth: number): Json => {
      const k = rng.int(0, depth > 3 ? 3 : 5);
      if (k === 0) return rng.int(-1000, 1000);
      if (k === 1) return Array.from({ length: rng.int(0, 3) }, () => rng.pick(strings)).join('');
      if (k === 2) return rng.pick([true, false, null]);
      if (k === 3) return rng.nextFloat();
      if (k === 4) return Array.from({ length: rng.int(0, 4) }, () => gen(depth + 1));
      const o: Record<string, Json> = {};
      for (let i = rng.int(0, 4); i > 0; i--) o[rng.pick(strings) + String(i)] = gen(depth + 1);
      return o;
    };
    for (let round = 0; round < 50; round++) {
      const msgs: Json[] = Array.from({ length: rng.int(1, 8) }, () => (rng.chance(0.5) ? [gen(1)] : { v: gen(1) }));
      const bytes = enc.encode(msgs.map((m) => JSON.stringify(m)).join(rng.pick(['', ' ', '\n'])));
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length;) {
        const len = rng.int(1, 9);
        chunks.push(bytes.slice(at, at + len));
        at += len;
      }
      expect(feedAll(new JsonFramer(), chunks)).toEqual({ values: msgs, error: undefined });
    }
  });

  it('keeps a truncated value pending and reports nothing yet', () => {
    const f = new JsonFramer();
    const out = f.push(enc.encode('{"id":1,"method":"echo","params":[1,2'));
    expect(out).toEqual({ values: [], error: undefined });
    expect(f.midValue).toBe(true);
    expect(f.bufferedBytes).toBe(37);
    expect(f.push(enc.encode(']}')).values).toEqual([{ id: 1, method: 'echo', params: [1, 2] }]);
    expect(f.bufferedBytes).toBe(0);
  });

  it('accepts a value of exactly maxMessageBytes and rejects one byte more, without buffering it', () => {
    const value = JSON.stringify({ pad: 'x'.repeat(100) });
    const limit = value.length;
    expect(new JsonFramer({ maxMessageBytes: limit }).push(enc.encode(value + value)).values).toHaveLength(2);
    const bigger = JSON.stringify({ pad: 'x'.repeat(101) });
    const f = new JsonFramer({ maxMessageBytes: limit });
    const out = f.push(enc.encode(value + bigger));
    expect(out.values).toHaveLength(1);
    expect(out.error?.kind).toBe('too-large');
    // Split across chunks too: the error comes as soon as the limit is passed.
    const g = new JsonFramer({ maxMessageBytes: 1000 });
    expect(g.push(enc.encode('["' + 'y'.repeat(990))).error).toBeUndefined();
    expect(g.bufferedBytes).toBe(992);
    const r = g.push(enc.encode('y'.repeat(100_000)));
    expect(r.error?.kind).toBe('too-large');
    expect(g.bufferedBytes).toBe(0);
  });

  it('rejects deep nesting at the limit without recursion (100k "[")', () => {
    const f = new JsonFramer({ maxDepth: 1000 });
    const out = f.push(enc.encode('['.repeat(100_000)));
    expect(out.error).toEqual({ kind: 'too-deep', limitDepth: 1000, message: 'input exceeds maximum nesting depth 1000' });
    const ok = new JsonFramer({ maxDepth: 1000 });
    expect(ok.push(enc.encode('['.repeat(1000) + ']'.repeat(1000))).values).toHaveLength(1);
    expect(new JsonFramer({ maxDepth: 1000 }).push(enc.encode('{"a":' + '['.repeat(1000))).error?.kind).toBe('too-deep');
  });

  it('does not count brackets inside strings towards depth', () => {
    const f = new JsonFramer({ maxDepth: 2 });
    expect(f.push(enc.encode(JSON.stringify({ s: '[[[[{{{{' }))).values).toEqual([{ s: '[[[[{{{{' }]);
  });

  it('reports invalid UTF-8 as a syntax error', () => {
    const bad = Uint8Array.of(...enc.encode('{"a":"'), 0xff, 0xfe, ...enc.encode('"}'));
    expect(new JsonFramer().push(bad).error).toEqual({ kind: 'syntax', message: 'syntax error: invalid UTF-8 in input' });
    const overlong = Uint8Array.of(...enc.encode('["'), 0xc0, 0xaf, ...enc.encode('"]'));
    expect(new JsonFramer().push(overlong).error?.kind).toBe('syntax');
  });

  it('parses runs of values in one chunk whether ASCII, non-ASCII or mixed, chunk after chunk', () => {
    const f = new JsonFramer();
    const ascii = ['{"a":1}', '[2]', '{"b":"x"}'];
    const wide = ['{"a":"é"}', '["€😀"]', '{"b":"x"}'];
    const expected: Json[] = [];
    for (let round = 0; round < 40; round++) {
      const texts = round % 7 === 3 ? wide : ascii;
      const out = f.push(enc.encode(texts.join(' ')));
      expect(out.error).toBeUndefined();
      expect(out.values).toEqual(texts.map((t) => JSON.parse(t) as Json));
      expected.push(...out.values);
    }
    expect(expected).toHaveLength(120);
  });

  it('delivers the values before invalid UTF-8 in the same chunk', () => {
    const bytes = Uint8Array.of(...enc.encode('{"a":1}["é"]'), ...enc.encode('["'), 0xff, ...enc.encode('"]{"b":2}'));
    const out = new JsonFramer().push(bytes);
    expect(out.values).toEqual([{ a: 1 }, ['é']]);
    expect(out.error?.message).toBe('syntax error: invalid UTF-8 in input');
  });

  it('reports malformed JSON, top-level scalars and mismatched brackets as syntax errors', () => {
    for (const text of ['[}', '{"a" 1}', '[1,]', '{a:1}', '1', '"s"', 'null', 'x{}', '[tru]', ']', '}']) {
      const out = new JsonFramer().push(enc.encode(text));
      expect(out.error?.kind, text).toBe('syntax');
      expect(out.values, text).toEqual([]);
    }
  });

  it('delivers values before the garbage, then stays failed', () => {
    const f = new JsonFramer();
    const out = f.push(enc.encode('{"ok":1} {"ok":2} oops {"ok":3}'));
    expect(out.values).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(out.error?.kind).toBe('syntax');
    expect(f.push(enc.encode('{"ok":4}'))).toEqual({ values: [], error: out.error });
  });

  it('never throws and stays bounded on random bytes (seeded)', () => {
    const rng = new Prng(42);
    let errors = 0;
    for (let round = 0; round < 300; round++) {
      const f = new JsonFramer({ maxMessageBytes: 4096, maxDepth: 64 });
      // Bias towards structural bytes so the scanner goes deep into its states.
      const alphabet = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x3a, 0x2c, 0x20, 0x31, 0x61, 0xc3, 0xa9, 0xff];
      for (let c = 0; c < 20; c++) {
        const chunk = Uint8Array.from({ length: rng.int(0, 300) }, () => (rng.chance(0.7) ? rng.pick(alphabet) : rng.int(0, 255)));
        const out = f.push(chunk);
        expect(f.bufferedBytes).toBeLessThanOrEqual(4096);
        if (out.error) {
          errors++;
          break;
        }
      }
    }
    expect(errors).toBeGreaterThan(250);
  });
});

describe('JsonFramer buffer ownership', () => {
  it('copies a pending tail, so the caller may overwrite its chunk', () => {
    const f = new JsonFramer();
    const chunk = Buffer.from('{"a":"xyz'); // Buffer#slice returns a view: the framer must copy
    expect(f.push(chunk).values).toEqual([]);
    chunk.fill(0x20);
    expect(f.push(enc.encode('"}')).values).toEqual([{ a: 'xyz' }]);
  });
});
