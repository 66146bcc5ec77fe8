/**
 * A FIFO of actions, some of which wait for a promise (a store append): each action runs only
 * after everything queued before it has run. This is how a standalone host holds back replies
 * and monitor updates until the commits they depend on are safe on disk, in commit order,
 * without a promise chain per transaction.
 *
 *   queue:  [barrier N (append pending)] [updates N] [reply N] [barrier N+1] [reply of a read]
 *                 ▲ resolves ──► pump runs everything up to the next unresolved barrier
 *
 * @example
 * const p = new CommitPipeline((e) => fatal(e));
 * p.barrier(store.append(record, { durable }));
 * p.then(() => sendUpdates());
 * p.then(() => reply());
 */
interface Entry {
  ready: boolean;
  readonly action: (() => void) | undefined;
}

export class CommitPipeline {
  #queue: Entry[] = [];
  #head = 0;
  #pumping = false;

  /**
   * `onError` gets a rejected barrier (fatal: the store failed); `onActionError` an exception
   * thrown by an action (a bug; the pipeline carries on with the next action).
   */
  constructor(
    private readonly onError: (error: Error) => void,
    private readonly onActionError: (error: unknown) => void = (e) => queueMicrotask(() => { throw e; }),
  ) {}

  /** Holds back everything queued after it until `promise` resolves. A rejection is fatal. */
  barrier(promise: Promise<void>): void {
    const entry: Entry = { ready: false, action: undefined };
    this.#queue.push(entry);
    promise.then(
      () => {
        entry.ready = true;
        this.#pump();
      },
      (e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))),
    );
  }

  /** Runs `action` once everything queued before it has run (at once if nothing is pending). */
  then(action: () => void): void {
    if (this.#head === this.#queue.length && !this.#pumping) {
      try {
        action();
      } catch (err) {
        this.onActionError(err);
      }
      return;
    }
    this.#queue.push({ ready: true, action });
    this.#pump();
  }

  /** Entries waiting (for memory/show and tests). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#head < this.#queue.length) {
        const e = this.#queue[this.#head];
        if (!e || !e.ready) break;
        this.#head++;
        try {
          e.action?.();
        } catch (err) {
          this.onActionError(err);
        }
      }
    } finally {
      this.#pumping = false;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 1024) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
    }
  }
}
