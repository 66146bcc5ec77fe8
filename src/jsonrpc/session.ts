/**
 * Pure per-connection JSON-RPC state: ids of outstanding calls and the echo/inactivity probe.
 * No sockets and no clocks: the adapter (src/transport/jsonrpc-connection.ts) passes times in and
 * acts on what these return, so the same logic runs under the simulator.
 */
import type { Json } from '../base/json.js';

/**
 * Outstanding requests keyed by the numeric id we sent. A response whose id we never sent (or
 * already settled) returns undefined from `settle`: the caller ignores it, as OVS logs and drops
 * an "unexpected reply".
 *
 * @example
 * const calls = new PendingCalls<(r: Json) => void>();
 * const id = calls.add(resolve);          // send {"method":..., "id": id}
 * calls.settle(reply.id)?.(reply.result);
 */
export class PendingCalls<T> {
  private nextId = 0;
  private readonly calls = new Map<number, T>();

  /** Registers `entry` under a fresh id and returns the id to put on the wire. */
  add(entry: T): number {
    const id = this.nextId++;
    this.calls.set(id, entry);
    return id;
  }

  /** Removes and returns the entry for a response id, if it is one of ours. */
  settle(id: Json): T | undefined {
    if (typeof id !== 'number') return undefined;
    const entry = this.calls.get(id);
    if (entry !== undefined) this.calls.delete(id);
    return entry;
  }

  /** Removes and returns every outstanding entry (on disconnect: fail them all). */
  drain(): T[] {
    const all = [...this.calls.values()];
    this.calls.clear();
    return all;
  }

  get size(): number {
    return this.calls.size;
  }
}

/** What the adapter should do now. */
export type ProbeAction = 'none' | 'send-echo' | 'disconnect';

/**
 * The inactivity probe of OVS's lib/reconnect.c: after `intervalMs` with nothing received, send
 * an "echo" request; if another `intervalMs` passes with still nothing received, the peer is
 * dead and the connection is dropped. Any received byte counts as activity. `intervalMs` 0
 * disables probing (as `inactivity_probe=0` does in OVS).
 *
 *   last activity ──intervalMs──► send echo ──intervalMs──► disconnect
 *
 * @example
 * const probe = new InactivityProbe(5000, clock.nowMs());
 * socket.on('data', () => probe.noteActivity(clock.nowMs()));
 * // on a timer at probe.nextDeadlineMs():
 * switch (probe.poll(clock.nowMs())) { case 'send-echo': ...; case 'disconnect': ... }
 */
export class InactivityProbe {
  private lastActivityMs: number;
  private echoSentMs: number | undefined;

  constructor(
    readonly intervalMs: number,
    nowMs: number,
  ) {
    this.lastActivityMs = nowMs;
  }

  /** Something arrived from the peer. */
  noteActivity(nowMs: number): void {
    this.lastActivityMs = nowMs;
    this.echoSentMs = undefined;
  }

  /** Decides, at `nowMs`, whether to probe or give up. 'send-echo' is returned once per idle period. */
  poll(nowMs: number): ProbeAction {
    if (this.intervalMs <= 0) return 'none';
    if (this.echoSentMs !== undefined) {
      return nowMs - this.echoSentMs >= this.intervalMs ? 'disconnect' : 'none';
    }
    if (nowMs - this.lastActivityMs >= this.intervalMs) {
      this.echoSentMs = nowMs;
      return 'send-echo';
    }
    return 'none';
  }

  /** When `poll` may next return something other than 'none'; undefined if disabled. */
  nextDeadlineMs(): number | undefined {
    if (this.intervalMs <= 0) return undefined;
    return (this.echoSentMs ?? this.lastActivityMs) + this.intervalMs;
  }
}
