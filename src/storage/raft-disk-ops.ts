/**
 * The LevelDB operations RaftDiskStore writes (a checkpoint, the cluster metadata), the writing
 * of a snapshot's data in pieces, and the settling of the journals found at open. Why its own file: the snapshot's put (r:snap) can only
 * be encoded once its pieces are written and their checksums known, so queued operations are a
 * small union resolved at write time.
 */
import { unlink } from 'node:fs/promises';
import type { Level } from 'level';
import type { HardState, LogEntry, Snapshot } from '../raft/types.js';
import { syncDirectorySync, syncFileSync } from './journal-file.js';
import type { RecoveredRaftDir } from './raft-disk-recovery.js';
import type { JournalPosition } from './raft-journal.js';
import {
  RAFT_FORMAT_VERSION, RAFT_KEY_FORMAT, RAFT_KEY_HARD_STATE, RAFT_KEY_JOURNAL, RAFT_KEY_SNAPSHOT, SNAPSHOT_PIECE_BYTES, raftLogKey, raftPieceKey,
} from './raft-keys.js';
import type { SnapshotManifest } from './raft-values.js';
import { encodeEntry, encodeHardState, encodeJournalPosition, encodeManifest, pieceCrc } from './raft-values.js';

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

/** The whole state as of one batch, to write into LevelDB (a checkpoint, raft-keys.ts). */
export interface Checkpoint {
  /** A new snapshot (its pieces are written first), or none (the stored one stays). */
  readonly snapshot: SnapshotWrite | undefined;
  /** The pieces of the snapshot it replaces, to delete. */
  readonly oldPieces: { readonly id: number; readonly count: number } | undefined;
  readonly snapIndex: number;
  readonly hardState: HardState;
  /** The log after the snapshot, contiguous from snapIndex + 1. */
  readonly entries: readonly LogEntry[];
}

/**
 * The operations of checkpoint `c`: r:snap, r:hard, r:log keys snapIndex + 1 .. last (and the
 * deletion of those above, up to `levelLogLast`, the highest one stored), r:journal pointing
 * at `position`, and r:format (a format-1 directory is format 2 from its first checkpoint).
 * Log keys at or below snapIndex are left to a lazy deletion.
 */
export function checkpointOps(c: Checkpoint, levelLogLast: number, position: JournalPosition): Op[] {
  const ops: Op[] = [];
  if (c.snapshot !== undefined) ops.push({ type: 'manifest', write: c.snapshot });
  if (c.snapshot !== undefined && c.oldPieces !== undefined) for (let k = 0; k < c.oldPieces.count; k++) ops.push({ type: 'del', key: raftPieceKey(c.oldPieces.id, k) });
  ops.push({ type: 'put', key: RAFT_KEY_HARD_STATE, value: encodeHardState(c.hardState) });
  for (const e of c.entries) ops.push({ type: 'put', key: raftLogKey(e.index), value: encodeEntry(e), valueEncoding: 'view' });
  for (let i = c.snapIndex + c.entries.length + 1; i <= levelLogLast; i++) ops.push({ type: 'del', key: raftLogKey(i) });
  ops.push({ type: 'put', key: RAFT_KEY_JOURNAL, value: encodeJournalPosition(position) });
  ops.push({ type: 'put', key: RAFT_KEY_FORMAT, value: String(RAFT_FORMAT_VERSION) });
  return ops;
}

/**
 * Makes the journals found at open safe to write after (read-write opens only). Normally they
 * go on holding the log: they are fdatasynced once (a crashed process may have left them in the
 * page cache only, and a later record must never be durable without them) and new records go to
 * a new file after them. If a dropped tail held the remains of a frame, the state found is
 * written into LevelDB as a checkpoint (one synced batch) and every journal file is deleted, so
 * no later recovery meets the damage before newer records. A format-1 directory is marked
 * format 2 (its log stays in LevelDB as the checkpoint).
 * Obsolete files (below the checkpoint's position) are deleted.
 */
export async function settleJournals(db: Level<string, string>, dir: string, found: RecoveredRaftDir, progress: (msg: string) => void): Promise<RecoveredRaftDir> {
  const j = found.journals;
  for (const f of j.obsolete) await unlink(f.path).catch(() => undefined);
  if (!j.damaged) {
    // Format 1 (no journals yet): from now on an older program must not open it.
    if (found.format !== RAFT_FORMAT_VERSION) await db.put(RAFT_KEY_FORMAT, String(RAFT_FORMAT_VERSION), { sync: true });
    for (const f of j.live) syncFileSync(f.path);
    if (j.live.length > 0 || j.obsolete.length > 0) syncDirectorySync(dir);
    return found;
  }
  if (j.damaged) progress(`${dir}: rewriting the ${found.entries.length} log entries into LevelDB and deleting the damaged journals`);
  const snapIndex = found.snapshot?.meta.index ?? 0;
  const checkpoint: Checkpoint = { snapshot: undefined, oldPieces: undefined, snapIndex, hardState: found.hardState, entries: found.entries };
  const ops = checkpointOps(checkpoint, found.levelLogLast, { first: j.nextNumber, seq: j.nextSeq }).map(levelOp);
  await db.batch<string, string | Uint8Array>(ops, { sync: true });
  for (const f of j.live) await unlink(f.path).catch(() => undefined);
  if (j.live.length > 0) syncDirectorySync(dir);
  return { ...found, levelLogLast: snapIndex + found.entries.length, journals: { ...j, live: [], obsolete: [], damaged: false } };
}

