/**
 * Recovery of the journal files of a standalone database directory (layout in keys.ts): which
 * journal records come after what LevelDB already holds, checked for gaps and corruption.
 */
import type { JournalRecord } from './journal-frame.js';
import type { FoundJournal } from './journal-file.js';
import { listJournals, readJournal } from './journal-file.js';

/** What the journals of a directory add to LevelDB's contents. */
export interface RecoveredJournals {
  /** Records with seq > lastLevelSeq, in order, contiguous from lastLevelSeq + 1. */
  readonly records: JournalRecord[];
  /** Every journal file found (all are obsolete once `records` are in LevelDB). */
  readonly files: FoundJournal[];
  /** The number to give the next journal file. */
  readonly nextNumber: number;
  /** Whether a torn tail was dropped from the newest journal. */
  readonly tornTail: boolean;
}

/**
 * Reads every journal in `dir` and returns the records beyond `lastLevelSeq` (the last sequence
 * number LevelDB holds, as snapshot or l: key). Records at or below it are leftovers of a journal
 * whose deletion a crash interrupted after its records reached LevelDB, and are skipped.
 *
 * A torn tail (journal-frame.ts) is dropped only from the newest journal that holds records:
 * an older journal was complete before the next one was started, so damage there is corruption.
 */
export function recoverJournals(dir: string, lastLevelSeq: number): RecoveredJournals {
  const files = listJournals(dir);
  const records: JournalRecord[] = [];
  let expected = lastLevelSeq + 1;
  let tornIn: string | undefined;
  for (const file of files) {
    const { records: found, torn } = readJournal(file.path);
    if (tornIn !== undefined && found.length > 0) throw new Error(`corrupt journal ${tornIn}: torn record followed by the newer journal ${file.path}`);
    for (const r of found) {
      if (r.seq < expected) {
        // Skipping is only sound for records LevelDB has; anything else is out of order.
        if (r.seq > lastLevelSeq) throw new Error(`corrupt journal ${file.path}: record ${r.seq} out of order (expected ${expected})`);
        continue;
      }
      if (r.seq > expected) throw new Error(`corrupt journal ${file.path}: record ${expected} missing (found ${r.seq})`);
      records.push(r);
      expected++;
    }
    if (torn) tornIn = file.path;
  }
  const last = files[files.length - 1];
  return { records, files, nextNumber: last === undefined ? 0 : last.number + 1, tornTail: tornIn !== undefined };
}
