/**
 * The journal of StandaloneStore on real files. A "crash image" is a copy of the database
 * directory taken while the store is open: exactly what a SIGKILL at that instant leaves on
 * disk (every write(2) done, nothing after it), so recovery can be tested deterministically.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREALLOC_STEP_BYTES } from '../../src/storage/journal-file.js';
import { encodeFrame } from '../../src/storage/journal-frame.js';
import { KEY_FORMAT, KEY_KIND, KEY_SCHEMA, chunkKey, journalName, logKey } from '../../src/storage/keys.js';
import { StandaloneStore, type StoredRecord } from '../../src/storage/standalone-db-store.js';

let root = '';
let n = 0;
const newDir = (): string => join(root, `db${n++}`);
const schema = { name: 'test', version: '1.0.0', tables: { T: { columns: { n: { type: 'integer' } } } } };
const rec = (i: number): StoredRecord => ({ T: { [`u${i}`]: { n: i } } });
const ids = (records: StoredRecord[]): number[] => records.map((r) => Number(Object.keys(r['T'] ?? {})[0]?.slice(1)));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const journals = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('journal-')).sort();

/** Polls `cond` every 5 ms for up to 5 s (journal moves run in the background). */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

/** Copies `dir` as a SIGKILL at this instant would leave it. */
function crashImage(dir: string): string {
  const image = newDir();
  cpSync(dir, image, { recursive: true });
  return image;
}

/** Length of a journal without the zeros pre-allocated after its last frame. */
function framesEnd(bytes: Buffer): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
}

