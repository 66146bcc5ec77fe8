/**
 * RaftHost drives one RaftCore through the ports: it ticks the core by the time elapsed on its
 * clock, feeds it messages, and runs each Ready in the only safe order (etcd Ready with async
 * storage writes, OVS waiters, STYLE habit 2):
 *
 *   ready() -> transport.send(send)                  at once: nothing in it needs the disk
 *           -> advance() -> store.write(snapshot, entries, hardState)     (several in flight)
 *           -> onSnapshot / onApply / read states / proposal results
 *   ...write durable (in order) -> persisted() -> transport.send(sendAfterPersist)
 *                                                 (a self-addressed vote is stepped back in)
 *
 * Acknowledgements (votes, append and snapshot answers) never leave before the state they vouch
 * for is durable, so a crash can never take back a vote or an acknowledged entry (§3.8); all
 * other traffic (heartbeats and their replies, appends from the leader, ReadIndex) leaves at
 * once and never waits behind an fsync, and a leader replicates while its own write is in
 * flight (§10.2.1). Storage completes through a callback, so the same host runs over LevelDB in
 * production and over the simulator's disk.
 */
import type { RaftConfig, Ready } from './config.js';
import { RaftCore } from './core.js';
import type { RaftMessage } from './messages.js';
import type { LogStore, TimerPort, Transport } from './ports.js';
import type {
  AdminResult, ConfChange, LogEntry, LogIndex, NodeId, Proposal, ProposalResult, ReadState, Snapshot,
} from './types.js';

/** What the host tells the application. */
export interface RaftHostEvents {
  /** Committed entries, in order (every kind; the application usually acts on `normal`). */
  onApply(entries: readonly LogEntry[]): void;
  /** Replace the state machine with this snapshot (sent by the leader), before later applies. */
  onSnapshot?(snapshot: Snapshot): void;
  onReadState?(state: ReadState): void;
  onProposalResult?(result: ProposalResult): void;
  /** Storage failed: the host has stopped; the server should exit (crashing beats diverging). */
  onFatal?(err: Error): void;
}

/** Everything a host needs. */
export interface RaftHostOptions {
  readonly config: RaftConfig;
  readonly store: LogStore;
  readonly transport: Transport;
  readonly timers: TimerPort;
  readonly events: RaftHostEvents;
}

/** A Ready taken from the core and not yet `persisted()`; `durable` once its write completed. */
interface InFlight {
  readonly rd: Ready;
  durable: boolean;
}

/** Drives one RaftCore; identical in production and in the simulator. */
export class RaftHost {
  readonly core: RaftCore;
  readonly #o: RaftHostOptions;
  readonly #tickMs: number;
  #cancelTimer: (() => void) | undefined;
  #started = false;
  /** Clock reading at the last whole tick given to the core; the remainder carries over. */
  #lastTickMs = 0;
  /** Readies in the order taken, until persisted() (writes complete in order, LogStore). */
  readonly #inFlight: InFlight[] = [];
  #pumping = false;
  #again = false;
  /** A pump is scheduled through TimerPort.defer (inputs of this turn share one Ready). */
  #pumpDeferred = false;
  #stopped = false;

  constructor(options: RaftHostOptions) {
    this.#o = options;
    this.core = new RaftCore(options.config, options.store);
    this.#tickMs = options.config.tickMs ?? 10;
  }

