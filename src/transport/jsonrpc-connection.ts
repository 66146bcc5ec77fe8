/**
 * JSON-RPC over one stream socket (RFC 7047 §4): bytes in through the JsonFramer, messages out
 * as JSON text with no delimiter (as OVS writes them).
 *
 * Writes are batched: everything sent during one turn of the event loop goes to the kernel in a
 * single write from setImmediate (one syscall for a monitor update burst plus the transact reply).
 * setImmediate rather than process.nextTick: every connection that was readable in this poll is
 * served before any reply wakes a client, which cut server CPU per transaction by 15-25 % with
 * 16-64 busy clients on a 2-core machine (bench/micro/server-cpu.ts). One setImmediate serves
 * every connection with output pending (flushAll), not one per connection.
 * `backlogBytes` reports what the OS has not accepted yet, so producers such as monitors can
 * throttle; `drained()` resolves when it reaches zero. Writes carry no callback (each one costs
 * a closure and a tick) unless someone waits for the backlog to drain — a drained() caller or
 * paused reading — and then one empty write with a callback marks when all before it is out.
 *
 * Garbage from the peer (framer error or a value that is not a JSON-RPC message) closes the
 * connection, as OVS's jsonrpc does (EPROTO): `onClose` then reports `protocolError`, worded as
 * OVS logs it ("error parsing stream: …", "received bad JSON-RPC message: …"), for the owner
 * to log with the peer's address.
 *
 * @example
 * const { socket, peer } = await connect(parseActiveAddress('unix:/run/db.sock'));
 * const conn = new JsonRpcConnection(socket, { peer, answerEcho: true });
 * conn.onMessage((m) => { if (m.kind === 'notification') console.log(m.method, m.params); });
 * const dbs = await conn.request('list_dbs', []);
 */
import type { Socket } from 'node:net';
import type { Json } from '../base/json.js';
import { systemClock, type Clock } from '../base/clock.js';
import { JsonRpcClosedError, JsonRpcRemoteError, type CloseInfo, type JsonRpcChannel } from '../jsonrpc/channel.js';
import { JsonFramer, type FramerLimits } from '../jsonrpc/framer.js';
import { decodeMessage, encodeError, encodeMessage, encodeNotification, encodeResponse, type JsonRpcId, type JsonRpcMessage } from '../jsonrpc/messages.js';
import { InactivityProbe, PendingCalls } from '../jsonrpc/session.js';
import { readInput } from './socket-input.js';

export interface JsonRpcConnectionOptions {
  /** Peer text for logs (see describePeer). */
  readonly peer?: string | undefined;
  /** Size and depth limits on incoming messages. */
  readonly limits?: Partial<FramerLimits> | undefined;
  /**
   * Answer incoming "echo" requests here with their params (RFC 7047 §4.1.11) instead of
   * delivering them to onMessage. Default false.
   */
  readonly answerEcho?: boolean | undefined;
  /** Send "echo" after this much silence and disconnect after as much again; 0 (default) disables. */
  readonly probeIntervalMs?: number | undefined;
  /**
   * Stop reading from the peer while more than this many bytes of ours wait for it to read
   * (default 16 MiB): a peer that sends requests but never reads replies cannot grow our
   * memory without bound. Reading resumes when the backlog drains.
   */
  readonly pauseReadingAboveBytes?: number | undefined;
  readonly clock?: Clock | undefined;
}

const DEFAULT_PAUSE_READING_ABOVE_BYTES = 16 * 1024 * 1024;

interface Pending {
  resolve(result: Json): void;
  reject(error: Error): void;
}

/** A JsonRpcChannel over a net.Socket (or tls.TLSSocket). */
export class JsonRpcConnection implements JsonRpcChannel {
  readonly peer: string;
  private readonly socket: Socket;
  private readonly framer: JsonFramer;
  private readonly answerEcho: boolean;
  private readonly clock: Clock;
  private readonly pauseReadingAboveBytes: number;
  private readingPaused = false;
  /**
   * Received values not yet dispatched (reading may pause part-way through a chunk): slots
   * [inboxHead, inboxTail). Emptied by resetting the indexes, never `length = 0`: that frees the
   * array's storage, and the next message (every message) allocated it again.
   */
  private readonly inbox: (Json | undefined)[] = [];
  private inboxHead = 0;
  private inboxTail = 0;
  private readonly inboxSink = (value: Json): void => {
    this.inbox[this.inboxTail++] = value;
  };
  private pendingFramerError: string | undefined;
  private readonly calls = new PendingCalls<Pending>();
  private readonly probe: InactivityProbe | undefined;
  private cancelProbeTimer: (() => void) | undefined;
  private messageHandler: ((m: JsonRpcMessage) => void) | undefined;
  private readonly closeHandlers: ((info: CloseInfo) => void)[] = [];
  private outQueue: string[] = [];
  private outQueueBytes = 0;
  private flushScheduled = false;
  private closing = false;
  private closed = false;
  private closeError: Error | undefined;
  private protocolError: string | undefined;
  private drainWaiters: (() => void)[] = [];
  /** An empty write with a callback is in the socket, to call checkDrained when all is out. */
  private drainWatched = false;
  private readonly drainWatchDone = (): void => {
    this.drainWatched = false;
    this.checkDrained();
  };

