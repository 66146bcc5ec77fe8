/**
 * Linearizable reads on any member (Raft thesis §6.4, ReadIndex), batched: every read that
 * arrives while a round is out waits for the next one, so one round trip to the leader serves
 * them all, however many arrive.
 *
 *   read ─► waiting ──(no round out)──► round {id}: raft.readIndex(id) ──► ReadState {id, index}
 *                                                                            │
 *           run every read of the round once this member has applied `index` ◄┘
 *
 * A round the leader could not confirm (no leader, leadership lost) is tried again after a
 * pause; reads are never answered from a state not proven current, so a member cut off from
 * the majority keeps them waiting (the client's own timeout ends them).
 *
 * @example
 * const reads = new ReadBarrier({ readIndex: (id) => raft.readIndex(id), appliedIndex: () => applied, setTimer });
 * reads.wait(() => runSelect());      // later: reads.onReadState(rs); reads.onApplied();
 */
import type { ReadState } from '../raft/index.js';

export interface ReadBarrierPorts {
  /** Starts a ReadIndex round; the answer arrives through onReadState. */
  readIndex(requestId: string): void;
  appliedIndex(): number;
  setTimer(ms: number, fn: () => void): () => void;
}

/** How long a round may stay unanswered before it is sent again (a lost message, a dead leader). */
const ROUND_TIMEOUT_MS = 1000;
/** Pause before retrying a round that was refused (no leader yet). */
const RETRY_PAUSE_MS = 50;

export class ReadBarrier {
  #waiting: (() => void)[] = [];
  #round: { readonly id: string; readonly actions: (() => void)[]; cancel: () => void } | undefined;
  /** Confirmed rounds waiting for the member to apply their index, in index order. */
  #due: { readonly index: number; readonly actions: (() => void)[] }[] = [];
  #n = 0;
  #retryCancel: (() => void) | undefined;
  #stopped = false;
  rounds = 0;

  constructor(private readonly ports: ReadBarrierPorts, private readonly prefix: string) {}

  /** Runs `action` once the local state includes every write committed before this call. */
  wait(action: () => void): void {
    if (this.#stopped) return;
    this.#waiting.push(action);
    if (this.#round === undefined && this.#retryCancel === undefined) this.#start();
  }

  /** Reads waiting or in a round (memory/show). */
  get pending(): number {
    return this.#waiting.length + (this.#round?.actions.length ?? 0) + this.#due.reduce((n, d) => n + d.actions.length, 0);
  }

  onReadState(rs: ReadState): void {
    const round = this.#round;
    if (round === undefined || rs.requestId !== round.id) return;
    round.cancel();
    this.#round = undefined;
    if (rs.ok) {
      this.#due.push({ index: rs.index, actions: round.actions });
      this.onApplied();
      if (this.#waiting.length > 0) this.#start();
      return;
    }
    // Refused (no leader known, or it lost leadership): everything waits for a later round.
    this.#waiting = round.actions.concat(this.#waiting);
    this.#retryLater();
  }

  /** Call after the member applied entries: runs the reads whose index is reached. */
  onApplied(): void {
    const applied = this.ports.appliedIndex();
    while (this.#due.length > 0 && (this.#due[0]?.index ?? Infinity) <= applied) {
      const d = this.#due.shift();
      for (const a of d?.actions ?? []) a();
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#round?.cancel();
    this.#retryCancel?.();
  }

  #start(): void {
    if (this.#stopped || this.#waiting.length === 0) return;
    const actions = this.#waiting;
    this.#waiting = [];
    const id = `${this.prefix}:${++this.#n}`;
    const cancel = this.ports.setTimer(ROUND_TIMEOUT_MS, () => {
      if (this.#round?.id !== id) return;
      this.#round = undefined;
      this.#waiting = actions.concat(this.#waiting);
      this.#start();
    });
    this.#round = { id, actions, cancel };
    this.rounds++;
    this.ports.readIndex(id);
  }

  #retryLater(): void {
    if (this.#retryCancel !== undefined) return;
    this.#retryCancel = this.ports.setTimer(RETRY_PAUSE_MS, () => {
      this.#retryCancel = undefined;
      this.#start();
    });
  }
}
