/**
 * The LogStore contract (src/raft/ports.ts), written once and run against every implementation
 * (log-store.test.ts): MemoryLogStore, the simulator's SimDisk and the on-disk RaftDiskStore.
 * Each case names the rule of the port comment it checks.
 */
import { describe, expect, test } from 'vitest';
import type { LogStore, PersistBatch } from '../../src/raft/ports.js';
import { entryId, logIndex, nodeId, term, type HardState, type LogEntry, type Snapshot } from '../../src/raft/types.js';

/** One store under test, with the hooks the suite needs from its implementation. */
export interface LogStoreSubject {
  /** The store under test (after reopen(), the reopened one). */
  readonly store: LogStore;
  /** Makes progress on writes in flight (sync a memory store, tick a simulated disk); may do nothing. */
  pump(): void;
  /** Simulates a crash losing every write whose done has not run; returns the store to read after. */
  crash?(): Promise<LogStore>;
  /** Closes and opens again (disk stores); returns the reopened store. */
  reopen?(): Promise<LogStore>;
  /** Releases everything (temp dirs). */
  dispose(): Promise<void>;
}

export interface LogStoreFactory {
  readonly name: string;
  /** Whether subjects implement crash() / reopen(); the cases needing them run only then. */
  readonly crashes: boolean;
  readonly reopens: boolean;
  create(): Promise<LogStoreSubject>;
}

export const entry = (i: number, t: number, tag = ''): LogEntry => ({
  index: logIndex(i), term: term(t), id: entryId(`e${i}.${t}${tag}`), kind: 'normal', data: new Uint8Array([i & 0xff, t & 0xff, 7]),
});
const entries = (from: number, to: number, t: number, tag = ''): LogEntry[] => {
  const out: LogEntry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, t, tag));
  return out;
};
const hs = (t: number, vote: string | null = null, commit = 0): HardState => ({ term: term(t), vote: vote === null ? null : nodeId(vote), commit: logIndex(commit) });
const snap = (index: number, t: number, data: number[] = [index, t]): Snapshot => ({
  meta: {
    index: logIndex(index), term: term(t), config: { voters: [nodeId('a'), nodeId('b')], learners: [] }, configIndex: logIndex(1),
    electionTimerMs: 1000, lastNormalId: entryId(`e${index}`),
  },
  data: new Uint8Array(data),
});
const ids = (s: LogStore): string[] => s.entries().map((e) => `${e.index}.${e.term}`);

/** Writes `batch` and waits for its done (pumping the subject); returns the error, if any. */
export async function writeAndWait(sub: LogStoreSubject, batch: PersistBatch): Promise<Error | undefined> {
  let result: { err: Error | undefined } | undefined;
  sub.store.write(batch, (err) => { result = { err }; });
  for (let spins = 0; result === undefined; spins++) {
    if (spins > 100_000) throw new Error('write never completed');
    sub.pump();
    if (result === undefined) await new Promise((r) => setImmediate(r));
  }
  return result.err;
}

/** Waits until `cond` holds, pumping the subject. */
async function until(sub: LogStoreSubject, cond: () => boolean): Promise<void> {
  for (let spins = 0; !cond(); spins++) {
    if (spins > 100_000) throw new Error('condition never held');
    sub.pump();
    if (!cond()) await new Promise((r) => setImmediate(r));
  }
}

