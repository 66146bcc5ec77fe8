import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePassiveAddress, type PassiveAddress } from '../../src/transport/address.js';
import { connect } from '../../src/transport/connect.js';
import { JsonRpcConnection, type JsonRpcConnectionOptions } from '../../src/transport/jsonrpc-connection.js';
import { listen, type Listener } from '../../src/transport/listen.js';
import { TransportFixture, activeOf, until } from './fixture.js';

/**
 * Write batching and flow control: writes carry no callback unless someone waits for the backlog
 * (drained(), paused reading), and one setImmediate flushes every connection with output.
 */

const fx = new TransportFixture('ovsdb-ts-flow-');
const { listeners, sockets } = fx;

/** A listener whose connections answer every request with `reply(params)`. */
async function startServer(address: PassiveAddress, options: JsonRpcConnectionOptions = {}, reply: (n: number) => string = String) {
  const conns: JsonRpcConnection[] = [];
  const l = await listen(address, (socket, peer) => {
    sockets.push(socket);
    const conn = new JsonRpcConnection(socket, { ...options, peer });
    conns.push(conn);
    conn.onMessage((m) => {
      if (m.kind === 'request') conn.respond(m.id, reply(typeof m.params[0] === 'number' ? m.params[0] : 0));
    });
  }, { tls: fx.pki.server });
  listeners.push(l);
  return { listener: l, conns };
}

async function client(l: Listener): Promise<JsonRpcConnection> {
  const c = await connect(activeOf(l), { tls: fx.pki.client });
  sockets.push(c.socket);
  const conn = new JsonRpcConnection(c.socket);
  conn.onMessage(() => undefined);
  return conn;
}

describe('JsonRpcConnection drained()', () => {
  for (const kind of ['ptcp', 'punix', 'pssl'] as const) {
    it(`resolves over ${kind} whether the output is still queued or already in the socket`, async () => {
      const addr = kind === 'punix' ? parsePassiveAddress(`punix:${join(fx.dir, `d-${kind}.sock`)}`) : parsePassiveAddress(`${kind}:0:127.0.0.1`);
      const srv = await startServer(addr);
      const conn = await client(srv.listener);
      // Queued, not yet flushed: drained() must wait for the flush and then the socket.
      conn.notify('small', [1]);
      expect(conn.backlogBytes).toBeGreaterThan(0);
      await conn.drained();
      expect(conn.backlogBytes).toBe(0);
      // Several waiters, output sent between their calls.
      conn.notify('a', []);
      const first = conn.drained();
      conn.notify('b', ['x'.repeat(100_000)]);
      const second = conn.drained();
      await Promise.all([first, second]);
      expect(conn.backlogBytes).toBe(0);
      expect(await conn.request('n', [7])).toBe('7');
      conn.close();
      await conn.drained();
    });
  }

  it('resolves once the connection is closed, even if the peer never read', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'));
    const raw = createConnection({ host: '127.0.0.1', port: srv.listener.address.kind === 'punix' ? 0 : srv.listener.address.port });
    sockets.push(raw);
    raw.on('error', () => undefined);
    raw.pause();
    await until(() => srv.conns.length === 1);
    const conn = srv.conns[0];
    if (!conn) throw new Error('no server connection');
    for (let i = 0; i < 8; i++) conn.notify('big', ['y'.repeat(1 << 20)]);
    const waiting = conn.drained();
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.backlogBytes).toBeGreaterThan(0);
    raw.destroy();
    // Resolves when the failed writes are dropped or at the close, whichever comes first.
    await waiting;
    await until(() => !conn.open);
  });
});

describe('JsonRpcConnection paused reading', () => {
  it('resumes below the socket high-water mark, where no drain event comes', async () => {
    // Replies of 1000 bytes against a 100-byte limit: reading pauses after almost every request.
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'), { pauseReadingAboveBytes: 100 }, (n) => `${n}:${'r'.repeat(1000)}`);
    const conn = await client(srv.listener);
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => conn.request('r', [i])));
    expect(replies.map((r) => (typeof r === 'string' ? Number(r.split(':')[0]) : -1))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    conn.close();
  });
});

describe('JsonRpcConnection shared flush', () => {
  it('writes once per connection per turn for many connections, in order, despite one closing', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'));
    const clients = await Promise.all(Array.from({ length: 6 }, () => client(srv.listener)));
    await until(() => srv.conns.length === 6);
    const writes = srv.conns.map(() => 0);
    srv.conns.forEach((conn, i) => {
      const socket = (conn as unknown as { socket: Socket }).socket;
      const realWrite = socket.write.bind(socket);
      socket.write = ((...args: Parameters<typeof realWrite>) => { writes[i] = (writes[i] ?? 0) + 1; return realWrite(...args); }) as typeof socket.write;
    });
    const got = clients.map(() => [] as unknown[]);
    clients.forEach((c, i) => c.onMessage((m) => { if (m.kind === 'notification') got[i]?.push(m.params[0]); }));
    // All in one turn: conn 2 is closed (and destroyed) after queueing, before the flush.
    srv.conns.forEach((conn) => { for (let k = 0; k < 50; k++) conn.notify('n', [k]); });
    (srv.conns[2] as unknown as { socket: Socket }).socket.destroy();
    await until(() => got.every((g, i) => i === 2 || g.length === 50));
    expect(got.filter((_, i) => i !== 2)).toEqual(Array.from({ length: 5 }, () => Array.from({ length: 50 }, (_, k) => k)));
    expect(writes.filter((_, i) => i !== 2)).toEqual([1, 1, 1, 1, 1]);
    for (const c of clients) c.close();
  });
});
