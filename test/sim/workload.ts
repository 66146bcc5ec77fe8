/**
 * Clients of the key-value workload. Each client has at most one operation outstanding, sends it
 * to the member it believes leads (or any member), and like a real client times out and retries
 * elsewhere with the same serial number, so the state machine's session table makes the retry
 * safe. Every invocation and return is recorded in a {@link History} for the linearizability
 * checker, with times from one event counter (so "returned before invoked" is never ambiguous).
 */
import type { Prng } from '../../src/base/prng.js';
import type { HistoryOp, KvOp, KvResult } from './checkers/linearizability.js';

/** The append-only client history. */
export class History {
  readonly ops: HistoryOp[] = [];
  #time = 0;

  /** Records an invocation; returns its handle. */
  invoke(clientId: number, op: KvOp, seq: number): number {
    this.ops.push({ clientId, seq, op, invokeTime: this.#time++, returnTime: undefined, result: undefined });
    return this.ops.length - 1;
  }

  /** Records the return of invocation `handle`. */
  complete(handle: number, result: KvResult): void {
    const h = this.ops[handle];
    if (h === undefined || h.returnTime !== undefined) throw new Error('completing an unknown or finished operation');
    if (h.op.kind !== result.kind) throw new Error(`result ${result.kind} for a ${h.op.kind}`);
    this.ops[handle] = { ...h, returnTime: this.#time++, result };
  }

  /** Number of completed operations. */
  get completed(): number {
    return this.ops.filter((h) => h.returnTime !== undefined).length;
  }
}

/** How a client reaches the cluster: requests are delivered to a member by the cluster. */
export interface ClientRequest {
  readonly clientId: number;
  readonly seq: number;
  readonly attempt: number;
  readonly op: KvOp;
  readonly target: string;
}

/** A member's answer: a result, or "try again" with an optional leader hint. */
export type ClientResponse =
  | { readonly clientId: number; readonly seq: number; readonly kind: 'result'; readonly result: KvResult }
  | { readonly clientId: number; readonly seq: number; readonly kind: 'retry'; readonly leaderHint: string | undefined };

interface Outstanding {
  readonly seq: number;
  readonly op: KvOp;
  readonly handle: number;
  attempt: number;
  target: string;
  deadlineTick: number;
  /** When > 0, the tick at which to resend (after a retry answer). */
  resendTick: number;
}

/** Client behaviour knobs. */
export interface ClientOptions {
  readonly requestProbability: number;
  readonly timeoutTicks: number;
  readonly keyCount: number;
  /** Attempts before the client gives up (the operation stays pending forever in the history). */
  readonly attemptsMax: number;
  /** `kv`: get/put/cas; `counter`: get/inc (the OVSDB workload). */
  readonly ops: 'kv' | 'counter';
  /**
   * Whether a write that timed out is sent again. True only with exactly-once sessions (the
   * key-value state machine); an OVSDB transaction whose fate is unknown is not re-sent, or it
   * could take effect twice.
   */
  readonly retryWritesOnTimeout: boolean;
}

/** One client. */
export class SimClient {
  #seq = 0;
  #out: Outstanding | undefined;
  #leaderHint: string | undefined;
  /** Last value this client saw per key, to make compare-and-set succeed sometimes. */
  #seen = new Map<string, string | null>();
  /** Servers that recently let a request time out → the tick until which they are avoided. */
  #suspects = new Map<string, number>();
  gaveUp = 0;
  completed = 0;

  constructor(
    readonly id: number,
    private readonly options: ClientOptions,
    private readonly history: History,
    private readonly prng: Prng,
  ) {}

  /** True while an operation is outstanding. */
  get busy(): boolean {
    return this.#out !== undefined;
  }

  /**
   * One tick: maybe start an operation, maybe time out and retry. Returns a request to send, if
   * any. `members` are the servers a client may address; `issue` false stops new operations.
   */
  tick(now: number, members: readonly string[], issue: boolean): ClientRequest | undefined {
    const out = this.#out;
    if (out === undefined) {
      if (!issue || members.length === 0 || !this.prng.chance(this.options.requestProbability)) return undefined;
      const op = this.#newOp();
      const seq = ++this.#seq;
      const target = this.#pickTarget(members);
      this.#out = { seq, op, handle: this.history.invoke(this.id, op, seq), attempt: 1, target, deadlineTick: now + this.options.timeoutTicks, resendTick: 0 };
      return { clientId: this.id, seq, attempt: 1, op, target };
    }
    const due = (out.resendTick > 0 && now >= out.resendTick) || now >= out.deadlineTick;
    if (!due) return undefined;
    const timedOut = !(out.resendTick > 0 && now >= out.resendTick);
    if (out.attempt >= this.options.attemptsMax || (timedOut && out.op.kind !== 'get' && !this.options.retryWritesOnTimeout)) {
      // Give up: a write stays pending in the history forever (it may still take effect).
      this.gaveUp += 1;
      this.#out = undefined;
      return undefined;
    }
    out.attempt += 1;
    if (timedOut) {
      // A server that swallowed a request (crashed, partitioned, or removed from the cluster and
      // waiting for a log it will never get) is avoided for a while, as a real client backs off.
      this.#suspects.set(out.target, now + 10 * this.options.timeoutTicks);
      if (this.#leaderHint === out.target) this.#leaderHint = undefined;
    }
    const others = members.filter((m) => m !== out.target && (this.#suspects.get(m) ?? 0) <= now);
    out.target = out.resendTick > 0 && this.#leaderHint !== undefined && members.includes(this.#leaderHint)
      ? this.#leaderHint
      : this.prng.pick(others.length > 0 ? others : members);
    out.deadlineTick = now + this.options.timeoutTicks;
    out.resendTick = 0;
    return { clientId: this.id, seq: out.seq, attempt: out.attempt, op: out.op, target: out.target };
  }

  /** A response arrived at tick `now`. Answers to older operations are ignored. */
  receive(now: number, r: ClientResponse): void {
    const out = this.#out;
    if (out === undefined || r.seq !== out.seq) return;
    if (r.kind === 'retry') {
      // Follow a hint; a server that knows no leader is a bad target for the next attempt.
      if (r.leaderHint !== undefined) this.#leaderHint = r.leaderHint;
      else if (this.#leaderHint === out.target) this.#leaderHint = undefined;
      if (out.resendTick === 0) out.resendTick = now + 1 + this.prng.int(0, 3);
      return;
    }
    this.history.complete(out.handle, r.result);
    this.#suspects.delete(out.target);
    this.completed += 1;
    if (r.result.kind === 'get') this.#seen.set(out.op.key, r.result.value);
    if (out.op.kind !== 'get') this.#leaderHint = out.target;
    this.#out = undefined;
  }

  #pickTarget(members: readonly string[]): string {
    if (this.#leaderHint !== undefined && members.includes(this.#leaderHint) && this.prng.chance(0.8)) return this.#leaderHint;
    return this.prng.pick(members);
  }

  #newOp(): KvOp {
    const key = `k${this.prng.int(1, this.options.keyCount)}`;
    const value = `c${this.id}.${this.#seq + 1}`;
    const r = this.prng.nextFloat();
    if (r < 0.4) return { kind: 'get', key };
    if (this.options.ops === 'counter') return { kind: 'inc', key };
    if (r < 0.75) return { kind: 'put', key, value };
    const seen = this.#seen.get(key);
    return { kind: 'cas', key, expected: seen === undefined || this.prng.chance(0.2) ? null : seen, value };
  }
}
