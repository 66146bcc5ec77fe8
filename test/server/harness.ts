/**
 * An in-process server for protocol tests: real LevelDB stores in a temp dir, the real
 * OvsdbServer, a punix: listener through the real transport, and RawClient connections.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { systemClock } from '../../src/base/clock.js';
import type { JsonObject } from '../../src/base/json.js';
import { toUuid } from '../../src/base/uuid.js';
import { parseSchema } from '../../src/ovsdb/index.js';
import { replay, StandaloneHost } from '../../src/server/database-host.js';
import { silentLogger } from '../../src/server/ports.js';
import { OvsdbServer } from '../../src/server/server.js';
import { StandaloneStore } from '../../src/storage/standalone-db-store.js';
import { JsonRpcConnection } from '../../src/transport/jsonrpc-connection.js';
import { listen, type Listener } from '../../src/transport/listen.js';
import { RawClient } from '../helpers/raw-client.js';

export const TEST_SCHEMA: JsonObject = {
  name: 'T',
  version: '1.0.0',
  tables: {
    A: {
      columns: {
        n: { type: 'integer' },
        s: { type: { key: 'string', min: 0, max: 'unlimited' } },
        m: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
        name: { type: 'string' },
        o: { type: { key: 'string', min: 0, max: 1 } },
      },
      isRoot: true,
      indexes: [['name']],
    },
  },
};

export function readSchema(path: string): JsonObject {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
}

export const newUuid = () => toUuid(randomUUID());

export interface InProcessServer {
  readonly dir: string;
  readonly sockPath: string;
  readonly server: OvsdbServer;
  readonly hosts: StandaloneHost[];
  connect(): Promise<RawClient>;
  stop(): Promise<void>;
}

/** Starts a server on fresh databases (one per schema) listening on a unix socket. */
export async function startInProcess(schemas: readonly JsonObject[] = [TEST_SCHEMA]): Promise<InProcessServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ovs-srv-'));
  const server = new OvsdbServer({ clock: systemClock, newUuid, logger: silentLogger });
  const hosts: StandaloneHost[] = [];
  for (const [i, schemaJson] of schemas.entries()) {
    const path = join(dir, `db${i}`);
    await (await StandaloneStore.create(path, schemaJson)).close();
    const opened = await StandaloneStore.open(path);
    const host = new StandaloneHost({
      db: replay(parseSchema(opened.schemaJson), opened.records), store: opened.store, clock: systemClock, newUuid,
      logger: silentLogger, onFatal: (e) => { throw e; },
    });
    server.addDatabase(host);
    hosts.push(host);
  }
  const sockPath = join(dir, 'db.sock');
  const listener: Listener = await listen({ kind: 'punix', path: sockPath }, (socket, peer) => {
    server.attach(new JsonRpcConnection(socket, { peer }));
  });
  const clients: RawClient[] = [];
  return {
    dir, sockPath, server, hosts,
    connect: async () => {
      const c = await RawClient.connect({ path: sockPath });
      clients.push(c);
      return c;
    },
    stop: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await listener.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends a request and returns the reply's result, failing on an error reply. */
/** A predicate for a received JSON-RPC notification with the given method. */
export const isNotification = (method: string) => (m: unknown): boolean =>
  typeof m === 'object' && m !== null && (m as { method?: unknown }).method === method;

export async function call(c: RawClient, method: string, params: unknown): Promise<unknown> {
  const r = (await c.request(method, params)) as { result?: unknown; error?: unknown };
  if (r.error !== null && r.error !== undefined) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`);
  return r.result;
}

/** Sends a request and returns its error member. */
export async function callError(c: RawClient, method: string, params: unknown): Promise<unknown> {
  const r = (await c.request(method, params)) as { error?: unknown };
  return r.error;
}