async function reopen(dir: string): Promise<StoredRecord[]> {
  const { store, records } = await StandaloneStore.open(dir);
  await store.close();
  return records;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ovsdb-ts-journal-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('StandaloneStore journal', () => {
  it('an acknowledged plain append is in the journal file the moment it resolves', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    await store.append(rec(0), { durable: false });
    expect(journals(dir)).toEqual([journalName(0)]);
    expect(readFileSync(join(dir, journalName(0))).toString('latin1')).toContain('"u0"');
    expect(await reopen(crashImage(dir))).toEqual([rec(0)]);
    await store.close();
    // close() moved it into LevelDB and deleted the journal.
    expect(journals(dir)).toEqual([]);
  });

  it('drops a torn journal tail and continues the sequence after it', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    for (let i = 0; i < 5; i++) await store.append(rec(i), { durable: i === 2 });
    const image = crashImage(dir);
    await store.close();
    const file = join(image, journalName(0));
    // The file is pre-allocated with zeros (journal-file.ts): cut into the last frame itself.
    truncateSync(file, framesEnd(readFileSync(file)) - 3);
    const opened = await StandaloneStore.open(image);
    expect(ids(opened.records)).toEqual([0, 1, 2, 3]);
    expect(journals(image)).toEqual([]);
    await opened.store.append(rec(4), { durable: false });
    expect(opened.store.stats().lastSeq).toBe(5);
    await opened.store.close();
    expect(ids(await reopen(image))).toEqual([0, 1, 2, 3, 4]);
  });

  it('a crash leaves zeros pre-allocated after the last frame; recovery reads every record', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    for (let i = 0; i < 5; i++) await store.append(rec(i), { durable: i === 4 });
    const image = crashImage(dir);
    await store.close();
    const bytes = readFileSync(join(image, journalName(0)));
    expect(bytes.length).toBe(PREALLOC_STEP_BYTES);
    expect(framesEnd(bytes)).toBeLessThan(bytes.length);
    const opened = await StandaloneStore.open(image);
    expect(ids(opened.records)).toEqual(range(0, 5));
    expect(journals(image)).toEqual([]);
    await opened.store.append(rec(5), { durable: true });
    await opened.store.close();
    expect(ids(await reopen(image))).toEqual(range(0, 6));
  });

  it('a torn older journal ends the log at the tear unless LevelDB or the next journal covers it', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 3 });
    await Promise.all([0, 1, 2].map((i) => store.append(rec(i), { durable: false })));
    await waitFor(() => journals(dir).length === 0);
    await store.append(rec(3), { durable: false });
    await store.append(rec(4), { durable: false });
    await store.append(rec(5), { durable: false });
    await waitFor(() => journals(dir).length === 0);
    await store.append(rec(6), { durable: false });
    const image = crashImage(dir); // LevelDB: records 1..6; journal 2: record 7
    await store.close();
    const tear = (file: string): void => truncateSync(file, readFileSync(file).length - 1);
    // A journal of records 4..6, torn, next to journal 2: as if a power failure had torn it
    // after it reached LevelDB, before its deletion. Nothing is missing: the log continues.
    const stale = join(root, 'stale.osj');
    writeFileSync(stale, Buffer.concat([3, 4, 5].map((i) => encodeFrame(i + 1, JSON.stringify(rec(i))))));
    tear(stale);
    const covered = crashImage(image);
    cpSync(stale, join(covered, journalName(1)));
    expect(ids(await reopen(covered))).toEqual(range(0, 7));
    // Records 7..8 in a torn journal 2 followed by journal 3 holding record 9: record 8 was cut
    // off by the tear, so the log ends at 7 and journal 3 is dropped.
    const gap = crashImage(image);
    writeFileSync(join(gap, journalName(2)), Buffer.concat([6, 7].map((i) => encodeFrame(i + 1, JSON.stringify(rec(i))))));
    tear(join(gap, journalName(2)));
    writeFileSync(join(gap, journalName(3)), encodeFrame(9, JSON.stringify(rec(8))));
    expect(ids(await reopen(gap))).toEqual(range(0, 7));
    expect(journals(gap)).toEqual([]);
  });

  it('rejects a damaged record in the middle of a journal, naming the file', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    for (let i = 0; i < 3; i++) await store.append(rec(i), { durable: false });
    const image = crashImage(dir);
    await store.close();
    const file = join(image, journalName(0));
    const bytes = readFileSync(file);
    bytes[25] = (bytes[25] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    await expect(StandaloneStore.open(image)).rejects.toThrow(/corrupt journal .*journal-0000000000\.osj: bad record at byte 0 followed by a valid one/);
    // Nothing was changed by the failed open: the journal is still there.
    expect(journals(image)).toEqual([journalName(0)]);
  });

  it('recovers snapshot, LevelDB chunks and journals in order while journals rotate', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 10 });
    const snap: StoredRecord = { T: { snap: { n: -1 } } };
    await Promise.all(range(0, 25).map((i) => store.append(rec(i), { durable: i % 7 === 0 })));
    await store.compact(snap);
    // 16 concurrent appenders, mixed durability, across several rotations.
    let next = 25;
    await Promise.all(range(0, 16).map(async () => {
      while (next < 120) {
        const i = next++;
        await store.append(rec(i), { durable: i % 5 === 0 });
      }
    }));
    await waitFor(() => store.stats().levelBatches >= 5);
    await store.append(rec(120), { durable: false });
    const image = crashImage(dir);
    // The image has records in LevelDB chunks and in at least one journal.
    expect(journals(image).length).toBeGreaterThanOrEqual(1);
    const recovered = await reopen(image);
    expect(recovered[0]).toEqual(snap);
    expect(ids(recovered.slice(1))).toEqual(range(25, 121));
    await store.close();
    expect(ids((await reopen(dir)).slice(1))).toEqual(range(25, 121));
  });

  it('survives a crash while a journal moves into LevelDB, and a journal whose deletion was lost', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 10 });
    for (let i = 0; i < 9; i++) await store.append(rec(i), { durable: false });
    const tenth = store.append(rec(9), { durable: false });
    await new Promise((r) => setImmediate(r));
    // The 10th record was written and its journal retired; the move has not finished.
    const midMove = crashImage(dir);
    expect(journals(midMove)).toEqual([journalName(0)]);
    await tenth;
    await store.append(rec(10), { durable: true });
    await waitFor(() => !journals(dir).includes(journalName(0)));
    const afterMove = crashImage(dir);
    expect(journals(afterMove)).toEqual([journalName(1)]);
    await store.close();
    // Put the moved journal back as if its unlink had not reached the disk.
    cpSync(join(midMove, journalName(0)), join(afterMove, journalName(0)));
    expect(ids(await reopen(midMove))).toEqual(range(0, 10));
    expect(ids(await reopen(afterMove))).toEqual(range(0, 11));
  });

  it('rejects a gap between LevelDB and the journals', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 3 });
    for (let i = 0; i < 7; i++) await store.append(rec(i), { durable: false });
    await waitFor(() => journals(dir).length === 1);
    const image = crashImage(dir);
    await store.close();
    // Records 4..6 are in LevelDB chunks (1..3 and 4..6), record 7 in journal 2; drop chunk 4.
    const db = new Level<string, string>(image);
    await db.del(chunkKey(4));
    await db.close();
    await expect(StandaloneStore.open(image)).rejects.toThrow(/record 4 missing/);
  });

  it('holds appends made during replaceSchema until it is durable', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema);
    await store.append(rec(0), { durable: false });
    const replaced = store.replaceSchema({ ...schema, version: '2.0.0' }, { T: { all: { n: 0 } } });
    const later = store.append(rec(1), { durable: false });
    await new Promise((r) => setImmediate(r));
    const image = crashImage(dir);
    await Promise.all([replaced, later]);
    // close() right behind a replaceSchema still writes the appends it held.
    const replaced2 = store.replaceSchema({ ...schema, version: '3.0.0' }, { T: { all: { n: 1 } } });
    const held = store.append(rec(2), { durable: true });
    await store.close();
    await Promise.all([replaced2, held]);
    expect(await reopen(dir)).toEqual([{ T: { all: { n: 1 } } }, rec(2)]);
    // Whichever schema the image has, no record is replayed onto the wrong one.
    const { store: s, schemaJson, records } = await StandaloneStore.open(image);
    await s.close();
    if (schemaJson['version'] === '2.0.0') expect(records).toEqual([{ T: { all: { n: 0 } } }]);
    else expect(records).toEqual([rec(0)]);
  });

  it('reads a format-1 directory and upgrades it; refuses unknown formats', async () => {
    const dir = newDir();
    const db = new Level<string, string>(dir);
    await db.batch([
      { type: 'put', key: KEY_FORMAT, value: '1' },
      { type: 'put', key: KEY_KIND, value: 'standalone' },
      { type: 'put', key: KEY_SCHEMA, value: JSON.stringify(schema) },
      { type: 'put', key: logKey(1), value: JSON.stringify(rec(0)) },
      { type: 'put', key: logKey(2), value: JSON.stringify(rec(1)) },
    ]);
    await db.close();
    const opened = await StandaloneStore.open(dir);
    expect(opened.records).toEqual([rec(0), rec(1)]);
    await opened.store.append(rec(2), { durable: false });
    await opened.store.close();
    expect(ids(await reopen(dir))).toEqual([0, 1, 2]);
    const check = new Level<string, string>(dir);
    expect(await check.get(KEY_FORMAT)).toBe('2');
    // Compaction removes format-1 keys and chunks alike.
    await check.close();
    const again = await StandaloneStore.open(dir);
    await again.store.compact({ T: { c: { n: 0 } } });
    await again.store.close();
    const keys: string[] = [];
    const db2 = new Level<string, string>(dir);
    for await (const k of db2.keys()) keys.push(k);
    await db2.put(KEY_FORMAT, '3');
    await db2.close();
    expect(keys.filter((k) => k.startsWith('l:') || k.startsWith('c:'))).toEqual([]);
    await expect(StandaloneStore.open(dir)).rejects.toThrow(/unsupported database format version 3/);
  });
});
