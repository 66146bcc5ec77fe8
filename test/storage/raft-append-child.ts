/**
 * Child process for the RaftDiskStore crash tests: writes Raft batches and prints "ack N" once
 * the batch holding entry N is durable. The parent SIGKILLs it mid-way, or truncates what it
 * left behind.
 * Usage: node raft-append-child.js DIR stream   16 concurrent writers forever, a compacting
 *                                               snapshot every 400 entries
 *        node raft-append-child.js DIR count N  N batches one after another, then exit without
 *                                               closing (the journal stays as written)
 */
import { RaftDiskStore } from '../../src/storage/raft-disk-store.js';
import { entryId, logIndex, term, type LogEntry } from '../../src/raft/types.js';

/** What the child writes as entry `i`; the parent checks what it finds against it. */
export function childEntry(i: number): LogEntry {
  const data = new Uint8Array(1024);
  for (let k = 0; k < data.length; k++) data[k] = (i + k) & 0xff;
  return { index: logIndex(i), term: term(1), id: entryId(`e${i}`), kind: 'normal', data };
}

async function main(): Promise<void> {
  const [dir, mode, count] = process.argv.slice(2);
  if (dir === undefined || (mode !== 'stream' && mode !== 'count')) throw new Error('usage: raft-append-child DIR stream|count N');
  await RaftDiskStore.create(dir, { name: 'crash', cid: null, sid: '0f9a1c4e-2b3d-4e5f-8a9b-0c1d2e3f4a5b', local: 'tcp:127.0.0.1:6641', remotes: [] });
  const store = await RaftDiskStore.open(dir);
  const write = (i: number, withSnapshot: boolean): Promise<void> => new Promise((resolve, reject) => {
    const snapshot = withSnapshot ? {
      meta: { index: logIndex(i - 200), term: term(1), config: { voters: [], learners: [] }, configIndex: logIndex(0), electionTimerMs: 1000, lastNormalId: entryId(`e${i - 200}`) },
      data: new Uint8Array(64 * 1024).fill(i & 0xff),
    } : undefined;
    store.write({ entries: [childEntry(i)], hardState: { term: term(1), vote: null, commit: logIndex(i - 1) }, ...(snapshot ? { snapshot } : {}) }, (err) => {
      if (err) return reject(err);
      process.stdout.write(`ack ${i}\n`);
      resolve();
    });
  });
  if (mode === 'count') {
    for (let i = 1; i <= Number(count); i++) await write(i, false);
    process.exit(0); // no close(): leave the journal as the last write left it
  }
  let next = 1;
  const writer = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      await write(i, i % 400 === 0);
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
}

if (process.argv[1]?.endsWith('raft-append-child.js') === true) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
