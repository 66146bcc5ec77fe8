/**
 * The Raft safety properties of thesis Figure 3.2, checked from the outside as the simulation
 * runs (none of this trusts the core's own bookkeeping):
 *
 * - Election safety: at most one leader per term (§3.4).
 * - Log matching: two logs with an entry of the same index and term agree on that entry and on
 *   every entry before it (§3.5). Checked incrementally: every (index, term) ever written maps to
 *   one entry id and one previous term; by induction on the index this is the whole property.
 * - Leader completeness: a leader's log holds every entry committed before it (§3.6). Checked
 *   whenever a node is seen leading a new term, against every entry any member applied.
 * - State machine safety: no two members apply different entries at one index (§3.6.3), each
 *   member applies in index order without gaps, and no entry id is applied at two indexes.
 * - No acknowledged entry lost: an entry a client was told is committed is the one every member
 *   applies at its index and is in every later leader's log.
 * - Honest proposal outcomes: a proposal reported `dropped`, `stale` or `lost` (each means
 *   "certainly not committed", types.ts ProposalOutcome) is never applied anywhere; a proposer
 *   that trusts such an answer retries, and a non-idempotent operation would run twice.
 */
import type { PersistBatch } from '../../../src/raft/ports.js';
import type { LogEntry } from '../../../src/raft/types.js';
import type { DiskImage } from '../sim-disk.js';

/** What the leader-completeness check needs of a log: its first held index and lookups. */
export interface LogView {
  readonly firstIndex: number;
  entry(index: number): { readonly id: string; readonly term: number } | undefined;
}
import { ViolationError, type CheckerName } from './violation.js';

interface Written {
  readonly id: string;
  readonly prevTerm: number | undefined;
  readonly node: string;
}

/** Observes one cluster; each `observe*` throws {@link ViolationError} on the first violation. */
export class RaftSafetyChecker {
  /** term → leader seen in it. */
  readonly leaders = new Map<number, string>();
  /** `${index}:${term}` → what was written there. */
  #written = new Map<string, Written>();
  /** index → id of the entry applied there (by anyone). */
  readonly applied = new Map<number, string>();
  /** id → index it was applied at. */
  #appliedIds = new Map<string, number>();
  /** index → id the client was told is committed. */
  readonly acked = new Map<number, string>();
  /** Proposal ids reported certainly-not-committed → the report. */
  #refused = new Map<string, string>();
  /** Per node: last applied index (reset by restarts and snapshot installs). */
  #lastApplied = new Map<string, number>();
  /** Per node: the last term we checked leader completeness for. */
  #checkedLeaderTerm = new Map<string, number>();
  maxApplied = 0;
  tick = 0;

