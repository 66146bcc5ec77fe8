/**
 * Majority arithmetic over a set of voters (etcd quorum/majority.go). Learners never count.
 */
import type { NodeId } from './types.js';

/**
 * The largest index that a majority of `voters` have matched: sort matches descending and take
 * the one at position floor(n/2).
 *
 *   voters a b c d e   matches 9 7 7 5 2   -> sorted 9 7 [7] 5 2 -> 7 (a, b, c have it)
 */
export function majorityIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const m = voters.map(matchOf).sort((x, y) => y - x);
  return m[Math.floor(voters.length / 2)] ?? 0;
}

/** Outcome of an election so far. */
export type VoteResult = 'won' | 'lost' | 'pending';

/** Tallies granted/rejected votes among `voters` (answers from non-voters are ignored). */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const need = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let rejected = 0;
  for (const v of voters) {
    const g = votes.get(v);
    if (g === true) granted++;
    else if (g === false) rejected++;
  }
  if (granted >= need) return 'won';
  if (voters.length - rejected < need) return 'lost';
  return 'pending';
}

/** True if the members for which `ok` holds form a majority of `voters`. */
export function hasQuorum(voters: readonly NodeId[], ok: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const v of voters) if (ok(v)) n++;
  return n >= Math.floor(voters.length / 2) + 1;
}
