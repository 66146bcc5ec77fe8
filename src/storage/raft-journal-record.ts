/**
 * The records of a Raft journal (layout in raft-keys.ts): one frame (journal-frame.ts) per
 * batch, holding the batch's entries and/or hard state. Why its own file: the writer encodes a
 * whole group-commit round into one buffer (one write(2)), and recovery must turn any payload
 * into either a batch or a clear error; both sides live here, next to each other.
 *
 * Payload (binary, little-endian; entry data stored as it is):
 *
 *   offset 0   u8      record version (1)
 *          1   u8      flags: 1 hard state present, 2 its vote is not null
 *          2   u16     0
 *          4   u32     number of entries (contiguous indexes)
 *          8   ...     hard state, if present: f64 term, f64 commit, u16 vote length, vote (UTF-8)
 *              ...     each entry: u8 kind (0 normal, 1 config, 2 electionTimer, 3 noop), u8 0,
 *                      u16 id length, u32 data length, f64 term, f64 index, id (UTF-8), data
 *
 * The frame's CRC-32 covers the payload, so entries carry no checksum of their own.
 */
import type { EntryKind, HardState, LogEntry } from '../raft/types.js';
import { entryId, logIndex, nodeId, term } from '../raft/types.js';
import { FRAME_HEADER_BYTES, sealFrame } from './journal-frame.js';

/** One batch as the journal holds it: entries (maybe none) and maybe a hard state. */
export interface JournalBatch {
  readonly entries: readonly LogEntry[];
  readonly hardState: HardState | undefined;
}

/** A payload that does not decode; the caller names the file and record. */
export class BadJournalRecord extends Error {}

const RECORD_VERSION = 1;
const FLAG_HARD = 1;
const FLAG_VOTE = 2;
const HEAD_BYTES = 8;
const HARD_BYTES = 18;
const ENTRY_HEAD_BYTES = 24;
const KINDS: readonly EntryKind[] = ['normal', 'config', 'electionTimer', 'noop'];

function payloadBytes(b: JournalBatch): number {
  let n = HEAD_BYTES;
  if (b.hardState !== undefined) n += HARD_BYTES + (b.hardState.vote === null ? 0 : Buffer.byteLength(b.hardState.vote, 'utf8'));
  for (const e of b.entries) n += ENTRY_HEAD_BYTES + Buffer.byteLength(e.id, 'utf8') + e.data.length;
  return n;
}

/** Writes `b`'s payload at `off`; returns the offset after it. */
function writePayload(buf: Buffer, off: number, b: JournalBatch): number {
  const h = b.hardState;
  buf.writeUInt8(RECORD_VERSION, off);
  buf.writeUInt8((h !== undefined ? FLAG_HARD : 0) | (h !== undefined && h.vote !== null ? FLAG_VOTE : 0), off + 1);
  buf.writeUInt16LE(0, off + 2);
  buf.writeUInt32LE(b.entries.length, off + 4);
  let p = off + HEAD_BYTES;
  if (h !== undefined) {
    buf.writeDoubleLE(h.term, p);
    buf.writeDoubleLE(h.commit, p + 8);
    const voteBytes = h.vote === null ? 0 : buf.write(h.vote, p + HARD_BYTES, 'utf8');
    if (voteBytes > 0xffff) throw new Error(`vote of ${voteBytes} bytes is too long`);
    buf.writeUInt16LE(voteBytes, p + 16);
    p += HARD_BYTES + voteBytes;
  }
  for (const e of b.entries) {
    const idBytes = buf.write(e.id, p + ENTRY_HEAD_BYTES, 'utf8');
    if (idBytes > 0xffff) throw new Error(`entry id of ${idBytes} bytes is too long`);
    buf.writeUInt8(KINDS.indexOf(e.kind), p);
    buf.writeUInt8(0, p + 1);
    buf.writeUInt16LE(idBytes, p + 2);
    buf.writeUInt32LE(e.data.length, p + 4);
    buf.writeDoubleLE(e.term, p + 8);
    buf.writeDoubleLE(e.index, p + 16);
    buf.set(e.data, p + ENTRY_HEAD_BYTES + idBytes);
    p += ENTRY_HEAD_BYTES + idBytes + e.data.length;
  }
  return p;
}

