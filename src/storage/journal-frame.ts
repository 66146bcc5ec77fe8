/**
 * The record framing of a journal file (layout in keys.ts): encoding one record, and decoding a
 * whole file with torn-tail detection.
 *
 * A frame is a 20-byte header followed by the record's JSON text in UTF-8:
 *
 *   offset 0  u32 LE  magic 0x314a534f ("OSJ1" in file order)
 *          4  u32 LE  payload length in bytes (at most MAX_PAYLOAD_BYTES)
 *          8  u32 LE  sequence number, high 32 bits
 *         12  u32 LE  sequence number, low 32 bits
 *         16  u32 LE  CRC-32 (IEEE, as zlib) of bytes 4..16 and the payload
 *         20  ...     payload
 *
 * Frames are only ever appended whole with write(2), so after SIGKILL a file ends on a frame
 * boundary; after a power failure its tail may be cut short or filled with garbage. Like the
 * real ovsdb-server's log (ovsdb/log.c: a bad record ends the log), a bad frame with nothing
 * valid after it is a torn tail and is dropped. A bad frame followed by a valid one cannot be a
 * torn write: that is corruption, and decoding fails rather than silently skip records.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

export const FRAME_MAGIC = 0x314a534f;
export const FRAME_HEADER_BYTES = 20;
/** Larger lengths are treated as garbage; one record is far smaller in practice. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/**
 * CRC-32 tables for slicing-by-8: TABLES[0] is the classic byte table; TABLES[k][n] is the CRC
 * of byte n followed by k zero bytes, so eight bytes are folded in per step.
 */
const TABLES = ((): Uint32Array[] => {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1] as Uint32Array;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const p = prev[n] as number;
      t[n] = ((p >>> 8) ^ (t0[p & 0xff] as number)) >>> 0;
    }
    tables.push(t);
  }
  return tables;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/**
 * Continues a CRC-32 (IEEE 802.3, reflected, as zlib's crc32) over `buf[start, end)`, eight
 * bytes per step (slicing-by-8): every commit checksums its record, and this is about 4x faster
 * than a byte at a time, and faster than a native zlib.crc32 call for records this small.
 */
export function crc32Update(crc: number, buf: Uint8Array, start: number, end: number): number {
  // Large buffers (snapshot pieces, big transactions) go to zlib's native CRC, several times
  // faster per byte; the call's fixed cost only pays off past a few KiB.
  if (end - start > 4096) return zlibCrc32(buf.subarray(start, end), crc) >>> 0;
  let c = ~crc;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ ((buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24));
    c = (T7[lo & 0xff] as number) ^ (T6[(lo >>> 8) & 0xff] as number) ^ (T5[(lo >>> 16) & 0xff] as number) ^ (T4[lo >>> 24] as number)
      ^ (T3[buf[i + 4] as number] as number) ^ (T2[buf[i + 5] as number] as number) ^ (T1[buf[i + 6] as number] as number) ^ (T0[buf[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (T0[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 of a whole buffer (crc32(Buffer.from('123456789')) === 0xcbf43926). */
export function crc32(buf: Uint8Array): number {
  return crc32Update(0, buf, 0, buf.length);
}

/** One frame holding record `seq` with JSON text `text`. */
export function encodeFrame(seq: number, text: string): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`bad journal sequence number ${seq}`);
  const payloadBytes = Buffer.byteLength(text, 'utf8');
  if (payloadBytes > MAX_PAYLOAD_BYTES) throw new Error(`record of ${payloadBytes} bytes is too large for the journal`);
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  buf.writeUInt32LE(FRAME_MAGIC, 0);
  buf.writeUInt32LE(payloadBytes, 4);
  buf.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), 8);
  buf.writeUInt32LE(seq >>> 0, 12);
  buf.write(text, FRAME_HEADER_BYTES, 'utf8');
  const crc = crc32Update(crc32Update(0, buf, 4, 16), buf, FRAME_HEADER_BYTES, buf.length);
  buf.writeUInt32LE(crc, 16);
  return buf;
}

/** Checks one record's payload size (UTF-8 bytes) before it is queued; returns the size. */
export function framePayloadBytes(text: string): number {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) throw new Error(`record of ${bytes} bytes is too large for the journal`);
  return bytes;
}

/**
 * The frames of records firstSeq, firstSeq + 1, ... (texts, with their payload sizes from
 * framePayloadBytes) in one buffer. One allocation for a
 * whole event-loop turn of commits, instead of one Buffer per record.
 */
export function encodeFrames(firstSeq: number, texts: readonly string[], payloadBytes: readonly number[]): Buffer {
  if (!Number.isSafeInteger(firstSeq) || firstSeq < 1 || !Number.isSafeInteger(firstSeq + texts.length)) throw new Error(`bad journal sequence number ${firstSeq}`);
  let total = 0;
  for (let i = 0; i < texts.length; i++) total += FRAME_HEADER_BYTES + (payloadBytes[i] as number);
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < texts.length; i++) {
    const len = payloadBytes[i] as number;
    const seq = firstSeq + i;
    buf.writeUInt32LE(FRAME_MAGIC, off);
    buf.writeUInt32LE(len, off + 4);
    buf.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), off + 8);
    buf.writeUInt32LE(seq >>> 0, off + 12);
    buf.write(texts[i] as string, off + FRAME_HEADER_BYTES, len, 'utf8');
    const end = off + FRAME_HEADER_BYTES + len;
    buf.writeUInt32LE(crc32Update(crc32Update(0, buf, off + 4, off + 16), buf, off + FRAME_HEADER_BYTES, end), off + 16);
    off = end;
  }
  return buf;
}

