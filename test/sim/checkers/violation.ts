/** What a checker reports. One run stops at its first violation, which names the checker. */
export type CheckerName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'acked-entry-lost'
  | 'applied-twice'
  | 'acked-result'
  | 'proposal-outcome'
  | 'linearizability'
  | 'replica-equality'
  | 'liveness'
  | 'crash';

/** One safety or liveness violation. */
export interface Violation {
  readonly checker: CheckerName;
  readonly tick: number;
  readonly message: string;
}

/** Thrown by checkers to stop the run at the first violation. */
export class ViolationError extends Error {
  constructor(readonly violation: Violation) {
    super(`${violation.checker} at tick ${violation.tick}: ${violation.message}`);
  }
}