/**
 * The frames of `batches` as records firstSeq, firstSeq + 1, ... in one buffer: one allocation
 * and one write(2) for a whole group-commit round.
 */
export function encodeJournalRound(batches: readonly JournalBatch[], firstSeq: number): Buffer {
  const sizes = batches.map(payloadBytes);
  const buf = Buffer.allocUnsafe(sizes.reduce((a, n) => a + FRAME_HEADER_BYTES + n, 0));
  let off = 0;
  batches.forEach((b, k) => {
    const end = writePayload(buf, off + FRAME_HEADER_BYTES, b);
    if (end !== off + FRAME_HEADER_BYTES + (sizes[k] as number)) throw new Error('journal record size mismatch');
    sealFrame(buf, off, end, firstSeq + k);
    off = end;
  });
  return buf;
}

function isCount(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}

/** Decodes one record's payload; throws BadJournalRecord. Entry data is copied out of `payload`. */
export function decodeJournalBatch(payload: Uint8Array): JournalBatch {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const need = (p: number, n: number): void => {
    if (p + n > buf.length) throw new BadJournalRecord('it ends too early');
  };
  need(0, HEAD_BYTES);
  if (buf.readUInt8(0) !== RECORD_VERSION) throw new BadJournalRecord(`unknown record version ${buf.readUInt8(0)}`);
  const flags = buf.readUInt8(1);
  const count = buf.readUInt32LE(4);
  let p = HEAD_BYTES;
  let hardState: HardState | undefined;
  if ((flags & FLAG_HARD) !== 0) {
    need(p, HARD_BYTES);
    const t = buf.readDoubleLE(p);
    const commit = buf.readDoubleLE(p + 8);
    const voteBytes = buf.readUInt16LE(p + 16);
    need(p + HARD_BYTES, voteBytes);
    if (!isCount(t) || !isCount(commit) || ((flags & FLAG_VOTE) !== 0) !== voteBytes > 0) throw new BadJournalRecord('bad hard state');
    const vote = voteBytes === 0 ? null : nodeId(buf.toString('utf8', p + HARD_BYTES, p + HARD_BYTES + voteBytes));
    hardState = { term: term(t), vote, commit: logIndex(commit) };
    p += HARD_BYTES + voteBytes;
  }
  const entries: LogEntry[] = [];
  for (let k = 0; k < count; k++) {
    need(p, ENTRY_HEAD_BYTES);
    const kind = KINDS[buf.readUInt8(p)];
    const idBytes = buf.readUInt16LE(p + 2);
    const dataBytes = buf.readUInt32LE(p + 4);
    const t = buf.readDoubleLE(p + 8);
    const i = buf.readDoubleLE(p + 16);
    if (kind === undefined) throw new BadJournalRecord('unknown entry kind');
    if (!isCount(t) || !isCount(i) || i < 1) throw new BadJournalRecord('bad entry term or index');
    const prev = entries[k - 1];
    if (prev !== undefined && i !== prev.index + 1) throw new BadJournalRecord(`entries not contiguous: ${i} after ${prev.index}`);
    if (idBytes === 0) throw new BadJournalRecord('bad entry id length');
    need(p + ENTRY_HEAD_BYTES, idBytes + dataBytes);
    const idStart = p + ENTRY_HEAD_BYTES;
    const id = buf.toString('utf8', idStart, idStart + idBytes);
    // Copied: the store keeps entries for the life of the process, the file's buffer not.
    const data = new Uint8Array(buf.subarray(idStart + idBytes, idStart + idBytes + dataBytes));
    entries.push({ term: term(t), index: logIndex(i), id: entryId(id), kind, data });
    p = idStart + idBytes + dataBytes;
  }
  if (p !== buf.length) throw new BadJournalRecord(`${buf.length - p} bytes after the last entry`);
  return { entries, hardState };
}
