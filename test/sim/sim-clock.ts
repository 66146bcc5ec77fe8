/**
 * Logical time for the simulator. One global tick counter drives the whole world; each node
 * sees it through a {@link NodeClock} that may run fast or slow (bounded drift, as a lease-based
 * read must tolerate, Raft thesis §6.4.1) and whose timers fire only when the simulator says so.
 *
 *     global ms = tick * tickMs
 *     node ms   = offsetMs + global ms * (1 + driftPpm / 1e6)
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
    return this.offsetMs + Math.floor(this.world.nowMs * (1 + this.driftPpm / 1e6));
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
   * Fires every timer whose deadline has passed, earliest first. While a callback runs the clock
   * reads as the timer's deadline, as if it fired exactly on time (an event-driven simulator has
   * no timer lateness): a periodic timer re-armed from its callback then keeps its exact period,
   * so a fast clock really ticks more often and a slow one less, by the drift and no more.
   * A re-armed timer that is already due fires in the same call; the loop is bounded.
   */
  fireDue(): void {
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
      this.#firingAtMs = fired.deadlineMs;
      try {
        fired.fn();
      } finally {
        this.#firingAtMs = undefined;
      }
    }
    throw new Error('timer storm: more than 10000 timers fired in one tick');
  }

  /** A crash forgets every timer the node had armed. */
  reset(): void {
    this.#timers = [];
  }
}
