/**
 * One connection a peer opened to us: read only (peers receive on the connections they open
 * themselves, see raft-link.ts). It checks the hello, then every Raft message, and hands what
 * passes to the transport.
 *
 * Checks, as OVS does for every RPC: a hello from another cluster closes the connection; a Raft
 * message for another cluster (once ours is known) or for another sid is dropped, counted and
 * logged at most once per peer per minute, and the connection stays up (the peer may have a
 * stale view of the membership). Anything malformed closes this connection only, with a WARN
 * naming the peer and the reason. A connection that sends no hello in time is closed too.
 */
import type * as net from 'node:net';
import type { RaftWireFrame, WireEvent } from './raft-wire.js';
import { WireDecoder } from './raft-wire.js';
import { readInput } from './socket-input.js';

/** Who sent a frame: the sid and Raft address from its hello. */
export interface RaftPeer {
  readonly sid: string;
  readonly address: string;
}

/** An inbound connection must send its hello within this time. */
export const HELLO_TIMEOUT_MS = 30_000;

/** What an inbound connection needs from the transport. */
export interface RaftInboundContext {
  readonly serverId: string;
  /** Our cluster id, undefined while not known (then any is accepted). */
  clusterId(): string | undefined;
  readonly maxFrameBytes: number;
  readonly setTimer: (ms: number, fn: () => void) => () => void;
  /** Rate-limited WARN (see warn-limiter.ts). */
  warn(key: string, message: string): void;
  log(level: 'INFO' | 'DBG', message: string): void;
  /** A good hello arrived; `c.peer` is set. */
  onHello(c: RaftInbound): void;
  /** A frame passed the checks. */
  onFrame(c: RaftInbound, frame: RaftWireFrame): void;
  /** A Raft message failed the cluster id or `to` check and was dropped. */
  onRejected(c: RaftInbound): void;
  /** The socket closed, for whatever reason. */
  onClose(c: RaftInbound): void;
}

export class RaftInbound {
  /** The remote end as the socket sees it, e.g. 'tcp:10.0.0.2:51234'. */
  readonly remote: string;
  readonly #socket: net.Socket;
  readonly #cx: RaftInboundContext;
  readonly #decoder: WireDecoder;
  #peer: RaftPeer | undefined;
  #cancelHelloTimer: (() => void) | undefined;

  /** Starts reading `socket` (an accepted socket that is not reading yet). */
  constructor(socket: net.Socket, remote: string, cx: RaftInboundContext) {
    this.#socket = socket;
    this.remote = remote;
    this.#cx = cx;
    this.#decoder = new WireDecoder(cx.maxFrameBytes);
    this.#cancelHelloTimer = cx.setTimer(HELLO_TIMEOUT_MS, () => {
      this.#cancelHelloTimer = undefined;
      if (this.#peer === undefined) this.#refuse(`no handshake within ${HELLO_TIMEOUT_MS} ms`);
    });
    socket.on('error', (e) => cx.log('DBG', `connection from ${this.describe()}: ${e.message}`));
    socket.on('close', () => {
      this.#cancelHelloTimer?.();
      cx.onClose(this);
    });
    const sink = (e: WireEvent): void => this.#onEvent(e);
    readInput(socket, (bytes) => this.#decoder.feed(bytes, sink));
  }

  /** The peer named by its hello; undefined until then. */
  get peer(): RaftPeer | undefined {
    return this.#peer;
  }

  /** For logs: 'SID (ADDRESS, REMOTE)' once the hello is in, else the remote end. */
  describe(): string {
    return this.#peer ? `${this.#peer.sid} (${this.#peer.address}, ${this.remote})` : this.remote;
  }

  /** Closes the connection (onClose follows). */
  close(): void {
    this.#cancelHelloTimer?.();
    this.#socket.destroy();
  }

  #refuse(reason: string): void {
    // Keyed by the peer's address, or its IP before a hello: one line a minute per source.
    const key = this.#peer?.address ?? this.remote.replace(/:[0-9]+$/, '');
    this.#cx.warn(`refuse:${key}`, `connection from ${this.describe()}: ${reason}; closing it`);
    this.close();
  }

  #onEvent(e: WireEvent): void {
    if (this.#socket.destroyed) return;
    switch (e.type) {
      case 'error':
        this.#refuse(e.reason);
        return;
      case 'hello': {
        const h = e.hello;
        const ours = this.#cx.clusterId();
        if (h.cid !== null && ours !== undefined && h.cid !== ours) {
          this.#cx.warn(`cid:${h.address}`, `connection from ${h.sid} (${h.address}) belongs to cluster ${h.cid}, not ours (${ours})`);
          this.close();
          return;
        }
        this.#cancelHelloTimer?.();
        this.#cancelHelloTimer = undefined;
        this.#peer = { sid: h.sid, address: h.address };
        this.#cx.log('DBG', `connection from ${this.describe()}`);
        this.#cx.onHello(this);
        return;
      }
      case 'frame':
        this.#onFrame(e.frame);
        return;
    }
  }

  #onFrame(frame: RaftWireFrame): void {
    const peer = this.#peer;
    if (peer === undefined) return; // the decoder reports the hello first
    if (frame.kind === 'raft') {
      const m = frame.msg;
      const ours = this.#cx.clusterId();
      if ((ours !== undefined && m.clusterId !== ours) || m.to !== this.#cx.serverId) {
        this.#cx.onRejected(this);
        this.#cx.warn(`drop:${peer.address}`, `dropping ${m.kind} from ${peer.sid} (${peer.address}) `
          + `for ${m.to} in cluster ${m.clusterId}: we are ${this.#cx.serverId} in cluster ${ours ?? '(not known yet)'}`);
        return;
      }
    }
    this.#cx.onFrame(this, frame);
  }
}
