import { describe, expect, test } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { checkLinearizable, type HistoryOp, type KvOp, type KvResult } from './checkers/linearizability.js';

const put = (key: string, value: string): KvOp => ({ kind: 'put', key, value });
const get = (key: string): KvOp => ({ kind: 'get', key });
const cas = (key: string, expected: string | null, value: string): KvOp => ({ kind: 'cas', key, expected, value });
const rPut: KvResult = { kind: 'put' };
const rGet = (value: string | null): KvResult => ({ kind: 'get', value });
const rCas = (ok: boolean): KvResult => ({ kind: 'cas', ok });

function op(clientId: number, o: KvOp, invokeTime: number, returnTime: number | undefined, result?: KvResult): HistoryOp {
  return { clientId, op: o, invokeTime, returnTime, result };
}

describe('linearizability checker (Wing–Gong with memoisation)', () => {
  test('accepts a sequential history', () => {
    const h = [op(1, put('x', 'a'), 0, 1, rPut), op(1, get('x'), 2, 3, rGet('a')), op(1, cas('x', 'a', 'b'), 4, 5, rCas(true)), op(1, get('x'), 6, 7, rGet('b'))];
    expect(checkLinearizable(h).kind).toBe('ok');
  });

  test('accepts a read that overlaps a write and sees either value', () => {
    const base = [op(1, put('x', 'a'), 0, 1, rPut), op(1, put('x', 'b'), 2, 10, rPut)];
    expect(checkLinearizable([...base, op(2, get('x'), 3, 4, rGet('a'))]).kind).toBe('ok');
    expect(checkLinearizable([...base, op(2, get('x'), 3, 4, rGet('b'))]).kind).toBe('ok');
  });

  test('rejects a stale read after a completed write', () => {
    const h = [op(1, put('x', 'a'), 0, 1, rPut), op(1, put('x', 'b'), 2, 3, rPut), op(2, get('x'), 4, 5, rGet('a'))];
    const v = checkLinearizable(h);
    expect(v.kind).toBe('violation');
    if (v.kind === 'violation') expect(v.key).toBe('x');
  });

  test('rejects a read of a value never written', () => {
    expect(checkLinearizable([op(1, get('x'), 0, 1, rGet('z'))]).kind).toBe('violation');
  });

  test('rejects two successful compare-and-sets from the same expected value', () => {
    const h = [op(1, put('x', 'a'), 0, 1, rPut), op(1, cas('x', 'a', 'b'), 2, 5, rCas(true)), op(2, cas('x', 'a', 'c'), 3, 6, rCas(true))];
    expect(checkLinearizable(h).kind).toBe('violation');
  });

  test('rejects reads that go back in time (new then old)', () => {
    const h = [op(1, put('x', 'a'), 0, 20, rPut), op(2, get('x'), 1, 2, rGet('a')), op(3, get('x'), 3, 4, rGet(null))];
    expect(checkLinearizable(h).kind).toBe('violation');
  });

  test('a pending write may or may not take effect', () => {
    const pending = op(1, put('x', 'a'), 0, undefined);
    expect(checkLinearizable([pending, op(2, get('x'), 5, 6, rGet(null))]).kind).toBe('ok');
    expect(checkLinearizable([pending, op(2, get('x'), 5, 6, rGet('a'))]).kind).toBe('ok');
    // But once seen it cannot be unseen.
    expect(checkLinearizable([pending, op(2, get('x'), 5, 6, rGet('a')), op(2, get('x'), 7, 8, rGet(null))]).kind).toBe('violation');
    // And it cannot take effect before it was invoked.
    expect(checkLinearizable([op(2, get('x'), 0, 1, rGet('a')), op(1, put('x', 'a'), 2, undefined)]).kind).toBe('violation');
  });

  test('fetch-and-increment: distinct values in real-time order, pending ones may count', () => {
    const inc = { kind: 'inc' as const, key: 'n' };
    const rInc = (value: string): KvResult => ({ kind: 'inc', value });
    expect(checkLinearizable([op(1, inc, 0, 3, rInc('2')), op(2, inc, 1, 2, rInc('1'))]).kind).toBe('ok');
    // A lost update: two increments both answered 1.
    expect(checkLinearizable([op(1, inc, 0, 3, rInc('1')), op(2, inc, 1, 2, rInc('1'))]).kind).toBe('violation');
    // Real time: the first to return must have the smaller value.
    expect(checkLinearizable([op(1, inc, 0, 1, rInc('2')), op(2, inc, 2, 3, rInc('1'))]).kind).toBe('violation');
    // A pending increment explains a gap.
    expect(checkLinearizable([op(1, inc, 0, undefined), op(2, inc, 1, 2, rInc('2'))]).kind).toBe('ok');
    expect(checkLinearizable([op(2, inc, 1, 2, rInc('2'))]).kind).toBe('violation');
  });

  test('keys are independent', () => {
    const h = [op(1, put('x', 'a'), 0, 1, rPut), op(2, put('y', 'b'), 0, 1, rPut), op(3, get('y'), 2, 3, rGet('b')), op(3, get('x'), 4, 5, rGet('a'))];
    expect(checkLinearizable(h).kind).toBe('ok');
    const bad = [...h, op(4, get('y'), 6, 7, rGet('a'))];
    const v = checkLinearizable(bad);
    expect(v.kind === 'violation' && v.key === 'y').toBe(true);
  });

  test('agrees with brute force on random small histories', () => {
    const prng = new Prng(7);
    let ok = 0;
    let bad = 0;
    for (let round = 0; round < 400; round++) {
      const h = randomHistory(prng, prng.int(1, 6));
      const expected = bruteForce(h);
      expect(checkLinearizable(h).kind).toBe(expected ? 'ok' : 'violation');
      if (expected) ok++;
      else bad++;
    }
    // The generator must produce both kinds, or this test proves little.
    expect(ok).toBeGreaterThan(50);
    expect(bad).toBeGreaterThan(50);
  });

  test('accepts long histories produced by a real sequential execution with overlap', () => {
    const prng = new Prng(11);
    for (let round = 0; round < 20; round++) {
      const h = linearizableHistory(prng, 200);
      expect(checkLinearizable(h).kind).toBe('ok');
    }
  });
});

