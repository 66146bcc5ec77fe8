/**
 * RaftDiskStore beyond the LogStore contract (test/contract): crash safety with a real process
 * killed mid-stream, a torn last journal frame, damage refused with a clear message, the
 * journal's own cases (truncation across restarts, checkpoints deleting journals and a crash
 * between the two, format-1 directories), group commit, big snapshots in pieces, directory
 * kinds, metadata and read-only opening.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { entryId, logIndex, term, type LogEntry, type Snapshot } from '../../src/raft/types.js';
import { RaftDiskStore, type ClusterMeta } from '../../src/storage/raft-disk-store.js';
import { FRAME_HEADER_BYTES, decodeFrames } from '../../src/storage/journal-frame.js';
import { encodeEntry } from '../../src/storage/raft-values.js';
import { StandaloneStore } from '../../src/storage/standalone-db-store.js';
import { childEntry } from './raft-append-child.js';
import { transpileForChild } from './transpile-for-child.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'raft-disk-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = (): string => join(root, `db${n++}`);

const meta: ClusterMeta = { name: 'db', cid: '6b1f0c2a-3d4e-4f50-9a8b-7c6d5e4f3a2b', sid: '0f9a1c4e-2b3d-4e5f-8a9b-0c1d2e3f4a5b', local: 'tcp:127.0.0.1:6641', remotes: [] };
const entry = (i: number, t = 1): LogEntry => ({ index: logIndex(i), term: term(t), id: entryId(`e${i}`), kind: 'normal', data: new Uint8Array([i & 0xff]) });
const snapshotOf = (index: number, data: Uint8Array): Snapshot => ({
  meta: { index: logIndex(index), term: term(1), config: { voters: [], learners: [] }, configIndex: logIndex(0), electionTimerMs: 1000, lastNormalId: null },
  data,
});
const write = (store: RaftDiskStore, batch: Parameters<RaftDiskStore['write']>[0]): Promise<void> =>
  new Promise((resolve, reject) => store.write(batch, (err) => (err ? reject(err) : resolve())));
const RESTORE = 'restore this member from another: remove the directory and join it again with `ovsdb-ts tool join-cluster`';
/** Words of LevelDB's own errors that must never reach an operator. */
const LEVELDB_WORDING = /leveldb|LEVEL_|IO error|Corruption:|\.ldb|\.sst|MANIFEST|CURRENT|LOCK/i;

/** A directory holding entries 1..count (closed). */
async function dirWith(count: number, extra?: (s: RaftDiskStore) => Promise<void>): Promise<string> {
  const dir = newDir();
  await RaftDiskStore.create(dir, meta);
  const store = await RaftDiskStore.open(dir);
  await write(store, { entries: Array.from({ length: count }, (_, k) => entry(k + 1)), hardState: { term: term(1), vote: null, commit: logIndex(1) } });
  await extra?.(store);
  await store.close();
  return dir;
}

/** A directory holding a snapshot at 1 and entries 2..count in LevelDB (a checkpoint), closed. */
function checkpointed(count: number): Promise<string> {
  return dirWith(count, (s) => write(s, { entries: [], snapshot: snapshotOf(1, new Uint8Array([1])) }));
}

/** The Raft journal files of `dir`, oldest first. */
function journals(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^raft-journal-[0-9]{10}\.osj$/.test(f)).sort().map((f) => join(dir, f));
}

/** Byte ranges of the frames of a journal file. */
function frameSpans(path: string): { start: number; end: number }[] {
  const buf = readFileSync(path);
  return decodeFrames(buf, path).frames.map((f) => ({ start: f.payload.byteOffset - buf.byteOffset - FRAME_HEADER_BYTES, end: f.payload.byteOffset - buf.byteOffset + f.payload.length }));
}

/** Opens `dir` as raw LevelDB, runs `fn`, closes. */
async function raw(dir: string, fn: (db: Level<string, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

async function openError(dir: string): Promise<Error> {
  try {
    const s = await RaftDiskStore.open(dir);
    await s.close();
  } catch (e) {
    if (e instanceof Error) return e;
  }
  throw new Error('open succeeded');
}

/**
 * The repo files the child needs: its entry and every file reachable through relative imports
 * (found by reading them, so the list follows the code as it changes).
 */
function childFiles(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)\.js['"]/gm)) {
      visit(join(dirname(file), `${m[1] ?? ''}.ts`));
    }
  };
  visit(entry);
  return [...seen];
}

