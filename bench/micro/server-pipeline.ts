/**
 * Micro-benchmark (not run in CI): CPU time per small insert transaction through everything our
 * server does between the socket and the socket — framing and JSON-RPC decoding, the session,
 * the method table, the standalone host, the engine, the LevelDB store's journal (a real one,
 * in a temp dir) and reply encoding — without sockets, so a --cpu-prof of it shows our own code
 * only (a server profiled under socket load charges the client's wake-ups to the write call).
 *
 * Each turn, 16 connections each deliver one transact (as write-16 does); the turn ends when
 * all 16 replies are out, which takes the store's journal write like the real server.
 *
 *   node dist/bench/micro/server-pipeline.js [connections=16] [transactions=60000] [rounds=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json, JsonObject } from '../../src/base/json.js';
import { systemClock } from '../../src/base/clock.js';
import type { Uuid } from '../../src/base/uuid.js';
import type { CloseInfo, JsonRpcChannel } from '../../src/jsonrpc/channel.js';
import { JsonFramer } from '../../src/jsonrpc/framer.js';
import { decodeMessage, encodeMessage, type JsonRpcId, type JsonRpcMessage } from '../../src/jsonrpc/messages.js';
import { parseSchema } from '../../src/ovsdb/index.js';
import { OvsdbServer, replay, silentLogger, StandaloneHost } from '../../src/server/index.js';
import { StandaloneStore } from '../../src/storage/standalone-db-store.js';
import { benchSchema, DB } from '../scenarios.js';
import { randomUuid } from '../../src/cli/random-uuid.js';

/** A channel that frames and decodes what it is fed and counts the replies it is asked to send. */
class FakeChannel implements JsonRpcChannel {
  readonly peer = 'fake';
  readonly backlogBytes = 0;
  readonly open = true;
  replies = 0;
  bytesOut = 0;
  readonly #framer = new JsonFramer();
  #handler: ((m: JsonRpcMessage) => void) | undefined;

  onMessage(handler: (message: JsonRpcMessage) => void): void {
    this.#handler = handler;
  }

  onClose(_handler: (info: CloseInfo) => void): void {}

  feed(bytes: Uint8Array): void {
    for (const v of this.#framer.push(bytes).values) {
      const d = decodeMessage(v);
      if (!d.ok) throw new Error(d.error);
      this.#handler?.(d.message);
    }
  }

  request(): Promise<Json> {
    return Promise.reject(new Error('not supported'));
  }

  notify(method: string, params: readonly Json[]): void {
    this.sendEncoded(encodeMessage({ kind: 'notification', method, params }));
  }

  respond(id: JsonRpcId, result: Json): void {
    this.send({ kind: 'response', result, id });
  }

  respondError(id: JsonRpcId, error: Json): void {
    this.send({ kind: 'error', error, id });
  }

  send(message: JsonRpcMessage): void {
    this.sendEncoded(encodeMessage(message));
    if (message.kind === 'response' || message.kind === 'error') this.replies++;
  }

  sendEncoded(text: string): void {
    this.bytesOut += text.length;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}

async function main(): Promise<void> {
  const [connections = 16, transactions = 60_000, rounds = 3] = process.argv.slice(2).map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-pipeline-'));
  try {
    const dbDir = join(dir, 'db');
    (await StandaloneStore.create(dbDir, benchSchema as JsonObject)).close().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const opened = await StandaloneStore.open(dbDir);
    const newUuid = (): Uuid => randomUuid();
    const server = new OvsdbServer({ clock: systemClock, newUuid, logger: silentLogger });
    const host = new StandaloneHost({
      db: replay(parseSchema(opened.schemaJson), opened.records), store: opened.store, clock: systemClock, newUuid,
      logger: silentLogger, onFatal: (e) => { throw e; },
    });
    server.addDatabase(host);
    const channels = Array.from({ length: connections }, () => new FakeChannel());
    for (const c of channels) server.attach(c);
    const encoder = new TextEncoder();
    let serial = 0;
    let id = 0;
    for (let round = 0; round < rounds; round++) {
      const turns = Math.ceil(transactions / connections);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let t = 0; t < turns; t++) {
        const want = channels.map((c) => c.replies + 1);
        for (const c of channels) {
          serial++;
          const text = `{"id":${id++},"method":"transact","params":["${DB}",{"op":"insert","table":"Item","row":{"name":"w${serial}","n":${serial}}}]}`;
          c.feed(encoder.encode(text));
        }
        for (let spins = 0; channels.some((c, i) => c.replies < (want[i] ?? 0)); spins++) {
          if (spins > 1000) throw new Error('replies did not come');
          await new Promise((r) => setImmediate(r));
        }
      }
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const n = turns * connections;
      process.stdout.write(`round ${round + 1}: ${((cpu.user + cpu.system) / n).toFixed(2)} us CPU per transaction (${(cpu.system / n).toFixed(2)} sys), ${((ms * 1000) / n).toFixed(2)} us wall\n`);
    }
    await server.close();
    await host.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
