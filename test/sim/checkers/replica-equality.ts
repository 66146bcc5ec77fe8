/**
 * Replica equality (TigerBeetle's state checker, OVS check-cluster): every member that has
 * applied the log up to index i holds byte-identical state there. States are compared as
 * canonical JSON text, so the same checker serves the key-value and the OVSDB workloads. A
 * member that loads a snapshot at index i must also land on the state others had at i.
 */
import { ViolationError } from './violation.js';

/** Remembers the first state seen at each applied index and compares every later one. */
export class ReplicaEqualityChecker {
  #states = new Map<number, { readonly node: string; readonly state: string }>();
  tick = 0;
  compared = 0;

  /** `node` holds `state` after applying everything up to `index`. */
  observe(node: string, index: number, state: string): void {
    if (index === 0) return;
    const seen = this.#states.get(index);
    if (seen === undefined) {
      this.#states.set(index, { node, state });
      return;
    }
    this.compared += 1;
    if (seen.state !== state) {
      throw new ViolationError({
        checker: 'replica-equality',
        tick: this.tick,
        message: `at applied index ${index} ${seen.node} holds ${clip(seen.state)} but ${node} holds ${clip(state)}`,
      });
    }
  }
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