  #fail(checker: CheckerName, message: string): never {
    throw new ViolationError({ checker, tick: this.tick, message });
  }

  /** A node's role and term, after every step. `log` is its logical log (what it asked to persist). */
  observeRole(node: string, role: string, term: number, log: () => LogView): void {
    if (role !== 'leader') return;
    const other = this.leaders.get(term);
    if (other !== undefined && other !== node) this.#fail('election-safety', `two leaders in term ${term}: ${other} and ${node}`);
    this.leaders.set(term, node);
    if (this.#checkedLeaderTerm.get(node) === term) return;
    this.#checkedLeaderTerm.set(node, term);
    this.checkLeaderLog(node, term, log());
  }

  /** Leader completeness: `log` must hold every applied entry above its snapshot. */
  checkLeaderLog(node: string, term: number, log: LogView): void {
    const first = log.firstIndex;
    for (let i = first; i <= this.maxApplied; i++) {
      const want = this.applied.get(i);
      if (want === undefined) continue;
      const have = log.entry(i);
      if (have?.id === want) continue;
      const acked = this.acked.get(i) === want;
      this.#fail(
        acked ? 'acked-entry-lost' : 'leader-completeness',
        `leader ${node} of term ${term} has ${have === undefined ? 'no entry' : `entry ${have.id} (term ${have.term})`} at index ${i}, but ${want} was committed there${acked ? ' and acknowledged to a client' : ''}`,
      );
    }
  }

  /** A batch handed to `node`'s disk; `before` is its logical image before the batch. */
  observeWrite(node: string, batch: PersistBatch, before: DiskImage): void {
    let prevTerm: number | undefined;
    const head = batch.entries[0];
    if (head !== undefined) {
      if (batch.snapshot !== undefined && batch.snapshot.meta.index === head.index - 1) prevTerm = batch.snapshot.meta.term;
      else prevTerm = before.termAt(head.index - 1);
    }
    for (const e of batch.entries) {
      this.#checkWritten(node, e, prevTerm);
      prevTerm = e.term;
    }
  }

  #checkWritten(node: string, e: LogEntry, prevTerm: number | undefined): void {
    const key = `${e.index}:${e.term}`;
    const seen = this.#written.get(key);
    if (seen === undefined) {
      this.#written.set(key, { id: e.id, prevTerm, node });
      return;
    }
    if (seen.id !== e.id) {
      this.#fail('log-matching', `index ${e.index} term ${e.term} holds ${seen.id} on ${seen.node} but ${e.id} on ${node}`);
    }
    if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
      this.#fail('log-matching', `entry ${e.id} at index ${e.index} term ${e.term} follows term ${seen.prevTerm} on ${seen.node} but term ${prevTerm} on ${node}`);
    }
  }

  /** `node` restarted, or loaded a snapshot: it continues applying after `index`. */
  observeReset(node: string, index: number): void {
    this.#lastApplied.set(node, index);
  }

  /** `node` applied committed `entry` to its state machine. */
  observeApply(node: string, entry: LogEntry): void {
    const last = this.#lastApplied.get(node) ?? 0;
    if (entry.index !== last + 1) this.#fail('state-machine-safety', `${node} applied index ${entry.index} after ${last}`);
    this.#lastApplied.set(node, entry.index);
    const want = this.applied.get(entry.index);
    if (want === undefined) {
      const refused = this.#refused.get(entry.id);
      if (refused !== undefined) this.#fail('proposal-outcome', `${node} applied ${entry.id} at index ${entry.index}, but ${refused}`);
      const elsewhere = this.#appliedIds.get(entry.id);
      if (elsewhere !== undefined) this.#fail('state-machine-safety', `${node} applied ${entry.id} at index ${entry.index}, already applied at ${elsewhere}`);
      this.applied.set(entry.index, entry.id);
      this.#appliedIds.set(entry.id, entry.index);
      if (entry.index > this.maxApplied) this.maxApplied = entry.index;
      return;
    }
    if (want !== entry.id) {
      const acked = this.acked.get(entry.index) === want;
      this.#fail(acked ? 'acked-entry-lost' : 'state-machine-safety', `${node} applied ${entry.id} at index ${entry.index}, another member applied ${want}${acked ? ' (acknowledged to a client)' : ''}`);
    }
  }

  /** `node` reported `outcome` for its proposal `id`. */
  observeOutcome(node: string, id: string, outcome: string): void {
    if (outcome !== 'dropped' && outcome !== 'stale' && outcome !== 'lost') return;
    const at = this.#appliedIds.get(id);
    if (at !== undefined) this.#fail('proposal-outcome', `${node} reported proposal ${id} ${outcome}, but it was applied at index ${at}`);
    this.#refused.set(id, `${node} reported it ${outcome} at tick ${this.tick}`);
  }

  /** A client was told entry `id` is committed at `index`. */
  observeAck(id: string, index: number): void {
    const want = this.applied.get(index);
    if (want !== undefined && want !== id) this.#fail('acked-entry-lost', `client told ${id} committed at ${index}, but ${want} was applied there`);
    this.acked.set(index, id);
  }
}
