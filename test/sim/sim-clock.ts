/**
 * Logical time for the simulator. One global tick counter drives the whole world; each node
 * sees it through a {@link NodeClock} that may run fast or slow (bounded drift, as a lease-based
 * read must tolerate, Raft thesis §6.4.1) and whose timers fire only when the simulator says so.
 *
 *     global ms = tick * tickMs
 *     node ms   = offsetMs + jumpedMs + global ms * (1 + driftPpm / 1e6)
 *
 * Two time faults, chosen by the seed like every other (see cluster.ts):
 * - a stall: the node's event loop is blocked (a long callback, a GC pause, a paused VM). No
 *   timer fires until it ends; then the overdue timers fire once, late, and see the real time.
 *   (The cluster also holds the node's messages, client requests and disk completions.)
 * - a jump: the node's clock leaps forward without real time passing (a clock that is not
 *   really monotonic). Its overdue timers fire late, as after a stall.
 *
 * Nothing here reads real time: a seed replays exactly.
 */
import type { Clock } from '../../src/base/clock.js';

/** The world's clock: a tick counter and its length in simulated milliseconds. */
export class SimClock {
  #tick = 0;

  constructor(readonly tickMs: number) {
    if (!(Number.isInteger(tickMs) && tickMs > 0)) throw new Error('tickMs must be a positive integer');
  }

  /** The current tick (starts at 0). */
  get tick(): number {
    return this.#tick;
  }

  /** Global simulated milliseconds. */
  get nowMs(): number {
    return this.#tick * this.tickMs;
  }

  /** Moves the world one tick forward. */
  advance(): void {
    this.#tick += 1;
  }
}

interface Timer {
  readonly deadlineMs: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * One node's view of time: a drifting local clock implementing the project's {@link Clock}
 * port. Timers are kept in a list and fired by {@link NodeClock.fireDue} in deadline order
 * (ties by creation order), so firing is deterministic.
 */
export class NodeClock implements Clock {
  #timers: Timer[] = [];
  #seq = 0;
  /** While a timer callback runs, time reads as that timer's deadline (see fireDue). */
  #firingAtMs: number | undefined;
  /** Forward clock jumps so far. */
  #jumpedMs = 0;
  /** World tick at which the current stall ends (no stall when <= the world's tick). */
  #stalledUntilTick = 0;

  /**
   * @param world the global clock
   * @param driftPpm how much faster (positive) or slower (negative) this node's clock runs
   * @param offsetMs this node's clock reading at global time 0 (wall clocks disagree)
   */
  constructor(
    readonly world: SimClock,
    readonly driftPpm: number,
    readonly offsetMs: number,
  ) {}

  nowMs(): number {
    if (this.#firingAtMs !== undefined) return this.#firingAtMs;
    // Integer milliseconds keep traces stable across platforms.
    return this.offsetMs + this.#jumpedMs + Math.floor(this.world.nowMs * (1 + this.driftPpm / 1e6));
  }

  /** Blocks this node's timers for `ticks` world ticks from now (an event-loop stall). */
  stall(ticks: number): void {
    this.#stalledUntilTick = Math.max(this.#stalledUntilTick, this.world.tick + ticks);
  }

  /** True while a stall lasts. */
  get stalled(): boolean {
    return this.world.tick < this.#stalledUntilTick;
  }

  /** Ends a stall at once (the liveness phase). */
  unstall(): void {
    this.#stalledUntilTick = 0;
  }

  /** Moves this clock forward by `ms` at once, without real time passing. */
  jump(ms: number): void {
    if (!(Number.isInteger(ms) && ms >= 0)) throw new Error('a clock jump is a non-negative whole number of ms');
    this.#jumpedMs += ms;
  }

  /** Node milliseconds one world tick lasts on this clock: a timer later than that fired late. */
  #tickSlackMs(): number {
    return Math.ceil(this.world.tickMs * (1 + Math.abs(this.driftPpm) / 1e6));
  }

  wallMs(): number {
    return 1_700_000_000_000 + this.nowMs();
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { deadlineMs: this.nowMs() + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Number of armed timers (for tests and bounds). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Fires every timer whose deadline has passed, earliest first; nothing during a stall. While a
   * callback runs the clock reads as the timer's deadline, as if it fired exactly on time (an
   * event-driven simulator has no timer lateness below one world tick): a periodic timer
   * re-armed from its callback then keeps its exact period, so a fast clock really ticks more
   * often and a slow one less, by the drift and no more. A timer more than a world tick late
   * (after a stall or a jump) reads the real time instead: the whole delay is visible to it.
   * A re-armed timer that is already due fires in the same call; the loop is bounded.
   */
  fireDue(): void {
    if (this.stalled) return;
    for (let round = 0; round < 10_000; round++) {
      const now = this.nowMs();
      let next: Timer | undefined;
      for (const t of this.#timers) {
        if (t.deadlineMs > now) continue;
        if (next === undefined || t.deadlineMs < next.deadlineMs || (t.deadlineMs === next.deadlineMs && t.seq < next.seq)) next = t;
      }
      if (next === undefined) return;
      const fired = next;
      this.#timers = this.#timers.filter((t) => t !== fired);
      this.#firingAtMs = now - fired.deadlineMs > this.#tickSlackMs() ? undefined : fired.deadlineMs;
      try {
        fired.fn();
      } finally {
        this.#firingAtMs = undefined;
      }
    }
    throw new Error('timer storm: more than 10000 timers fired in one tick');
  }

  /** A crash forgets every timer the node had armed (and ends its stall: the process is gone). */
  reset(): void {
    this.#timers = [];
    this.#stalledUntilTick = 0;
  }
}
