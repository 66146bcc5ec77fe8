/**
 * A tiny benchmark of the Raft log's write path: 1 KiB entries written by N concurrent writers
 * (each waits for its write to be durable before the next), through
 * (a) RaftDiskStore (journal records, group-committed write(2) + fdatasync, raft-disk-store.ts),
 * (b) group-committed synced LevelDB batches, one key per entry: how RaftDiskStore kept its log
 *     up to format 1 (the "before" of docs/benchmarks.md), and
 * (c) the standalone journal's bare primitives (journal-frame.ts frames written with write(2),
 *     group-committed fdatasync): what a journal costs at best, with no store around it.
 * Prints entries/s and syncs per write.
 *
 * Run: npx vite-node test/storage/raft-log-bench.ts [ENTRIES] [WRITERS]   (defaults 20000 16)
 * Not a test: timings depend on the machine; nothing asserts on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Level } from 'level';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryId, logIndex, term } from '../../src/raft/types.js';
import { encodeFrames } from '../../src/storage/journal-frame.js';
import { JournalFile, syncJournals } from '../../src/storage/journal-file.js';
import { RaftDiskStore } from '../../src/storage/raft-disk-store.js';
import { raftLogKey } from '../../src/storage/raft-keys.js';
import { encodeEntry } from '../../src/storage/raft-values.js';

const WRITERS = Number(process.argv[3] ?? 16);
const ENTRY_BYTES = 1024;
const total = Number(process.argv[2] ?? 20_000);

interface Result { readonly name: string; readonly entriesPerS: number; readonly syncsPerWrite: number }

async function store(root: string): Promise<Result> {
  const dir = join(root, 'store');
  await RaftDiskStore.create(dir, { name: 'bench', cid: null, sid: '0f9a1c4e-2b3d-4e5f-8a9b-0c1d2e3f4a5b', local: 'tcp:127.0.0.1:6641', remotes: [] });
  const store = await RaftDiskStore.open(dir);
  const data = new Uint8Array(ENTRY_BYTES).fill(97);
  let next = 1;
  const writer = async (): Promise<void> => {
    while (next <= total) {
      const i = next++;
      await new Promise<void>((resolve, reject) => store.write(
        { entries: [{ index: logIndex(i), term: term(1), id: entryId(`e${i}`), kind: 'normal', data }] },
        (err) => (err ? reject(err) : resolve()),
      ));
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const st = store.stats();
  await store.close();
  return { name: 'RaftDiskStore (journal)', entriesPerS: total / s, syncsPerWrite: st.syncs / st.writes };
}

async function levelBatches(root: string): Promise<Result> {
  const db = new Level<string, Uint8Array>(join(root, 'level'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  const data = new Uint8Array(ENTRY_BYTES).fill(97);
  let queue: { key: string; value: Uint8Array; resolve: () => void }[] = [];
  let syncing = false;
  let syncs = 0;
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const round = queue;
      queue = [];
      syncs++;
      await db.batch(round.map((w) => ({ type: 'put' as const, key: w.key, value: w.value })), { sync: true });
      for (const w of round) w.resolve();
    }
    syncing = false;
  };
  let next = 1;
  const writer = async (): Promise<void> => {
    while (next <= total) {
      const i = next++;
      const value = encodeEntry({ index: logIndex(i), term: term(1), id: entryId(`e${i}`), kind: 'normal', data });
      await new Promise<void>((resolve) => {
        queue.push({ key: raftLogKey(i), value, resolve });
        if (!syncing) {
          syncing = true; // one drain at a time; writes queued meanwhile share its next round
          void Promise.resolve().then(drain);
        }
      });
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await db.close();
  return { name: 'LevelDB synced batches (format 1)', entriesPerS: total / s, syncsPerWrite: syncs / total };
}

async function journal(root: string): Promise<Result> {
  const file = JournalFile.create(root, 0);
  const text = 'a'.repeat(ENTRY_BYTES);
  let nextSeq = 1;
  let written = 0;
  let synced = 0;
  let syncs = 0;
  let syncing = false;
  const waiters: { seq: number; resolve: () => void }[] = [];
  const sync = (): void => {
    if (syncing || written === synced) return;
    syncing = true;
    syncs++;
    const target = written;
    void syncJournals([file], root).then(() => {
      synced = target;
      syncing = false;
      for (let w = waiters[0]; w !== undefined && w.seq <= synced; w = waiters[0]) {
        waiters.shift();
        w.resolve();
      }
      sync();
    });
  };
  let next = 1;
  const writer = async (): Promise<void> => {
    while (next <= total) {
      next++;
      const seq = nextSeq++;
      file.write(encodeFrames(seq, [text], [ENTRY_BYTES]), 1, seq);
      written = seq;
      await new Promise<void>((resolve) => {
        waiters.push({ seq, resolve });
        sync();
      });
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  file.close();
  return { name: 'journal frames + fdatasync', entriesPerS: total / s, syncsPerWrite: syncs / total };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'raft-log-bench-'));
  try {
    for (const run of [store, levelBatches, journal, store, levelBatches, journal]) {
      const r = await run(mkdtempSync(join(root, 'run-')));
      process.stdout.write(`${r.name}: ${Math.round(r.entriesPerS)} entries/s, ${r.syncsPerWrite.toFixed(3)} syncs/write (${total} x ${ENTRY_BYTES} B, ${WRITERS} writers)\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
