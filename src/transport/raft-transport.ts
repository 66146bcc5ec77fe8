/**
 * The transport that carries Raft messages (and the host's application messages: join requests,
 * forwarded transactions, locks) between cluster members, over tcp: or ssl:.
 *
 *   member A                                   member B
 *   RaftLink(B's address) ── A's frames ──▶    inbound connection (hello: A's sid, address)
 *   inbound connection    ◀── B's frames ──   RaftLink(A's address)
 *
 * Why this design:
 * - Each connection carries one direction (raft-link.ts): we send on connections we opened,
 *   keyed by the peer's Raft address, and receive on connections peers opened. Two members
 *   that dial each other at once need no tie-break, and a closed inbound connection means
 *   exactly "that peer's sender is gone", which `onPeerLost` reports (its process may have died:
 *   the host releases its locks, fails its forwarded transactions).
 * - Frames are length-prefixed msgpack with a versioned hello first (raft-wire.ts).
 * - Every inbound Raft message is checked for our cluster id (once known) and our sid as `to`,
 *   and dropped otherwise, as OVS does, with at most one WARN per peer per minute: a confused
 *   or foreign peer must not flood the log. A hello from another cluster closes the connection.
 * - Anything malformed closes that one connection with a WARN naming the peer and the reason;
 *   nothing a peer sends can throw out of the transport or affect other connections.
 * - Memory is bounded per peer (backlogMaxBytes, raft-link.ts) and per frame (maxFrameBytes,
 *   checked on send and, from the length prefix, on receive before buffering).
 * - Time comes from the injected `setTimer` (backoff, rate limits, hello timeout), so tests
 *   drive reconnection without sleeping.
 *
 * @example
 * const t = await RaftTransport.listen({ serverId: sid, clusterId: cid, listen: 'tcp:10.0.0.1:6644',
 *   logger, setTimer: clock.setTimer });
 * t.onFrame((frame, from) => frame.kind === 'raft' ? host.receive(frame.msg) : app.handle(frame.body, from));
 * t.send('tcp:10.0.0.2:6644', { kind: 'raft', msg });
 */
import type * as net from 'node:net';
import { formatAddress, type PassiveAddress } from './address.js';
import { listen, type Listener } from './listen.js';
import { parseRaftAddress, type RaftAddress } from './raft-address.js';
import { RaftInbound, type RaftInboundContext, type RaftPeer } from './raft-inbound.js';
import { RaftLink } from './raft-link.js';
import { encodeHello, encodeWireFrame, FRAME_HEADER_BYTES, RAFT_WIRE_VERSION, type RaftWireFrame } from './raft-wire.js';
import type { TlsFiles } from './tls-files.js';
import { WarnLimiter } from './warn-limiter.js';

export type { RaftWireFrame } from './raft-wire.js';
export type { RaftPeer } from './raft-inbound.js';
export { parseRaftAddress, type RaftAddress } from './raft-address.js';

type Level = 'EMER' | 'ERR' | 'WARN' | 'INFO' | 'DBG';

export interface RaftTransportOptions {
  /** Our sid. */
  readonly serverId: string;
  /** Undefined while joining without a known cid: accept any, until setClusterId(). */
  readonly clusterId: string | undefined;
  /** Our Raft address, 'tcp:IP:PORT' or 'ssl:IP:PORT'; we listen on exactly that IP and port (0: any free port, see address()). */
  readonly listen: string;
  /** Required for ssl:. */
  readonly tls?: TlsFiles;
  readonly logger: { log(level: Level, module: string, message: string): void };
  /** Per peer; default 64 MiB (OVS cluster/set-backlog-threshold spirit). */
  readonly backlogMaxBytes?: number;
  /** Default 128 MiB. */
  readonly maxFrameBytes?: number;
  /** For reconnect backoff, log rate limits and the hello timeout. Returns a cancel function. */
  readonly setTimer: (ms: number, fn: () => void) => () => void;
}

/** One peer address: our outgoing link to it and the inbound connections from it. */
export interface PeerStats {
  readonly address: string;
  /** The sid from the peer's hello, once it has connected to us. */
  readonly sid: string | undefined;
  /** Our outgoing connection is up. */
  readonly connected: boolean;
  /** Inbound connections from this peer now open. */
  readonly inbound: number;
  /** Bytes waiting to go out: our queue plus the socket's buffer. */
  readonly queuedBytes: number;
  /** Frames written to the socket. */
  readonly framesSent: number;
  /** Frames received and delivered to onFrame. */
  readonly framesReceived: number;
  /** Outgoing frames discarded: backlog overflow, connection loss, too large, not encodable. */
  readonly framesDropped: number;
  /** Inbound Raft messages dropped for a wrong cluster id or `to`. */
  readonly framesRejected: number;
  /** Outgoing connections made after the first. */
  readonly reconnects: number;
}

export const DEFAULT_BACKLOG_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_FRAME_BYTES = 128 * 1024 * 1024;
const MODULE = 'raft_transport';
/** Above this many per-address counters, those of vanished peers are forgotten. */
const MAX_IDLE_PEER_COUNTERS = 1024;