  /** Connections with output queued, flushed by one shared setImmediate (flushAll). */
  private static dirty: JsonRpcConnection[] = [];
  private static flushAllScheduled = false;

  /** See flushPendingWrites(). */
  static flushPendingNow(): void {
    if (JsonRpcConnection.dirty.length > 0) JsonRpcConnection.flushAll();
  }

  private static flushAll(): void {
    const dirty = JsonRpcConnection.dirty;
    JsonRpcConnection.dirty = [];
    JsonRpcConnection.flushAllScheduled = false;
    for (const conn of dirty) {
      // One connection's failure must not leave the others' output stranded.
      try {
        conn.flush();
      } catch (e) {
        conn.closeError ??= e instanceof Error ? e : new Error(String(e));
        conn.socket.destroy();
      }
    }
  }

  constructor(socket: Socket, options: JsonRpcConnectionOptions = {}) {
    this.socket = socket;
    this.peer = options.peer ?? 'unknown';
    this.framer = new JsonFramer(options.limits ?? {});
    this.answerEcho = options.answerEcho ?? false;
    this.clock = options.clock ?? systemClock;
    this.pauseReadingAboveBytes = options.pauseReadingAboveBytes ?? DEFAULT_PAUSE_READING_ABOVE_BYTES;
    socket.setNoDelay?.(true);
    socket.on('error', (e) => {
      this.closeError ??= e;
    });
    socket.on('close', () => this.finish());
    socket.on('drain', () => this.checkDrained());
    const interval = options.probeIntervalMs ?? 0;
    if (interval > 0) {
      this.probe = new InactivityProbe(interval, this.clock.nowMs());
      this.armProbe();
    }
  }

  get open(): boolean {
    return !this.closing && !this.closed;
  }

  get backlogBytes(): number {
    return this.outQueueBytes + (this.closed ? 0 : this.socket.writableLength);
  }

  /** Starts reading; messages that arrive before this call wait in the socket. */
  onMessage(handler: (message: JsonRpcMessage) => void): void {
    const first = this.messageHandler === undefined;
    this.messageHandler = handler;
    if (first) readInput(this.socket, (chunk) => this.receive(chunk));
  }

  onClose(handler: (info: CloseInfo) => void): void {
    if (this.closed) handler({ error: this.closeError, protocolError: this.protocolError });
    else this.closeHandlers.push(handler);
  }

  request(method: string, params: readonly Json[]): Promise<Json> {
    if (!this.open) return Promise.reject(new JsonRpcClosedError());
    return new Promise<Json>((resolve, reject) => {
      const id = this.calls.add({ resolve, reject });
      this.send({ kind: 'request', method, params, id });
    });
  }

  notify(method: string, params: readonly Json[]): void {
    if (this.open) this.sendEncoded(encodeNotification(method, params));
  }

  respond(id: JsonRpcId, result: Json): void {
    if (this.open) this.sendEncoded(encodeResponse(id, result));
  }

  respondError(id: JsonRpcId, error: Json): void {
    if (this.open) this.sendEncoded(encodeError(id, error));
  }

  send(message: JsonRpcMessage): void {
    if (!this.open) return;
    this.sendEncoded(encodeMessage(message));
  }

