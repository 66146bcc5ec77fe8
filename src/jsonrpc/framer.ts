/**
 * Splits a byte stream into back-to-back JSON values.
 *
 * Open vSwitch sends JSON-RPC messages with no delimiter between them (RFC 7047 §4: "JSON-RPC
 * over a stream"), so the receiver must find where one top-level value ends. This framer scans
 * the raw bytes once, tracking only what decides a boundary — inside-string, escape and nesting
 * depth — and hands each complete slice to the native `JSON.parse`, or, when the scan saw a
 * number token JSON.parse could round (an int64 beyond ±2^53), to the exact parser of
 * base/json-exact.ts, which yields such integers as bigint. Every structural character
 * in JSON is ASCII and every byte of a multi-byte UTF-8 sequence is >= 0x80, so a chunk split
 * inside a character never confuses the scan; decoding happens only on complete values. Inside
 * strings the scan jumps with native `indexOf`; the values a chunk completes are decoded with one
 * TextDecoder call when they are ASCII (then byte offsets are string offsets), else one by one.
 * A chunk that is exactly one small value — what a client waiting for each reply sends — skips
 * the scan: one decode and one JSON.parse, with checks that make the result the scan's (tryWhole).
 *
 * Behaviour on bad input matches ovsdb-server's (lib/json.c, lib/jsonrpc.c): only objects and
 * arrays at the top level, invalid UTF-8 rejected, "input exceeds maximum nesting depth 1000".
 *
 * Limits keep hostile peers bounded: a value larger than `maxMessageBytes` or nested deeper than
 * `maxDepth` is an error as soon as the scan sees it (100k '[' stops at depth `maxDepth`, the
 * buffer never grows past `maxMessageBytes`). Errors are values: after one, the framer is dead
 * and the caller disconnects (as OVS's jsonrpc does on EPROTO).
 *
 * @example
 * const framer = new JsonFramer({ maxMessageBytes: 1 << 20, maxDepth: 1000 });
 * const out = framer.push(new TextEncoder().encode('{"id":1}{"id"'));
 * // out.values = [{id: 1}], out.error = undefined; the rest waits for the next chunk.
 * const error = framer.feed(chunk, (value) => inbox.push(value)); // same, without arrays
 */

import type { Json } from '../base/json.js';
import { MAX_EXACT_DIGITS, needsExactParse, parseJsonExact } from '../base/json-exact.js';
import { numbersUnambiguous } from './native-numbers.js';

/** Limits on one top-level value. */
export interface FramerLimits {
  /** Largest accepted value, in bytes of UTF-8 (whitespace between values not counted). */
  readonly maxMessageBytes: number;
  /** Deepest accepted nesting of arrays and objects; the top-level value is depth 1. */
  readonly maxDepth: number;
}

/** 64 MiB: big enough for a large database's get_schema or monitor reply, small enough to bound memory. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** As OVS's JSON parser (lib/json.c refuses input nested more than 1000 deep). */
export const DEFAULT_MAX_DEPTH = 1000;

export const defaultFramerLimits: FramerLimits = {
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
};

/** Why the stream was rejected. After any of these the framer accepts no more input. */
export type FramerError =
  | { readonly kind: 'too-large'; readonly limitBytes: number; readonly message: string }
  | { readonly kind: 'too-deep'; readonly limitDepth: number; readonly message: string }
  | { readonly kind: 'syntax'; readonly message: string };