interface InboundCounters {
  sid: string | undefined;
  received: number;
  rejected: number;
}

/** Carries RaftWireFrames between cluster members. See the module comment. */
export class RaftTransport {
  readonly #o: RaftTransportOptions;
  readonly #sid: string;
  #cid: string | undefined;
  readonly #address: string;
  readonly #listener: Listener;
  readonly #backlogMaxBytes: number;
  readonly #maxFrameBytes: number;
  readonly #links = new Map<string, RaftLink>();
  readonly #inbound = new Set<RaftInbound>();
  readonly #inboundContext: RaftInboundContext;
  readonly #counters = new Map<string, InboundCounters>();
  readonly #frameHandlers: ((frame: RaftWireFrame, from: RaftPeer) => void)[] = [];
  readonly #lostHandlers: ((from: RaftPeer) => void)[] = [];
  readonly #limiter: WarnLimiter;
  #closed = false;

  private constructor(o: RaftTransportOptions, listener: Listener, address: string, backlog: number, maxFrame: number) {
    this.#o = o;
    this.#sid = o.serverId;
    this.#cid = o.clusterId;
    this.#listener = listener;
    this.#address = address;
    this.#backlogMaxBytes = backlog;
    this.#maxFrameBytes = maxFrame;
    this.#limiter = new WarnLimiter(o.setTimer, (level, message) => this.#log(level, message));
    this.#inboundContext = this.#makeInboundContext();
  }

  /** Binds `opts.listen` and resolves once listening; rejects on a bad address or a bind failure. */
  static async listen(opts: RaftTransportOptions): Promise<RaftTransport> {
    const own = parseRaftAddress(opts.listen, true);
    if (own.kind === 'ssl' && opts.tls === undefined) throw new Error(`${opts.listen}: ssl: needs a private key, certificate and CA certificate`);
    const backlog = opts.backlogMaxBytes ?? DEFAULT_BACKLOG_MAX_BYTES;
    const maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const passive: PassiveAddress = { kind: own.kind === 'ssl' ? 'pssl' : 'ptcp', host: own.host, port: own.port };
    // The transport exists only once bound; connections accepted before are handed over then.
    let transport: RaftTransport | undefined;
    const early: [net.Socket, string][] = [];
    const listener = await listen(passive, (socket, remote) => {
      if (transport === undefined) early.push([socket, remote]);
      else transport.#accept(socket, remote);
    }, {
      tls: opts.tls,
      onError: (e, tlsSocket) => {
        const refused = tlsSocket?.authorizationError;
        const why = refused === undefined ? e.message : `peer certificate refused (${String(refused)})`;
        const from = tlsSocket?.remoteAddress === undefined ? '' : ` from ${tlsSocket.remoteAddress}`;
        const text = `${transport === undefined ? formatAddress(own) : transport.#address}: refused a connection${from}: ${why}`;
        if (transport === undefined) opts.logger.log('WARN', MODULE, text);
        else transport.#limiter.warn(`listen:${from}:${why}`, text);
      },
    });
    const bound = listener.address.kind === 'punix' ? own : { ...own, port: listener.address.port };
    transport = new RaftTransport(opts, listener, formatAddress(bound), backlog, maxFrame);
    for (const [s, r] of early) transport.#accept(s, r);
    transport.#log('INFO', `listening on ${transport.#address} as ${opts.serverId}`);
    return transport;
  }

  /** The bound address, e.g. 'tcp:127.0.0.1:40123'. */
  address(): string {
    return this.#address;
  }

  /** Sets our cluster id once it is known (after joining); from now on other ids are refused. */
  setClusterId(cid: string): void {
    this.#cid = cid;
  }

  /**
   * Best effort, never throws, never blocks: queues `frame` for the member listening at
   * `address` (connecting lazily; reconnecting with backoff 100 ms doubling to 8 s after
   * failures). Frames to one address are sent in order on one connection.
   */
  send(address: string, frame: RaftWireFrame): void {
    if (this.#closed) return;
    const link = this.#link(address);
    if (link === undefined) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeWireFrame(frame);
    } catch (e) {
      link.recordDropped();
      this.#limiter.warn(`encode:${address}`, `${address}: cannot encode ${frame.kind} frame: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (bytes.length - FRAME_HEADER_BYTES > this.#maxFrameBytes) {
      link.recordDropped();
      this.#limiter.warn(`big:${address}`, `${address}: dropping a ${bytes.length}-byte frame, over the limit of ${this.#maxFrameBytes}`);
      return;
    }
    link.send(bytes);
  }

  /** Calls `handler` for every frame received (after the checks). Handlers must not throw. */
  onFrame(handler: (frame: RaftWireFrame, from: RaftPeer) => void): void {
    this.#frameHandlers.push(handler);
  }

