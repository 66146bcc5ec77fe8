/**
 * How bytes come in from a plain (tcp or unix) socket: read straight into one buffer that every
 * such socket shares, and handed to a sink, instead of through the socket's Readable stream.
 *
 * A stream read allocates a 64 KiB buffer per read (then shrinks it), wraps it in a Buffer,
 * pushes it through the Readable state machine and emits 'data'. Node's `onread` socket option
 * skips all of that: libuv reads into a buffer we give and calls us with the byte count. On the
 * write-16 load a Node server that only parses requests and writes canned replies used 6.9-7.0
 * µs of CPU per request this way against 8.6-9.1 through 'data' events (same run, 2-core VM).
 *
 * One buffer serves every socket: reads run one at a time on this thread and each sink consumes
 * its bytes before returning (the JSON framer copies any partial message), so no read can
 * overwrite bytes someone still needs. A sink therefore must not keep the view it is given.
 *
 * Outgoing connections pass `onread` to net.connect (public API, connectWithInput). Accepted connections cannot:
 * net.Server makes their Socket itself. For those, `adoptAccepted` builds a second Socket with
 * `onread` on the accepted socket's handle, and moves the server's connection count over to it,
 * so server.close() still waits for it. That leans on three private fields of Node 20's net
 * module (`_handle`, `_server`, `server`); if they are missing, the accepted socket is used as
 * it is and read through 'data' events, which works the same, only slower. TLS sockets are
 * always read through 'data' (their bytes are decrypted in JavaScript streams).
 *
 * @example
 * const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
 *   const socket = adoptAccepted(accepted);
 *   readInput(socket, (bytes) => framer.feed(bytes, sink));
 * });
 */
import * as net from 'node:net';

/** Receives each chunk read; `bytes` is valid only during the call. */
export type InputSink = (bytes: Uint8Array) => void;

const READ_BUFFER_BYTES = 64 * 1024;
let sharedBuffer: Buffer | undefined;

function readBuffer(): Buffer {
  sharedBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return sharedBuffer;
}

/**
 * Where a socket read through `onread` delivers: set by readInput. A chunk that arrives before
 * there is a sink is copied here and reading stops until readInput, so the end of the stream
 * is not seen (and the socket not closed) before what came ahead of it is delivered.
 */
interface InputSlot {
  sink: InputSink | undefined;
  early: Buffer[];
}

const slots = new WeakMap<net.Socket, InputSlot>();

interface OnRead {
  buffer: Uint8Array;
  callback: (n: number, buf: Uint8Array) => boolean;
}

/** The `onread` option for a socket whose chunks go to `slot.sink`. */
function onreadInto(slot: InputSlot): OnRead {
  return {
    buffer: readBuffer(),
    callback: (n, buf) => {
      const sink = slot.sink;
      if (sink === undefined) {
        slot.early.push(Buffer.from(buf.subarray(0, n)));
        return false;
      }
      sink(new Uint8Array(buf.buffer, buf.byteOffset, n));
      return true;
    },
  };
}

/** What adoptAccepted uses of a Node 20 net.Socket beyond its public API. */
interface SocketInternals {
  _handle?: unknown;
  _server?: unknown;
  server?: unknown;
}

/** Options net.Socket's constructor takes but @types/node does not list. */
interface SocketHandleOptions extends net.SocketConstructorOpts {
  handle: unknown;
  /** Do not start reading yet (the handle was paused at accept); readInput starts it. */
  pauseOnCreate: boolean;
  onread: OnRead;
}

/**
 * For a socket a net.Server accepted with `pauseOnConnect: true`: a Socket on the same
 * connection that reads through the shared buffer (see the module comment). Reading starts at
 * readInput. Returns `accepted` itself if Node's internals are not what this expects.
 */
export function adoptAccepted(accepted: net.Socket): net.Socket {
  const old = accepted as unknown as SocketInternals;
  const handle = old._handle;
  if (handle === null || typeof handle !== 'object' || !('readStart' in handle) || !('_server' in old)) return accepted;
  const slot: InputSlot = { sink: undefined, early: [] };
  const options: SocketHandleOptions = { handle, readable: true, writable: true, allowHalfOpen: accepted.allowHalfOpen, pauseOnCreate: true, onread: onreadInto(slot) };
  const socket = new net.Socket(options);
  const adopted = socket as unknown as SocketInternals;
  // The server counts its connections through the socket that closes: now this one.
  adopted._server = old._server;
  adopted.server = old.server;
  old._server = null;
  old._handle = null;
  slots.set(socket, slot);
  return socket;
}

/** net.connect() of a socket that reads through the shared buffer (see readInput). */
export function connectWithInput(options: net.NetConnectOpts): net.Socket {
  const slot: InputSlot = { sink: undefined, early: [] };
  const socket = net.connect({ ...options, onread: onreadInto(slot) });
  slots.set(socket, slot);
  return socket;
}

/**
 * Sends every chunk read from `socket` to `sink`, from now on, and starts reading. Works for any
 * socket: those from adoptAccepted and connectWithInput read through the shared buffer, others
 * through 'data' events. Call it once per socket.
 *
 * socket.pause() and resume() work as usual, with one difference for the shared-buffer sockets:
 * a socket resumed and paused again within the same tick may still deliver one more chunk (Node
 * restarts reading from the tick after resume()). JsonRpcConnection keeps what arrives while it
 * is paused in its inbox, so at most one chunk more is held.
 */
export function readInput(socket: net.Socket, sink: InputSink): void {
  const slot = slots.get(socket);
  if (slot === undefined) {
    socket.on('data', sink);
    // A socket accepted paused (pauseOnConnect) that adoptAccepted left as it was is not
    // flowing, and adding a 'data' listener does not start a stream that was paused.
    socket.resume();
    return;
  }
  slot.sink = sink;
  for (const chunk of slot.early.splice(0)) sink(chunk);
  socket.resume();
}