/** What one `push` produced: the values completed, in order, and possibly a terminal error. */
export interface FramerOutput {
  readonly values: Json[];
  readonly error: FramerError | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Receives each complete value, in stream order. It must not throw nor feed the same framer. */
export type FramerSink = (value: Json) => void;

/**
 * Largest chunk the whole-chunk fast path tries: a small request is where skipping the scan pays
 * most, and numbersUnambiguous's recursion stays shallow (at most half this deep).
 */
const FAST_MAX_BYTES = 4096;

/** A value the fast path failed on is retried only after this many chunks (times 2^misses). */
const FAST_RETRY_CHUNKS = 16;
const FAST_MAX_BACKOFF_SHIFT = 4;

type Parsed = { value: Json; error: undefined } | { value: undefined; error: FramerError };

function syntaxError(e: unknown): FramerError {
  const detail = e instanceof Error ? e.message : String(e);
  return { kind: 'syntax', message: `syntax error: ${detail}` };
}

/**
 * Parses one value's text. `exact` is set when the scan saw a number token that JSON.parse could
 * round (over MAX_EXACT_DIGITS digits, or an exponent): that value goes through the exact parser,
 * which keeps int64 integers as OVS does (base/json-exact.ts); all others take native JSON.parse.
 */
function parseText(text: string, exact: boolean): Parsed {
  try {
    // JSON.parse yields only JSON values, so its result is a Json by construction.
    const value: Json = exact ? parseJsonExact(text) : JSON.parse(text);
    return { value, error: undefined };
  } catch (e) {
    return { value: undefined, error: syntaxError(e) };
  }
}

/**
 * Streaming splitter of top-level JSON values (objects or arrays, as JSON-RPC messages are).
 * Not reentrant; one per connection.
 */
export class JsonFramer {
  private readonly limits: FramerLimits;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Pieces of the value in progress that arrived in earlier chunks. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Scan state, carried across chunks. depth 0 means "between values". */
  private depth = 0;
  /**
   * Opening byte at each depth (index = depth), so a mismatched closer such as the '}' in
   * `[}` fails at once, as OVS's parser does, instead of leaving the value open forever.
   */
  private readonly openers: Uint8Array;
  private inString = false;
  private escaped = false;
  /** Length of the run of number digits just scanned (a token may span chunks). */
  private digits = 0;
  /** The value in progress holds a number token that needs the exact parser. */
  private exact = false;
  private failed: FramerError | undefined;
  private skipRunDecodeChunks = 0;
  /** Values wholly inside the chunk being scanned, as (start, end, exact) triples; reused. */
  private readonly ranges: number[] = [];
  /** Largest chunk the whole-chunk fast path tries (see tryWhole). */
  private readonly fastMaxBytes: number;
  /** Chunks to scan before trying the fast path again, and how often it missed in a row. */
  private fastSkipChunks = 0;
  private fastMisses = 0;

  constructor(limits: Partial<FramerLimits> = {}) {
    this.limits = { ...defaultFramerLimits, ...limits };
    this.openers = new Uint8Array(this.limits.maxDepth + 2);
    // Nesting deeper than maxDepth takes maxDepth + 1 openers and as many closers, so a text
    // JSON.parse accepts that is shorter than that cannot break the depth limit.
    this.fastMaxBytes = Math.min(2 * this.limits.maxDepth + 1, this.limits.maxMessageBytes, FAST_MAX_BYTES);
  }

  /** Bytes held for an incomplete value (for memory accounting). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** True while part of a value has been received but not its end. */
  get midValue(): boolean {
    return this.depth > 0;
  }

  /** The terminal error, if one occurred. */
  get error(): FramerError | undefined {
    return this.failed;
  }

  /**
   * Feeds the next chunk. Returns every value completed by it; on garbage returns the values
   * completed before the garbage plus the error, and ignores all later input.
   */
  push(chunk: Uint8Array): FramerOutput {
    const values: Json[] = [];
    const error = this.feed(chunk, (v) => {
      values.push(v);
    });
    return { values, error };
  }

  /**
   * As `push`, but hands each completed value to `sink` as it is parsed (no arrays per chunk).
   * Returns the terminal error, if the stream has one (values before the garbage were delivered).
   */
  feed(chunk: Uint8Array, sink: FramerSink): FramerError | undefined {
    if (this.failed) return this.failed;
    const n = chunk.length;
    if (this.depth === 0 && n > 0 && n <= this.fastMaxBytes) {
      if (this.fastSkipChunks > 0) this.fastSkipChunks--;
      else if (this.tryWhole(chunk, n, sink)) return this.failed;
    }
    return this.scan(chunk, sink);
  }

  /**
   * Fast path for the commonest chunk, one whole request as a client that waits for each reply
   * sends it: decode it, JSON.parse it, and skip the byte scan. It applies only when that gives
   * what the scan would: the chunk starts a value and ends one, decodes as UTF-8, JSON.parse
   * accepts it as a single value (so brackets match), it is too short to exceed the depth limit
   * (fastMaxBytes), and no number token needs the exact parser (numbersUnambiguous, else the
   * scan's own test on the text; if one does, the exact parser runs, as after the scan).
   * Otherwise returns false, having delivered nothing, and the caller scans. A peer that
   * pipelines (several values per chunk) makes JSON.parse fail, which costs more (a parse and an
   * exception) than a hit saves: after each miss the fast path rests for 16, 32, ... 256 chunks
   * (a hit resets that), so a peer that mostly sends one value per chunk keeps it, and one that
   * pipelines pays a failed parse at most once per 256 chunks.
   */
  private tryWhole(chunk: Uint8Array, n: number, sink: FramerSink): boolean {
    const first = chunk[0];
    const last = chunk[n - 1];
    if ((first !== LBRACE && first !== LBRACKET) || (last !== RBRACE && last !== RBRACKET)) return false;
    let text: string;
    let value: Json;
    try {
      text = this.decoder.decode(chunk);
      value = JSON.parse(text);
    } catch {
      this.fastMiss();
      return false;
    }
    if (!numbersUnambiguous(value) && needsExactParse(text)) {
      // What the scan would do with this value: the exact parser (its error is the stream's).
      // A peer that sends such numbers likely goes on: rest the fast path as after a miss.
      this.fastMiss();
      try {
        value = parseJsonExact(text);
      } catch (e) {
        this.fail(syntaxError(e));
        return true;
      }
    } else {
      this.fastMisses = 0;
    }
    sink(value);
    return true;
  }

