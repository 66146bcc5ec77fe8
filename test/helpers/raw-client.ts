/**
 * A tiny raw JSON-RPC 1.0 client for tests (RFC 7047 §4): it sends messages exactly as given and
 * records every message the server sends, in arrival order, so a test can compare transcripts
 * byte for byte. It depends on node:net only, not on the project's own jsonrpc code, so it can
 * judge that code.
 *
 * With `bigIntsAsText`, integers beyond 15 digits arrive as strings "<int:DIGITS>" so that
 * 64-bit values compare exactly.
 *
 * The server may send back-to-back JSON values with no separator (OVS does), so incoming bytes go
 * through a small brace/bracket scanner that is aware of strings and escapes.
 */
import { createConnection, type Socket } from 'node:net';

/** Where to connect: a unix socket path, or a TCP port on 127.0.0.1. */
export type RawTarget = { readonly path: string } | { readonly port: number; readonly host?: string };

/** Parses a "unix:PATH" or "tcp:IP:PORT" remote into a target. */
export function parseRemote(remote: string): RawTarget {
  if (remote.startsWith('unix:')) return { path: remote.slice('unix:'.length) };
  const m = /^tcp:([^:]+):(\d+)$/.exec(remote);
  if (m?.[1] !== undefined && m[2] !== undefined) return { host: m[1], port: Number(m[2]) };
  throw new Error(`unsupported remote ${remote}`);
}

/** Splits a byte stream into complete top-level JSON texts. */
export class JsonSplitter {
  #buf = '';
  #depth = 0;
  #inString = false;
  #escape = false;
  #start = -1;
  #scanned = 0;

  /** Feeds text; returns the complete JSON texts it finished. */
  push(text: string): string[] {
    this.#buf += text;
    const out: string[] = [];
    for (let i = this.#scanned; i < this.#buf.length; i++) {
      const c = this.#buf[i];
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === '\\') this.#escape = true;
        else if (c === '"') this.#inString = false;
        continue;
      }
      if (c === '"') {
        this.#inString = true;
      } else if (c === '{' || c === '[') {
        if (this.#depth === 0) this.#start = i;
        this.#depth++;
      } else if (c === '}' || c === ']') {
        this.#depth--;
        if (this.#depth === 0 && this.#start >= 0) {
          out.push(this.#buf.slice(this.#start, i + 1));
          this.#buf = this.#buf.slice(i + 1);
          i = -1;
          this.#start = -1;
        }
      }
    }
    this.#scanned = this.#buf.length;
    if (this.#depth === 0 && this.#start < 0) {
      this.#buf = '';
      this.#scanned = 0;
    }
    return out;
  }
}

/**
 * Rewrites integer literals too long to survive a JS number (more than 15 digits) as strings
 * `"<int:DIGITS>"`, outside JSON strings, so 64-bit values compare exactly.
 */
export function protectBigInts(text: string): string {
  let out = '';
  let inString = false;
  let escape = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (inString) {
      out += c;
      if (escape) escape = false;
      else if (c === '\\') escape = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 40));
      const tok = m?.[0] ?? c;
      const isInt = m !== null && m[1] === undefined && m[2] === undefined;
      out += isInt && tok.replace('-', '').length > 15 ? `"<int:${tok}>"` : tok;
      i += tok.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A connected raw client. */
export class RawClient {
  /** Every message received, in order (server echo probes answered automatically are excluded). */
  readonly received: unknown[] = [];
  /** Text that did not parse as JSON (kept for diagnostics). */
  readonly garbage: string[] = [];
  #socket: Socket;
  #splitter = new JsonSplitter();
  #waiters: { pred: (m: unknown) => boolean; resolve: (m: unknown) => void; from: number }[] = [];
  #closed = false;
  #closeWaiters: (() => void)[] = [];
  #nextId = 1;

  private constructor(
    socket: Socket,
    readonly autoEcho: boolean,
    readonly bigIntsAsText: boolean,
  ) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#closeWaiters.splice(0)) w();
    });
  }

  /** Connects within `timeoutMs`; rejects if the server does not accept. */
  static connect(target: RawTarget, opts: { timeoutMs?: number; autoEcho?: boolean; bigIntsAsText?: boolean } = {}): Promise<RawClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = 'path' in target ? createConnection(target.path) : createConnection(target.port, target.host ?? '127.0.0.1');
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('raw client: connect timed out'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawClient(socket, opts.autoEcho ?? true, opts.bigIntsAsText ?? false));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onData(chunk: string): void {
    for (const text of this.#splitter.push(chunk)) {
      let msg: unknown;
      try {
        msg = JSON.parse(this.bigIntsAsText ? protectBigInts(text) : text);
      } catch {
        this.garbage.push(text);
        continue;
      }
      if (this.autoEcho && isObject(msg) && msg['method'] === 'echo' && msg['id'] !== undefined && msg['id'] !== null) {
        this.send({ id: msg['id'], result: msg['params'] ?? [], error: null });
        continue;
      }
      this.received.push(msg);
      const index = this.received.length - 1;
      this.#waiters = this.#waiters.filter((w) => {
        if (index >= w.from && w.pred(msg)) {
          w.resolve(msg);
          return false;
        }
        return true;
      });
    }
  }

  /** Sends one message as JSON (or raw text when given a string). */
  send(msg: unknown): void {
    if (this.#closed) return;
    this.#socket.write(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** A fresh id for a request, unique on this connection. */
  nextId(): number {
    return this.#nextId++;
  }

  /**
   * Resolves with the first message, received at index `from` or later, that satisfies `pred`;
   * rejects after `timeoutMs` or when the connection closes first.
   */
  waitFor(pred: (m: unknown) => boolean, timeoutMs = 5000, from = 0): Promise<unknown> {
    for (let i = from; i < this.received.length; i++) {
      if (pred(this.received[i])) return Promise.resolve(this.received[i]);
    }
    if (this.#closed) return Promise.reject(new Error('raw client: connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`raw client: no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        pred,
        from,
        resolve: (m: unknown) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.#waiters.push(waiter);
      this.#closeWaiters.push(() => {
        if (!this.#waiters.includes(waiter)) return;
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        reject(new Error('raw client: connection closed'));
      });
    });
  }

  /** Resolves with the reply (a message whose `id` equals `id` and that has no `method`). */
  waitReply(id: unknown, timeoutMs = 5000): Promise<unknown> {
    const want = JSON.stringify(id);
    return this.waitFor((m) => isObject(m) && (m['method'] === undefined || m['method'] === null) && JSON.stringify(m['id']) === want, timeoutMs);
  }

  /** Sends a request and resolves with its reply. */
  async request(method: string, params: unknown, timeoutMs = 5000): Promise<unknown> {
    const id = this.nextId();
    this.send({ id, method, params });
    return this.waitReply(id, timeoutMs);
  }

  /** Resolves when the server has closed the connection, or rejects after `timeoutMs`. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('raw client: connection still open')), timeoutMs);
      this.#closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes the connection and resolves once it is closed. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 200).unref();
    return done;
  }
}