/** The suite. */
export function logStoreContract(factory: LogStoreFactory): void {
  describe(`LogStore contract: ${factory.name}`, () => {
    const withStore = (fn: (sub: LogStoreSubject) => Promise<void>) => async (): Promise<void> => {
      const sub = await factory.create();
      try {
        await fn(sub);
        if (sub.reopen !== undefined) {
          // Every case, for a store that can reopen: what it showed is exactly what comes back.
          await writeAndWait(sub, { entries: [] });
          const before = { hardState: sub.store.hardState(), snapshot: sub.store.snapshot(), entries: [...sub.store.entries()] };
          const again = await sub.reopen();
          expect({ hardState: again.hardState(), snapshot: again.snapshot(), entries: [...again.entries()] }).toEqual(before);
        }
      } finally {
        await sub.dispose();
      }
    };

    test('a fresh store is empty', withStore(async ({ store }) => {
      expect(store.hardState()).toEqual(hs(0));
      expect(store.snapshot()).toBeUndefined();
      expect(store.entries()).toEqual([]);
    }));

    test('reads show a batch at once, before it is durable', withStore(async (sub) => {
      const done: number[] = [];
      sub.store.write({ entries: entries(1, 3, 1), hardState: hs(1, 'a') }, () => done.push(1));
      expect(ids(sub.store)).toEqual(['1.1', '2.1', '3.1']);
      expect(sub.store.hardState()).toEqual(hs(1, 'a'));
      await until(sub, () => done.length === 1);
      expect(sub.store.entries()).toEqual(entries(1, 3, 1));
    }));

    test('done callbacks run once each, in write order, for every kind of batch', withStore(async (sub) => {
      const done: number[] = [];
      const batches: PersistBatch[] = [
        { entries: entries(1, 2, 1) },
        { entries: [], hardState: hs(1) },
        { entries: [] },
        { entries: [], snapshot: snap(1, 1) },
        { entries: entries(3, 3, 1) },
        { entries: [] },
        { entries: entries(2, 2, 2), hardState: hs(2) },
      ];
      batches.forEach((b, k) => sub.store.write(b, (err) => { expect(err).toBeUndefined(); done.push(k); }));
      await until(sub, () => done.length === batches.length);
      await writeAndWait(sub, { entries: [] });
      expect(done).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(ids(sub.store)).toEqual(['2.2']);
    }));

    test('an append replaces every stored entry from its first index on, even past its end', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 5, 1) });
      await writeAndWait(sub, { entries: entries(3, 3, 2) });
      expect(ids(sub.store)).toEqual(['1.1', '2.1', '3.2']);
      await writeAndWait(sub, { entries: entries(4, 6, 2) });
      expect(ids(sub.store)).toEqual(['1.1', '2.1', '3.2', '4.2', '5.2', '6.2']);
      await writeAndWait(sub, { entries: entries(1, 1, 3) });
      expect(ids(sub.store)).toEqual(['1.3']);
    }));

    test('an append that leaves a gap throws, and changes nothing', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 2, 1), hardState: hs(1) });
      let called = false;
      expect(() => sub.store.write({ entries: entries(4, 5, 1), hardState: hs(9) }, () => { called = true; })).toThrow(/4/);
      expect(() => sub.store.write({ entries: [entry(3, 1), entry(5, 1)] }, () => { called = true; })).toThrow(/contiguous/);
      expect(ids(sub.store)).toEqual(['1.1', '2.1']);
      expect(sub.store.hardState()).toEqual(hs(1));
      await writeAndWait(sub, { entries: entries(3, 3, 1) });
      expect(called).toBe(false);
      expect(ids(sub.store)).toEqual(['1.1', '2.1', '3.1']);
    }));

    test('a snapshot matching a stored entry keeps the entries after it', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 5, 1) });
      await writeAndWait(sub, { entries: [], snapshot: snap(3, 1) });
      expect(sub.store.snapshot()).toEqual(snap(3, 1));
      expect(ids(sub.store)).toEqual(['4.1', '5.1']);
      // Matching the last entry leaves an empty log after it.
      await writeAndWait(sub, { entries: [], snapshot: snap(5, 1) });
      expect(sub.store.entries()).toEqual([]);
      await writeAndWait(sub, { entries: entries(6, 6, 1) });
      expect(ids(sub.store)).toEqual(['6.1']);
    }));

    test('a snapshot that matches no stored entry drops the whole log', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 5, 1) });
      await writeAndWait(sub, { entries: [], snapshot: snap(3, 2) }); // term differs
      expect(sub.store.entries()).toEqual([]);
      expect(sub.store.snapshot()?.meta.index).toBe(3);
      await writeAndWait(sub, { entries: entries(4, 4, 2) });
      await writeAndWait(sub, { entries: [], snapshot: snap(9, 3) }); // beyond the last entry
      expect(sub.store.entries()).toEqual([]);
      await writeAndWait(sub, { entries: entries(10, 11, 3) });
      expect(ids(sub.store)).toEqual(['10.3', '11.3']);
      // After a dropped log, the next append must start right after the snapshot.
      expect(() => sub.store.write({ entries: entries(13, 13, 3) }, () => undefined)).toThrow();
    }));

    test('a snapshot older than or equal to the stored one is ignored; the rest of its batch applies', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 6, 1) });
      await writeAndWait(sub, { entries: [], snapshot: snap(4, 1, [1, 2, 3]) });
      await writeAndWait(sub, { entries: [], snapshot: snap(2, 1, [9]), hardState: hs(5) });
      expect(sub.store.snapshot()).toEqual(snap(4, 1, [1, 2, 3]));
      expect(ids(sub.store)).toEqual(['5.1', '6.1']);
      expect(sub.store.hardState()).toEqual(hs(5));
      await writeAndWait(sub, { entries: entries(7, 7, 1), snapshot: snap(4, 1, [8, 8]) });
      expect(sub.store.snapshot()).toEqual(snap(4, 1, [1, 2, 3]));
      expect(ids(sub.store)).toEqual(['5.1', '6.1', '7.1']);
    }));

    test('entries at or below the snapshot index are skipped', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 6, 1) });
      await writeAndWait(sub, { entries: [], snapshot: snap(4, 1) });
      // Entirely covered: the log is unchanged (no truncation).
      await writeAndWait(sub, { entries: entries(2, 4, 1) });
      expect(ids(sub.store)).toEqual(['5.1', '6.1']);
      // Partly covered: the rest applies from snapshot index + 1, truncating after it.
      await writeAndWait(sub, { entries: entries(3, 5, 1, 'x') });
      expect(sub.store.entries().map((e) => e.id)).toEqual(['e5.1x']);
    }));

    test('a batch applies snapshot, then entries, then hard state', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 3, 1) });
      await writeAndWait(sub, { snapshot: snap(8, 2), entries: entries(5, 10, 2), hardState: hs(2, 'b', 8) });
      expect(sub.store.snapshot()?.meta.index).toBe(8);
      expect(ids(sub.store)).toEqual(['9.2', '10.2']);
      expect(sub.store.hardState()).toEqual(hs(2, 'b', 8));
    }));

    test('a hard state alone replaces the stored one and leaves snapshot and log alone', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 3, 1), snapshot: snap(1, 1), hardState: hs(1, 'a', 1) });
      await writeAndWait(sub, { entries: [], hardState: hs(2, null, 0) });
      expect(sub.store.hardState()).toEqual(hs(2, null, 0));
      expect(sub.store.snapshot()).toEqual(snap(1, 1));
      expect(ids(sub.store)).toEqual(['2.1', '3.1']);
    }));

    test('an empty batch changes nothing and completes', withStore(async (sub) => {
      await writeAndWait(sub, { entries: entries(1, 2, 1), hardState: hs(1) });
      expect(await writeAndWait(sub, { entries: [] })).toBeUndefined();
      expect(ids(sub.store)).toEqual(['1.1', '2.1']);
      expect(sub.store.hardState()).toEqual(hs(1));
    }));

    test('entry kinds, ids and data come back as written', withStore(async (sub) => {
      const es: LogEntry[] = [
        { index: logIndex(1), term: term(1), id: entryId('raft:1:1'), kind: 'config', data: new Uint8Array([1, 2]) },
        { index: logIndex(2), term: term(1), id: entryId('raft:1:2'), kind: 'noop', data: new Uint8Array() },
        { index: logIndex(3), term: term(1), id: entryId('raft:1:3'), kind: 'electionTimer', data: new Uint8Array([0xff]) },
        { index: logIndex(4), term: term(2 ** 40), id: entryId('ü-id'), kind: 'normal', data: new Uint8Array(3000).fill(5) },
      ];
      await writeAndWait(sub, { entries: es });
      expect(sub.store.entries()).toEqual(es);
    }));

    // Registered only for stores that can crash or reopen (not skipped: CI runs no skipped test).
    if (factory.crashes) test('survives a crash: every acknowledged batch, then a prefix of the rest', withStore(async (sub) => {
      if (sub.crash === undefined) throw new Error('factory says it crashes, subject has no crash()');
      await writeAndWait(sub, { entries: entries(1, 2, 1), hardState: hs(1, 'a') });
      sub.store.write({ entries: entries(3, 4, 1), hardState: hs(2) }, () => undefined);
      sub.store.write({ entries: entries(5, 5, 1) }, () => undefined);
      const after = await sub.crash();
      const got = ids(after);
      expect(got.slice(0, 2)).toEqual(['1.1', '2.1']);
      expect([['1.1', '2.1'], ['1.1', '2.1', '3.1', '4.1'], ['1.1', '2.1', '3.1', '4.1', '5.1']]).toContainEqual(got);
      expect(after.hardState()).toEqual(got.length === 2 ? hs(1, 'a') : hs(2));
    }));

    if (factory.reopens) test('reopening after close shows exactly what was written', withStore(async (sub) => {
      if (sub.reopen === undefined) throw new Error('factory says it reopens, subject has no reopen()');
      await writeAndWait(sub, { entries: entries(1, 6, 1), hardState: hs(1, 'a', 2) });
      await writeAndWait(sub, { entries: [], snapshot: snap(3, 1, Array.from({ length: 5000 }, (_, k) => k & 0xff)) });
      await writeAndWait(sub, { entries: entries(6, 7, 2), hardState: hs(2, 'b', 5) });
      const before = { hs: sub.store.hardState(), snap: sub.store.snapshot(), entries: [...sub.store.entries()] };
      const again = await sub.reopen();
      expect(again.hardState()).toEqual(before.hs);
      expect(again.snapshot()).toEqual(before.snap);
      expect(again.entries()).toEqual(before.entries);
      expect(ids(again)).toEqual(['4.1', '5.1', '6.2', '7.2']);
      // A snapshot dropping the log, then reopen again.
      expect(sub.store).toBe(again);
      await writeAndWait(sub, { entries: [], snapshot: snap(6, 3) }); // term differs from 6.2
      const third = await sub.reopen();
      expect(third.entries()).toEqual([]);
      expect(third.snapshot()).toEqual(snap(6, 3));
    }));
  });
}