  /**
   * The connection *from* a peer (its outgoing one to us) closed or reset: its process may have
   * died. Called for every such connection that had sent its hello; inbound() tells whether the
   * peer is connected again.
   */
  onPeerLost(handler: (from: RaftPeer) => void): void {
    this.#lostHandlers.push(handler);
  }

  /** Per peer address, sorted by address. */
  stats(): readonly PeerStats[] {
    const addresses = new Set([...this.#links.keys(), ...this.#counters.keys()]);
    const inboundBy = new Map<string, number>();
    for (const c of this.#inbound) if (c.peer) inboundBy.set(c.peer.address, (inboundBy.get(c.peer.address) ?? 0) + 1);
    return [...addresses].sort().map((address) => {
      const l = this.#links.get(address)?.stats();
      const c = this.#counters.get(address);
      return {
        address, sid: c?.sid, connected: l?.connected ?? false, inbound: inboundBy.get(address) ?? 0,
        queuedBytes: l?.queuedBytes ?? 0, framesSent: l?.framesSent ?? 0, framesReceived: c?.received ?? 0,
        framesDropped: l?.framesDropped ?? 0, framesRejected: c?.rejected ?? 0, reconnects: l?.reconnects ?? 0,
      };
    });
  }

  /** Inbound peers currently connected (after their hello), one entry per sid and address. */
  inbound(): readonly { sid: string; address: string }[] {
    const seen = new Map<string, { sid: string; address: string }>();
    for (const c of this.#inbound) if (c.peer) seen.set(`${c.peer.sid} ${c.peer.address}`, { sid: c.peer.sid, address: c.peer.address });
    return [...seen.values()];
  }

  /** Closes the listener and every connection; pending frames are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const l of this.#links.values()) l.close();
    for (const c of [...this.#inbound]) c.close();
    this.#inbound.clear();
    this.#limiter.clear();
    await this.#listener.close();
  }

  #log(level: Level, message: string): void {
    this.#o.logger.log(level, MODULE, message);
  }

  #link(address: string): RaftLink | undefined {
    const known = this.#links.get(address);
    if (known !== undefined) return known;
    let target: RaftAddress;
    try {
      target = parseRaftAddress(address);
      if (target.kind === 'ssl' && this.#o.tls === undefined) throw new Error(`${address}: ssl: needs a private key, certificate and CA certificate`);
    } catch (e) {
      this.#limiter.warn(`address:${address}`, `cannot send to ${address}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    const link = new RaftLink({
      address, target, tls: this.#o.tls, backlogMaxBytes: this.#backlogMaxBytes, setTimer: this.#o.setTimer,
      hello: () => encodeHello({ v: RAFT_WIRE_VERSION, cid: this.#cid ?? null, sid: this.#sid, address: this.#address }),
      log: (level, message) => this.#log(level, message),
    });
    this.#links.set(address, link);
    return link;
  }

  #accept(socket: net.Socket, remote: string): void {
    if (this.#closed) socket.destroy();
    else this.#inbound.add(new RaftInbound(socket, remote, this.#inboundContext));
  }

  /** What every inbound connection reports to (one object, shared). */
  #makeInboundContext(): RaftInboundContext {
    return {
      serverId: this.#sid,
      clusterId: () => this.#cid,
      maxFrameBytes: this.#maxFrameBytes,
      setTimer: this.#o.setTimer,
      warn: (key, message) => this.#limiter.warn(key, message),
      log: (level, message) => this.#log(level, message),
      onHello: (c) => {
        if (c.peer === undefined) return;
        this.#countersOf(c.peer.address).sid = c.peer.sid;
        this.#links.get(c.peer.address)?.peerSeen();
      },
      onFrame: (c, frame) => {
        const peer = c.peer;
        if (peer === undefined) return;
        this.#countersOf(peer.address).received++;
        for (const h of this.#frameHandlers) h(frame, peer);
      },
      onRejected: (c) => {
        if (c.peer) this.#countersOf(c.peer.address).rejected++;
      },
      onClose: (c) => this.#closedInbound(c),
    };
  }

  #closedInbound(c: RaftInbound): void {
    const peer = c.peer;
    if (!this.#inbound.delete(c) || this.#closed || peer === undefined) return;
    this.#log('INFO', `connection from ${c.describe()} closed`);
    if (this.#counters.size > MAX_IDLE_PEER_COUNTERS) this.#pruneCounters();
    for (const h of this.#lostHandlers) h(peer);
  }

  /**
   * Forgets the counters of addresses we neither send to nor hear from now. Addresses come from
   * peers' hellos, so without this a peer that reconnects under ever new names would grow the map.
   */
  #pruneCounters(): void {
    const live = new Set<string>(this.#links.keys());
    for (const c of this.#inbound) if (c.peer) live.add(c.peer.address);
    for (const address of this.#counters.keys()) if (!live.has(address)) this.#counters.delete(address);
  }

  #countersOf(address: string): InboundCounters {
    let counters = this.#counters.get(address);
    if (counters === undefined) {
      counters = { sid: undefined, received: 0, rejected: 0 };
      this.#counters.set(address, counters);
    }
    return counters;
  }
}
