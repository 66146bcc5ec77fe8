/**
 * One outgoing connection to one cluster member, keyed by its Raft address: a lazy connect, a
 * bounded queue while connecting, coalesced writes, and reconnection with backoff.
 *
 * Why:
 * - Send-only. Each member sends on the connections it opened and reads on those it accepted,
 *   so there is no "who keeps the connection" race when two members dial each other at once,
 *   and losing the inbound side of a peer says only that the peer's sender went away.
 * - Frames written in one event-loop turn leave in one write: the socket is corked at the first
 *   write of a turn and uncorked from setImmediate, so a leader's appends and heartbeats to a peer
 *   go out in one writev (one syscall) without a copy. Frames are written as they come, with no
 *   further buffering, so a heartbeat never waits behind more than what is already in the socket.
 * - Bounded: once what waits (our queue while connecting, plus socket.writableLength) would pass
 *   `backlogMaxBytes`, the queue and the connection are dropped and the link reconnects. Raft
 *   retransmits from its progress tracking, so losing frames costs a retry, while an unbounded
 *   buffer towards a stuck peer would cost the process. A single frame larger than the bound is
 *   still sent on an idle connection, so memory stays under max(backlog, one frame).
 * - Backoff 100 ms doubling to 8 s between failed attempts, reset once a connection has stayed
 *   up for 10 s: a peer that accepts and at once closes (another cluster) is not hammered.
 */
import type * as net from 'node:net';
import type { ActiveAddress } from './address.js';
import { connect } from './connect.js';
import { readInput } from './socket-input.js';
import type { TlsFiles } from './tls-files.js';

export const BACKOFF_MIN_MS = 100;
export const BACKOFF_MAX_MS = 8_000;
/** A connection that lived this long resets the backoff. */
export const BACKOFF_RESET_AFTER_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;

type Level = 'EMER' | 'ERR' | 'WARN' | 'INFO' | 'DBG';

export interface RaftLinkOptions {
  /** The address as the host wrote it (key and log text). */
  readonly address: string;
  readonly target: ActiveAddress;
  readonly tls: TlsFiles | undefined;
  /** The hello frame to open each connection with (built at connect time: the cid may change). */
  readonly hello: () => Uint8Array;
  readonly backlogMaxBytes: number;
  readonly setTimer: (ms: number, fn: () => void) => () => void;
  readonly log: (level: Level, message: string) => void;
}

/** Counters of one link, for PeerStats. */
export interface RaftLinkStats {
  readonly connected: boolean;
  readonly queuedBytes: number;
  readonly framesSent: number;
  readonly framesDropped: number;
  readonly reconnects: number;
}

