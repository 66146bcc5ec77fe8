/**
 * A tiny benchmark behind the choice of log format in raft-disk-store.ts: 1 KiB entries written
 * by 16 concurrent writers (each waits for its write to be durable before the next), through
 * (a) RaftDiskStore (LevelDB, group commit of synced batches) and (b) the standalone journal's
 * primitives (journal-frame.ts frames written with write(2), group-committed fdatasync), which is
 * what a journal-based Raft log would cost at best. Prints entries/s and syncs per write.
 *
 * Run: npx vite-node test/storage/raft-log-bench.ts [ENTRIES] [WRITERS]   (defaults 20000 16)
 * Not a test: timings depend on the machine; nothing asserts on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryId, logIndex, term } from '../../src/raft/types.js';
import { encodeFrames } from '../../src/storage/journal-frame.js';
import { JournalFile, syncJournals } from '../../src/storage/journal-file.js';
import { RaftDiskStore } from '../../src/storage/raft-disk-store.js';

const WRITERS = Number(process.argv[3] ?? 16);
const ENTRY_BYTES = 1024;
const total = Number(process.argv[2] ?? 20_000);

interface Result { readonly name: string; readonly entriesPerS: number; readonly syncsPerWrite: number }

async function levelDb(root: string): Promise<Result> {
  const dir = join(root, 'level');
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
  return { name: 'LevelDB (RaftDiskStore)', entriesPerS: total / s, syncsPerWrite: st.syncs / st.writes };
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
    for (const run of [levelDb, journal, levelDb, journal]) {
      const r = await run(mkdtempSync(join(root, 'run-')));
      process.stdout.write(`${r.name}: ${Math.round(r.entriesPerS)} entries/s, ${r.syncsPerWrite.toFixed(3)} syncs/write (${total} x ${ENTRY_BYTES} B, ${WRITERS} writers)\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
