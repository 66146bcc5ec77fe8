import { describe, expect, test } from 'vitest';
import { Inflights, Progress } from '../../src/raft/progress.js';
import { hasQuorum, majorityIndex, voteResult } from '../../src/raft/quorum.js';
import { logIndex, nodeId } from '../../src/raft/types.js';

describe('Inflights', () => {
  test('bounded by count', () => {
    const f = new Inflights(2, 0);
    f.add(1, 10);
    expect(f.full()).toBe(false);
    f.add(3, 10);
    expect(f.full()).toBe(true);
    f.freeLE(1);
    expect([f.count, f.bytes, f.full()]).toEqual([1, 10, false]);
    expect(() => f.add(2, 1)).toThrow(/grow/);
  });

  test('bounded by bytes (maxInflightBytes)', () => {
    const f = new Inflights(100, 50);
    f.add(1, 30);
    expect([f.full(), f.roomBytes()]).toEqual([false, 20]);
    f.add(2, 30);
    expect([f.full(), f.roomBytes()]).toEqual([true, 0]);
    f.freeFirst();
    expect([f.count, f.bytes]).toEqual([1, 30]);
    f.freeLE(100);
    expect([f.count, f.bytes]).toEqual([0, 0]);
    expect(new Inflights(1, 0).roomBytes()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Progress', () => {
  test('probe sends one append at a time; replicate pipelines until the window is full', () => {
    const p = new Progress(logIndex(5), 2, 0);
    expect(p.isPaused()).toBe(false);
    p.probeSent = true;
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(logIndex(4))).toBe(true);
    expect(p.isPaused()).toBe(false);
    p.becomeReplicate();
    expect(p.next).toBe(5);
    p.inflights.add(5, 1);
    p.inflights.add(6, 1);
    expect(p.isPaused()).toBe(true);
  });

  test('maybeDecrTo ignores stale rejections and uses the hint', () => {
    const p = new Progress(logIndex(10), 8, 0);
    expect(p.maybeDecrTo(logIndex(5), logIndex(2))).toBe(false); // not the probe we sent (prev 9)
    expect(p.maybeDecrTo(logIndex(9), logIndex(3))).toBe(true);
    expect(p.next).toBe(4);
    p.match = logIndex(5);
    p.becomeReplicate();
    expect(p.maybeDecrTo(logIndex(4), logIndex(0))).toBe(false); // below match: stale
    expect(p.maybeDecrTo(logIndex(7), logIndex(0))).toBe(true);
    expect(p.next).toBe(6);
  });

  test('snapshot state pauses appends and resumes after the snapshot', () => {
    const p = new Progress(logIndex(2), 8, 0);
    p.becomeSnapshot(logIndex(20));
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect([p.state, p.next]).toEqual(['probe', 21]);
  });
});

describe('quorum', () => {
  const [a, b, c] = [nodeId('a'), nodeId('b'), nodeId('c')];
  const v = [a, b, c, nodeId('d'), nodeId('e')];
  test('majorityIndex', () => {
    const m = new Map([['a', 9], ['b', 7], ['c', 7], ['d', 5], ['e', 2]]);
    expect(majorityIndex(v, (id) => m.get(id) ?? 0)).toBe(7);
    expect(majorityIndex(v.slice(0, 4), (id) => m.get(id) ?? 0)).toBe(7);
    expect(majorityIndex(v.slice(0, 2), (id) => m.get(id) ?? 0)).toBe(7);
    expect(majorityIndex([], () => 1)).toBe(0);
  });
  test('voteResult', () => {
    expect(voteResult(v, new Map([[a, true], [b, true]]))).toBe('pending');
    expect(voteResult(v, new Map([[a, true], [b, true], [c, true]]))).toBe('won');
    expect(voteResult(v, new Map([[a, false], [b, false], [c, false]]))).toBe('lost');
    expect(voteResult(v.slice(0, 1), new Map([[a, true]]))).toBe('won');
    expect(voteResult(v, new Map([[nodeId('x'), true], [nodeId('y'), true], [nodeId('z'), true]]))).toBe('pending');
  });
  test('hasQuorum', () => {
    expect(hasQuorum(v, (id) => id < 'c')).toBe(false);
    expect(hasQuorum(v, (id) => id <= 'c')).toBe(true);
  });
});