export class RaftLink {
  readonly #o: RaftLinkOptions;
  /** Connected, hello written. */
  #socket: net.Socket | undefined;
  #connecting = false;
  /** Frames waiting for a connection. */
  #queue: Uint8Array[] = [];
  #queueBytes = 0;
  #backoffMs = 0;
  #cancelRetry: (() => void) | undefined;
  #cancelStable: (() => void) | undefined;
  #corked: net.Socket | undefined;
  #closed = false;
  #failures = 0;
  #connects = 0;
  #sent = 0;
  #dropped = 0;
  readonly #onWritten = (err?: Error | null): void => {
    if (err) this.#dropped++;
    else this.#sent++;
  };

  constructor(options: RaftLinkOptions) {
    this.#o = options;
  }

  /** Queues one encoded frame (prefix included). Never throws. */
  send(frame: Uint8Array): void {
    if (this.#closed) return;
    const s = this.#socket;
    if (s !== undefined) {
      const waiting = s.writableLength;
      if (waiting > 0 && waiting + frame.length > this.#o.backlogMaxBytes) {
        this.#overflow(s, waiting + frame.length);
        this.#enqueue(frame);
        return;
      }
      this.#write(s, frame);
      return;
    }
    if (this.#queue.length > 0 && this.#queueBytes + frame.length > this.#o.backlogMaxBytes) {
      this.#o.log('WARN', `${this.#o.address}: ${this.#queueBytes + frame.length} bytes queued while not connected, over the backlog limit of ${this.#o.backlogMaxBytes}; dropping ${this.#queue.length} frames`);
      this.#dropQueue();
    }
    this.#enqueue(frame);
  }

  /** Counts a frame the caller discarded before it reached the link (too large, not encodable). */
  recordDropped(): void {
    this.#dropped++;
  }

  stats(): RaftLinkStats {
    return {
      connected: this.#socket !== undefined,
      queuedBytes: this.#queueBytes + (this.#socket?.writableLength ?? 0),
      framesSent: this.#sent,
      framesDropped: this.#dropped,
      reconnects: Math.max(0, this.#connects - 1),
    };
  }

  /** Drops the queue and the connection; the link is dead afterwards. */
  close(): void {
    this.#closed = true;
    this.#cancelRetry?.();
    this.#cancelStable?.();
    this.#dropQueue();
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #enqueue(frame: Uint8Array): void {
    this.#queue.push(frame);
    this.#queueBytes += frame.length;
    if (!this.#connecting && this.#socket === undefined && this.#cancelRetry === undefined) this.#connect();
  }

  #dropQueue(): void {
    this.#dropped += this.#queue.length;
    this.#queue = [];
    this.#queueBytes = 0;
  }

  #write(s: net.Socket, frame: Uint8Array, onWritten: (err?: Error | null) => void = this.#onWritten): void {
    if (this.#corked !== s) {
      s.cork();
      this.#corked = s;
      setImmediate(() => {
        if (this.#corked === s) this.#corked = undefined;
        if (!s.destroyed) s.uncork();
      });
    }
    s.write(frame, onWritten);
  }

  #overflow(s: net.Socket, bytes: number): void {
    this.#o.log('WARN', `${this.#o.address}: backlog of ${bytes} bytes exceeds the limit of ${this.#o.backlogMaxBytes} (peer not reading?); dropping the connection and its queue`);
    this.#dropQueue();
    this.#lost(s);
    s.destroy();
  }

  #connect(): void {
    this.#connecting = true;
    connect(this.#o.target, { tls: this.#o.tls, timeoutMs: CONNECT_TIMEOUT_MS }).then(
      ({ socket }) => this.#connected(socket),
      (e: unknown) => {
        this.#connecting = false;
        if (this.#closed) return;
        this.#failures++;
        const why = e instanceof Error ? e.message : String(e);
        // The first failure of a streak is news; the retries that follow are not.
        this.#o.log(this.#failures === 1 ? 'WARN' : 'DBG', `${why} (attempt ${this.#failures})`);
        this.#retryLater();
      },
    );
  }

  #connected(s: net.Socket): void {
    this.#connecting = false;
    if (this.#closed) {
      s.destroy();
      return;
    }
    this.#connects++;
    if (this.#failures > 0 || this.#connects > 1) this.#o.log('INFO', `${this.#o.address}: connected`);
    this.#failures = 0;
    s.setNoDelay(true);
    s.setKeepAlive(true, 5_000);
    s.on('error', (e) => this.#o.log('WARN', `${this.#o.address}: ${e.message}`));
    s.on('close', () => this.#lost(s));
    // Peers never write on our outgoing connections; reading is how a close is seen.
    readInput(s, () => undefined);
    this.#socket = s;
    this.#cancelStable = this.#o.setTimer(BACKOFF_RESET_AFTER_MS, () => {
      this.#cancelStable = undefined;
      this.#backoffMs = 0;
    });
    this.#write(s, this.#o.hello(), () => undefined); // not counted: framesSent counts send()'s frames
    const queued = this.#queue;
    this.#queue = [];
    this.#queueBytes = 0;
    for (const f of queued) this.#write(s, f);
  }

  /** `s` closed or was dropped: forget it and reconnect later (once). */
  #lost(s: net.Socket): void {
    if (this.#socket !== s) return;
    this.#socket = undefined;
    this.#cancelStable?.();
    this.#cancelStable = undefined;
    if (this.#closed) return;
    this.#o.log('INFO', `${this.#o.address}: connection closed`);
    this.#retryLater();
  }

  /**
   * The peer just connected to us, so it is up: if this link waits out a backoff, connect now
   * (a restarted member must not wait seconds for the leader's growing backoff), and start the
   * next failure's backoff from the bottom.
   */
  peerSeen(): void {
    if (this.#closed || this.#socket !== undefined || this.#connecting) return;
    this.#backoffMs = 0;
    if (this.#cancelRetry === undefined) return;
    this.#cancelRetry();
    this.#cancelRetry = undefined;
    if (this.#queue.length > 0) this.#connect();
  }

  #retryLater(): void {
    this.#backoffMs = this.#backoffMs === 0 ? BACKOFF_MIN_MS : Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS);
    this.#cancelRetry?.();
    this.#cancelRetry = this.#o.setTimer(this.#backoffMs, () => {
      this.#cancelRetry = undefined;
      // Lazy: with nothing to send, the next send() connects.
      if (!this.#closed && this.#queue.length > 0 && this.#socket === undefined && !this.#connecting) this.#connect();
    });
  }
}
