import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { FRAME_HEADER_BYTES, crc32, crc32Update, decodeJournal, encodeFrame, encodeFrames, framePayloadBytes } from '../../src/storage/journal-frame.js';

const texts = ['{"T":{"a":{"n":1}}}', '{"T":{"b":{"s":"héllo ✓"}}}', '{}', JSON.stringify({ big: 'x'.repeat(5000) })];
const file = (): Buffer => Buffer.concat(texts.map((t, i) => encodeFrame(i + 1, t)));

describe('journal frames', () => {
  it('crc32 matches the IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('crc32Update agrees with zlib for every length, offset and continuation', () => {
    const rng = new Prng(7);
    const buf = Buffer.from(Array.from({ length: 300 }, () => rng.int(0, 255)));
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= buf.length; end += 1 + (end % 7)) {
        const seed = rng.int(0, 0xffff_ffff);
        expect(crc32Update(seed, buf, start, end)).toBe(zlibCrc32(buf.subarray(start, end), seed));
      }
    }
  });

  it('encodeFrames gives the same bytes as one encodeFrame per record', () => {
    const sizes = texts.map(framePayloadBytes);
    const buffer = encodeFrames(7, texts, sizes);
    const one = texts.map((t, i) => encodeFrame(7 + i, t));
    expect(buffer.equals(Buffer.concat(one))).toBe(true);
    expect(decodeJournal(buffer, 'b').records).toEqual(texts.map((text, i) => ({ seq: 7 + i, text })));
    expect(() => encodeFrames(0, texts, sizes)).toThrow(/sequence number/);
    expect(encodeFrames(1, [], []).length).toBe(0);
  });

  it('round-trip records with their sequence numbers, including large ones', () => {
    const d = decodeJournal(file(), 'f');
    expect(d).toEqual({ records: texts.map((text, i) => ({ seq: i + 1, text })), validBytes: file().length, torn: false, padded: true });
    const big = decodeJournal(encodeFrame(2 ** 53 - 1, '{}'), 'f');
    expect(big.records).toEqual([{ seq: 2 ** 53 - 1, text: '{}' }]);
    expect(() => encodeFrame(0, '{}')).toThrow(/sequence/);
    expect(decodeJournal(Buffer.alloc(0), 'f')).toEqual({ records: [], validBytes: 0, torn: false, padded: true });
  });

  it('a tail cut at any byte drops only the cut record', () => {
    const buf = file();
    const lastStart = buf.length - encodeFrame(4, texts[3] ?? '').length;
    for (let cut = lastStart; cut < buf.length; cut += 97) {
      const d = decodeJournal(buf.subarray(0, cut), 'f');
      expect(d.records.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(d.torn).toBe(cut > lastStart);
      // The remains of a frame are not padding (a frame starts with its non-zero magic).
      expect(d.padded).toBe(cut === lastStart);
      expect(d.validBytes).toBe(lastStart);
    }
  });

  it('garbage or zeros after the last frame are a torn tail; only zeros are padding', () => {
    const prng = new Prng(7);
    const garbage = Buffer.from(Array.from({ length: 300 }, () => prng.int(0, 255)));
    const zerosThenByte = Buffer.alloc(4096);
    zerosThenByte[4000] = 1;
    for (const [tail, padded] of [[Buffer.alloc(4096), true], [garbage, false], [zerosThenByte, false]] as const) {
      const d = decodeJournal(Buffer.concat([file(), tail]), 'f');
      expect(d.records).toHaveLength(4);
      expect(d.torn).toBe(true);
      expect(d.padded).toBe(padded);
    }
  });

  it('a damaged frame followed by a valid one is corruption, not a torn tail', () => {
    for (const offset of [2, 6, 10, 17, FRAME_HEADER_BYTES + 3]) {
      const buf = file();
      buf[offset] = (buf[offset] ?? 0) ^ 0x40;
      expect(() => decodeJournal(buf, 'j.osj')).toThrow(/corrupt journal j\.osj: bad record at byte 0 followed by a valid one/);
    }
  });

  it('random bytes never crash the decoder', () => {
    const prng = new Prng(11);
    for (let i = 0; i < 300; i++) {
      const len = prng.int(0, 199);
      const buf = Buffer.from(Array.from({ length: len }, () => prng.int(0, 255)));
      if (i % 3 === 0 && len >= 4) buf.writeUInt32LE(0x314a534f, 0);
      const d = decodeJournal(buf, 'r');
      expect(d.records.length).toBe(0);
      expect(d.validBytes).toBe(0);
    }
  });
});
