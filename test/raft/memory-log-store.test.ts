import { describe, expect, test } from 'vitest';
import { emptySnapshotMeta } from '../../src/raft/log.js';
import { MemoryLogStore } from '../../src/raft/index.js';
import { entryId, logIndex, term, type LogEntry } from '../../src/raft/types.js';

const e = (i: number, t: number): LogEntry => ({ index: logIndex(i), term: term(t), id: entryId(`e${i}`), kind: 'normal', data: new Uint8Array() });
const hs = (t: number) => ({ term: term(t), vote: null, commit: logIndex(0) });

describe('MemoryLogStore', () => {
  test('writes are visible at once, durable at sync, and callbacks run in order', () => {
    const s = new MemoryLogStore();
    const done: number[] = [];
    s.write({ entries: [e(1, 1), e(2, 1)], hardState: hs(1) }, () => done.push(1));
    s.write({ entries: [e(2, 2)] }, () => done.push(2));
    expect(s.entries().map((x) => x.term)).toEqual([1, 2]);
    expect(done).toEqual([]);
    expect(s.pendingWrites).toBe(2);
    s.sync();
    expect(done).toEqual([1, 2]);
  });

  test('crash loses unsynced writes, or keeps a prefix of them', () => {
    const s = new MemoryLogStore();
    s.write({ entries: [e(1, 1)], hardState: hs(1) }, () => {});
    s.syncOne();
    s.write({ entries: [e(2, 1)] }, () => {});
    s.write({ entries: [e(3, 1)], hardState: hs(5) }, () => {});
    s.crash(1);
    expect(s.entries().map((x) => x.index)).toEqual([1, 2]);
    expect(s.hardState().term).toBe(1);
    expect(s.pendingWrites).toBe(0);
  });

  test('a snapshot keeps the matching suffix, or drops the whole log', () => {
    const s = new MemoryLogStore({ autoSync: true });
    s.write({ entries: [e(1, 1), e(2, 1), e(3, 1)] }, () => {});
    const meta = { ...emptySnapshotMeta(1000), index: logIndex(2), term: term(1) };
    s.write({ entries: [], snapshot: { meta, data: new Uint8Array([7]) } }, () => {});
    expect(s.entries().map((x) => x.index)).toEqual([3]);
    s.write({ entries: [], snapshot: { meta: { ...meta, index: logIndex(9), term: term(4) }, data: new Uint8Array() } }, () => {});
    expect(s.entries()).toEqual([]);
    expect(s.snapshot()?.meta.index).toBe(9);
  });

  test('refuses an append that leaves a gap', () => {
    const s = new MemoryLogStore();
    expect(() => s.write({ entries: [e(3, 1)] }, () => {})).toThrow(/does not fit/);
  });
});
