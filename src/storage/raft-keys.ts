/**
 * The on-disk layout of a clustered database directory (RaftDiskStore, raft-disk-store.ts),
 * format version 2: a LevelDB holding the member's metadata, the Raft snapshot and a checkpoint
 * of hard state and log, plus journal files beside LevelDB's own files holding every batch
 * written since that checkpoint. Why its own file: the layout is the compatibility promise, and
 * keys.ts (the standalone layout) is the model it follows.
 *
 * Every key is a UTF-8 string. The clustered keys live in the `r:` namespace, which the
 * standalone layout (keys.ts: m:, s:, l:, c:) never uses, so neither program can misread the
 * other's keys; `m:kind` is shared on purpose, as keys.ts foresaw ("clustered" is Raft's):
 *
 *   m:kind               "clustered"              what the directory holds (standalone: "standalone")
 *   r:format             "2"                      version of this layout (checked on open; "1" is
 *                                                 read and upgraded on open)
 *   r:meta               JSON ClusterMeta         name, cid (or null), sid, local, remotes
 *   r:hard               JSON {term,vote,commit}  hard state as of the checkpoint; absent: term
 *                                                 0, no vote, commit 0
 *   r:snap               JSON manifest            {id, meta: SnapshotMeta, bytes, crcs: [crc32 of
 *                                                 each piece]}; absent: no snapshot
 *   r:sd:<id>:<piece>    bytes                    piece <piece> of snapshot <id>'s data, at most
 *                                                 SNAPSHOT_PIECE_BYTES each
 *   r:log:<index>        binary entry             one log entry of the checkpoint (raft-values.ts:
 *                                                 CRC-32 framed)
 *   r:journal            JSON {first, seq}        where the journal after the checkpoint begins:
 *                                                 file number `first`, record `seq`; absent:
 *                                                 {first: 0, seq: 1} (format 1 has no journals)
 *
 *   DIR/raft-journal-<n>.osj   frames of journal-frame.ts, each one batch (raft-journal-record.ts)
 *
 * <index> and <id> are 16 zero-padded decimal digits, <piece> 8, <n> 10, so key and name order
 * is numeric order. The state is the checkpoint, then every journal record in order:
 *
 *   r:snap (S)  r:hard  r:log:S+1 ... r:log:C   raft-journal-<first>: seq, seq+1, ...   raft-journal-<first+1>: ...
 *
 * A journal record holds a batch's entries (all above S) and/or hard state; entries starting at
 * index F drop every entry at or above F first (an append truncating a conflicting suffix).
 * A batch with a new snapshot is a CHECKPOINT instead: its pieces are written, then one synced
 * LevelDB batch points r:snap at them and writes the whole state as of that batch (r:hard, the
 * log after the snapshot as r:log keys) and r:journal past every existing journal file, which
 * are then deleted (open deletes any a crash left: files numbered below `first` are never read).
 *
 * Invariants kept by RaftDiskStore (every LevelDB change is one synced batch; a journal record
 * is one frame of one write(2), acknowledged after fdatasync):
 * - Log keys above S are exactly S+1 .. C. Keys at or below S are leftovers of a compaction: they
 *   are ignored and deleted lazily (after the batch that wrote the snapshot, and again on open).
 * - A snapshot's pieces are written (synced) under a new id before the batch that points r:snap
 *   at that id and deletes the previous id's pieces. Pieces of any other id are the remains of a
 *   write a crash interrupted: open drops them (a torn tail of the snapshot stream).
 * - Journal records from r:journal's `seq` on are contiguous across the files numbered `first`
 *   and up; a torn last frame is dropped (never acknowledged), a gap or a bad frame followed by a
 *   good one is corruption.
 */

/** Bumped on any incompatible change of the layout above. */
export const RAFT_FORMAT_VERSION = 2;
/** Older format versions this program still reads (and upgrades on open). */
export const RAFT_READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];

/** Shared with the standalone layout (keys.ts). */
export { KEY_KIND } from './keys.js';
export const KIND_CLUSTERED = 'clustered';
export const RAFT_KEY_FORMAT = 'r:format';
export const RAFT_KEY_META = 'r:meta';
export const RAFT_KEY_HARD_STATE = 'r:hard';
export const RAFT_KEY_SNAPSHOT = 'r:snap';
export const RAFT_KEY_JOURNAL = 'r:journal';

/** File names of Raft journals: raft-journal-<10 digits>.osj; group 1 is the number. */
export const RAFT_JOURNAL_NAME_PATTERN = /^raft-journal-([0-9]{10})\.osj$/;

/** The file name of Raft journal `n` (a non-negative integer below 10^10). */
export function raftJournalName(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1e10) throw new Error(`bad journal number ${n}`);
  return `raft-journal-${n.toString().padStart(10, '0')}.osj`;
}

/** Snapshot data is stored in pieces of at most this many bytes (keeps each write short). */
export const SNAPSHOT_PIECE_BYTES = 4 * 1024 * 1024;

const INDEX_DIGITS = 16;
const PIECE_DIGITS = 8;

function digits(n: number, width: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad ${what} ${n}`);
  return n.toString().padStart(width, '0');
}

/** First and past-the-end keys of the log namespace. */
export const RAFT_LOG_KEY_MIN = 'r:log:';
export const RAFT_LOG_KEY_END = 'r:log;';

/** The key of log entry `index` (a positive safe integer). */
export function raftLogKey(index: number): string {
  if (index < 1) throw new Error(`bad log index ${index}`);
  return `r:log:${digits(index, INDEX_DIGITS, 'log index')}`;
}

/** The index in a log key, or undefined if `key` is not a well-formed one. */
export function parseRaftLogKey(key: string): number | undefined {
  const m = /^r:log:([0-9]{16})$/.exec(key);
  if (m?.[1] === undefined) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** First and past-the-end keys of all snapshot pieces. */
export const RAFT_PIECE_KEY_MIN = 'r:sd:';
export const RAFT_PIECE_KEY_END = 'r:sd;';

/** The key prefix of snapshot `id`'s pieces. */
export function raftPiecePrefix(id: number): string {
  return `r:sd:${digits(id, INDEX_DIGITS, 'snapshot id')}:`;
}

/** Past-the-end key of snapshot `id`'s pieces (';' sorts right after ':'). */
export function raftPiecePrefixEnd(id: number): string {
  return `r:sd:${digits(id, INDEX_DIGITS, 'snapshot id')};`;
}

/** The key of piece `piece` of snapshot `id`. */
export function raftPieceKey(id: number, piece: number): string {
  return `${raftPiecePrefix(id)}${digits(piece, PIECE_DIGITS, 'snapshot piece')}`;
}

/** Snapshot id and piece number in a piece key, or undefined if `key` is not a well-formed one. */
export function parseRaftPieceKey(key: string): { id: number; piece: number } | undefined {
  const m = /^r:sd:([0-9]{16}):([0-9]{8})$/.exec(key);
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? { id, piece: Number(m[2]) } : undefined;
}
