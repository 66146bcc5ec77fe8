/**
 * Turns one database directory given to `ovsdb-ts server` into a DatabaseBackend: a standalone
 * LevelDB database today; a clustered one (a Raft member) when the directory holds a cluster.
 * The server's composition root calls this once per DB argument and knows nothing else of the
 * kinds of storage (OVS draws the same line with ovsdb/storage.c).
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Clock } from '../base/clock.js';
import { parseSchema } from '../ovsdb/index.js';
import { replay, StandaloneHost } from '../server/database-host.js';
import type { DatabaseBackend } from '../server/database-backend.js';
import type { Logger, UuidSource } from '../server/ports.js';
import { StandaloneStore } from '../storage/standalone-db-store.js';
import { flushPendingWrites } from '../transport/jsonrpc-connection.js';

/** What opening a database needs from the server process. */
export interface OpenDatabaseContext {
  readonly clock: Clock;
  readonly newUuid: UuidSource;
  readonly logger: Logger;
  /** --fsync=always */
  readonly fsyncAlways: boolean;
  /** The store failed: stop the process rather than diverge from the disk. */
  readonly onFatal: (e: Error) => void;
}

/** Opens `dir` and returns the backend that serves it. */
export async function openDatabase(dir: string, ctx: OpenDatabaseContext): Promise<DatabaseBackend> {
  const path = resolve(dir);
  if (!existsSync(path)) throw new Error(`${dir}: database does not exist (create it with \`ovsdb-ts tool create ${dir} SCHEMA\`)`);
  // Replies released by a journal write go out in the same event-loop turn (see flushPendingWrites).
  const opened = await StandaloneStore.open(path, { afterProgress: flushPendingWrites });
  const schema = parseSchema(opened.schemaJson);
  const host = new StandaloneHost({
    db: replay(schema, opened.records),
    store: opened.store,
    clock: ctx.clock,
    newUuid: ctx.newUuid,
    logger: ctx.logger,
    fsyncAlways: ctx.fsyncAlways,
    onFatal: ctx.onFatal,
  });
  ctx.logger.log('INFO', 'server', `serving ${schema.name} from ${path} (${opened.records.length} records replayed)`);
  return host;
}
