/**
 * The Raft journal files of a clustered database directory (layout in raft-keys.ts): listing
 * them, and replaying their records over the checkpoint LevelDB holds. Why its own file:
 * recovery of the journal is where torn tails are told from corruption, and every way a journal
 * can be damaged needs a message an operator can act on.
 *
 * A torn last frame (journal-frame.ts: a bad frame with nothing valid after it) is dropped: a
 * batch is acknowledged only after the fdatasync that follows its write(2), so a torn frame was
 * never acknowledged, and neither was anything after it. SIGKILL never tears (whole frames are
 * written with one write(2)); a power failure can. A bad frame followed by a good one, a record
 * that does not decode, a record out of sequence or an append that leaves a gap is corruption.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HardState, LogEntry } from '../raft/types.js';
import { JournalCorruptError, decodeFrames } from './journal-frame.js';
import { RAFT_JOURNAL_NAME_PATTERN } from './raft-keys.js';
import { BadJournalRecord, decodeJournalBatch } from './raft-journal-record.js';
import { CorruptValueError } from './raft-values.js';

/** Where the journal after the checkpoint begins (r:journal). */
export interface JournalPosition {
  /** Number of the first journal file that belongs to the state; lower ones are obsolete. */
  readonly first: number;
  /** Sequence number of the first record after the checkpoint. */
  readonly seq: number;
}

/** A journal file found in a directory. */
export interface FoundRaftJournal {
  readonly number: number;
  readonly name: string;
  readonly path: string;
}

/** The Raft journal files in `dir`, oldest first. */
export function listRaftJournals(dir: string): FoundRaftJournal[] {
  const found: FoundRaftJournal[] = [];
  for (const name of readdirSync(dir)) {
    const m = RAFT_JOURNAL_NAME_PATTERN.exec(name);
    if (m?.[1] !== undefined) found.push({ number: Number(m[1]), name, path: join(dir, name) });
  }
  return found.sort((a, b) => a.number - b.number);
}

/** The state after the checkpoint, which replay changes in place. */
export interface ReplayState {
  readonly snapIndex: number;
  /** The log after the snapshot (replay truncates and appends to this array). */
  readonly entries: LogEntry[];
  hardState: HardState;
}

/** What the journals held. */
export interface ReplayedJournals {
  /** Files at or after the position (they hold the state), oldest first. */
  readonly live: readonly FoundRaftJournal[];
  /** Files before the position: left over from a deletion a crash interrupted. */
  readonly obsolete: readonly FoundRaftJournal[];
  /** Records replayed. */
  readonly records: number;
  /** The sequence number the next record gets. */
  readonly nextSeq: number;
  /** The number the next journal file gets. */
  readonly nextNumber: number;
  /**
   * A dropped tail held the remains of a frame (not pre-allocation zeros): the store rewrites
   * the state into LevelDB and deletes the journals before it writes, so that no later
   * recovery meets the damage in front of newer records.
   */
  readonly damaged: boolean;
}

/**
 * Replays every record of the live journals over `state`, in order. Throws CorruptValueError
 * naming the file and what is wrong.
 */
export function replayRaftJournals(dir: string, pos: JournalPosition, state: ReplayState): ReplayedJournals {
  const files = listRaftJournals(dir);
  const live = files.filter((f) => f.number >= pos.first);
  const obsolete = files.filter((f) => f.number < pos.first);
  let expected = pos.seq;
  let damaged = false;
  for (const file of live) {
    const what = `Raft journal ${file.name}`;
    let decoded;
    try {
      decoded = decodeFrames(readFileSync(file.path), file.name);
    } catch (e) {
      if (e instanceof JournalCorruptError) throw new CorruptValueError(what, e.reason);
      throw e;
    }
    if (decoded.torn && !decoded.padded) damaged = true;
    for (const frame of decoded.frames) {
      if (frame.seq !== expected) {
        throw new CorruptValueError(what, frame.seq > expected ? `record ${expected} is missing (found ${frame.seq})` : `record ${frame.seq} is out of order (expected ${expected})`);
      }
      let batch;
      try {
        batch = decodeJournalBatch(frame.payload);
      } catch (e) {
        if (e instanceof BadJournalRecord) throw new CorruptValueError(what, `record ${frame.seq}: ${e.message}`);
        throw e;
      }
      const problem = apply(state, batch.entries);
      if (problem !== undefined) throw new CorruptValueError(what, `record ${frame.seq}: ${problem}`);
      if (batch.hardState !== undefined) state.hardState = batch.hardState;
      expected++;
    }
  }
  const last = files[files.length - 1];
  return { live, obsolete, records: expected - pos.seq, nextSeq: expected, nextNumber: Math.max(pos.first, last === undefined ? 0 : last.number + 1), damaged };
}

/** Appends `entries` as a write does (truncating from the first one); returns what is wrong, if anything. */
function apply(state: ReplayState, entries: readonly LogEntry[]): string | undefined {
  const fresh = entries.filter((e) => e.index > state.snapIndex);
  const first = fresh[0];
  if (first === undefined) return undefined;
  const lastIndex = state.snapIndex + state.entries.length;
  if (first.index > lastIndex + 1) return `it appends at ${first.index} to a log ending at ${lastIndex}`;
  state.entries.length = first.index - state.snapIndex - 1;
  for (const e of fresh) state.entries.push(e);
  return undefined;
}