/** Random ops with random intervals and random (often wrong) results. */
function randomHistory(prng: Prng, n: number): HistoryOp[] {
  const values = ['a', 'b', 'c'];
  const out: HistoryOp[] = [];
  for (let i = 0; i < n; i++) {
    const invoke = prng.int(0, 20) * 2;
    const pending = prng.chance(0.15);
    const ret = pending ? undefined : invoke + 1 + prng.int(0, 8) * 2;
    const kind = prng.pick(['put', 'get', 'cas'] as const);
    if (kind === 'put') out.push(op(i, put('k', prng.pick(values)), invoke, ret, pending ? undefined : rPut));
    else if (kind === 'get') out.push(op(i, get('k'), invoke, pending ? invoke + 1 : ret, rGet(prng.chance(0.2) ? null : prng.pick(values))));
    else out.push(op(i, cas('k', prng.chance(0.3) ? null : prng.pick(values), prng.pick(values)), invoke, ret, pending ? undefined : rCas(prng.chance(0.5))));
  }
  return out;
}

/** Tries every order consistent with real time. */
function bruteForce(h: readonly HistoryOp[]): boolean {
  const n = h.length;
  const used = new Array<boolean>(n).fill(false);
  const search = (state: string | null, done: number): boolean => {
    if (done === n) return true;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const a = h[i];
      if (a === undefined) continue;
      // a may go next only if no unused op returned before a was invoked.
      const blocked = h.some((b, j) => !used[j] && j !== i && b.returnTime !== undefined && b.returnTime < a.invokeTime);
      if (blocked) continue;
      let next: string | null | undefined;
      const r = a.result;
      if (a.op.kind === 'put') next = a.op.value;
      else if (a.op.kind === 'get') next = r?.kind === 'get' && r.value === state ? state : undefined;
      else if (a.op.kind === 'cas') {
        const m = state === a.op.expected;
        if (r === undefined) next = m ? a.op.value : state;
        else if (r.kind === 'cas') next = r.ok ? (m ? a.op.value : undefined) : m ? undefined : state;
      }
      if (next === undefined) continue;
      used[i] = true;
      if (search(next, done + 1)) return true;
      used[i] = false;
    }
    return false;
  };
  return search(null, 0);
}

/** Runs ops sequentially at random instants inside random intervals: always linearizable. */
function linearizableHistory(prng: Prng, n: number): HistoryOp[] {
  const state = new Map<string, string | null>();
  const out: HistoryOp[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const key = prng.pick(['x', 'y']);
    const cur = state.get(key) ?? null;
    const at = (t += 10);
    const invoke = at - prng.int(1, 40);
    const ret = at + prng.int(1, 40);
    const kind = prng.pick(['put', 'get', 'cas'] as const);
    if (kind === 'put') {
      state.set(key, `v${i}`);
      out.push(op(i % 5, put(key, `v${i}`), invoke, prng.chance(0.1) ? undefined : ret, rPut));
    } else if (kind === 'get') out.push(op(i % 5, get(key), invoke, ret, rGet(cur)));
    else {
      const expected = prng.chance(0.5) ? cur : 'nope';
      const okCas = cur === expected;
      if (okCas) state.set(key, `v${i}`);
      out.push(op(i % 5, cas(key, expected, `v${i}`), invoke, ret, rCas(okCas)));
    }
  }
  return out;
}
