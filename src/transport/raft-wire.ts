/**
 * The wire format between cluster members, and its decoder (pure: no sockets, no timers, so it
 * is fuzzed on its own in test/transport/raft-transport.test.ts).
 *
 *   connection = frame*          frame = u32 big-endian payload length ‖ payload (msgpack)
 *   1st payload: { v: 1, cid: string | null, sid: string, address: string }     (the hello)
 *   then:        { k: 'r', m: RaftMessage }  |  { k: 'a', b: <application body> }
 *
 * Why this shape:
 * - A length prefix lets the reader reject an oversize frame from its first four bytes, before
 *   buffering any of it, and frame boundaries never depend on parsing the payload.
 * - msgpack (msgpackr) carries `Uint8Array` as `bin`, so entry data and snapshot chunks travel
 *   as raw bytes, not base64 or JSON arrays; records/structures are off so every frame decodes
 *   on its own, and the structured-clone extensions are off so a peer cannot build cyclic or
 *   shared values. Short keys (`k`, `m`, `b`) because they are paid on every message.
 * - The hello names the format version `v` so a future format can be refused with a clear
 *   line instead of a decode error, the cluster id (null while joining a cluster whose id is not
 *   known yet) so members of another cluster are refused at once, and the sender's sid and
 *   Raft address, which identify the peer in logs, in `onFrame` and in `onPeerLost`.
 * - Untrusted input stays `unknown` until checked: Raft messages go through
 *   decodeRaftMessage (src/raft/decode.ts); application bodies stay `unknown` for the host.
 *
 * Any violation (bad length, bad msgpack, bad hello, a frame that is not a message) is fatal to
 * that one connection: the decoder reports one `error` event and ignores everything after it.
 */
import { Packr, RESERVE_START_SPACE, Unpackr } from 'msgpackr';
import { decodeRaftMessage } from '../raft/decode.js';
import type { RaftMessage } from '../raft/messages.js';

/** What travels between members: Raft RPCs, and application messages the host decodes itself from `unknown`. */
export type RaftWireFrame =
  | { readonly kind: 'raft'; readonly msg: RaftMessage }
  | { readonly kind: 'app'; readonly body: unknown };

/** The first frame on every connection: who is calling, for which cluster. */
export interface WireHello {
  readonly v: number;
  /** Null while the sender joins a cluster whose id it does not know yet. */
  readonly cid: string | null;
  readonly sid: string;
  /** The sender's own Raft address (where it listens), e.g. 'tcp:10.0.0.1:6644'. */
  readonly address: string;
}

/** The wire format version this code speaks. */
export const RAFT_WIRE_VERSION = 1;
/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;
/** A hello is small; a larger first frame is refused before it is buffered. */
export const HELLO_MAX_BYTES = 64 * 1024;
/** Frames up to this size get their whole buffer at once; larger ones are collected as they arrive. */
const EAGER_BODY_MAX_BYTES = 1024 * 1024;

/** What the decoder reports, in stream order. `error` is the last event of a stream. */
export type WireEvent =
  | { readonly type: 'hello'; readonly hello: WireHello }
  | { readonly type: 'frame'; readonly frame: RaftWireFrame }
  | { readonly type: 'error'; readonly reason: string };

const packr = new Packr({ useRecords: false, structuredClone: false, moreTypes: false });
const unpackr = new Unpackr({
  useRecords: false, mapsAsObjects: true, structuredClone: false, int64AsType: 'number',
  // Inputs are views of a shared read buffer (socket-input.ts): bytes must be copied out.
  copyBuffers: true,
});

/** msgpack of `value`, behind its length prefix. Throws if msgpackr cannot encode `value`. */
function framed(value: unknown): Uint8Array {
  // RESERVE_START_SPACE | 4 leaves four bytes in front of the payload: the prefix goes there, so
  // a large snapshot chunk is not copied again to prepend it.
  const buf: Uint8Array = packr.pack(value, RESERVE_START_SPACE | FRAME_HEADER_BYTES);
  new DataView(buf.buffer, buf.byteOffset, FRAME_HEADER_BYTES).setUint32(0, buf.length - FRAME_HEADER_BYTES);
  return buf;
}

