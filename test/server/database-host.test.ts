/**
 * The standalone host's ordering and durability contract (database-backend.ts), with a fake
 * store that reports records written or synced only when the test says so.
 */
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../src/base/json.js';
import { systemClock } from '../../src/base/clock.js';
import { parseSchema } from '../../src/ovsdb/index.js';
import { replay, StandaloneHost } from '../../src/server/database-host.js';
import { silentLogger, type DbStore } from '../../src/server/ports.js';
import { newUuid, TEST_SCHEMA } from './harness.js';

type Progress = Parameters<DbStore['onProgress']>[0];

class FakeStore implements DbStore {
  readonly appended: { record: JsonObject; durable: boolean }[] = [];
  readonly written: JsonObject[] = [];
  #listener: Progress | undefined;
  write(recordText: string, durable: boolean): number {
    this.appended.push({ record: JSON.parse(recordText) as JsonObject, durable });
    return this.appended.length;
  }
  onProgress(listener: Progress): void { this.#listener = listener; }
  /** Reports records up to `writtenSeq` written and up to `durableSeq` synced. */
  release(writtenSeq: number, durableSeq = 0): void {
    for (let i = this.written.length; i < writtenSeq; i++) this.written.push(this.appended[i]?.record ?? {});
    this.#listener?.progress(writtenSeq, durableSeq);
  }
  releaseAll(): void { this.release(this.appended.length, this.appended.length); }
  compact(): Promise<void> { return Promise.resolve(); }
  replaceSchema(): Promise<void> { return Promise.resolve(); }
  stats() { return { logRecords: this.appended.length, logBytes: 0 }; }
  close(): Promise<void> { return Promise.resolve(); }
}

function makeHost(store: DbStore, fsyncAlways = false): StandaloneHost {
  return new StandaloneHost({
    db: replay(parseSchema(TEST_SCHEMA), []), store, clock: systemClock, newUuid, logger: silentLogger, fsyncAlways,
    onFatal: (e) => { throw e; },
  });
}

const insertOp = (name: string): Json => ({ op: 'insert', table: 'A', row: { name } });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('StandaloneHost', () => {
  it('acknowledges nothing before its append resolves, in commit order, updates first', async () => {
    const store = new FakeStore();
    const host = makeHost(store);
    const events: string[] = [];
    host.onCommit((c) => host.afterPending(() => events.push(`update ${[...(c.changes.get('A')?.keys() ?? [])].length}`)));
    host.transact({ ops: [insertOp('a')], hasLock: () => false }, () => events.push('reply a'));
    host.transact({ ops: [insertOp('b')], hasLock: () => false }, () => events.push('reply b'));
    // The second transaction already sees the first (applied in memory at once).
    host.transact({ ops: [{ op: 'select', table: 'A', where: [], columns: ['name'] }], hasLock: () => false }, (r) => events.push(`select ${JSON.stringify(r)}`));
    await tick();
    expect(events).toEqual([]);
    expect(store.appended.length).toBe(2);
    store.release(1);
    await tick();
    expect(events).toEqual(['update 1', 'reply a']); // b is not written yet: it and the select wait
    store.release(2);
    await tick();
    expect(events).toEqual(['update 1', 'reply a', 'update 1', 'reply b', expect.stringMatching(/^select .*"a".*"b"|^select .*"b".*"a"/)]);
  });

  it('passes durability through: commit durable, --fsync=always, plain', async () => {
    const store = new FakeStore();
    const host = makeHost(store);
    host.transact({ ops: [insertOp('p')], hasLock: () => false }, () => undefined);
    host.transact({ ops: [insertOp('d'), { op: 'commit', durable: true }], hasLock: () => false }, () => undefined);
    expect(store.appended.map((a) => a.durable)).toEqual([false, true]);
    const always = new FakeStore();
    makeHost(always, true).transact({ ops: [insertOp('x')], hasLock: () => false }, () => undefined);
    expect(always.appended.map((a) => a.durable)).toEqual([true]);
  });

  it('holds a durable commit, and what follows it, until it is synced', async () => {
    const store = new FakeStore();
    const host = makeHost(store);
    const events: string[] = [];
    host.transact({ ops: [insertOp('p')], hasLock: () => false }, () => events.push('plain'));
    host.transact({ ops: [insertOp('d'), { op: 'commit', durable: true }], hasLock: () => false }, () => events.push('durable'));
    host.transact({ ops: [insertOp('q')], hasLock: () => false }, () => events.push('after'));
    store.release(3, 1);
    await tick();
    expect(events).toEqual(['plain']);
    store.release(3, 2);
    await tick();
    expect(events).toEqual(['plain', 'durable', 'after']);
  });

  it('rebuilds the same contents from its records', async () => {
    const store = new FakeStore();
    const host = makeHost(store);
    for (const n of ['r1', 'r2', 'r3']) host.transact({ ops: [insertOp(n)], hasLock: () => false }, () => undefined);
    host.transact({ ops: [{ op: 'delete', table: 'A', where: [['name', '==', 'r2']] }], hasLock: () => false }, () => undefined);
    store.releaseAll();
    await tick();
    const again = replay(parseSchema(TEST_SCHEMA), store.written);
    expect(again.contentHash()).toBe(host.engine.contentHash());
    expect([...again.table('A')?.values() ?? []].map((r) => r.columns.get('name')?.keys[0]).sort()).toEqual(['r1', 'r3']);
  });

  it('replays records that carry OVS metadata members', () => {
    const uuid = newUuid();
    const db = replay(parseSchema(TEST_SCHEMA), [{ _date: 1700000000000, _comment: 'c', A: { [uuid]: { name: 'meta', _version: ['uuid', newUuid()] } } }]);
    expect(db.getRow('A', uuid)?.columns.get('name')?.keys).toEqual(['meta']);
  });

  it('keeps a history for monitor_cond_since and forgets it after convert', async () => {
    const store = new FakeStore();
    const host = makeHost(store);
    const start = host.lastTxnId();
    host.transact({ ops: [insertOp('h1')], hasLock: () => false }, () => undefined);
    const mid = host.lastTxnId();
    host.transact({ ops: [insertOp('h2')], hasLock: () => false }, () => undefined);
    expect(host.changesSince(start)?.length).toBe(2);
    expect(host.changesSince(mid)?.length).toBe(1);
    expect(host.changesSince(host.lastTxnId())).toEqual([]);
    store.releaseAll();
    await host.convert(parseSchema({ ...TEST_SCHEMA, version: '2.0.0' }));
    expect(host.changesSince(mid)).toBeUndefined();
    expect(host.schema().version).toBe('2.0.0');
    expect(host.stats().rows).toBe(2);
  });
});
