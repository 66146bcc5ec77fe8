/**
 * Reading a clustered database directory back (layout in raft-keys.ts): metadata, hard state,
 * snapshot and log, every value checked. Why its own file: recovery is where damage is found,
 * and every way a directory can be damaged needs a message an operator can act on; the writer
 * (raft-disk-store.ts) stays about writing.
 *
 * What is repaired silently (reported through onProgress): pieces of a snapshot whose write a
 * crash interrupted, log keys at or below the snapshot index whose lazy deletion had not run,
 * journal files a checkpoint made obsolete, and a torn last journal frame (raft-journal.ts).
 * What is refused: anything else that does not decode, a log with a hole, entries out of order.
 * LevelDB itself drops a torn last record of its own write-ahead log (a batch cut short by a
 * crash was never acknowledged), so a torn LevelDB batch never reaches this code.
 *
 * Order: the checkpoint (snapshot, r:hard, r:log keys: all a format-1 directory has), then the
 * journal records after it (raft-journal.ts replayRaftJournals).
 */
import type { Level } from 'level';
import type { HardState, LogEntry, Snapshot } from '../raft/types.js';
import { logIndex, term } from '../raft/types.js';
import type { ReplayState, ReplayedJournals } from './raft-journal.js';
import { replayRaftJournals } from './raft-journal.js';
import {
  KEY_KIND, KIND_CLUSTERED, RAFT_KEY_FORMAT, RAFT_KEY_HARD_STATE, RAFT_KEY_JOURNAL, RAFT_KEY_META, RAFT_KEY_SNAPSHOT, RAFT_READABLE_FORMAT_VERSIONS,
  RAFT_LOG_KEY_END, RAFT_LOG_KEY_MIN, RAFT_PIECE_KEY_END, RAFT_PIECE_KEY_MIN, SNAPSHOT_PIECE_BYTES,
  parseRaftLogKey, parseRaftPieceKey, raftLogKey, raftPiecePrefix, raftPiecePrefixEnd,
} from './raft-keys.js';
import { KEY_FORMAT } from './keys.js';
import type { ClusterMeta, SnapshotManifest } from './raft-values.js';
import { CorruptValueError, decodeClusterMeta, decodeEntry, decodeHardState, decodeJournalPosition, decodeManifest, entryValueBytes, pieceCrc } from './raft-values.js';

/** What an operator does about a damaged member: Raft can rebuild it from the others. */
export const RESTORE_ADVICE = 'restore this member from another: remove the directory and join it again with `ovsdb-ts tool join-cluster`';


/** Everything read from a directory. */
export interface RecoveredRaftDir {
  readonly meta: ClusterMeta;
  readonly hardState: HardState;
  readonly manifest: SnapshotManifest | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly entries: LogEntry[];
  /** Stored bytes of each entry, parallel to `entries`. */
  readonly entryBytes: number[];
  /** Snapshot ids whose pieces are leftovers of an interrupted write. */
  readonly leftoverSnapshotIds: readonly number[];
  /** True if log keys at or below the snapshot index remain (to delete). */
  readonly staleLogKeys: boolean;
  /** The id to give the next snapshot (above every id seen). */
  readonly nextSnapshotId: number;
  /** The r:format found (a readable version; 1 is upgraded on open). */
  readonly format: number;
  /** Highest index of an r:log key above the snapshot (the snapshot index if none). */
  readonly levelLogLast: number;
  /** What the journals after the checkpoint held. */
  readonly journals: ReplayedJournals;
}

/** `DIR: <what> is corrupt (<reason>); restore this member ...` */
function corrupt(dir: string, e: CorruptValueError): Error {
  return new Error(`${dir}: ${e.message}; ${RESTORE_ADVICE}`);
}

/** Names what `dir` holds when it is not a clustered database. */
export function classify(kind: string | undefined, raftFormat: string | undefined, standaloneFormat: string | undefined): 'clustered' | 'standalone' | 'none' {
  if (kind === KIND_CLUSTERED && raftFormat !== undefined) return 'clustered';
  if (kind === 'standalone' && standaloneFormat !== undefined) return 'standalone';
  return 'none';
}