  /** Starts Raft time: from now on the core is ticked by the clock. */
  start(): void {
    if (this.#stopped || this.#started) return;
    this.#started = true;
    this.#lastTickMs = this.#o.timers.nowMs();
    this.#arm();
    this.#pump();
  }

  /** Stops ticking and ignores further input (pending storage callbacks are dropped). */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#inFlight.length = 0;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** A message from the network. */
  receive(msg: RaftMessage): void {
    this.#run(() => this.core.step(msg));
  }

  /**
   * The transport saw the connection from `node` close or reset (its process likely died). A
   * follower of `node` pre-votes at once instead of waiting out its election timeout; members
   * that saw the same reset grant it, members still hearing from `node` refuse (§4.2.3, §9.6).
   */
  peerLost(node: NodeId): void {
    this.#run(() => this.core.peerLost(node));
  }

  propose(p: Proposal): void {
    this.#run(() => this.core.propose(p));
  }

  readIndex(requestId: string): void {
    this.#run(() => this.core.readIndex(requestId));
  }

  campaign(): void {
    this.#run(() => this.core.campaign());
  }

  transferLeadership(to?: NodeId): AdminResult {
    return this.#admin(() => this.core.transferLeadership(to));
  }

  proposeConfChange(cc: ConfChange): AdminResult {
    return this.#admin(() => this.core.proposeConfChange(cc));
  }

  changeElectionTimer(ms: number): AdminResult {
    return this.#admin(() => this.core.changeElectionTimer(ms));
  }

  compact(index: LogIndex, data: Uint8Array): AdminResult {
    return this.#admin(() => this.core.compact(index, data));
  }

  /**
   * Every input first brings the core's time up to the clock: after a stall a lease must not
   * look valid to a read that is handled before the overdue timer callback runs (§6.4.1).
   */
  #run(fn: () => void): void {
    if (this.#stopped) return;
    this.#catchUp();
    fn();
    const defer = this.#o.timers.defer;
    if (defer === undefined) {
      this.#pump();
      return;
    }
    if (this.#pumpDeferred) return;
    this.#pumpDeferred = true;
    defer(() => {
      this.#pumpDeferred = false;
      this.#pump();
    });
  }

  #admin(fn: () => AdminResult): AdminResult {
    if (this.#stopped) return { ok: false, error: 'stopped' };
    this.#catchUp();
    const r = fn();
    this.#pump();
    return r;
  }

  /** Arms the timer for the next whole tick. */
  #arm(): void {
    const sinceTickMs = Math.max(0, this.#o.timers.nowMs() - this.#lastTickMs);
    const delayMs = Math.max(1, Math.ceil(this.#tickMs - sinceTickMs));
    this.#cancelTimer = this.#o.timers.setTimer(delayMs, () => {
      if (this.#stopped) return;
      this.#catchUp();
      this.#arm();
      this.#pump();
    });
  }

  /**
   * Ticks the core once per whole `tickMs` elapsed since the last tick, in one call, however
   * many (a stall of N ticks is N ticks); the remainder carries over. A clock that went
   * backwards (it must be monotonic) re-bases: Raft time stands still, it never runs back.
   */
  #catchUp(): void {
    if (!this.#started) return;
    const now = this.#o.timers.nowMs();
    const elapsedMs = now - this.#lastTickMs;
    if (elapsedMs < 0) {
      this.#lastTickMs = now;
      return;
    }
    const ticks = Math.floor(elapsedMs / this.#tickMs);
    if (ticks === 0) return;
    this.#lastTickMs += ticks * this.#tickMs;
    this.core.tick(ticks);
  }

  /** Takes Readies while there are any; re-entrant calls (synchronous storage) loop instead of recursing. */
  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && this.core.hasReady()) this.#handle(this.core.ready());
      } while (this.#again && !this.#stopped);
    } finally {
      this.#pumping = false;
    }
  }

  #handle(rd: Ready): void {
    for (const m of rd.send) this.#o.transport.send(m);
    this.core.advance(rd);
    const unit: InFlight = { rd, durable: false };
    this.#inFlight.push(unit);
    if (rd.hardState === undefined && rd.append.length === 0 && rd.snapshot === undefined) {
      // Nothing to write: durable as soon as every earlier write is.
      unit.durable = true;
      this.#drain();
    } else {
      this.#o.store.write(
        {
          entries: rd.append,
          ...(rd.hardState !== undefined ? { hardState: rd.hardState } : {}),
          ...(rd.snapshot !== undefined ? { snapshot: rd.snapshot } : {}),
        },
        (err) => this.#written(unit, err),
      );
    }
    if (this.#stopped) return;
    // Applied entries are committed and already durable here; they need not wait for this write.
    const ev = this.#o.events;
    if (rd.installSnapshot && rd.snapshot !== undefined) ev.onSnapshot?.(rd.snapshot);
    if (rd.apply.length > 0) ev.onApply(rd.apply);
    for (const r of rd.readStates) ev.onReadState?.(r);
    for (const r of rd.proposalResults) ev.onProposalResult?.(r);
  }

  #written(unit: InFlight, err: Error | undefined): void {
    if (this.#stopped) return;
    if (err !== undefined) {
      this.stop();
      this.#o.events.onFatal?.(err);
      return;
    }
    unit.durable = true;
    this.#drain();
  }

  /** Reports durable Readies to the core in order, then sends what waited for them. */
  #drain(): void {
    for (let head = this.#inFlight[0]; head?.durable === true && !this.#stopped; head = this.#inFlight[0]) {
      this.#inFlight.shift();
      this.core.persisted(head.rd);
      for (const m of head.rd.sendAfterPersist) {
        if (m.to === this.core.id) this.core.step(m);
        else this.#o.transport.send(m);
      }
    }
    this.#pump();
  }
}
