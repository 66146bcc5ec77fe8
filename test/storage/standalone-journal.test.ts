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

/**
 * Puts the records of journals `names` of the closed directory `dir` into LevelDB, one chunk per
 * journal (its frames verbatim, as keys.ts defines chunks), and deletes the files unless
 * `keepFiles`: what earlier versions did with every full journal, and what a crash between
 * the chunk and the deletion leaves.
 */
async function toLevel(dir: string, names: string[], keepFiles = false): Promise<void> {
  const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
  for (const name of names) {
    const bytes = readFileSync(join(dir, name));
    const frames = bytes.subarray(0, framesEnd(bytes));
    const firstSeq = frames.readUInt32LE(8) * 0x1_0000_0000 + frames.readUInt32LE(12);
    await db.put(chunkKey(firstSeq), frames, { sync: true });
    if (!keepFiles) rmSync(join(dir, name));
  }
  await db.close();
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
    // The journal is the log until a snapshot covers it: close() leaves it, and reopening reads it.
    expect(journals(dir)).toEqual([journalName(0)]);
    expect(await reopen(dir)).toEqual([rec(0)]);
    expect(journals(dir)).toEqual([journalName(0)]);
  });

  it('journals stay as the log across rotations and reopens until a snapshot covers them', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 3 });
    for (let i = 0; i < 7; i++) await store.append(rec(i), { durable: false });
    expect(journals(dir)).toEqual([0, 1, 2].map(journalName));
    expect(store.stats()).toMatchObject({ journalFiles: 3, levelBatches: 0 });
    await store.close();
    const opened = await StandaloneStore.open(dir, { journalMaxRecords: 3 });
    expect(ids(opened.records)).toEqual(range(0, 7));
    // Reopening adopts them as they are (zero pre-allocation after the last frame is no damage).
    expect(journals(dir)).toEqual([0, 1, 2].map(journalName));
    await opened.store.append(rec(7), { durable: true });
    expect(journals(dir)).toEqual([0, 1, 2, 3].map(journalName));
    const snap: StoredRecord = { T: { all: { n: 7 } } };
    await opened.store.compact(snap);
    // The snapshot covers every journal: all deleted; the next record begins journal 4.
    expect(journals(dir)).toEqual([]);
    await opened.store.append(rec(8), { durable: false });
    expect(journals(dir)).toEqual([journalName(4)]);
    await opened.store.close();
    const again = await reopen(dir);
    expect(again).toEqual([snap, rec(8)]);
  });

  it('closed journals left unsynced by plain commits are synced in one background round', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 2 });
    for (let i = 0; i < 7; i++) await store.append(rec(i), { durable: false });
    // Three closed journals, none synced: no sync round yet.
    expect(store.stats().journalSyncs).toBe(0);
    await store.append(rec(7), { durable: false });
    // The fourth closed journal starts one round, on the thread pool, for all of them.
    expect(store.stats().journalSyncs).toBe(1);
    for (let i = 8; i < 20; i++) await store.append(rec(i), { durable: false });
    await store.close();
    expect(ids(await reopen(dir))).toEqual(range(0, 20));
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
    // Padding is not damage: the journal goes on serving as the log.
    expect(journals(image)).toEqual([journalName(0)]);
    await opened.store.append(rec(5), { durable: true });
    await opened.store.close();
    expect(ids(await reopen(image))).toEqual(range(0, 6));
  });

  it('a torn older journal ends the log at the tear unless LevelDB or the next journal covers it', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 3 });
    await Promise.all([0, 1, 2].map((i) => store.append(rec(i), { durable: false })));
    await store.append(rec(3), { durable: false });
    await store.append(rec(4), { durable: false });
    await store.append(rec(5), { durable: false });
    await store.append(rec(6), { durable: false });
    await store.close();
    const image = crashImage(dir);
    await toLevel(image, [journalName(0), journalName(1)]); // LevelDB: records 1..6; journal 2: record 7
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

  it('recovers snapshot, LevelDB chunks and journals in order', async () => {
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
    await store.append(rec(120), { durable: false });
    const image = crashImage(dir);
    // Records in LevelDB chunks (as earlier versions moved journals there) and in journals.
    const all = journals(image);
    expect(all.length).toBeGreaterThanOrEqual(6);
    await toLevel(image, all.slice(0, 3));
    const recovered = await reopen(image);
    expect(recovered[0]).toEqual(snap);
    expect(ids(recovered.slice(1))).toEqual(range(25, 121));
    await store.close();
    expect(ids((await reopen(dir)).slice(1))).toEqual(range(25, 121));
  });

  it('a journal whose records LevelDB already holds (its deletion was lost) is skipped, and the rest repaired into LevelDB', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 10 });
    for (let i = 0; i < 10; i++) await store.append(rec(i), { durable: false });
    await store.append(rec(10), { durable: true });
    await store.close();
    expect(journals(dir)).toEqual([journalName(0), journalName(1)]);
    // Journal 0 reached LevelDB as a chunk, but its unlink did not reach the disk.
    await toLevel(dir, [journalName(0)], true);
    const opened = await StandaloneStore.open(dir);
    expect(ids(opened.records)).toEqual(range(0, 11));
    // Recovery skipped journal 0's records and moved journal 1's into LevelDB: no journal is left
    // for a later recovery to meet again.
    expect(journals(dir)).toEqual([]);
    await opened.store.append(rec(11), { durable: false });
    await opened.store.close();
    expect(ids(await reopen(dir))).toEqual(range(0, 12));
  });

  it('rejects a gap between LevelDB and the journals', async () => {
    const dir = newDir();
    const store = await StandaloneStore.create(dir, schema, { journalMaxRecords: 3 });
    for (let i = 0; i < 7; i++) await store.append(rec(i), { durable: false });
    await store.close();
    const image = crashImage(dir);
    await toLevel(image, [journalName(0), journalName(1)]);
    // Records 1..6 are in LevelDB chunks (1..3 and 4..6), record 7 in journal 2; drop chunk 4.
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
