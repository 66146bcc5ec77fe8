import { describe, expect, test } from 'vitest';
import { emptySnapshotMeta, RaftLog } from '../../src/raft/log.js';
import { entryId, logIndex, term, type EntryKind, type LogEntry } from '../../src/raft/types.js';

function e(index: number, t: number, kind: EntryKind = 'normal'): LogEntry {
  return { index: logIndex(index), term: term(t), id: entryId(`e${index}@${t}`), kind, data: new Uint8Array(10) };
}

function log(...terms: number[]): RaftLog {
  return new RaftLog(emptySnapshotMeta(1000), undefined, terms.map((t, k) => e(k + 1, t)), logIndex(0));
}

describe('RaftLog', () => {
  test('index arithmetic and terms', () => {
    const l = log(1, 1, 2);
    expect([l.firstIndex(), l.lastIndex(), l.lastTerm()]).toEqual([1, 3, 2]);
    expect(l.term(0)).toBe(0);
    expect(l.term(3)).toBe(2);
    expect(l.term(4)).toBeUndefined();
    expect(l.stable).toBe(3);
  });

  test('rejects a non-contiguous stored log', () => {
    expect(() => new RaftLog(emptySnapshotMeta(1000), undefined, [e(1, 1), e(3, 1)], logIndex(0))).toThrow(/contiguous/);
  });

  test('isUpToDate compares last term first, then length (§3.6.1)', () => {
    const l = log(1, 2, 2);
    expect(l.isUpToDate(logIndex(1), term(3))).toBe(true);
    expect(l.isUpToDate(logIndex(3), term(2))).toBe(true);
    expect(l.isUpToDate(logIndex(2), term(2))).toBe(false);
    expect(l.isUpToDate(logIndex(9), term(1))).toBe(false);
  });

  test('maybeAppend keeps matching entries and truncates at the first conflict', () => {
    const l = log(1, 1, 2, 2);
    expect(l.maybeAppend(logIndex(1), term(2), [e(2, 3)])).toBeUndefined();
    const r = l.maybeAppend(logIndex(1), term(1), [e(2, 1), e(3, 3)]);
    expect(r).toEqual({ last: 3, truncatedAt: 3 });
    expect(l.lastIndex()).toBe(3);
    expect(l.term(3)).toBe(3);
    expect(l.stable).toBe(2);
    expect(l.indexOfId(entryId('e4@2'))).toBeUndefined();
    expect(l.indexOfId(entryId('e3@3'))).toBe(3);
  });

  test('maybeAppend of entries already present changes nothing (duplicate message)', () => {
    const l = log(1, 1, 2, 2);
    expect(l.maybeAppend(logIndex(1), term(1), [e(2, 1), e(3, 2)])).toEqual({ last: 3 });
    expect(l.lastIndex()).toBe(4);
  });

  test('never truncates committed entries', () => {
    const l = log(1, 1, 2);
    l.commitTo(3);
    expect(() => l.maybeAppend(logIndex(2), term(1), [e(3, 5)])).toThrow(/committed/);
  });

  test('findConflictByTerm skips whole terms', () => {
    const l = log(1, 1, 3, 3, 5, 5, 5);
    expect(l.findConflictByTerm(logIndex(7), term(4))).toBe(4);
    expect(l.findConflictByTerm(logIndex(7), term(5))).toBe(7);
    expect(l.findConflictByTerm(logIndex(7), term(0))).toBe(0);
    expect(l.findConflictByTerm(logIndex(99), term(2))).toBe(2);
  });

  test('slice honours the byte budget but always returns one entry', () => {
    const l = log(1, 1, 1, 1);
    expect(l.slice(1, 5, 1)).toHaveLength(1);
    expect(l.slice(1, 5, 84)).toHaveLength(2);
    expect(l.slice(1, 5)).toHaveLength(4);
    expect(() => l.slice(0, 2)).toThrow(/range/);
  });

  test('unstable entries, stableTo with a term check, and nextApply bounded by stable', () => {
    const l = log(1);
    l.append([e(2, 2), e(3, 2)]);
    expect(l.unstableEntries().map((x) => x.index)).toEqual([2, 3]);
    l.commitTo(3);
    expect(l.nextApply().map((x) => x.index)).toEqual([1]);
    l.stableTo(logIndex(3), term(9));
    expect(l.stable).toBe(1);
    l.stableTo(logIndex(3), term(2));
    expect(l.stable).toBe(3);
    expect(l.nextApply().map((x) => x.index)).toEqual([1, 2, 3]);
  });

  test('compact drops the prefix; restore replaces everything', () => {
    const l = log(1, 1, 2, 2);
    l.commitTo(4);
    l.applied = logIndex(3);
    const meta = { ...emptySnapshotMeta(1000), index: logIndex(3), term: term(2) };
    expect(() => l.compact({ meta: { ...meta, index: logIndex(4) }, data: new Uint8Array() })).toThrow();
    l.compact({ meta, data: new Uint8Array([1]) });
    expect([l.firstIndex(), l.lastIndex(), l.term(3), l.term(2)]).toEqual([4, 4, 2, undefined]);
    expect(l.indexOfId(entryId('e1@1'))).toBeUndefined();
    l.restore({ meta: { ...meta, index: logIndex(10), term: term(4) }, data: new Uint8Array() });
    expect([l.firstIndex(), l.lastIndex(), l.committed, l.applied, l.stable]).toEqual([11, 10, 10, 10, 10]);
  });

  test('lastNormalId skips core entries and falls back to the snapshot', () => {
    const l = log(1);
    l.append([e(2, 1, 'noop'), e(3, 1, 'config')]);
    expect(l.lastNormalId()).toBe('e1@1');
    const empty = new RaftLog({ ...emptySnapshotMeta(1000), lastNormalId: entryId('x') }, undefined, [], logIndex(0));
    expect(empty.lastNormalId()).toBe('x');
  });
});
