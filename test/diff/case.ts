/**
 * The shape of a differential case and small builders for writing them. A case is a sequence of
 * JSON-RPC messages (RFC 7047 §4.1) sent on one or more connections to a fresh database; the
 * runner records every message each connection receives and compares the two servers' records.
 */

/** One message sent on one connection. */
export interface DiffStep {
  /** Connection index (default 0); connections are opened lazily, in any order. */
  readonly conn?: number;
  /**
   * The message. An object without an `id` key gets a deterministic id from the runner
   * (the step number) when it has a `method`; pass `id: null` for a notification. A string is
   * written to the socket verbatim (for malformed input).
   */
  readonly send: Record<string, unknown> | string;
  /** Do not wait for the reply (a blocking wait, say); it is collected whenever it arrives. */
  readonly noWait?: boolean;
  /** Milliseconds to wait for the reply (default 3000). */
  readonly timeoutMs?: number;
}

/** A differential case. */
export interface DiffCase {
  readonly name: string;
  /** The database the case works on; the runner deletes its rows after the case. */
  readonly db: string;
  readonly steps: readonly DiffStep[];
}

/** Database names of the schemas the suite loads. */
export const DIFF = 'Diff';
export const MINI = 'Mini';
export const NB = 'OVN_Northbound';

/** A `transact` request on `db`. */
export function tx(db: string, ...ops: readonly unknown[]): Record<string, unknown> {
  return { method: 'transact', params: [db, ...ops] };
}

/** A single-connection case of transact requests, one per element of `txns`. */
export function txCase(name: string, db: string, txns: readonly (readonly unknown[])[]): DiffCase {
  return { name, db, steps: txns.map((ops) => ({ send: tx(db, ...ops) })) };
}

/** Shorthand for a one-step case of one transact with the given operations. */
export function opsCase(name: string, db: string, ...ops: readonly unknown[]): DiffCase {
  return { name, db, steps: [{ send: tx(db, ...ops) }] };
}

/** An insert operation. */
export function insert(table: string, row: Record<string, unknown>, uuidName?: string): Record<string, unknown> {
  return uuidName === undefined ? { op: 'insert', table, row } : { op: 'insert', table, row, 'uuid-name': uuidName };
}

/** A select of every column of every row (rows are compared as a set). */
export function selectAll(table: string, columns?: readonly string[]): Record<string, unknown> {
  return columns === undefined ? { op: 'select', table, where: [] } : { op: 'select', table, where: [], columns };
}

/** A JSON-RPC request with the given method and params. */
export function rpc(method: string, params: unknown): Record<string, unknown> {
  return { method, params };
}
