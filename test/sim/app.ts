/**
 * The key-value application a simulated server of the key-value workload replicates (with
 * client sessions, so retries apply once). The OVSDB workload needs none of this: it runs the
 * production ClusteredHost (ovsdb-node.ts).
 */
import type { LogEntry, Proposal, ProposalResult, Snapshot } from '../../src/raft/types.js';
import { entryId } from '../../src/raft/types.js';
import type { KvResult } from './checkers/linearizability.js';
import { KvStateMachine, decodeCommand, encodeCommand } from './kv-state-machine.js';
import type { ClientRequest } from './workload.js';

/** What an application may ask of its server. */
export interface AppHost {
  propose(p: Proposal): void;
  reply(clientId: number, seq: number, result: KvResult): void;
  retry(clientId: number, seq: number): void;
  /** A client was told entry `id` is committed at `index`. */
  acked(id: string, index: number): void;
  nowMs(): number;
  /**
   * Oracle for the checker: proposal `id` carries client `clientId`'s operation `seq` and, if it
   * takes effect, answers `result` (undefined when only the state machine knows).
   */
  proposed(id: string, clientId: number, seq: number, result: KvResult | undefined): void;
}

/** One replica of the application state plus the server side of its write path. */
export interface App {
  /** Entries applied so far (the snapshot index after a load). */
  appliedIndex: number;
  /** Replaces the state with a snapshot (or the empty state). */
  load(snapshot: Snapshot | undefined): void;
  /** Applies one committed entry (any kind; only `normal` entries change state). */
  apply(entry: LogEntry): void;
  /** Snapshot bytes of the current state. */
  encode(): Uint8Array;
  /** Canonical text of the state, for the replica-equality checker. */
  stateJson(): string;
  /** Current value of a key, for reads. */
  read(key: string): string | null;
  /** Starts a client write. */
  write(req: ClientRequest): void;
  /** The fate of a proposal made by this server. */
  proposalResult(pr: ProposalResult): void;
}

/** The key-value application: proposals carry (client, serial) so retries apply once. */
export class KvApp implements App {
  sm = new KvStateMachine();
  appliedIndex = 0;
  #proposals = new Map<string, { clientId: number; seq: number }>();

  constructor(private readonly host: AppHost) {}

  load(snapshot: Snapshot | undefined): void {
    this.sm = snapshot === undefined ? new KvStateMachine() : KvStateMachine.decode(snapshot.data);
    this.appliedIndex = snapshot?.meta.index ?? 0;
  }

  apply(e: LogEntry): void {
    if (e.kind === 'normal') this.sm.apply(decodeCommand(e.data));
    this.appliedIndex = e.index;
  }

  encode(): Uint8Array {
    return this.sm.encode();
  }

  stateJson(): string {
    return this.sm.toJson();
  }

  read(key: string): string | null {
    return this.sm.get(key);
  }

  write(req: ClientRequest): void {
    const id = `k:${req.clientId}:${req.seq}:${req.attempt}`;
    this.#proposals.set(id, { clientId: req.clientId, seq: req.seq });
    this.host.proposed(id, req.clientId, req.seq, undefined);
    this.host.propose({ id: entryId(id), data: encodeCommand({ c: req.clientId, s: req.seq, op: req.op }) });
  }

  proposalResult(pr: ProposalResult): void {
    const p = this.#proposals.get(pr.id);
    if (p === undefined) return;
    this.#proposals.delete(pr.id);
    const result = this.sm.resultFor(p.clientId, p.seq);
    if (pr.outcome === 'committed' && pr.index !== undefined) this.host.acked(pr.id, pr.index);
    if ((pr.outcome === 'committed' || pr.outcome === 'unknown') && result !== undefined) this.host.reply(p.clientId, p.seq, result);
    else this.host.retry(p.clientId, p.seq);
  }
}
