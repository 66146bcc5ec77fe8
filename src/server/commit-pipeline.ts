/**
 * A FIFO of actions, some of which wait: for the store to report a record written (or synced),
 * or for a promise. Each action runs only after everything queued before it has run. This is how
 * a standalone host holds back replies and monitor updates until the commits they depend on are
 * safe on disk, in commit order.
 *
 *   queue:  [wait seq N written] [updates N] [reply N] [wait seq N+1 synced] [reply of a read]
 *                 ▲ store progress ──► pump runs everything up to the next unmet wait
 *
 * The queue is a flat array of (function, argument) pairs: a commit queues no promise, closure or
 * entry object of its own, which mattered at tens of thousands of small commits per second.
 *
 * @example
 * const p = new CommitPipeline((e) => fatal(e));
 * store.onProgress({ progress: (w, d) => p.advance(w, d), failed: (e) => fatal(e) });
 * p.waitWritten(store.write(record, false));
 * p.call(sendUpdates, commit);
 * p.call(reply, results);
 */

type Step = (arg: never) => void;

/** Markers in the function slot of a pair: waits, not actions. */
const WAIT_WRITTEN: Step = () => undefined;
const WAIT_SYNCED: Step = () => undefined;
const WAIT_PROMISE: Step = () => undefined;

const runThunk = (action: () => void): void => action();

export class CommitPipeline {
  /** Pairs in [#head, #tail): queue[i] is a Step or a wait marker, queue[i + 1] its argument. */
  #queue: unknown[] = [];
  #head = 0;
  #tail = 0;
  #pumping = false;
  #writtenSeq = 0;
  #durableSeq = 0;

  /**
   * `onError` gets a rejected promise wait (fatal: the store failed); `onActionError` an
   * exception thrown by an action (a bug; the pipeline carries on with the next action).
   */
  constructor(
    private readonly onError: (error: Error) => void,
    private readonly onActionError: (error: unknown) => void = (e) => queueMicrotask(() => { throw e; }),
  ) {}

  /** Holds back everything queued after it until the store reports record `seq` written. */
  waitWritten(seq: number): void {
    if (seq > this.#writtenSeq) this.#push(WAIT_WRITTEN, seq);
  }

  /** Holds back everything queued after it until the store reports record `seq` synced. */
  waitSynced(seq: number): void {
    if (seq > this.#durableSeq) this.#push(WAIT_SYNCED, seq);
  }

  /** Store progress (see DbStore.onProgress): runs what no longer waits. */
  advance(writtenSeq: number, durableSeq: number): void {
    if (writtenSeq > this.#writtenSeq) this.#writtenSeq = writtenSeq;
    if (durableSeq > this.#durableSeq) this.#durableSeq = durableSeq;
    this.#pump();
  }

  /** Holds back everything queued after it until `promise` resolves. A rejection is fatal. */
  barrier(promise: Promise<void>): void {
    const state = { ready: false };
    this.#push(WAIT_PROMISE, state);
    promise.then(
      () => {
        state.ready = true;
        this.#pump();
      },
      (e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))),
    );
  }

  /** Runs `step(arg)` once everything queued before it has run (at once if nothing waits). */
  call<T>(step: (arg: T) => void, arg: T): void {
    if (this.#head === this.#tail && !this.#pumping) {
      try {
        step(arg);
      } catch (err) {
        this.onActionError(err);
      }
      return;
    }
    this.#push(step, arg);
    this.#pump();
  }

  /** Runs `action` once everything queued before it has run (at once if nothing is pending). */
  then(action: () => void): void {
    this.call(runThunk, action);
  }

  /** Entries waiting (for memory/show and tests). */
  get length(): number {
    return (this.#tail - this.#head) / 2;
  }

  #push(step: unknown, arg: unknown): void {
    const q = this.#queue;
    if (this.#tail < q.length) {
      q[this.#tail] = step;
      q[this.#tail + 1] = arg;
    } else {
      q.push(step, arg);
    }
    this.#tail += 2;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const q = this.#queue;
    try {
      while (this.#head < this.#tail) {
        const step = q[this.#head] as Step;
        const arg = q[this.#head + 1];
        if (step === WAIT_WRITTEN) {
          if ((arg as number) > this.#writtenSeq) break;
        } else if (step === WAIT_SYNCED) {
          if ((arg as number) > this.#durableSeq) break;
        } else if (step === WAIT_PROMISE) {
          if (!(arg as { ready: boolean }).ready) break;
        }
        // Cleared as consumed, so a finished reply's results are not kept alive by the queue.
        q[this.#head] = undefined;
        q[this.#head + 1] = undefined;
        this.#head += 2;
        if (step === WAIT_WRITTEN || step === WAIT_SYNCED || step === WAIT_PROMISE) continue;
        try {
          (step as (a: unknown) => void)(arg);
        } catch (err) {
          this.onActionError(err);
        }
      }
    } finally {
      this.#pumping = false;
      if (this.#head === this.#tail) {
        // Emptied by resetting the indexes, not the array: `length = 0` would free its storage
        // and the next burst of commits would grow it again step by step.
        this.#head = 0;
        this.#tail = 0;
      } else if (this.#head > 2048) {
        this.#queue = this.#queue.slice(this.#head, this.#tail);
        this.#tail -= this.#head;
        this.#head = 0;
      }
    }
  }
}