/** The hello frame, prefix included. */
export function encodeHello(hello: WireHello): Uint8Array {
  return framed({ v: hello.v, cid: hello.cid, sid: hello.sid, address: hello.address });
}

/** One frame, prefix included. Throws if the body of an app frame cannot be encoded. */
export function encodeWireFrame(frame: RaftWireFrame): Uint8Array {
  return framed(frame.kind === 'raft' ? { k: 'r', m: frame.msg } : { k: 'a', b: frame.body });
}

type Obj = { readonly [k: string]: unknown };

function isMap(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function own(o: Obj, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function nonEmpty(o: Obj, k: string): string | undefined {
  const v = own(o, k);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Checks a decoded hello; the version first, so a newer peer gets a message that says so. */
export function parseHello(x: unknown): WireHello | Error {
  if (!isMap(x)) return new Error('handshake is not a map');
  const v = own(x, 'v');
  if (v !== RAFT_WIRE_VERSION) {
    const shown = typeof v === 'number' || typeof v === 'string' ? String(v) : typeof v;
    return new Error(`unsupported wire format version ${shown} (this server speaks version ${RAFT_WIRE_VERSION})`);
  }
  const cid = own(x, 'cid');
  if (cid !== null && (typeof cid !== 'string' || cid.length === 0)) return new Error('handshake cid must be a string or null');
  const sid = nonEmpty(x, 'sid');
  if (sid === undefined) return new Error('handshake sid must be a non-empty string');
  const address = nonEmpty(x, 'address');
  if (address === undefined) return new Error('handshake address must be a non-empty string');
  return { v, cid, sid, address };
}

/** Checks a decoded frame after the hello. */
export function parseFrame(x: unknown): RaftWireFrame | Error {
  if (!isMap(x)) return new Error('frame is not a map');
  const k = own(x, 'k');
  if (k === 'r') {
    const msg = decodeRaftMessage(own(x, 'm'));
    return msg instanceof Error ? msg : { kind: 'raft', msg };
  }
  if (k === 'a') {
    if (!Object.prototype.hasOwnProperty.call(x, 'b')) return new Error('app frame without a body');
    return { kind: 'app', body: x['b'] };
  }
  return new Error(`unknown frame kind ${typeof k === 'string' ? JSON.stringify(k.slice(0, 20)) : typeof k}`);
}

function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/**
 * Turns the bytes of one inbound connection into hello, frames, or one error. Keeps partial
 * frames across calls (copied: the input view is only valid during `feed`).
 *
 * @example
 * const d = new WireDecoder(128 * 2 ** 20);
 * readInput(socket, (bytes) => d.feed(bytes, (e) => { if (e.type === 'error') socket.destroy(); }));
 */
export class WireDecoder {
  readonly #maxFrameBytes: number;
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFill = 0;
  /** Length of the frame being assembled, or -1 between frames. */
  #bodyBytes = -1;
  /** The frame being assembled: one buffer (small frames), or the pieces received so far. */
  #body: Uint8Array | undefined;
  #pieces: Uint8Array[] = [];
  #fill = 0;
  #sawHello = false;
  #failed = false;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** True once an error was reported; later input is ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held for an incomplete frame (for tests and stats). */
  get bufferedBytes(): number {
    return this.#headerFill + this.#fill;
  }

  /**
   * Decodes `bytes`, calling `sink` for each complete hello or frame, in order. Never throws
   * by itself; an exception thrown by `sink` propagates (a bug in the host is not a peer's fault).
   */
  feed(input: Uint8Array, sink: (e: WireEvent) => void): void {
    // A plain Uint8Array view: Buffer.slice would alias rather than copy inside msgpackr.
    const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    let off = 0;
    while (off < bytes.length && !this.#failed) {
      if (this.#bodyBytes < 0) {
        off = this.#readHeader(bytes, off, sink);
        continue;
      }
      const want = this.#bodyBytes - this.#fill;
      if (this.#fill === 0 && bytes.length - off >= want) {
        // The common case: the whole payload is in this read; decode it in place.
        this.#payload(bytes.subarray(off, off + want), sink);
        off += want;
        this.#bodyBytes = -1;
        continue;
      }
      // Allocate by the announced length only when it is small: a peer that announces 100 MiB
      // and sends 10 bytes must not cost 100 MiB.
      if (this.#fill === 0 && this.#bodyBytes <= EAGER_BODY_MAX_BYTES) this.#body = new Uint8Array(this.#bodyBytes);
      const take = Math.min(want, bytes.length - off);
      const piece = bytes.subarray(off, off + take);
      if (this.#body !== undefined) this.#body.set(piece, this.#fill);
      else this.#pieces.push(piece.slice());
      this.#fill += take;
      off += take;
      if (this.#fill === this.#bodyBytes) this.#completeBody(sink);
    }
  }

  #readHeader(bytes: Uint8Array, start: number, sink: (e: WireEvent) => void): number {
    const take = Math.min(FRAME_HEADER_BYTES - this.#headerFill, bytes.length - start);
    this.#header.set(bytes.subarray(start, start + take), this.#headerFill);
    this.#headerFill += take;
    if (this.#headerFill < FRAME_HEADER_BYTES) return start + take;
    this.#headerFill = 0;
    const length = new DataView(this.#header.buffer).getUint32(0);
    const limit = this.#sawHello ? this.#maxFrameBytes : Math.min(HELLO_MAX_BYTES, this.#maxFrameBytes);
    if (length === 0) this.#fail(sink, 'empty frame');
    else if (length > limit) this.#fail(sink, `${this.#sawHello ? 'frame' : 'handshake'} of ${length} bytes exceeds the limit of ${limit}`);
    else this.#bodyBytes = length;
    return start + take;
  }

  #completeBody(sink: (e: WireEvent) => void): void {
    let payload = this.#body;
    if (payload === undefined) {
      payload = new Uint8Array(this.#bodyBytes);
      let at = 0;
      for (const p of this.#pieces) {
        payload.set(p, at);
        at += p.length;
      }
    }
    this.#body = undefined;
    this.#pieces = [];
    this.#fill = 0;
    this.#bodyBytes = -1;
    this.#payload(payload, sink);
  }

  #payload(payload: Uint8Array, sink: (e: WireEvent) => void): void {
    let value: unknown;
    try {
      value = unpackr.unpack(payload);
    } catch (e) {
      this.#fail(sink, `bad msgpack: ${messageOf(e)}`);
      return;
    }
    if (!this.#sawHello) {
      const hello = parseHello(value);
      if (hello instanceof Error) return this.#fail(sink, `bad handshake: ${hello.message}`);
      this.#sawHello = true;
      sink({ type: 'hello', hello });
      return;
    }
    const frame = parseFrame(value);
    if (frame instanceof Error) return this.#fail(sink, messageOf(frame));
    sink({ type: 'frame', frame });
  }

  #fail(sink: (e: WireEvent) => void, reason: string): void {
    this.#failed = true;
    this.#body = undefined;
    this.#pieces = [];
    sink({ type: 'error', reason });
  }
}

/**
 * Decodes a whole stream given as chunks: what one connection would deliver. Pure; for tests
 * and fuzzing. Stops at the first error.
 */
export function decodeWireStream(chunks: readonly Uint8Array[], maxFrameBytes: number): WireEvent[] {
  const d = new WireDecoder(maxFrameBytes);
  const events: WireEvent[] = [];
  for (const c of chunks) d.feed(c, (e) => events.push(e));
  return events;
}
