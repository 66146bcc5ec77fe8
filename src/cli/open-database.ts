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
import { ClusteredHost } from '../server/cluster-host.js';
import { RaftDiskStore } from '../storage/raft-disk-store.js';
import { RaftTransport } from '../transport/raft-transport.js';
import type { TlsFiles } from '../transport/tls-files.js';

/** What opening a database needs from the server process. */
export interface OpenDatabaseContext {
  readonly clock: Clock;
  readonly newUuid: UuidSource;
  readonly logger: Logger;
  /** --fsync=always */
  readonly fsyncAlways: boolean;
  /** The store failed: stop the process rather than diverge from the disk. */
  readonly onFatal: (e: Error) => void;
  /** Key, certificate and CA for ssl: Raft addresses (the server's --private-key etc.). */
  readonly tls?: TlsFiles | undefined;
}

/** Opens `dir` and returns the backend that serves it. */
export async function openDatabase(dir: string, ctx: OpenDatabaseContext): Promise<DatabaseBackend> {
  const path = resolve(dir);
  if (!existsSync(path)) throw new Error(`${dir}: database does not exist (create it with \`ovsdb-ts tool create ${dir} SCHEMA\`)`);
  if ((await RaftDiskStore.kind(path)) === 'clustered') return openClustered(path, ctx);
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

/**
 * A clustered database: its Raft log and snapshot (RaftDiskStore), the Raft transport listening
 * on the member's own address, and the host that applies the log to the engine.
 */
async function openClustered(path: string, ctx: OpenDatabaseContext): Promise<DatabaseBackend> {
  const store = await RaftDiskStore.open(path, { onProgress: (msg) => ctx.logger.log('INFO', 'raft', `${path}: ${msg}`) });
  const meta = store.meta();
  let net: RaftTransport;
  try {
    net = await RaftTransport.listen({
      serverId: meta.sid,
      clusterId: meta.cid ?? undefined,
      listen: meta.local,
      ...(ctx.tls !== undefined ? { tls: ctx.tls } : {}),
      logger: ctx.logger,
      setTimer: (ms, fn) => ctx.clock.setTimer(ms, fn),
    });
  } catch (e) {
    await store.close();
    throw new Error(`${path}: cannot listen on Raft address ${meta.local}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const host = new ClusteredHost({
    store, net, clock: ctx.clock, newUuid: ctx.newUuid, logger: ctx.logger, onFatal: ctx.onFatal, defer: (fn) => setImmediate(fn),
  });
  const joining = meta.remotes.length > 0 ? `, joining through ${meta.remotes.join(', ')}` : '';
  ctx.logger.log('INFO', 'server', `serving clustered ${meta.name} from ${path} as ${meta.sid.slice(0, 4)} at ${meta.local} (cluster ${meta.cid ?? 'not yet known'}${joining})`);
  return host;
}
