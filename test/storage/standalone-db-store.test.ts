import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_FORMAT, KEY_SNAPSHOT, chunkKey, journalName, logKey, parseChunkKey, parseLogKey } from '../../src/storage/keys.js';
import { encodeFrame } from '../../src/storage/journal-frame.js';
import { StandaloneStore, type StoredRecord } from '../../src/storage/standalone-db-store.js';
import { transpileForChild } from './transpile-for-child.js';

let root = '';
let n = 0;
const newDir = (): string => join(root, `db${n++}`);
const schema = { name: 'test', version: '1.0.0', tables: { T: { columns: { n: { type: 'integer' } } } } };
const rec = (i: number): StoredRecord => ({ T: { [`u${i}`]: { n: i } } });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ovsdb-ts-store-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('log keys', () => {
  it('sort numerically and round-trip', () => {
    expect(logKey(9) < logKey(10)).toBe(true);
    expect(logKey(99_999) < logKey(100_000)).toBe(true);
    expect(parseLogKey(logKey(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['l:1', 'l:000000000000000x', 'm:0000000000000001', 'l:0000000000000000']) expect(parseLogKey(bad)).toBeUndefined();
    expect(parseChunkKey(chunkKey(42))).toBe(42);
    expect(chunkKey(9) < chunkKey(10)).toBe(true);
    for (const bad of ['c:1', 'l:0000000000000001', 'c:0000000000000000']) expect(parseChunkKey(bad)).toBeUndefined();
    expect(() => logKey(0)).toThrow();
    expect(() => logKey(1.5)).toThrow();
  });
});

describe('StandaloneStore', () => {
  it('write() reports progress in order: written, then synced for durable records', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    const reports: [number, number][] = [];
    let failure: Error | undefined;
    store.onProgress({ progress: (w, d) => reports.push([w, d]), failed: (e) => { failure = e; } });
    expect([store.write(rec(1), false), store.write(rec(2), true), store.write(rec(3), true)]).toEqual([1, 2, 3]);
    expect(reports).toEqual([]); // nothing is written before the event loop turns
    for (let i = 0; i < 200 && !reports.some(([, d]) => d >= 3); i++) await new Promise((r) => setTimeout(r, 5));
    // One write(2) for all three; two durable records share one sync in the thread pool.
    expect(reports[0]).toEqual([3, 0]);
    expect(reports.some(([w, d]) => w === 3 && d === 3)).toBe(true);
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i]?.[0]).toBeGreaterThanOrEqual(reports[i - 1]?.[0] ?? 0);
      expect(reports[i]?.[1]).toBeGreaterThanOrEqual(reports[i - 1]?.[1] ?? 0);
    }
    expect(store.stats().journalSyncs).toBe(1);
    await store.close();
    expect(failure).toBeUndefined();
    expect(() => store.write(rec(4), false)).toThrow(/closed/);
    const again = await StandaloneStore.open(dir);
    expect(again.records).toEqual([rec(1), rec(2), rec(3)]);
    await again.store.close();
  });

  it('syncs a lone durable record at once, in the same turn as its write', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    const reports: [number, number][] = [];
    store.onProgress({ progress: (w, d) => reports.push([w, d]), failed: () => undefined });
    store.write(rec(1), false);
    store.write(rec(2), true);
    await new Promise((r) => setImmediate(r));
    expect(reports).toEqual([[2, 2]]);
    expect(store.stats().journalSyncs).toBe(1);
    store.write(rec(3), false);
    await new Promise((r) => setImmediate(r));
    expect(reports.at(-1)).toEqual([3, 2]); // a plain record is not synced
    expect(store.stats().journalSyncs).toBe(1);
    await store.close();
  });

  it('creates, appends in order and replays on reopen', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(rec(i), { durable: i === 25 })));
    await store.append({ ...rec(50), _date: 1234, _comment: 'hi' }, { durable: false });
    expect(store.stats()).toMatchObject({ logRecords: 51, appends: 51, lastSeq: 51 });
    await store.close();
    await expect(store.append(rec(99), { durable: false })).rejects.toThrow(/closed/);
    const opened = await StandaloneStore.open(dir);
    expect(opened.schemaJson).toEqual(schema);
    expect(opened.records).toEqual([...Array.from({ length: 50 }, (_, i) => rec(i)), { ...rec(50), _date: 1234, _comment: 'hi' }]);
    // Appends continue the sequence.
    await opened.store.append(rec(51), { durable: false });
    expect(opened.store.stats().lastSeq).toBe(52);
    await opened.store.close();
    expect((await StandaloneStore.open(dir).then(async (o) => { await o.store.close(); return o.records; })).length).toBe(52);
  });

  it('refuses to create over an existing database and to open a missing or foreign one', async () => {
    const dir = newDir();
    const held = await StandaloneStore.create(dir, schema);
    // A database in use (LevelDB's LOCK file) cannot be opened a second time.
    await expect(StandaloneStore.open(dir)).rejects.toThrow(/cannot open database: .*lock/i);
    await held.close();
    await expect(StandaloneStore.create(dir, schema)).rejects.toThrow(/cannot create database/);
    await expect(StandaloneStore.open(newDir())).rejects.toThrow(/cannot open database/);
    const foreign = newDir();
    const db = new Level<string, string>(foreign);
    await db.put('x', 'y');
    await db.close();
    await expect(StandaloneStore.open(foreign)).rejects.toThrow(/not an ovsdb-ts database/);
    const future = newDir();
    await (await StandaloneStore.create(future, schema)).close();
    const f = new Level<string, string>(future);
    await f.put(KEY_FORMAT, '99');
    await f.close();
    await expect(StandaloneStore.open(future)).rejects.toThrow(/unsupported database format version 99/);
    const file = join(root, 'plain-file');
    writeFileSync(file, 'not a directory');
    await expect(StandaloneStore.open(file)).rejects.toThrow(/cannot open database/);
  });

  it('reports corrupt records instead of replaying garbage', async () => {
    const dir = newDir();
    const s = await StandaloneStore.create(dir, schema);
    await s.append(rec(0), { durable: false });
    await s.append(rec(1), { durable: false });
    await s.close();
    // The journal holds both records as frames; LevelDB chunks are journal frames verbatim (as
    // earlier versions, and recovery's repairs, leave the log): move them into one by hand.
    const journal = join(dir, journalName(0));
    const frames = [encodeFrame(1, JSON.stringify(rec(0))), encodeFrame(2, JSON.stringify(rec(1)))];
    expect(readFileSync(journal).subarray(0, Buffer.concat(frames).length)).toEqual(Buffer.concat(frames));
    rmSync(journal);
    const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    await db.put(chunkKey(1), Buffer.concat(frames));
    await db.close();
    const fine = await StandaloneStore.open(dir);
    expect(fine.records).toEqual([rec(0), rec(1)]);
    await fine.store.close();
    const db0 = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    await db0.put(chunkKey(1), Buffer.concat([frames[0] ?? Buffer.alloc(0), encodeFrame(2, '{"T":')]));
    await db0.close();
    await expect(StandaloneStore.open(dir)).rejects.toThrow(/log record 2 is not valid JSON/);
    const db1 = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    await db1.put(chunkKey(1), Buffer.concat(frames).subarray(0, 30));
    await db1.close();
    await expect(StandaloneStore.open(dir)).rejects.toThrow(/chunk c:0000000000000001 is damaged at byte 0/);
    const db2 = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    await db2.put(chunkKey(1), frames[0] ?? Buffer.alloc(0));
    await db2.put(chunkKey(3), encodeFrame(3, JSON.stringify(rec(2))));
    await db2.close();
    await expect(StandaloneStore.open(dir)).rejects.toThrow(/log record 2 missing/);
    const db3 = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    await db3.del(chunkKey(3));
    await db3.put('c:12', Buffer.from('{}'));
    await db3.close();
    await expect(StandaloneStore.open(dir)).rejects.toThrow(/bad chunk key/);
  });

  it('group commit: appends made while a batch is in flight share the next batch', async () => {
    const store = await StandaloneStore.create(newDir(), schema);
    // 100 appends in one turn: one batch.
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(rec(i), { durable: false })));
    expect(store.stats()).toMatchObject({ journalWrites: 1, journalSyncs: 0, levelBatches: 0, journalFiles: 1 });
    // One append is written; 50 more arrive while its sync is in flight; they go in one more.
    const first = store.append(rec(100), { durable: true });
    await new Promise((r) => setImmediate(r));
    expect(store.stats().journalWrites).toBe(2);
    const rest = Array.from({ length: 50 }, (_, i) => store.append(rec(101 + i), { durable: i === 10 }));
    await Promise.all([first, ...rest]);
    // Two more writes; the durable ones are covered by at most two fdatasync rounds.
    expect(store.stats()).toMatchObject({ journalWrites: 3, appends: 151 });
    expect(store.stats().journalSyncs).toBeGreaterThanOrEqual(1);
    expect(store.stats().journalSyncs).toBeLessThanOrEqual(2);
    await store.close();
  });

  it('group commit: 16 concurrent durable appenders share fsyncs and keep per-appender order', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; i < 20; i++) {
        const id = w * 1000 + i;
        await store.append(rec(id), { durable: true });
        order.push(id);
      }
    }));
    const st = store.stats();
    expect(st.appends).toBe(320);
    expect(st.journalSyncs).toBeGreaterThanOrEqual(20);
    expect(st.journalSyncs).toBeLessThan(320 / 4);
    await store.close();
    const { records, store: s2 } = await StandaloneStore.open(dir);
    await s2.close();
    const ids = records.map((r) => Number(Object.keys(r['T'] ?? {})[0]?.slice(1)));
    for (let w = 0; w < 16; w++) {
      const mine = ids.filter((id) => Math.floor(id / 1000) === w);
      expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => w * 1000 + i));
    }
  });

  it('compaction replaces the snapshot and drops covered log records atomically', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    for (let i = 0; i < 10; i++) await store.append(rec(i), { durable: false });
    // Records still queued when compact() is called are covered by the snapshot too.
    const queued = store.append(rec(10), { durable: false });
    const snap: StoredRecord = { T: { all: { n: 10 } } };
    await Promise.all([queued, store.compact(snap)]);
    expect(store.stats()).toMatchObject({ logRecords: 0, logBytes: 0, lastSeq: 11 });
    expect(store.stats().snapshotBytes).toBeGreaterThan(0);
    await store.append(rec(11), { durable: false });
    await store.append(rec(12), { durable: false });
    await store.close();
    const db = new Level<string, string>(dir);
    const keys: string[] = [];
    for await (const k of db.keys()) keys.push(k);
    await db.close();
    // The snapshot is in LevelDB; records 12 and 13 are in the journal begun after it, and the
    // journal the snapshot covers is gone.
    expect(keys.filter((k) => k.startsWith('l:') || k.startsWith('c:'))).toEqual([]);
    expect(keys).toContain(KEY_SNAPSHOT);
    expect(readdirSync(dir).filter((f) => f.startsWith('journal-'))).toEqual([journalName(1)]);
    const opened = await StandaloneStore.open(dir);
    expect(opened.records).toEqual([snap, rec(11), rec(12)]);
    // Compacting twice in a row and again after reopen works.
    await opened.store.compact({ T: { a: { n: 1 } } });
    await opened.store.compact({ T: { b: { n: 2 } } });
    await opened.store.close();
    const again = await StandaloneStore.open(dir);
    expect(again.records).toEqual([{ T: { b: { n: 2 } } }]);
    await again.store.replaceSchema({ ...schema, version: '2.0.0' }, { T: { c: { n: 3 } } });
    await again.store.close();
    const converted = await StandaloneStore.open(dir);
    await converted.store.close();
    expect(converted.schemaJson['version']).toBe('2.0.0');
    expect(converted.records).toEqual([{ T: { c: { n: 3 } } }]);
  });

  it.each([
    ['default journal size', []],
    ['a new journal every 50 records (kill lands around rotations)', ['50']],
  ])('after SIGKILL mid-way, every acknowledged append is found on reopen (%s)', async (_name, extraArgs) => {
    const out = join(root, `child${n}`);
    const env = transpileForChild(['src/base/json.ts', 'src/base/json-exact.ts', 'src/storage/keys.ts', 'src/storage/journal-frame.ts', 'src/storage/journal-file.ts', 'src/storage/journal-recovery.ts', 'src/storage/standalone-db-store.ts', 'test/storage/append-child.ts'], out);
    const dir = newDir();
    const child = spawn(process.execPath, [join(out, 'test/storage/append-child.js'), dir, ...extraArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Set<number>();
    let stderr = '';
    let buf = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child acked only ${acked.size} records in time: ${stderr}`)), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('ack ')) acked.add(Number(l.slice(4)));
        if (acked.size >= 3000 && child.exitCode === null && !child.killed) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => { clearTimeout(timer); resolve(); });
    });
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(3000);
    const { records, store } = await StandaloneStore.open(dir);
    await store.close();
    const found = new Set(records.map((r) => Number(Object.keys(r['T'] ?? {})[0]?.slice(4))));
    const lost = [...acked].filter((a) => !found.has(a));
    expect(lost).toEqual([]);
    // Records are unique and the log has no gap (open() checks contiguity of sequence numbers).
    expect(found.size).toBe(records.length);
  }, 30_000);
});