  sendEncoded(text: string): void {
    if (!this.open) return;
    this.outQueue.push(text);
    // Characters, not bytes: close enough for backpressure decisions and cheap.
    this.outQueueBytes += text.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      JsonRpcConnection.dirty.push(this);
      if (!JsonRpcConnection.flushAllScheduled) {
        JsonRpcConnection.flushAllScheduled = true;
        setImmediate(JsonRpcConnection.flushAll);
      }
    }
  }

  drained(): Promise<void> {
    if (this.backlogBytes === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.watchBacklog();
    });
  }

  close(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.flush();
    this.socket.end();
    // A peer that never reads would keep the socket half-open forever.
    const cancel = this.clock.setTimer(5000, () => this.socket.destroy());
    this.socket.once('close', cancel);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.outQueue.length === 0) return;
    const text = this.outQueue.length === 1 ? (this.outQueue[0] ?? '') : this.outQueue.join('');
    this.outQueue = [];
    this.outQueueBytes = 0;
    this.socket.write(text);
    if (this.messageHandler !== undefined && this.socket.writableLength > this.pauseReadingAboveBytes) this.pauseReading();
    if (this.drainWaiters.length > 0 || this.readingPaused) this.watchDrain();
  }

  /**
   * Makes sure checkDrained runs once the socket has written everything queued so far. 'drain'
   * fires only after a write that returned false (a backlog past the socket's high-water mark),
   * so smaller backlogs need a callback: an empty write's, which runs after all earlier writes.
   * Only after a real write (flush) or with bytes in the socket: a watch with nothing to wait
   * for would call back at once, and checkDrained, still seeing queued output, would watch
   * again, round and round without letting the event loop reach the flush.
   */
  private watchDrain(): void {
    // After end() no write is allowed; the close then settles every waiter (finish).
    if (this.drainWatched || this.closed || this.socket.writableEnded) return;
    this.drainWatched = true;
    this.socket.write('', this.drainWatchDone);
  }

  /** Someone waits for the backlog to shrink: output still queued gets its watch when flushed. */
  private watchBacklog(): void {
    if (this.outQueue.length === 0 && !this.closed && this.socket.writableLength > 0) this.watchDrain();
  }

  private checkDrained(): void {
    if (this.readingPaused && !this.closing && this.backlogBytes <= this.pauseReadingAboveBytes) {
      this.readingPaused = false;
      this.socket.resume();
      this.processInbox();
    }
    if (this.backlogBytes !== 0 && !this.closed) {
      // Written since the last watch was set: watch again (also covers paused reading).
      if (this.drainWaiters.length > 0 || this.readingPaused) this.watchBacklog();
      return;
    }
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed || this.closing) return;
    this.probe?.noteActivity(this.clock.nowMs());
    const error = this.framer.feed(chunk, this.inboxSink);
    // OVS's jsonrpc words it "error parsing stream: <reason>".
    if (error) this.pendingFramerError = `error parsing stream: ${error.message}`;
    this.processInbox();
  }

  /**
   * Dispatches received values in order until the inbox is empty or our backlog to this peer
   * passes the limit; then stops reading until the peer has caught up (checkDrained resumes).
   */
  private processInbox(): void {
    while (this.inboxHead < this.inboxTail) {
      if (this.closing) return;
      if (this.backlogBytes > this.pauseReadingAboveBytes) {
        this.pauseReading();
        return;
      }
      const value = this.inbox[this.inboxHead] ?? null;
      this.inbox[this.inboxHead++] = undefined;
      const decoded = decodeMessage(value);
      if (!decoded.ok) {
        this.failProtocol(`received bad JSON-RPC message: ${decoded.error}`);
        return;
      }
      this.dispatch(decoded.message);
    }
    this.inboxHead = 0;
    this.inboxTail = 0;
    if (this.pendingFramerError !== undefined) this.failProtocol(this.pendingFramerError);
  }

  private pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.socket.pause();
    this.watchBacklog();
  }

  private dispatch(m: JsonRpcMessage): void {
    if (m.kind === 'response' || m.kind === 'error') {
      const call = this.calls.settle(m.id);
      if (call) {
        if (m.kind === 'response') call.resolve(m.result);
        else call.reject(new JsonRpcRemoteError(m.error));
      } else {
        // Not one of ours: hand it over (a caller may use its own ids via send()).
        this.deliver(m);
      }
      return;
    }
    if (this.answerEcho && m.kind === 'request' && m.method === 'echo') {
      this.respond(m.id, m.params);
      return;
    }
    this.deliver(m);
  }

  private deliver(m: JsonRpcMessage): void {
    try {
      this.messageHandler?.(m);
    } catch (e) {
      // A throwing handler is a bug in this program; never let it take the process down from a
      // socket callback. Drop this connection instead.
      this.closeError ??= e instanceof Error ? e : new Error(String(e));
      this.close();
    }
  }

  /**
   * The peer broke the protocol: flush what we queued, close, and report the close now (with
   * the reason, for the log) rather than when the peer gets round to closing its end.
   */
  private failProtocol(message: string): void {
    this.protocolError ??= message;
    this.close();
    this.finish();
  }

  private armProbe(): void {
    const probe = this.probe;
    if (!probe || this.closed) return;
    const deadline = probe.nextDeadlineMs();
    if (deadline === undefined) return;
    this.cancelProbeTimer?.();
    this.cancelProbeTimer = this.clock.setTimer(Math.max(0, deadline - this.clock.nowMs()), () => {
      switch (probe.poll(this.clock.nowMs())) {
        case 'send-echo':
          this.request('echo', []).catch(() => undefined);
          break;
        case 'disconnect':
          this.closeError ??= new Error(`no response to inactivity probe after ${probe.intervalMs} ms`);
          this.socket.destroy();
          return;
        case 'none':
          break;
      }
      this.armProbe();
    });
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.cancelProbeTimer?.();
    if (this.framer.midValue && this.protocolError === undefined && this.closeError === undefined) {
      this.protocolError = 'error parsing stream: syntax error: connection closed in the middle of a message';
    }
    this.outQueue = [];
    this.outQueueBytes = 0;
    const err = new JsonRpcClosedError(this.closeError ? `connection closed: ${this.closeError.message}` : 'connection closed');
    for (const call of this.calls.drain()) call.reject(err);
    this.checkDrained();
    const info: CloseInfo = { error: this.closeError, protocolError: this.protocolError };
    for (const h of this.closeHandlers.splice(0)) h(info);
  }
}

/**
 * Writes the output every connection has queued now, instead of at the shared setImmediate. For
 * code that produces replies in the check phase of the event loop, after every readable socket
 * has been served (the store's journal flush): there, a setImmediate would wait for the next
 * turn of the loop, a poll and a wake-up later, for nothing.
 */
export function flushPendingWrites(): void {
  JsonRpcConnection.flushPendingNow();
}
