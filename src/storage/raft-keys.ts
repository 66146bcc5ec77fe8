/**
 * The on-disk layout of a clustered database directory (RaftDiskStore, raft-disk-store.ts),
 * format version 1: one LevelDB holding the Raft hard state, the snapshot and the log of one
 * member. Why its own file: the layout is the compatibility promise, and keys.ts (the standalone
 * layout) is the model it follows.
 *
 * Every key is a UTF-8 string. The clustered keys live in the `r:` namespace, which the
 * standalone layout (keys.ts: m:, s:, l:, c:) never uses, so neither program can misread the
 * other's keys; `m:kind` is shared on purpose, as keys.ts foresaw ("clustered" is Raft's):
 *
 *   m:kind               "clustered"              what the directory holds (standalone: "standalone")
 *   r:format             "1"                      version of this layout (checked on open)
 *   r:meta               JSON ClusterMeta         name, cid (or null), sid, local, remotes
 *   r:hard               JSON {term,vote,commit}  absent: term 0, no vote, commit 0
 *   r:snap               JSON manifest            {id, meta: SnapshotMeta, bytes, crcs: [crc32 of
 *                                                 each piece]}; absent: no snapshot
 *   r:sd:<id>:<piece>    bytes                    piece <piece> of snapshot <id>'s data, at most
 *                                                 SNAPSHOT_PIECE_BYTES each
 *   r:log:<index>        binary entry             one log entry (raft-values.ts: CRC-32 framed)
 *
 * <index> and <id> are 16 zero-padded decimal digits, <piece> 8, so key order is numeric order.
 *
 *        r:snap (index S)      r:log:S+1  r:log:S+2  ...  r:log:L        ← the log, contiguous
 *
 * Invariants kept by RaftDiskStore (every change is one synced LevelDB batch, so a crash leaves
 * the state before or after a batch, never between):
 * - Log keys above S are exactly S+1 .. L. Keys at or below S are leftovers of a compaction: they
 *   are ignored and deleted lazily (after the batch that wrote the snapshot, and again on open).
 * - A snapshot's pieces are written (synced) under a new id before the batch that points r:snap
 *   at that id and deletes the previous id's pieces. Pieces of any other id are the remains of a
 *   write a crash interrupted: open drops them (a torn tail of the snapshot stream).
 */

/** Bumped on any incompatible change of the layout above. */
export const RAFT_FORMAT_VERSION = 1;

/** Shared with the standalone layout (keys.ts). */
export { KEY_KIND } from './keys.js';
export const KIND_CLUSTERED = 'clustered';
export const RAFT_KEY_FORMAT = 'r:format';
export const RAFT_KEY_META = 'r:meta';
export const RAFT_KEY_HARD_STATE = 'r:hard';
export const RAFT_KEY_SNAPSHOT = 'r:snap';

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
