/**
 * What the protocol layer (sessions, monitors, _Server) needs from one hosted database, whatever
 * keeps it: the standalone LevelDB host today (database-host.ts), a Raft-backed host later, a
 * relay or an active-backup replica after that. OVS draws the same line with ovsdb/storage.c:
 * the jsonrpc server never knows which storage it has.
 *
 * The contract, in the order things happen for one write:
 *
 *   transact(req, done)
 *     │  engine.transact(ops) against the current state ──► blocked? keep it, re-run after
 *     │                                                     every commit and at retryAtMs
 *     ▼
 *   commit: the record is applied to the in-memory engine          (standalone: at once;
 *     │    and every onCommit listener runs, synchronously,           Raft: when the entry is
 *     │    in commit order                                             committed, on every member)
 *     ▼
 *   afterPending() actions run, in FIFO order, once every commit applied before they were
 *   queued is safe (standalone: handed to the OS, or fsynced if durable; Raft: on disk on a
 *   majority, which it already is when it applies)
 *     ▼
 *   done(results) — queued with afterPending right after the commit's listeners
 *
 * So a listener that queues the monitor updates of commit N with afterPending() makes the
 * client see them before the reply of N, and nobody sees anything the store could lose.
 *
 * A Raft host implements the same interface: transact() runs the engine against the local
 * state, proposes `record` with prereq = lastTxnId() (the last entry id), re-runs the
 * transaction if the leader refuses a stale prereq (STYLE habit 10), and commits/applies when
 * the entry is committed; lastTxnId() is then the cluster-wide entry id, so monitor_cond_since
 * works across members.
 */
import type { Json } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import type { DatabaseSchema, Row, RowChanges } from '../ovsdb/types.js';

/** The `model` column of _Server's Database table. */
export type DatabaseModel = 'standalone' | 'clustered' | 'relay';

/** The rest of a _Server Database row. */
export interface BackendStatus {
  readonly model: DatabaseModel;
  /** False while a clustered member is cut off from its cluster. */
  readonly connected: boolean;
  /** True when writes and linearizable reads are served here (standalone: always). */
  readonly leader: boolean;
  /** Raft log index of the last applied entry (clustered only). */
  readonly index: number | undefined;
  readonly cid: Uuid | undefined;
  readonly sid: Uuid | undefined;
}

/** One transact request as a backend sees it. */
export interface TxnRequest {
  /** The operations: params[1..] of the transact request (RFC 7047 §4.1.3). */
  readonly ops: readonly Json[];
  /** For the `assert` operation: does the requesting session hold lock `name`? */
  readonly hasLock: (name: string) => boolean;
  /**
   * The session may not write (a `read_only` Connection row): every write operation fails with
   * "not allowed", as ovsdb-server's read-only remotes. Honoured by backends whose
   * `honorsReadOnly` is true; rpc-methods.ts enforces it before the others.
   */
  readonly readOnly?: boolean;
  /**
   * The session's RBAC role and client id (a Connection row's `role`; the peer certificate's
   * CN): writes are checked against RBAC_Role/RBAC_Permission (src/ovsdb/rbac.ts). Honoured by
   * backends whose `honorsReadOnly` is true; rpc-methods.ts refuses the others' writes.
   */
  readonly rbac?: { readonly role: string; readonly id: string | undefined };
}

/** A transaction in flight. */
export interface TxnTicket {
  /**
   * Cancels the transaction if it has not committed yet (a blocked `wait`). Returns true if it
   * was cancelled, in which case `done` is never called.
   */
  cancel(): boolean;
}

/** What one commit did, delivered to onCommit listeners. */
export interface AppliedCommit {
  /** Id of this commit (standalone: random per commit; Raft: the entry id). */
  readonly txnId: Uuid;
  readonly changes: RowChanges;
}

/** Counters for memory/show. */
export interface BackendStats {
  readonly rows: number;
  readonly cells: number;
  readonly blockedTxns: number;
  readonly historyTxns: number;
  /** Disk writes and fsyncs issued since open (group commit makes these fewer than commits). */
  readonly diskWrites: number;
  readonly diskSyncs: number;
}

export interface DatabaseBackend {
  readonly name: string;
  /** True if transact() honours TxnRequest.readOnly and .rbac itself (in the engine, exactly as OVS). */
  readonly honorsReadOnly?: boolean;
  /** The current schema (changes after convert). */
  schema(): DatabaseSchema;
  status(): BackendStatus;
  /** Rows of a table in the current in-memory state (initial monitor dumps, condition changes). */
  rows(table: string): Iterable<Row>;

  /** Runs a transaction; `done` receives the transact reply's result array. */
  transact(req: TxnRequest, done: (results: readonly Json[]) => void): TxnTicket;
  /**
   * Runs `action` once this member's state includes every write committed anywhere before the
   * call (a clustered member's ReadIndex round); absent where the local state is always current.
   */
  readBarrier?(action: () => void): void;
  /** Queues `action` behind every commit applied so far (see the file comment). */
  afterPending(action: () => void): void;
  /** Called synchronously for every commit, in commit order. Returns an unsubscribe function. */
  onCommit(listener: (commit: AppliedCommit) => void): () => void;

  /** Id of the last commit applied (monitor_cond_since's <last-txn-id>). */
  lastTxnId(): Uuid;
  /**
   * The changes of every commit after `txnId`, oldest first; [] if `txnId` is the last one;
   * undefined if `txnId` is not in the history kept.
   */
  changesSince(txnId: Uuid): RowChanges[] | undefined;

  /**
   * Replaces the schema, converting the data (RFC 7047 has no convert; ovsdb-server(7) does).
   * Resolves once durable; rejects with OvsdbError if the data does not fit.
   */
  convert(schema: DatabaseSchema): Promise<void>;
  /** Called after a successful convert, once the new schema is in place. */
  onConvert(listener: () => void): () => void;
  /**
   * Called when status() changes (a clustered member loses its leader, catches up...), so the
   * server rewrites its _Server row. Standalone hosts never change status and may omit it.
   */
  onStatusChange?(listener: () => void): () => void;
  /** Rewrites the on-disk log as one snapshot (ovsdb-server/compact). */
  compact(): Promise<void>;
  stats(): BackendStats;
  /** More counters for memory/show (a clustered database's Raft figures). */
  raftStats?(): Record<string, number>;
  /** Flushes everything and stops; pending transactions get no reply. */
  close(): Promise<void>;
}