  private fastMiss(): void {
    this.fastSkipChunks = FAST_RETRY_CHUNKS << this.fastMisses;
    if (this.fastMisses < FAST_MAX_BACKOFF_SHIFT) this.fastMisses++;
  }

  /** The byte scan: splits the chunk into values, carrying partial ones over to the next chunk. */
  private scan(chunk: Uint8Array, sink: FramerSink): FramerError | undefined {
    const { maxDepth, maxMessageBytes } = this.limits;
    const n = chunk.length;
    let depth = this.depth;
    const openers = this.openers;
    let inString = this.inString;
    let escaped = this.escaped;
    let digits = this.digits;
    let exact = this.exact;
    // Start of the value in progress within this chunk (0 if it began in an earlier chunk).
    let start = depth > 0 ? 0 : -1;
    let nextBackslash = -1;
    // Values wholly inside this chunk: decoded together at the end.
    const ranges = this.ranges;
    ranges.length = 0;
    let i = 0;
    while (i < n) {
      if (depth === 0) {
        // Between values: skip whitespace; anything but '{' or '[' is garbage.
        const b = chunk[i] as number;
        if (isWhitespace(b)) {
          i++;
          continue;
        }
        if (b !== LBRACE && b !== LBRACKET) {
          return this.failAfter(chunk, sink, { kind: 'syntax', message: `syntax error: unexpected byte 0x${b.toString(16).padStart(2, '0')} between JSON values` });
        }
        start = i;
        digits = 0;
        exact = false;
        depth = 1;
        openers[1] = b;
        i++;
        continue;
      }
      // Inside a value. Bound the work per value by the size limit before scanning further.
      const limitEnd = Math.min(n, start + (maxMessageBytes - this.pendingBytes));
      let closed = false;
      while (i < limitEnd) {
        if (inString) {
          // Fast path: jump to the next quote or backslash with native indexOf. The next
          // backslash position is cached so a chunk with few escapes is searched once, not once
          // per string (which would be quadratic in the chunk size).
          if (escaped) {
            escaped = false;
            i++;
            continue;
          }
          let q = chunk.indexOf(QUOTE, i);
          if (q < 0 || q > limitEnd) q = limitEnd;
          if (nextBackslash < i) {
            nextBackslash = chunk.indexOf(BACKSLASH, i);
            if (nextBackslash < 0) nextBackslash = n;
          }
          if (nextBackslash < q) {
            i = nextBackslash + 1;
            escaped = true;
          } else if (q === limitEnd) {
            i = limitEnd;
          } else {
            i = q + 1;
            inString = false;
          }
          continue;
        }
        const b = chunk[i] as number;
        i++;
        if (b <= DIGIT_9 && b >= DIGIT_0) {
          // Number digits: a token longer than JSON.parse keeps exact marks the value.
          if (++digits > MAX_EXACT_DIGITS) exact = true;
          continue;
        }
        if (b === DOT) continue; // a fraction's digits count with the integer part's
        if ((b === LOWER_E || b === UPPER_E) && digits > 0) exact = true; // an exponent, not 'true'
        digits = 0;
        if (b === QUOTE) {
          inString = true;
        } else if (b === LBRACE || b === LBRACKET) {
          if (++depth > maxDepth) {
            return this.failAfter(chunk, sink, { kind: 'too-deep', limitDepth: maxDepth, message: `input exceeds maximum nesting depth ${maxDepth}` });
          }
          openers[depth] = b;
        } else if (b === RBRACE || b === RBRACKET) {
          if (openers[depth] !== (b === RBRACE ? LBRACE : LBRACKET)) {
            return this.failAfter(chunk, sink, { kind: 'syntax', message: `syntax error: mismatched '${String.fromCharCode(b)}'` });
          }
          if (--depth === 0) {
            closed = true;
            break;
          }
        }
      }
      if (closed) {
        if (this.pendingBytes > 0) {
          // The value began in an earlier chunk: it is the first one completed by this chunk.
          const parsed = this.complete(chunk.subarray(start, i), exact);
          if (parsed.error) return this.fail(parsed.error);
          sink(parsed.value);
        } else {
          ranges.push(start, i, exact ? 1 : 0);
        }
        start = -1;
        inString = false;
        escaped = false;
        continue;
      }
      // Not closed: either the chunk is used up, or the size limit stopped the scan early.
      if (i < n) {
        return this.failAfter(chunk, sink, { kind: 'too-large', limitBytes: maxMessageBytes, message: `message exceeds maximum size of ${maxMessageBytes} bytes` });
      }
    }
    if (depth > 0 && start >= 0) {
      // A real copy (Node's Buffer#slice would return a view): the caller may reuse the chunk.
      const rest = Uint8Array.prototype.slice.call(chunk, start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.digits = digits;
    this.exact = exact;
    const error = this.parseRanges(chunk, sink);
    return error ? this.fail(error) : undefined;
  }

  /** Decodes and parses one complete top-level value whose tail is `last`. */
  private complete(last: Uint8Array, exact: boolean): Parsed {
    let bytes = last;
    if (this.pending.length > 0) {
      bytes = new Uint8Array(this.pendingBytes + last.length);
      let off = 0;
      for (const p of this.pending) {
        bytes.set(p, off);
        off += p.length;
      }
      bytes.set(last, off);
      this.pending = [];
      this.pendingBytes = 0;
    }
    return this.decodeAndParse(bytes, exact);
  }

  /** Decodes (rejecting invalid UTF-8, as OVS does) and parses one whole value. */
  private decodeAndParse(bytes: Uint8Array, exact: boolean): Parsed {
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      return { value: undefined, error: { kind: 'syntax', message: 'syntax error: invalid UTF-8 in input' } };
    }
    return parseText(text, exact);
  }

  /**
   * Parses the values in `ranges` into `sink`. The common case — a run of ASCII-only values,
   * as OVSDB traffic mostly is — costs one decode for the whole run, after which byte offsets
   * are string offsets; otherwise each value is decoded on its own. Returns the first error.
   */
  private parseRanges(chunk: Uint8Array, sink: FramerSink): FramerError | undefined {
    const ranges = this.ranges;
    if (ranges.length === 0) return undefined;
    const first = ranges[0] ?? 0;
    const last = ranges[ranges.length - 2] ?? 0;
    let text: string | undefined;
    // A peer that sent non-ASCII text recently probably still does: skip the whole-run decode
    // (wasted work then) for a few chunks before trying it again.
    if (this.skipRunDecodeChunks > 0) {
      this.skipRunDecodeChunks--;
    } else {
      try {
        text = this.decoder.decode(chunk.subarray(first, last));
      } catch {
        text = undefined; // some value has invalid UTF-8: find which, below
      }
      if (text !== undefined && text.length !== last - first) this.skipRunDecodeChunks = 16;
    }
    const ascii = text !== undefined && text.length === last - first;
    for (let r = 0; r < ranges.length; r += 3) {
      const s = ranges[r] ?? 0;
      const e = ranges[r + 1] ?? 0;
      const exact = ranges[r + 2] === 1;
      if (ascii && text !== undefined) {
        // Inline parseText: no result object per value on the hot path.
        let value: Json;
        try {
          const t = r === 0 && ranges.length === 3 ? text : text.slice(s - first, e - first);
          value = exact ? parseJsonExact(t) : JSON.parse(t);
        } catch (err) {
          return syntaxError(err);
        }
        sink(value);
      } else {
        const parsed = this.decodeAndParse(chunk.subarray(s, e), exact);
        if (parsed.error) return parsed.error;
        sink(parsed.value);
      }
    }
    ranges.length = 0;
    return undefined;
  }

  /** Parses what completed before the garbage, then fails with the earlier of the two errors. */
  private failAfter(chunk: Uint8Array, sink: FramerSink, error: FramerError): FramerError {
    return this.fail(this.parseRanges(chunk, sink) ?? error);
  }

  private fail(error: FramerError): FramerError {
    this.failed = error;
    this.pending = [];
    this.pendingBytes = 0;
    this.ranges.length = 0;
    return error;
  }
}
