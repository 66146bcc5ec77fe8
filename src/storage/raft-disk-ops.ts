/**
 * The LevelDB operations RaftDiskStore queues, and the writing of a snapshot's data in pieces.
 * Why its own file: the snapshot's put (r:snap) can only be encoded once its pieces are written
 * and their checksums known, so queued operations are a small union resolved at write time.
 */
import type { Level } from 'level';
import type { Snapshot } from '../raft/types.js';
import { RAFT_KEY_SNAPSHOT, SNAPSHOT_PIECE_BYTES, raftPieceKey } from './raft-keys.js';
import type { SnapshotManifest } from './raft-values.js';
import { encodeManifest, pieceCrc } from './raft-values.js';

export type LevelOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer | Uint8Array; readonly valueEncoding: 'view' }
  | { readonly type: 'del'; readonly key: string };

/** A snapshot on its way to disk: its pieces' CRCs are computed as they are written. */
export interface SnapshotWrite {
  readonly id: number;
  readonly snapshot: Snapshot;
  readonly crcs: number[];
}

/** A LevelDB operation, or the put of r:snap once its snapshot's pieces are written. */
export type Op = LevelOp | { readonly type: 'manifest'; readonly write: SnapshotWrite };

/** Number of pieces `bytes` of snapshot data are stored in. */
export function pieceCount(bytes: number): number {
  return Math.ceil(bytes / SNAPSHOT_PIECE_BYTES);
}

/**
 * Writes the pieces of `w` to `db`, one synced batch each, computing their CRCs on the way (one
 * piece at a time, so neither the copy into LevelDB nor the checksum holds the event loop for
 * more than one piece's worth). Returns the number of syncs.
 */
export async function writePieces(db: Level<string, string>, w: SnapshotWrite): Promise<number> {
  const data = w.snapshot.data;
  w.crcs.length = 0;
  for (let k = 0; k < pieceCount(data.length); k++) {
    const value = data.subarray(k * SNAPSHOT_PIECE_BYTES, Math.min(data.length, (k + 1) * SNAPSHOT_PIECE_BYTES));
    w.crcs.push(pieceCrc(value));
    await db.batch<string, Uint8Array>([{ type: 'put', key: raftPieceKey(w.id, k), value, valueEncoding: 'view' }], { sync: true });
  }
  return pieceCount(data.length);
}

/** The LevelDB form of `op` (r:snap gets the CRCs writePieces computed). */
export function levelOp(op: Op): LevelOp {
  if (op.type !== 'manifest') return op;
  const { id, snapshot, crcs } = op.write;
  const manifest: SnapshotManifest = { id, meta: snapshot.meta, bytes: snapshot.data.length, crcs };
  return { type: 'put', key: RAFT_KEY_SNAPSHOT, value: encodeManifest(manifest) };
}
