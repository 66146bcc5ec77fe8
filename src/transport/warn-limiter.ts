/**
 * Rate-limited warnings: one line per key per interval, then a count of what was held back. A
 * confused or hostile peer repeats itself many times a second; the log must stay readable (OVS
 * rate-limits the same way with VLOG_RATE_LIMIT_INIT). Time comes from an injected timer.
 *
 * @example
 * const limiter = new WarnLimiter(clock.setTimer, (level, text) => log(level, text));
 * limiter.warn(`drop:${peer}`, `dropping a message from ${peer}`);
 */

/** Repeated warnings with one key are held back for this long. */
export const WARN_INTERVAL_MS = 60_000;

export class WarnLimiter {
  readonly #held = new Map<string, { suppressed: number; cancel: () => void }>();
  readonly #setTimer: (ms: number, fn: () => void) => () => void;
  readonly #log: (level: 'WARN', message: string) => void;

  constructor(setTimer: (ms: number, fn: () => void) => () => void, log: (level: 'WARN', message: string) => void) {
    this.#setTimer = setTimer;
    this.#log = log;
  }

  /** Logs `message` unless a warning with `key` was logged less than an interval ago. */
  warn(key: string, message: string): void {
    const held = this.#held.get(key);
    if (held !== undefined) {
      held.suppressed++;
      return;
    }
    this.#log('WARN', message);
    const entry = { suppressed: 0, cancel: (): void => undefined };
    entry.cancel = this.#setTimer(WARN_INTERVAL_MS, () => {
      this.#held.delete(key);
      if (entry.suppressed > 0) this.#log('WARN', `${entry.suppressed} more like "${message}" in the last minute`);
    });
    this.#held.set(key, entry);
  }

  /** Cancels every timer (on close). */
  clear(): void {
    for (const h of this.#held.values()) h.cancel();
    this.#held.clear();
  }
}
