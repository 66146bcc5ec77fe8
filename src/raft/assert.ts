/**
 * Invariant checks for the Raft core, kept on in production: a server that crashes on a broken
 * invariant is recoverable, one that diverges from its peers is not (TigerBeetle). Local copy
 * because src/raft may not import src/base.
 */
export class RaftAssertionError extends Error {
  override readonly name = 'RaftAssertionError';
}

/** Throws RaftAssertionError if `condition` is false. */
export function raftAssert(condition: unknown, message = 'raft assertion failed'): asserts condition {
  if (!condition) throw new RaftAssertionError(message);
}

/** For exhaustive switches over discriminated unions. */
export function raftAssertNever(value: never, what = 'value'): never {
  throw new RaftAssertionError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
