/**
 * The contract between the pure OVSDB engine (src/ovsdb) and everything that hosts it
 * (src/server, later the Raft-backed database host). The engine implements it; the server and
 * the monitor code consume it. Change these types only with both sides in view.
 *
 * The engine is a deterministic state machine:
 *
 *     transact(ops, ctx) ──► TxnOutcome { results, record }     (pure: state unchanged)
 *     apply(record)      ──► RowChanges                          (the only mutation)
 *
 * A standalone server calls apply() at once; a clustered one proposes `record` to Raft and every
 * member calls apply() when the entry commits. apply() of the same records in the same order
 * yields byte-identical state everywhere: every value chosen at random (row uuids, _version) is
 * chosen inside transact() through ctx and written into the record.
 */
import type { Json, JsonObject } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';

/**
 * An atom: reals are numbers; integers (int64) are numbers when safe (|x| <= 2^53 - 1) and
 * bigints otherwise, never a bigint for a safe value, so `===` still compares them; uuids are
 * their lowercase text.
 */
export type Atom = number | bigint | boolean | string;

/**
 * A datum in OVS's canonical form: keys sorted ascending and unique; `values` is present only for
 * map columns and is parallel to `keys`. A scalar column holds exactly one key.
 */
export interface Datum {
  readonly keys: readonly Atom[];
  readonly values: readonly Atom[] | undefined;
}

export interface BaseType {
  readonly type: AtomicType;
  readonly enum?: readonly Atom[];
  readonly minInteger?: number | bigint;
  readonly maxInteger?: number | bigint;
  readonly minReal?: number;
  readonly maxReal?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly refTable?: string;
  readonly refType?: 'strong' | 'weak';
}

export interface ColumnType {
  readonly key: BaseType;
  readonly value: BaseType | undefined;
  readonly min: number;
  /** `Infinity` for "unlimited". */
  readonly max: number;
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly ephemeral: boolean;
  readonly mutable: boolean;
}

export interface TableSchema {
  readonly name: string;
  /** Declared columns, without _uuid and _version. */
  readonly columns: ReadonlyMap<string, ColumnSchema>;
  readonly isRoot: boolean;
  /** `Infinity` when absent. */
  readonly maxRows: number;
  readonly indexes: readonly (readonly string[])[];
}

export interface DatabaseSchema {
  readonly name: string;
  readonly version: string | undefined;
  readonly cksum: string | undefined;
  readonly tables: ReadonlyMap<string, TableSchema>;
  /** The schema as JSON, in the form get_schema returns it. */
  readonly json: JsonObject;
}

/** A row as stored. `columns` holds every declared column (defaults included). */
export interface Row {
  readonly uuid: Uuid;
  readonly version: Uuid;
  readonly columns: ReadonlyMap<string, Datum>;
}

/**
 * A committed transaction as a compact row-level change, in the shape of an Open vSwitch
 * database file record: `{table: {uuid: null | {column: json, ...}}}`, where null deletes the
 * row, a new uuid inserts it (columns absent take their defaults) and an existing uuid sets the
 * listed columns to the given values. Each written row also carries `"_version": ["uuid", …]`
 * so replicas agree on it. This is what is logged and replicated.
 */
export type CommitRecord = { readonly [table: string]: { readonly [uuid: string]: JsonObject | null } };

/** What apply() did to one row: `old` absent for an insert, `new` absent for a delete. */
export interface RowChange {
  readonly old: Row | undefined;
  readonly new: Row | undefined;
}

/** Per table (only tables that changed), per row uuid. */
export type RowChanges = ReadonlyMap<string, ReadonlyMap<Uuid, RowChange>>;

/** Everything a transaction needs from outside the engine. */
export interface TxnContext {
  /** Current monotonic time, for `wait` timeouts. */
  readonly nowMs: number;
  /** When this transact request first arrived (a blocked wait is re-run with the same value). */
  readonly startedMs: number;
  /** Fresh uuids for inserted rows and _version values. */
  newUuid(): Uuid;
  /** True if the session that sent the transaction holds lock `name` (for `assert`). */
  hasLock(name: string): boolean;
  /** Optional extension: reject writes with "not allowed" (a read-only server or replica). */
  readonly readOnly?: boolean;
  /** Optional extension: the session's RBAC role and client id (rbac.ts); unrestricted when absent. */
  readonly rbac?: { readonly role: string; readonly id: string | undefined } | undefined;
}

export type TxnOutcome =
  | {
      readonly kind: 'done';
      /** The transact reply's result array, exactly as the real ovsdb-server shapes it. */
      readonly results: readonly Json[];
      /** Undefined when the transaction failed or changed nothing. */
      readonly record: CommitRecord | undefined;
      /**
       * `record` as JSON text (exactly jsonText(record)), present with it. Cheaper to get than
       * `record`: a committing host stores this text and applies with Database.applyOutcome.
       */
      readonly recordText?: string | undefined;
      /** True if the transaction asked for `{"op":"commit","durable":true}`. */
      readonly durable: boolean;
      /** The `comment` operations' texts joined by "\n" (OVS logs it as "_comment"), if any. */
      readonly comment?: string;
    }
  | {
      /** A `wait` is not yet satisfied: re-run after the next commit or at `retryAtMs`. */
      readonly kind: 'blocked';
      readonly retryAtMs: number | undefined;
    };
