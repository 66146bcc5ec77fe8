/**
 * The types of the standalone store (standalone-db-store.ts): its public options, counters and
 * progress listener, and the bookkeeping it keeps of LevelDB, journals and waiting appends.
 */
import type { JsonObject } from '../base/json.js';
import type { JournalFile } from './journal-file.js';
import type { StoredRecord } from './journal-recovery.js';
import type { StandaloneStore } from './standalone-db-store.js';

/** Counters for memory/show, tests and benchmarks. */
export interface StoreStats {
  /** Log records after the snapshot (in LevelDB or journals). */
  readonly logRecords: number;
  /** Bytes of JSON text of those records. */
  readonly logBytes: number;
  /** Bytes of JSON text of the snapshot (0 if none). */
  readonly snapshotBytes: number;
  /** Writes issued since open (journal writes + LevelDB batches), and how many were syncs. */
  readonly batches: number;
  readonly syncedBatches: number;
  /** Journal write calls, fdatasync rounds and (always synced) LevelDB batches since open. */
  readonly journalWrites: number;
  readonly journalSyncs: number;
  readonly levelBatches: number;
  /** Journal files holding the log after the snapshot (the one being written included). */
  readonly journalFiles: number;
  /** Records appended since open. */
  readonly appends: number;
  /** Sequence number of the last record appended (0 if none ever). */
  readonly lastSeq: number;
}

/** What LevelDB holds (mutated as queued LevelDB operations complete). */
export interface LevelState {
  /** Seq covered by s:snapshot (0 if none). */
  snapshotSeq: number;
  /** Format-1 l: keys present: [legacyFirstSeq, legacyNextSeq). */
  legacyFirstSeq: number;
  legacyNextSeq: number;
  /** Chunk keys present, oldest first. */
  readonly chunks: string[];
}

export interface AppendOptions {
  /** Acknowledge only after fsync ({"op":"commit","durable":true} or --fsync=always). */
  readonly durable: boolean;
}

/**
 * Told how far records of `write()` have got: every record with a sequence number up to
 * `writtenSeq` is handed to the OS, up to `durableSeq` synced. Calls come in order and the
 * figures never decrease. `failed` means the store stopped: nothing after it will be written.
 */
export interface StoreProgressListener {
  progress(writtenSeq: number, durableSeq: number): void;
  failed(error: Error): void;
}

/** Tuning of the journal; the defaults suit a server. */
export interface StoreOptions {
  /** Begin a new journal once the current one holds this many records (default: no limit)... */
  readonly journalMaxRecords?: number;
  /** ...or this many bytes (default 64 MiB). */
  readonly journalMaxBytes?: number;
  /**
   * Called after each progress report (a journal write or sync has completed and the listener
   * has run): the server flushes the replies that progress released, in the same turn of the
   * event loop.
   */
  readonly afterProgress?: () => void;
}

/** What `open` found. */
export interface OpenedStore {
  readonly store: StandaloneStore;
  readonly schemaJson: JsonObject;
  /** The snapshot record (if any) followed by the log records, in commit order. */
  readonly records: StoredRecord[];
}

export interface Waiter {
  readonly seq: number;
  readonly durable: boolean;
  resolve(): void;
  reject(error: Error): void;
}

/** A journal no longer written to: part of the log until a snapshot covers its records. */
export interface Retired {
  readonly path: string;
  /** Sequence number of its last record. */
  readonly lastSeq: number;
  /** Open while its records may not be synced yet; undefined once a sync round covered them. */
  file: JournalFile | undefined;
}

export type BatchOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer; readonly valueEncoding: 'buffer' }
  | { readonly type: 'del'; readonly key: string };
