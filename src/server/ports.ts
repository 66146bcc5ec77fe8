/**
 * The ports through which the server reaches what it does not own (STYLE.md §3, habit 5): the
 * engine, the on-disk store, the control socket and the log. The composition root
 * (src/cli/server.ts) builds the concrete adapters and passes them in; tests pass fakes.
 * Defined here, in the consuming package, so src/server never imports src/storage or
 * src/transport at run time.
 */
import type { JsonObject } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';

/**
 * The standalone on-disk store of one database (src/storage/standalone-db-store.ts
 * StandaloneStore provides it). Opening and replaying happen in the composition root.
 */
export interface DbStore {
  /**
   * Appends one committed record, given as its JSON text, and returns its sequence number
   * (increasing by one per call). The listener given to `onProgress` learns when records are
   * handed to the OS and when they are synced; a record written with `durable` true gets
   * synced. Throws if the store failed.
   */
  write(recordText: string, durable: boolean): number;
  /** Sets the one listener of write progress (calls in order, figures never decrease). */
  onProgress(listener: {
    progress(writtenSeq: number, durableSeq: number): void;
    failed(error: Error): void;
  }): void;
  /** Replaces the log with one snapshot record of the whole database. */
  compact(snapshot: JsonObject): Promise<void>;
  /** Replaces schema and contents at once (convert). */
  replaceSchema(schemaJson: JsonObject, snapshot: JsonObject): Promise<void>;
  stats(): { readonly logRecords: number; readonly logBytes: number; readonly batches?: number; readonly syncedBatches?: number };
  /** Waits for queued writes, then closes. */
  close(): Promise<void>;
}

/** A control-socket command as the server registers it (matches src/transport UnixctlServer). */
export interface CommandRegistry {
  register(
    name: string,
    spec: { readonly minArgs: number; readonly maxArgs: number; readonly usage: string },
    handler: (args: readonly string[]) => Promise<string | { readonly text: string; readonly afterReply: () => void }> | string | { readonly text: string; readonly afterReply: () => void },
  ): void;
}

/** Log levels of OVS's vlog, most severe first. */
export type LogLevel = 'EMER' | 'ERR' | 'WARN' | 'INFO' | 'DBG';

/** Where the server writes its log lines (see vlog.ts for the OVS line format). */
export interface Logger {
  log(level: LogLevel, module: string, message: string): void;
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { log: () => undefined };

/** Fresh random uuids (row ids, _version, txn ids, server id). */
export type UuidSource = () => Uuid;
