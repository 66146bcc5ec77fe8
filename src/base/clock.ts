/**
 * Time as a capability. Pure layers (ovsdb, raft, jsonrpc) receive times as arguments; hosts take
 * a Clock. Only adapters and the CLI construct `systemClock`.
 */
export interface Clock {
  /** Monotonic milliseconds, for timeouts and durations. */
  nowMs(): number;
  /** Wall-clock milliseconds since the epoch, for `_date` fields and logs. */
  wallMs(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
