/**
 * Tests of the differential harness itself: the raw client's stream splitter and big-integer
 * protection (they parse untrusted bytes), and the transcript normalisation rules.
 */
import { describe, expect, test } from 'vitest';
import { JsonSplitter, protectBigInts } from '../helpers/raw-client.js';
import { canonical, normaliseTranscript } from './normalise.js';
import type { TranscriptEntry } from './transcript.js';

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';
const V1 = 'aaaaaaaa-0000-0000-0000-000000000001';
const V2 = 'aaaaaaaa-0000-0000-0000-000000000002';

describe('JsonSplitter', () => {
  test('splits back-to-back values and values cut at any byte', () => {
    const text = '{"a":"}{\\"x"}[1,[2]]  {"b":{"c":"]"}}';
    for (let cut = 0; cut <= text.length; cut++) {
      const s = new JsonSplitter();
      const out = [...s.push(text.slice(0, cut)), ...s.push(text.slice(cut))];
      expect(out).toEqual(['{"a":"}{\\"x"}', '[1,[2]]', '{"b":{"c":"]"}}']);
    }
  });

  test('garbage never throws and yields only balanced texts', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = '{}[]"\\ab1,:';
    for (let i = 0; i < 200; i++) {
      const s = new JsonSplitter();
      const junk = Array.from({ length: 50 }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      for (const t of s.push(junk)) expect(['{', '['].includes(t[0] ?? '')).toBe(true);
    }
  });
});

describe('protectBigInts', () => {
  test('only long integer literals outside strings', () => {
    expect(protectBigInts('{"i":9223372036854775807,"s":"9223372036854775807","r":1.5e300,"n":-12,"m":-9223372036854775808}')).toBe(
      '{"i":"<int:9223372036854775807>","s":"9223372036854775807","r":1.5e300,"n":-12,"m":"<int:-9223372036854775808>"}',
    );
    expect(protectBigInts('["a\\"1234567890123456",1234567890123456.5]')).toBe('["a\\"1234567890123456",1234567890123456.5]');
  });
});

describe('normaliseTranscript', () => {
  const entry = (msg: unknown, method?: string): TranscriptEntry => (method === undefined ? { step: 0, conn: 0, msg } : { step: 0, conn: 0, msg, method });

  test('numbers insert results first, then other uuids; _version in its own namespace', () => {
    const update = { id: null, method: 'update', params: ['m', { T: { [U2]: { new: { _version: ['uuid', V2], r: ['uuid', U1] } }, [U1]: { new: { _version: ['uuid', V1] } } } }] };
    const reply = { id: 1, result: [{ uuid: ['uuid', U1] }, { uuid: ['uuid', U2] }], error: null };
    const a = normaliseTranscript([entry(update), entry(reply)]);
    expect(canonical(a[0]?.msg)).toBe(canonical({ id: null, method: 'update', params: ['m', { T: { '<1>': { new: { _version: ['uuid', '<v1>'], r: ['uuid', '<0>'] } }, '<0>': { new: { _version: ['uuid', '<v0>'] } } } }] }));
    expect(canonical(a[1]?.msg)).toBe(canonical({ id: 1, result: [{ uuid: ['uuid', '<0>'] }, { uuid: ['uuid', '<1>'] }], error: null }));
  });

  test('two servers differing only in uuids, key order and uuid-set order normalise equal', () => {
    const mk = (x: string, y: string, swap: boolean): TranscriptEntry[] => [
      entry({ id: 1, result: [{ uuid: ['uuid', x] }, { uuid: ['uuid', y] }], error: null }),
      entry({ id: 2, error: null, result: [{ rows: swap ? [{ s: ['set', [['uuid', y], ['uuid', x]]] }, { n: 1 }] : [{ n: 1 }, { s: ['set', [['uuid', x], ['uuid', y]]] }] }] }),
      entry({ id: 3, error: null, result: [`"wait" timed out after ${swap ? 81 : 80} ms`] }),
    ];
    const a = normaliseTranscript(mk(U1, U2, false));
    const b = normaliseTranscript(mk('33333333-3333-3333-3333-333333333333', '44444444-4444-4444-4444-444444444444', true));
    expect(canonical(a)).toBe(canonical(b));
  });

  test('a real difference survives normalisation', () => {
    const a = normaliseTranscript([entry({ id: 1, result: [{ details: 'x', error: 'constraint violation' }], error: null })]);
    const b = normaliseTranscript([entry({ id: 1, result: [{ details: 'x ', error: 'constraint violation' }], error: null })]);
    expect(canonical(a)).not.toBe(canonical(b));
    const c = normaliseTranscript([entry({ id: 1, result: ['Diff', 'Mini'], error: null }, 'list_dbs')]);
    const d = normaliseTranscript([entry({ id: 1, result: ['Mini', 'Diff'], error: null }, 'list_dbs')]);
    expect(canonical(c)).toBe(canonical(d));
    const e = normaliseTranscript([entry({ id: 1, result: [1, 2], error: null }, 'echo')]);
    const f = normaliseTranscript([entry({ id: 1, result: [2, 1], error: null }, 'echo')]);
    expect(canonical(e)).not.toBe(canonical(f));
  });
});
