/**
 * RaftHost drives one RaftCore through the ports: it ticks the core from a timer, feeds it
 * messages, and runs each Ready in the only safe order (etcd Ready, OVS waiters, STYLE habit 2):
 *
 *   ready() -> store.write(snapshot, entries, hardState) -> [durable] -> transport.send(messages)
 *           -> onSnapshot / onApply / read states / proposal results -> advance()
 *
 * Messages never leave before the state they depend on is durable, so a crash can never take
 * back a vote or an acknowledged entry. Storage completes through a callback, so the same host
 * runs over LevelDB in production and over the simulator's disk.
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

/** Drives one RaftCore; identical in production and in the simulator. */
export class RaftHost {
  readonly core: RaftCore;
  readonly #o: RaftHostOptions;
  readonly #tickMs: number;
  #cancelTimer: (() => void) | undefined;
  #writing = false;
  #pumping = false;
  #again = false;
  #stopped = false;

  constructor(options: RaftHostOptions) {
    this.#o = options;
    this.core = new RaftCore(options.config, options.store);
    this.#tickMs = options.config.tickMs ?? 10;
  }

  /** Starts ticking. */
  start(): void {
    if (this.#stopped || this.#cancelTimer !== undefined) return;
    const loop = (): void => {
      this.#cancelTimer = this.#o.timers.setTimer(this.#tickMs, loop);
      this.core.tick();
      this.#pump();
    };
    this.#cancelTimer = this.#o.timers.setTimer(this.#tickMs, loop);
    this.#pump();
  }

  /** Stops ticking and ignores further input (pending storage callbacks are dropped). */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** A message from the network. */
  receive(msg: RaftMessage): void {
    this.#run(() => this.core.step(msg));
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

  #run(fn: () => void): void {
    if (this.#stopped) return;
    fn();
    this.#pump();
  }

  #admin(fn: () => AdminResult): AdminResult {
    if (this.#stopped) return { ok: false, error: 'stopped' };
    const r = fn();
    this.#pump();
    return r;
  }

  /** Runs Readies one at a time; re-entrant calls (synchronous storage) loop instead of recursing. */
  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        if (!this.#stopped && !this.#writing && this.core.hasReady()) this.#startWrite(this.core.ready());
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  #startWrite(rd: Ready): void {
    this.#writing = true;
    if (rd.hardState === undefined && rd.append.length === 0 && rd.snapshot === undefined) {
      this.#afterDurable(rd, undefined);
      return;
    }
    this.#o.store.write(
      {
        entries: rd.append,
        ...(rd.hardState !== undefined ? { hardState: rd.hardState } : {}),
        ...(rd.snapshot !== undefined ? { snapshot: rd.snapshot } : {}),
      },
      (err) => this.#afterDurable(rd, err),
    );
  }

  #afterDurable(rd: Ready, err: Error | undefined): void {
    if (this.#stopped) return;
    if (err !== undefined) {
      this.stop();
      this.#o.events.onFatal?.(err);
      return;
    }
    for (const m of rd.send) this.#o.transport.send(m);
    const ev = this.#o.events;
    if (rd.installSnapshot && rd.snapshot !== undefined) ev.onSnapshot?.(rd.snapshot);
    if (rd.apply.length > 0) ev.onApply(rd.apply);
    for (const r of rd.readStates) ev.onReadState?.(r);
    for (const r of rd.proposalResults) ev.onProposalResult?.(r);
    this.core.advance(rd);
    this.#writing = false;
    this.#pump();
  }
}