/** Reads and checks the whole directory; throws a clear error for anything unreadable. */
export async function recoverRaftDir(db: Level<string, string>, dir: string, progress: (msg: string) => void): Promise<RecoveredRaftDir> {
  const [kind, format, standaloneFormat, metaText, hardText, snapText, journalText] = await db.getMany([
    KEY_KIND, RAFT_KEY_FORMAT, KEY_FORMAT, RAFT_KEY_META, RAFT_KEY_HARD_STATE, RAFT_KEY_SNAPSHOT, RAFT_KEY_JOURNAL,
  ]);
  const what = classify(kind, format, standaloneFormat);
  if (what === 'standalone') throw new Error(`${dir}: not a clustered database (it is a standalone database)`);
  if (format === undefined) throw new Error(`${dir}: not an ovsdb-ts clustered database`);
  const version = RAFT_READABLE_FORMAT_VERSIONS.find((v) => String(v) === format);
  if (version === undefined) throw new Error(`${dir}: unsupported clustered database format version ${JSON.stringify(format)} (this program reads ${RAFT_READABLE_FORMAT_VERSIONS.join(' and ')})`);
  try {
    if (kind !== KIND_CLUSTERED) throw new CorruptValueError('database kind', `found ${JSON.stringify(kind ?? null)}`);
    if (metaText === undefined) throw new CorruptValueError('cluster metadata', 'missing');
    const meta = decodeClusterMeta(metaText);
    const hardState = hardText === undefined ? { term: term(0), vote: null, commit: logIndex(0) } : decodeHardState(hardText);
    const manifest = snapText === undefined ? undefined : decodeManifest(snapText);
    const snapshot = manifest === undefined ? undefined : { meta: manifest.meta, data: await readSnapshotData(db, manifest) };
    if (snapshot !== undefined) progress(`${dir}: snapshot at index ${snapshot.meta.index} (term ${snapshot.meta.term}, ${snapshot.data.length} bytes)`);
    const { leftovers, maxId } = await findLeftoverPieces(db, manifest?.id);
    if (leftovers.length > 0) progress(`${dir}: dropping the pieces of ${leftovers.length} snapshot write(s) a crash interrupted`);
    const snapIndex = snapshot?.meta.index ?? 0;
    const levelEntries = await readLog(db, snapIndex);
    const levelLogLast = snapIndex + levelEntries.length;
    const pos = journalText === undefined ? { first: 0, seq: 1 } : decodeJournalPosition(journalText);
    const state: ReplayState = { snapIndex, entries: levelEntries, hardState };
    const journals = replayRaftJournals(dir, pos, state);
    if (journals.records > 0 || journals.obsolete.length > 0) {
      progress(`${dir}: ${levelLogLast - snapIndex} log entries in LevelDB, then ${journals.records} journal records in ${journals.live.length} file(s)${journals.obsolete.length > 0 ? `, ${journals.obsolete.length} obsolete file(s)` : ''}`);
    }
    if (journals.damaged) progress(`${dir}: dropped a torn tail of the journal (the end of a write a crash interrupted)`);
    const entries = state.entries;
    checkTerms(entries, snapshot?.meta.term ?? 0);
    const entryBytes = entries.map(entryValueBytes);
    progress(`${dir}: ${entries.length} log entries after the snapshot`);
    let staleLogKeys = false;
    if (snapIndex > 0) {
      for await (const _ of db.keys({ gte: RAFT_LOG_KEY_MIN, lt: raftLogKey(snapIndex + 1), limit: 1 })) staleLogKeys = true;
    }
    return {
      meta, hardState: state.hardState, manifest, snapshot, entries, entryBytes, leftoverSnapshotIds: leftovers, staleLogKeys, nextSnapshotId: maxId + 1,
      format: version, levelLogLast, journals,
    };
  } catch (e) {
    throw e instanceof CorruptValueError ? corrupt(dir, e) : e;
  }
}

/** The snapshot's data, piece by piece, each checked against the manifest. */
async function readSnapshotData(db: Level<string, string>, m: SnapshotManifest): Promise<Uint8Array> {
  const what = 'Raft snapshot';
  if (m.crcs.length !== Math.ceil(m.bytes / SNAPSHOT_PIECE_BYTES)) throw new CorruptValueError(what, 'size does not match its pieces');
  const data = new Uint8Array(m.bytes);
  const prefix = raftPiecePrefix(m.id);
  let piece = 0;
  let offset = 0;
  for await (const [key, value] of db.iterator<string, Buffer>({ gte: prefix, lt: raftPiecePrefixEnd(m.id), valueEncoding: 'buffer' })) {
    const parsed = parseRaftPieceKey(key);
    if (parsed === undefined || parsed.piece !== piece) throw new CorruptValueError(what, `piece ${piece} missing`);
    if (pieceCrc(value) !== m.crcs[piece]) throw new CorruptValueError(`${what} piece ${piece}`, 'checksum mismatch');
    if (offset + value.length > m.bytes) throw new CorruptValueError(what, 'more data than its metadata says');
    data.set(value, offset);
    offset += value.length;
    piece++;
  }
  if (piece !== m.crcs.length || offset !== m.bytes) throw new CorruptValueError(what, `piece ${piece} missing`);
  return data;
}

/** Ids of snapshot pieces other than the current snapshot's, and the highest id seen. */
async function findLeftoverPieces(db: Level<string, string>, currentId: number | undefined): Promise<{ leftovers: number[]; maxId: number }> {
  const ids = new Set<number>();
  let maxId = currentId ?? 0;
  for await (const key of db.keys({ gte: RAFT_PIECE_KEY_MIN, lt: RAFT_PIECE_KEY_END })) {
    const parsed = parseRaftPieceKey(key);
    if (parsed === undefined) throw new CorruptValueError('Raft snapshot', `bad piece key ${JSON.stringify(key)}`);
    maxId = Math.max(maxId, parsed.id);
    if (parsed.id !== currentId) ids.add(parsed.id);
  }
  return { leftovers: [...ids], maxId };
}

/** The checkpoint's log after the snapshot (r:log keys): contiguous from snapIndex + 1. */
async function readLog(db: Level<string, string>, snapIndex: number): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  let expected = snapIndex + 1;
  for await (const [key, value] of db.iterator<string, Buffer>({ gte: raftLogKey(snapIndex + 1), lt: RAFT_LOG_KEY_END, valueEncoding: 'buffer' })) {
    const index = parseRaftLogKey(key);
    if (index === undefined) throw new CorruptValueError('Raft log', `bad key ${JSON.stringify(key)}`);
    if (index !== expected) throw new CorruptValueError(`Raft log record ${expected}`, `missing; the log goes on at ${index}`);
    entries.push(decodeEntry(value, index));
    expected++;
  }
  return entries;
}

/** Terms never decrease along the log (checked once the journals are replayed). */
function checkTerms(entries: readonly LogEntry[], snapTerm: number): void {
  let lastTerm = snapTerm;
  for (const e of entries) {
    if (e.term < lastTerm) throw new CorruptValueError(`Raft log record ${e.index}`, `term ${e.term} is below the previous term ${lastTerm}`);
    lastTerm = e.term;
  }
}
