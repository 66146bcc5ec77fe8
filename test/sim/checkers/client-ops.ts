/**
 * Exactly-once for the OVSDB workload, from the outside: every applied entry names the client
 * operation it carries (ovsdb-node.ts puts "sim C:S KEY" in the transaction's comment), so
 *
 * - applied at most once: no client operation is applied at two indexes (a forwarded write run
 *   twice, Raft thesis §6.3, or re-run after it had in fact committed);
 * - acknowledged means applied: a client told "your increment returned v" has an entry applied
 *   for that operation, and v is the counter's value right after that entry (the leader's
 *   speculative result equals the committed one). The entry is then handed to the Raft safety
 *   checker as acknowledged, so no later leader may lose it.
 */
import { ViolationError, type CheckerName } from './violation.js';

interface Applied {
  readonly entryId: string;
  readonly index: number;
  readonly value: number;
  readonly node: string;
}

export class ClientOpChecker {
  /** `${clientId}:${seq}` → the entry that applied it. */
  readonly #applied = new Map<string, Applied>();
  tick = 0;

  #fail(checker: CheckerName, message: string): never {
    throw new ViolationError({ checker, tick: this.tick, message });
  }

  /** `node` applied entry `entryId` at `index`, carrying the operation; the counter is then `value`. */
  applied(node: string, clientId: number, seq: number, entryId: string, index: number, value: number): void {
    const key = `${clientId}:${seq}`;
    const seen = this.#applied.get(key);
    if (seen === undefined) {
      this.#applied.set(key, { entryId, index, value, node });
      return;
    }
    if (seen.index !== index || seen.entryId !== entryId) {
      this.#fail('applied-twice', `client ${clientId}'s operation ${seq} was applied at index ${seen.index} (${seen.node}) and again at index ${index} (${node})`);
    }
  }

  /** `node` answered the operation with counter value `value`; returns the entry that carries it. */
  answered(node: string, clientId: number, seq: number, value: number): { readonly entryId: string; readonly index: number } {
    const seen = this.#applied.get(`${clientId}:${seq}`);
    if (seen === undefined) this.#fail('acked-entry-lost', `${node} answered client ${clientId}'s operation ${seq} (value ${value}), but no entry carrying it was applied`);
    if (seen.value !== value) {
      this.#fail('acked-result', `${node} answered client ${clientId}'s operation ${seq} with ${value}, but its entry at index ${seen.index} left the counter at ${seen.value}`);
    }
    return seen;
  }

  /** The counter value right after the operation's entry, if it was applied. */
  resultOf(clientId: number, seq: number): number | undefined {
    return this.#applied.get(`${clientId}:${seq}`)?.value;
  }
}