/** A record read back from a journal. */
export interface JournalRecord {
  readonly seq: number;
  readonly text: string;
}

/** What decoding a journal file found. */
export interface DecodedJournal {
  readonly records: JournalRecord[];
  /** Bytes of whole valid frames at the start; anything after them is a torn tail. */
  readonly validBytes: number;
  /** True if bytes after `validBytes` were dropped as a torn tail. */
  readonly torn: boolean;
  /**
   * True if every byte after `validBytes` is zero (or there is none): the tail is the file's
   * pre-allocation (journal-file.ts), not the remains of a frame. Frames lost whole to a power
   * failure look the same, so a padded tail may still have cut records off.
   */
  readonly padded: boolean;
}

/** Length of the valid frame at `off`, or undefined if there is none. */
function frameAt(buf: Uint8Array, view: DataView, off: number): number | undefined {
  if (buf.length - off < FRAME_HEADER_BYTES) return undefined;
  if (view.getUint32(off, true) !== FRAME_MAGIC) return undefined;
  const len = view.getUint32(off + 4, true);
  if (len > MAX_PAYLOAD_BYTES || off + FRAME_HEADER_BYTES + len > buf.length) return undefined;
  const hi = view.getUint32(off + 8, true);
  if (hi > 0x1fffff) return undefined; // beyond 2^53
  if (hi === 0 && view.getUint32(off + 12, true) === 0) return undefined;
  const crc = crc32Update(crc32Update(0, buf, off + 4, off + 16), buf, off + FRAME_HEADER_BYTES, off + FRAME_HEADER_BYTES + len);
  return crc === view.getUint32(off + 16, true) ? FRAME_HEADER_BYTES + len : undefined;
}

/** Offset of the first valid frame at or after `from`, or undefined. Only runs on a bad frame. */
function findValidFrame(buf: Uint8Array, view: DataView, from: number): number | undefined {
  for (let i = from; i + FRAME_HEADER_BYTES <= buf.length; i++) {
    if (view.getUint32(i, true) === FRAME_MAGIC && frameAt(buf, view, i) !== undefined) return i;
  }
  return undefined;
}

/** A journal that is damaged in the middle (not a torn tail); `reason` says where. */
export class JournalCorruptError extends Error {
  constructor(readonly what: string, readonly reason: string) {
    super(`corrupt journal ${what}: ${reason}`);
  }
}

/** One frame read back: its sequence number and payload (a view into the decoded buffer). */
export interface JournalFrame {
  readonly seq: number;
  readonly payload: Uint8Array;
}

/** What decoding a buffer of frames found (decodeFrames). */
export interface DecodedFrames {
  readonly frames: JournalFrame[];
  /** As in DecodedJournal. */
  readonly validBytes: number;
  readonly torn: boolean;
  readonly padded: boolean;
}

/**
 * Decodes a whole journal file into its frames, payloads as they are (bytes). Throws
 * JournalCorruptError if a bad frame is followed by a valid one (corruption in the middle);
 * `what` names the file in that message. Shared by the standalone journal (JSON text payloads,
 * decodeJournal) and the Raft journal (binary payloads, raft-journal-record.ts).
 */
export function decodeFrames(buf: Uint8Array, what: string): DecodedFrames {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const frames: JournalFrame[] = [];
  let off = 0;
  while (off < buf.length) {
    const size = frameAt(buf, view, off);
    if (size === undefined) {
      const next = findValidFrame(buf, view, off + 1);
      if (next !== undefined) throw new JournalCorruptError(what, `bad record at byte ${off} followed by a valid one at byte ${next}`);
      let padded = true;
      for (let i = off; i < buf.length && padded; i++) padded = buf[i] === 0;
      return { frames, validBytes: off, torn: true, padded };
    }
    const seq = view.getUint32(off + 8, true) * 0x1_0000_0000 + view.getUint32(off + 12, true);
    frames.push({ seq, payload: buf.subarray(off + FRAME_HEADER_BYTES, off + size) });
    off += size;
  }
  return { frames, validBytes: off, torn: false, padded: true };
}

/** Writes the frame header of record `seq` whose payload is already at `buf[off + 20, end)`. */
export function sealFrame(buf: Buffer, off: number, end: number, seq: number): void {
  const len = end - off - FRAME_HEADER_BYTES;
  if (len > MAX_PAYLOAD_BYTES) throw new Error(`record of ${len} bytes is too large for the journal`);
  buf.writeUInt32LE(FRAME_MAGIC, off);
  buf.writeUInt32LE(len, off + 4);
  buf.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), off + 8);
  buf.writeUInt32LE(seq >>> 0, off + 12);
  buf.writeUInt32LE(crc32Update(crc32Update(0, buf, off + 4, off + 16), buf, off + FRAME_HEADER_BYTES, end), off + 16);
}

/**
 * Decodes a whole journal file. Throws if a bad frame is followed by a valid one (corruption in
 * the middle); `what` names the file in that message.
 */
export function decodeJournal(buf: Uint8Array, what: string): DecodedJournal {
  const decoded = decodeFrames(buf, what);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const records: JournalRecord[] = [];
  for (const f of decoded.frames) {
    let text: string;
    try {
      text = decoder.decode(f.payload);
    } catch {
      throw new JournalCorruptError(what, `record ${f.seq} is not valid UTF-8`);
    }
    records.push({ seq: f.seq, text });
  }
  return { records, validBytes: decoded.validBytes, torn: decoded.torn, padded: decoded.padded };
}
