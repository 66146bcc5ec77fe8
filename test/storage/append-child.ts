/**
 * Child process for the crash test: appends records from 16 concurrent appenders forever and
 * prints "ack N" once the append of record N has resolved. The parent SIGKILLs it mid-way.
 * Usage: node append-child.js DIR [JOURNAL_MAX_RECORDS]
 * (a small JOURNAL_MAX_RECORDS makes the kill likely to land while a journal moves into LevelDB)
 */
import { StandaloneStore } from '../../src/storage/standalone-db-store.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: append-child DIR');
  const maxRecords = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const store = await StandaloneStore.create(dir, { name: 'crash', tables: {} }, maxRecords === undefined ? {} : { journalMaxRecords: maxRecords });
  let next = 0;
  const appender = async (worker: number): Promise<void> => {
    for (;;) {
      const n = next++;
      // Every fourth record durable, so both kinds of acknowledgement are tested.
      await store.append({ T: { [`row-${n}`]: { n, worker } } }, { durable: n % 4 === 0 });
      process.stdout.write(`ack ${n}\n`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => appender(w)));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