/** Runs the child; resolves when it exits, after `onAck` saw every "ack N". */
function runChild(args: string[], onAck: (i: number, kill: () => void) => void): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const out = join(root, `child${n++}`);
  const env = transpileForChild(childFiles('test/storage/raft-append-child.ts'), out);
  const child = spawn(process.execPath, [join(out, 'test/storage/raft-append-child.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let buf = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('ack ')) onAck(Number(l.slice(4)), () => child.kill('SIGKILL'));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  return new Promise((resolve) => child.once('exit', (code, signal) => {
    clearTimeout(timer);
    resolve({ signal, code, stderr });
  }));
}

describe('RaftDiskStore crash safety', () => {
  it('after SIGKILL mid-stream, every acknowledged batch is there and what is there is a prefix of what was written', async () => {
    const dir = newDir();
    const acked = new Set<number>();
    const exit = await runChild([dir, 'stream'], (i, kill) => {
      acked.add(i);
      if (acked.size === 3000) kill();
    });
    expect(exit.signal, exit.stderr).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(3000);
    const progress: string[] = [];
    const store = await RaftDiskStore.open(dir, { onProgress: (m) => progress.push(m) });
    const snapIndex = store.snapshot()?.meta.index ?? 0;
    const es = store.entries();
    const last = snapIndex + es.length;
    await store.close();
    // Acknowledged batches all survive (an entry at or below the snapshot index is in the snapshot).
    const lost = [...acked].filter((i) => i > last);
    expect(lost).toEqual([]);
    expect(snapIndex).toBeGreaterThanOrEqual(200); // at least one compaction happened before the kill
    // What is there is exactly what was written at those indexes, contiguous (a prefix).
    es.forEach((e, k) => expect(e).toEqual(childEntry(snapIndex + 1 + k)));
    expect(store.hardState().commit).toBe(last - 1);
  }, 40_000);

  it('drops a torn last journal frame: the last batch is gone, the rest intact, and the damage is rewritten away', async () => {
    const dir = newDir();
    const exit = await runChild([dir, 'count', '50'], () => undefined);
    expect(exit.code, exit.stderr).toBe(0);
    const [file, ...others] = journals(dir);
    expect(others).toEqual([]);
    const frames = frameSpans(file as string);
    expect(frames.length).toBe(50);
    const last = frames.at(-1) as { start: number; end: number };
    // A write cut short by a power failure: the frame's last bytes never reached the disk.
    const buf = readFileSync(file as string);
    buf.fill(0x5a, last.end - 10, last.end);
    writeFileSync(file as string, buf);
    const progress: string[] = [];
    const store = await RaftDiskStore.open(dir, { onProgress: (m) => progress.push(m) });
    expect(progress.join('\n')).toMatch(/dropped a torn tail of the journal/);
    expect(store.entries().map((e) => e.index)).toEqual(Array.from({ length: 49 }, (_, k) => k + 1));
    expect(store.entries().at(-1)).toEqual(childEntry(49));
    expect(store.hardState().commit).toBe(48);
    // The damaged journal is gone (its records are in LevelDB now), and it goes on from there.
    expect(journals(dir)).toEqual([]);
    await write(store, { entries: [childEntry(50)] });
    await store.close();
    const again = await RaftDiskStore.open(dir);
    expect(again.entries().map((e) => e.index)).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
    await again.close();
  }, 40_000);

  it('drops the pieces of a snapshot write a crash interrupted, and says so', async () => {
    const dir = await dirWith(5);
    await raw(dir, async (db) => {
      await db.put('r:sd:0000000000000077:00000000', new Uint8Array([1, 2, 3]));
      await db.put('r:sd:0000000000000077:00000001', new Uint8Array([4]));
    });
    const progress: string[] = [];
    const store = await RaftDiskStore.open(dir, { onProgress: (m) => progress.push(m) });
    expect(progress.join('\n')).toMatch(/dropping the pieces of 1 snapshot write/);
    expect(store.entries().map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    // The next snapshot gets a fresh id and reads back whole.
    await write(store, { entries: [], snapshot: snapshotOf(3, new Uint8Array([9, 9])) });
    await store.close();
    await raw(dir, async (db) => {
      const keys: string[] = [];
      for await (const k of db.keys({ gte: 'r:sd:', lt: 'r:sd;' })) keys.push(k);
      expect(keys).toEqual(['r:sd:0000000000000078:00000000']);
    });
    const again = await RaftDiskStore.open(dir);
    expect(again.snapshot()?.data).toEqual(new Uint8Array([9, 9]));
    expect(again.entries().map((e) => e.index)).toEqual([4, 5]);
    await again.close();
  });
});

describe('RaftDiskStore damage', () => {
  it('refuses a corrupt record in the middle of the log, naming the directory, the record and the remedy', async () => {
    const dir = await checkpointed(10);
    await raw(dir, async (db) => {
      const v = await db.get('r:log:0000000000000005');
      const bad = new Uint8Array(v as Uint8Array);
      bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
      await db.put('r:log:0000000000000005', bad);
    });
    const e = await openError(dir);
    expect(e.message).toBe(`${dir}: Raft log record 5 is corrupt (checksum mismatch); ${RESTORE}`);
  });

  it('refuses a hole in the log', async () => {
    const dir = await checkpointed(10);
    await raw(dir, (db) => db.del('r:log:0000000000000004'));
    expect((await openError(dir)).message).toBe(`${dir}: Raft log record 4 is corrupt (missing; the log goes on at 5); ${RESTORE}`);
  });

  const garbage: readonly [string, string, Uint8Array, RegExp][] = [
    ['log entry (short)', 'r:log:0000000000000002', new Uint8Array([1, 2, 3]), /Raft log record 2 is corrupt \(3 bytes is too short\)/],
    ['log entry (random)', 'r:log:0000000000000002', new Uint8Array(64).fill(0x5a), /Raft log record 2 is corrupt \(checksum mismatch\)/],
    ['hard state', 'r:hard', new Uint8Array([0xff, 0xfe, 0x7b]), /Raft hard state is corrupt \(not valid JSON\)/],
    ['hard state (wrong shape)', 'r:hard', Buffer.from('{"term":"x"}'), /Raft hard state is corrupt \(unexpected fields\)/],
    ['cluster metadata', 'r:meta', Buffer.from('[1,2'), /cluster metadata is corrupt \(not valid JSON\)/],
    ['cluster metadata (wrong shape)', 'r:meta', Buffer.from('{"name":"db","sid":"nope"}'), /cluster metadata is corrupt \(cid must be/],
    ['snapshot metadata', 'r:snap', Buffer.from('{"id":1}'), /Raft snapshot metadata is corrupt \(unexpected fields\)/],
    ['snapshot piece', 'r:sd:0000000000000001:00000000', new Uint8Array([0, 0, 0]), /Raft snapshot piece 0 is corrupt \(checksum mismatch\)/],
    ['format version', 'r:format', Buffer.from('\u0000garbage'), /unsupported clustered database format version/],
    ['database kind', 'm:kind', new Uint8Array([0xc3, 0x28]), /database kind is corrupt/],
  ];
  it.each(garbage)('garbage in the %s gives a clear error', async (_what, key, value, expected) => {
    const dir = await dirWith(3, (s) => write(s, { entries: [], snapshot: snapshotOf(1, new Uint8Array(100).fill(3)) }));
    await raw(dir, (db) => db.put(key, value));
    const e = await openError(dir);
    expect(e.message).toMatch(expected);
    expect(e.message.startsWith(`${dir}: `)).toBe(true);
    expect(e.message).not.toMatch(LEVELDB_WORDING);
  });

  it('says a directory is in use, in plain words, when another opener holds it', async () => {
    const dir = await dirWith(1);
    const store = await RaftDiskStore.open(dir);
    try {
      const e = await openError(dir);
      expect(e.message).toBe(`${dir}: database is in use by another process`);
      await expect(RaftDiskStore.kind(dir)).rejects.toThrow(`${dir}: database is in use by another process`);
    } finally {
      await store.close();
    }
  });

  it('says what a directory is when it is not a clustered database', async () => {
    const standalone = newDir();
    const s = await StandaloneStore.create(standalone, { name: 'x', tables: {} });
    await s.close();
    expect((await openError(standalone)).message).toBe(`${standalone}: not a clustered database (it is a standalone database)`);
    const empty = newDir();
    mkdirSync(empty);
    expect((await openError(empty)).message).toBe(`${empty}: not an ovsdb-ts clustered database`);
    expect(readdirSync(empty)).toEqual([]); // opening it created nothing
    // And the standalone store does not take a clustered directory for one of its own.
    const clustered = await dirWith(1);
    await expect(StandaloneStore.open(clustered)).rejects.toThrow(/not an ovsdb-ts database/);
  });
});

describe('RaftDiskStore journal', () => {
  const ids = (s: RaftDiskStore): string[] => s.entries().map((e) => `${e.index}.${e.term}`);
  const hs = (t: number, commit: number) => ({ term: term(t), vote: null, commit: logIndex(commit) });

  it('replays a truncation written after a restart over entries written before it', async () => {
    const dir = newDir();
    await RaftDiskStore.create(dir, meta);
    let store = await RaftDiskStore.open(dir);
    await write(store, { entries: Array.from({ length: 8 }, (_, k) => entry(k + 1)), hardState: hs(1, 2) });
    await store.close();
    store = await RaftDiskStore.open(dir);
    await write(store, { entries: [entry(5, 2), entry(6, 2)], hardState: hs(2, 3) }); // drops 5..8 of term 1
    await store.close();
    expect(journals(dir).length).toBe(2); // one file per process lifetime, never appended to after a restart
    store = await RaftDiskStore.open(dir);
    expect(ids(store)).toEqual(['1.1', '2.1', '3.1', '4.1', '5.2', '6.2']);
    expect(store.hardState()).toEqual(hs(2, 3));
    await write(store, { entries: [entry(3, 3)] }); // and again, across three files
    await store.close();
    store = await RaftDiskStore.open(dir);
    expect(ids(store)).toEqual(['1.1', '2.1', '3.3']);
    expect(store.hardState()).toEqual(hs(2, 3));
    await store.close();
  });

  it('drops a last frame that is zeros (lost whole), keeping the journal as the log', async () => {
    const dir = await dirWith(3, (s) => write(s, { entries: [entry(4)], hardState: hs(1, 3) }));
    const [file] = journals(dir);
    const last = frameSpans(file as string).at(-1) as { start: number; end: number };
    const buf = readFileSync(file as string);
    buf.fill(0, last.start, last.end);
    writeFileSync(file as string, buf);
    const progress: string[] = [];
    const store = await RaftDiskStore.open(dir, { onProgress: (m) => progress.push(m) });
    expect(ids(store)).toEqual(['1.1', '2.1', '3.1']);
    expect(store.hardState()).toEqual(hs(1, 1));
    expect(progress.join('\n')).not.toMatch(/torn/);
    expect(journals(dir)).toEqual([file]);
    await write(store, { entries: [entry(4, 2)] });
    await store.close();
    const again = await RaftDiskStore.open(dir);
    expect(ids(again)).toEqual(['1.1', '2.1', '3.1', '4.2']);
    await again.close();
  });

  it('refuses a bad frame followed by a good one, naming the file and the remedy', async () => {
    const dir = await dirWith(1, async (s) => {
      for (let i = 2; i <= 4; i++) await write(s, { entries: [entry(i)] });
    });
    const [file] = journals(dir);
    const spans = frameSpans(file as string);
    const second = spans[1] as { start: number; end: number };
    const buf = readFileSync(file as string);
    buf[second.end - 1] = (buf[second.end - 1] ?? 0) ^ 0xff;
    writeFileSync(file as string, buf);
    const e = await openError(dir);
    expect(e.message).toBe(`${dir}: Raft journal raft-journal-0000000000.osj is corrupt (bad record at byte ${second.start} followed by a valid one at byte ${second.end}); ${RESTORE}`);
    // Read-only opening refuses it too, and nothing was changed.
    await expect(RaftDiskStore.open(dir, { readOnly: true })).rejects.toThrow(/is corrupt \(bad record/);
  });

  it('refuses a journal file that went missing between others', async () => {
    const dir = newDir();
    await RaftDiskStore.create(dir, meta);
    for (let i = 1; i <= 3; i++) {
      const s = await RaftDiskStore.open(dir);
      await write(s, { entries: [entry(i)] });
      await s.close();
    }
    const files = journals(dir);
    expect(files.length).toBe(3);
    rmSync(files[1] as string);
    expect((await openError(dir)).message).toBe(`${dir}: Raft journal raft-journal-0000000002.osj is corrupt (record 2 is missing (found 3)); ${RESTORE}`);
  });

  it('deletes the journals a snapshot supersedes, and the next write starts a new one', async () => {
    const dir = newDir();
    await RaftDiskStore.create(dir, meta);
    let store = await RaftDiskStore.open(dir);
    await write(store, { entries: Array.from({ length: 6 }, (_, k) => entry(k + 1)) });
    await store.close();
    store = await RaftDiskStore.open(dir);
    await write(store, { entries: [entry(7)], hardState: hs(1, 6) });
    expect(journals(dir).length).toBe(2);
    await write(store, { entries: [entry(8)], snapshot: snapshotOf(5, new Uint8Array([5])), hardState: hs(1, 7) });
    await write(store, { entries: [], hardState: hs(1, 8) });
    await store.close();
    expect(journals(dir).map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['raft-journal-0000000002.osj']);
    await raw(dir, async (db) => {
      const keys: string[] = [];
      for await (const k of db.keys({ gte: 'r:log:', lt: 'r:log;' })) keys.push(k);
      expect(keys).toEqual(['r:log:0000000000000006', 'r:log:0000000000000007', 'r:log:0000000000000008']);
      expect(Buffer.from(await db.get('r:journal') as Uint8Array).toString()).toBe('{"first":2,"seq":3}');
    });
    store = await RaftDiskStore.open(dir);
    expect(ids(store)).toEqual(['6.1', '7.1', '8.1']);
    expect(store.hardState()).toEqual(hs(1, 8));
    await store.close();
  });

  it('recovers after a crash between a checkpoint and the deletion of the journals it supersedes', async () => {
    const dir = await dirWith(6);
    const saved = journals(dir).map((f) => ({ f, bytes: readFileSync(f) }));
    expect(saved.length).toBe(1);
    const store = await RaftDiskStore.open(dir);
    // The checkpoint drops the log (term differs), so replaying the old journal would be wrong.
    await write(store, { entries: [], snapshot: { ...snapshotOf(4, new Uint8Array([4])), meta: { ...snapshotOf(4, new Uint8Array()).meta, term: term(2) } } });
    await write(store, { entries: [entry(5, 2)] });
    await store.close();
    for (const { f, bytes } of saved) writeFileSync(f, bytes); // as if the deletion never ran
    const progress: string[] = [];
    const again = await RaftDiskStore.open(dir, { onProgress: (m) => progress.push(m) });
    expect(ids(again)).toEqual(['5.2']);
    expect(again.snapshot()?.meta.index).toBe(4);
    expect(progress.join('\n')).toMatch(/1 obsolete file/);
    expect(existsSync(saved[0]?.f as string)).toBe(false);
    await again.close();
  });

  it('a crash before the checkpoint is durable leaves the journal as it was', async () => {
    const dir = await dirWith(6, (s) => write(s, { entries: [entry(7)], hardState: hs(1, 6) }));
    // As if the snapshot's pieces were written and the process died before the checkpoint batch.
    await raw(dir, (db) => db.put('r:sd:0000000000000009:00000000', new Uint8Array([1])));
    const store = await RaftDiskStore.open(dir);
    expect(ids(store)).toEqual(['1.1', '2.1', '3.1', '4.1', '5.1', '6.1', '7.1']);
    expect(store.hardState()).toEqual(hs(1, 6));
    await store.close();
  });

  it('opens a format-1 directory (the log in LevelDB only), and upgrades it', async () => {
    const dir = newDir();
    await RaftDiskStore.create(dir, meta);
    await raw(dir, async (db) => {
      await db.put('r:format', Buffer.from('1'));
      await db.put('r:hard', Buffer.from('{"term":1,"vote":null,"commit":2}'));
      for (let i = 1; i <= 3; i++) await db.put(`r:log:${String(i).padStart(16, '0')}`, encodeEntry(entry(i)));
    });
    const store = await RaftDiskStore.open(dir);
    expect(ids(store)).toEqual(['1.1', '2.1', '3.1']);
    expect(store.hardState()).toEqual(hs(1, 2));
    await write(store, { entries: [entry(3, 2), entry(4, 2)], hardState: hs(2, 3) });
    await store.close();
    await raw(dir, async (db) => expect(Buffer.from(await db.get('r:format') as Uint8Array).toString()).toBe('2'));
    const again = await RaftDiskStore.open(dir);
    expect(ids(again)).toEqual(['1.1', '2.1', '3.2', '4.2']);
    expect(again.hardState()).toEqual(hs(2, 3));
    await again.close();
  });
});

describe('RaftDiskStore writing', () => {
  it('a batch that only raises the commit index is acknowledged without a sync, and survives a reopen', async () => {
    const dir = newDir();
    await RaftDiskStore.create(dir, meta);
    const store = await RaftDiskStore.open(dir);
    await write(store, { entries: [entry(1), entry(2)], hardState: { term: term(1), vote: null, commit: logIndex(0) } });
    const synced = store.stats().syncs;
    await write(store, { entries: [], hardState: { term: term(1), vote: null, commit: logIndex(2) } });
    expect(store.stats().syncs).toBe(synced);
    // A new term or vote is synced as before.
    await write(store, { entries: [], hardState: { term: term(2), vote: null, commit: logIndex(2) } });
    expect(store.stats().syncs).toBe(synced + 1);
    await write(store, { entries: [], hardState: { term: term(2), vote: null, commit: logIndex(2) } });
    await store.close();
    const again = await RaftDiskStore.open(dir);
    expect(again.hardState()).toEqual({ term: 2, vote: null, commit: 2 });
    expect(again.entries().map((e) => e.index)).toEqual([1, 2]);
    await again.close();
  });

  it('group commit: 100 concurrent writes take far fewer than 100 syncs, completing in order', async () => {
    const dir = newDir();
    await RaftDiskStore.create(dir, meta);
    const store = await RaftDiskStore.open(dir);
    const before = store.stats();
    const order: number[] = [];
    const writes = Array.from({ length: 100 }, (_, k) => new Promise<void>((resolve, reject) => {
      store.write({ entries: [entry(k + 1)], hardState: { term: term(1), vote: null, commit: logIndex(k) } }, (err) => {
        if (err) return reject(err);
        order.push(k);
        resolve();
      });
    }));
    await Promise.all(writes);
    const after = store.stats();
    expect(after.writes - before.writes).toBe(100);
    expect(after.syncs - before.syncs).toBeGreaterThan(0);
    expect(after.syncs - before.syncs).toBeLessThanOrEqual(10);
    expect(order).toEqual(Array.from({ length: 100 }, (_, k) => k));
    expect(after.entries).toBe(100);
    await store.close();
  });

  it('writes a big snapshot in pieces, letting the event loop run between them, and reads it back', async () => {
    const dir = await dirWith(4);
    const store = await RaftDiskStore.open(dir);
    const data = new Uint8Array(18 * 1024 * 1024);
    for (let k = 0; k < data.length; k += 4096) data[k] = (k >> 12) & 0xff;
    const syncsBefore = store.stats().syncs;
    let turns = 0;
    let stop = false;
    const spin = (): void => { if (!stop) { turns++; setImmediate(spin); } };
    spin();
    await write(store, { entries: [], snapshot: snapshotOf(2, data) });
    stop = true;
    expect(store.stats().syncs - syncsBefore).toBe(5 + 1); // 5 pieces of at most 4 MiB, then the round
    expect(turns).toBeGreaterThanOrEqual(5); // the loop turned while the pieces were written
    expect(store.stats()).toMatchObject({ snapshotIndex: 2, snapshotBytes: data.length, entries: 2 });
    await store.close();
    const again = await RaftDiskStore.open(dir);
    const back = again.snapshot()?.data ?? new Uint8Array();
    expect(back.length).toBe(data.length);
    expect(Buffer.compare(back, data)).toBe(0); // (toEqual on 18 MiB would build a huge diff)
    expect(again.entries().map((e) => e.index)).toEqual([3, 4]);
    await again.close();
  }, 60_000);

  it('deletes the log keys a snapshot covers', async () => {
    const dir = await dirWith(6, (s) => write(s, { entries: [], snapshot: snapshotOf(4, new Uint8Array([1])) }));
    await raw(dir, async (db) => {
      const keys: string[] = [];
      for await (const k of db.keys({ gte: 'r:log:', lt: 'r:log;' })) keys.push(k);
      expect(keys).toEqual(['r:log:0000000000000005', 'r:log:0000000000000006']);
    });
  });

  it('keeps cluster metadata durably, validates it, and refuses writes when read-only', async () => {
    const dir = newDir();
    await expect(RaftDiskStore.create(dir, { ...meta, local: 'unix:/x' })).rejects.toThrow(/local must be tcp:IP:PORT or ssl:IP:PORT/);
    const joining: ClusterMeta = { ...meta, cid: null, remotes: ['ssl:10.0.0.1:6643', 'tcp:[::1]:6644'] };
    await RaftDiskStore.create(dir, joining);
    await expect(RaftDiskStore.create(dir, meta)).rejects.toThrow(`${dir}: cannot create database: the directory exists and is not empty`);
    const store = await RaftDiskStore.open(dir);
    expect(store.meta()).toEqual(joining);
    await store.setMeta({ ...joining, cid: meta.cid, remotes: [] });
    await store.close();
    const ro = await RaftDiskStore.open(dir, { readOnly: true });
    expect(ro.meta()).toEqual({ ...joining, cid: meta.cid, remotes: [] });
    expect(() => ro.write({ entries: [entry(1)] }, () => undefined)).toThrow(/read-only/);
    await expect(async () => ro.setMeta(meta)).rejects.toThrow(/read-only/);
    await ro.close();
    expect(() => ro.write({ entries: [] }, () => undefined)).toThrow(/closed/);
  });

  it('creates a founding member with its initial snapshot and hard state', async () => {
    const dir = newDir();
    const snapshot = snapshotOf(1, new Uint8Array([1, 2, 3]));
    const hardState = { term: term(1), vote: null, commit: logIndex(1) };
    await RaftDiskStore.create(dir, meta, { snapshot, hardState });
    const store = await RaftDiskStore.open(dir);
    expect(store.snapshot()).toEqual(snapshot);
    expect(store.hardState()).toEqual(hardState);
    expect(store.entries()).toEqual([]);
    await write(store, { entries: [entry(2)] });
    await store.close();
  });
});

describe('RaftDiskStore.kind', () => {
  it('tells clustered, standalone and other directories apart without creating anything', async () => {
    const clustered = await dirWith(1);
    const standalone = newDir();
    await (await StandaloneStore.create(standalone, { name: 'x', tables: {} })).close();
    const plain = newDir();
    mkdirSync(plain);
    writeFileSync(join(plain, 'notes.txt'), 'hello');
    const missing = newDir();
    expect(await RaftDiskStore.kind(clustered)).toBe('clustered');
    expect(await RaftDiskStore.kind(standalone)).toBe('standalone');
    expect(await RaftDiskStore.kind(plain)).toBe('none');
    expect(await RaftDiskStore.kind(missing)).toBe('none');
    expect(readdirSync(plain)).toEqual(['notes.txt']);
    expect(existsSync(missing)).toBe(false);
    // kind() does not hold the directory: opening right after works.
    await (await RaftDiskStore.open(clustered)).close();
  });
});
