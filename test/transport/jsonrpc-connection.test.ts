import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { JsonRpcClosedError, JsonRpcRemoteError, type CloseInfo } from '../../src/jsonrpc/channel.js';
import { formatAddress, parsePassiveAddress, type PassiveAddress } from '../../src/transport/address.js';
import { connect, connectJsonRpc } from '../../src/transport/connect.js';
import { JsonRpcConnection, type JsonRpcConnectionOptions } from '../../src/transport/jsonrpc-connection.js';
import { listen, type Listener } from '../../src/transport/listen.js';
import { TransportFixture, activeOf, until } from './fixture.js';

const fx = new TransportFixture('ovsdb-ts-conn-');
const { listeners, sockets } = fx;

/** A server whose connections answer "add" and "fail", record notifications and report closes. */
async function startServer(address: PassiveAddress, options: JsonRpcConnectionOptions = {}) {
  const notes: Json[] = [];
  const closes: CloseInfo[] = [];
  const conns: JsonRpcConnection[] = [];
  const l = await listen(address, (socket, peer) => {
    sockets.push(socket);
    const conn = new JsonRpcConnection(socket, { ...options, peer });
    conns.push(conn);
    conn.onClose((info) => closes.push(info));
    conn.onMessage((m) => {
      if (m.kind === 'notification') notes.push([m.method, ...m.params]);
      else if (m.kind === 'request' && m.method === 'add') conn.respond(m.id, m.params.reduce<number>((a, b) => a + (typeof b === 'number' ? b : 0), 0));
      else if (m.kind === 'request') conn.respondError(m.id, { error: 'unknown method', details: m.method });
    });
  }, { tls: fx.pki.server });
  listeners.push(l);
  return { listener: l, notes, closes, conns };
}

async function rawConnect(l: Listener): Promise<{ socket: Socket; received: () => string }> {
  const a = activeOf(l);
  const socket = a.kind === 'unix' ? createConnection({ path: a.path }) : createConnection({ host: a.host, port: a.port });
  sockets.push(socket);
  let text = '';
  socket.on('data', (d: Buffer) => { text += d.toString(); });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  return { socket, received: () => text };
}

describe('JsonRpcConnection over every listener kind', () => {
  for (const kind of ['ptcp', 'punix', 'pssl'] as const) {
    it(`requests, errors and notifications over ${kind}`, async () => {
      const addr = kind === 'punix' ? parsePassiveAddress(`punix:${join(fx.dir, 'a.sock')}`) : parsePassiveAddress(`${kind}:0:127.0.0.1`);
      const srv = await startServer(addr);
      if (kind !== 'punix') expect(srv.listener.address.kind === 'punix' ? 0 : srv.listener.address.port).toBeGreaterThan(0);
      const c = await connect(activeOf(srv.listener), { tls: fx.pki.client });
      sockets.push(c.socket);
      const conn = new JsonRpcConnection(c.socket, { peer: c.peer });
      conn.onMessage(() => undefined);
      expect(await conn.request('add', [1, 2, 3])).toBe(6);
      await expect(conn.request('nope', [])).rejects.toEqual(new JsonRpcRemoteError({ error: 'unknown method', details: 'nope' }));
      const many = await Promise.all(Array.from({ length: 100 }, (_, i) => conn.request('add', [i, 1])));
      expect(many).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      conn.notify('hello', ['é€😀']);
      await until(() => srv.notes.length === 1);
      expect(srv.notes).toEqual([['hello', 'é€😀']]);
      conn.close();
      await until(() => srv.closes.length === 1);
      expect(srv.closes[0]).toEqual({ error: undefined, protocolError: undefined });
      expect(conn.open).toBe(false);
      await expect(conn.request('add', [])).rejects.toBeInstanceOf(JsonRpcClosedError);
    });
  }

  it('refuses TLS peers whose certificate another CA signed, both ways', async () => {
    const srv = await startServer(parsePassiveAddress('pssl:0:127.0.0.1'));
    // The rogue client does not trust our server's CA: its own check fails.
    await expect(connect(activeOf(srv.listener), { tls: fx.pki.rogue })).rejects.toThrow(/connection failed/);
    // A client that trusts our CA but presents a rogue certificate is refused by the server
    // (with TLS 1.3 the client may see this only after its handshake completes).
    const mixed = { ...fx.pki.rogue, caCertPath: fx.pki.client.caCertPath };
    let refused = false;
    try {
      const c = await connect(activeOf(srv.listener), { tls: mixed });
      sockets.push(c.socket);
      const conn = new JsonRpcConnection(c.socket);
      conn.onMessage(() => undefined);
      await conn.request('add', [1]);
    } catch {
      refused = true;
    }
    expect(refused).toBe(true);
    expect(srv.conns).toHaveLength(0);
  });

  it('connectJsonRpc tries a comma-separated list in order', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'));
    const good = srv.listener.address.kind === 'ptcp' ? srv.listener.address.port : 0;
    const conn = await connectJsonRpc(`unix:${join(fx.dir, 'absent.sock')},tcp:127.0.0.1:${good}`);
    conn.onMessage(() => undefined);
    expect(conn.peer).toBe(`tcp:127.0.0.1:${good}`);
    expect(await conn.request('add', [40, 2])).toBe(42);
    conn.close();
    await expect(connectJsonRpc(`unix:${join(fx.dir, 'absent.sock')}`)).rejects.toThrow(/absent\.sock: connection failed/);
  });

  it('fails connect and listen with clear errors', async () => {
    await expect(connect({ kind: 'unix', path: join(fx.dir, 'missing.sock') })).rejects.toThrow(/unix:.*missing\.sock: connection failed/);
    await expect(connect({ kind: 'ssl', host: '127.0.0.1', port: 1 })).rejects.toThrow(/SSL needs/);
    await expect(listen({ kind: 'pssl', host: '127.0.0.1', port: 0 }, () => undefined)).rejects.toThrow(/SSL needs/);
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'));
    await expect(listen(srv.listener.address, () => undefined)).rejects.toThrow(new RegExp(`${formatAddress(srv.listener.address)}: listen failed`));
  });
});

describe('JsonRpcConnection with hostile or slow peers', () => {
  it('batches everything sent in one turn into a single socket write', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'));
    const c = await connect(activeOf(srv.listener));
    sockets.push(c.socket);
    let writes = 0;
    const realWrite = c.socket.write.bind(c.socket);
    c.socket.write = ((...args: Parameters<typeof realWrite>) => { writes++; return realWrite(...args); }) as typeof c.socket.write;
    const conn = new JsonRpcConnection(c.socket);
    conn.onMessage(() => undefined);
    for (let i = 0; i < 500; i++) conn.notify('n', [i]);
    await until(() => srv.notes.length === 500);
    expect(writes).toBe(1);
    expect(srv.notes.map((n) => (Array.isArray(n) ? n[1] : null))).toEqual(Array.from({ length: 500 }, (_, i) => i));
    conn.close();
  });

  const garbage: [string, string | Buffer, RegExp][] = [
    ['random text', 'hello world', /syntax error/],
    ['invalid UTF-8', Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), /invalid UTF-8/],
    ['deep nesting', '['.repeat(100_000), /maximum nesting depth/],
    ['an oversize message', `["${'x'.repeat(20_000)}"]`, /maximum size/],
    ['a non-JSON-RPC value', '{"hello":1}', /bad JSON-RPC message: message has unexpected member "hello"/],
    ['truncated JSON then EOF', '{"method":"add","params":[1', /closed in the middle of a message/],
  ];
  for (const [what, bytes, re] of garbage) {
    it(`drops the connection cleanly on ${what} and keeps serving others`, async () => {
      const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'), { limits: { maxMessageBytes: 10_000 } });
      const raw = await rawConnect(srv.listener);
      raw.socket.write('{"method":"add","params":[2,2],"id":1}');
      raw.socket.write(bytes);
      if (what.startsWith('truncated')) raw.socket.end();
      await until(() => srv.closes.length === 1);
      expect(srv.closes[0]?.protocolError ?? '').toMatch(re);
      // The close is reported at the protocol error; the reply queued before it still arrives.
      await until(() => raw.received() !== '');
      expect(raw.received()).toBe('{"id":1,"result":4,"error":null}');
      // The listener still serves a well-behaved client.
      const c = await connect(activeOf(srv.listener));
      sockets.push(c.socket);
      const conn = new JsonRpcConnection(c.socket);
      conn.onMessage(() => undefined);
      expect(await conn.request('add', [5])).toBe(5);
      conn.close();
    });
  }

  it('answers echo itself when asked to, with the request params', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'), { answerEcho: true });
    const raw = await rawConnect(srv.listener);
    raw.socket.write('{"method":"echo","params":["x",{"y":1}],"id":"e1"}');
    await until(() => raw.received() !== '');
    expect(JSON.parse(raw.received())).toEqual({ id: 'e1', result: ['x', { y: 1 }], error: null });
  });

  it('probes a silent peer with echo and drops it after a second interval', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'), { probeIntervalMs: 100 });
    const raw = await rawConnect(srv.listener);
    await until(() => srv.closes.length === 1);
    expect(JSON.parse(raw.received())).toMatchObject({ method: 'echo', params: [] });
    expect(srv.closes[0]?.error?.message).toMatch(/inactivity probe/);
  });

  it('keeps a peer that answers the probe', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'), { probeIntervalMs: 60 });
    const c = await connect(activeOf(srv.listener));
    sockets.push(c.socket);
    const conn = new JsonRpcConnection(c.socket, { answerEcho: true });
    conn.onMessage(() => undefined);
    await new Promise((r) => setTimeout(r, 400));
    expect(srv.closes).toHaveLength(0);
    expect(await conn.request('add', [1])).toBe(1);
    conn.close();
  });

  it('reports a backlog while the peer does not read, and drains when it does', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'));
    const raw = await rawConnect(srv.listener);
    raw.socket.pause();
    await until(() => srv.conns.length === 1);
    const conn = srv.conns[0];
    if (!conn) throw new Error('no server connection');
    const big = 'z'.repeat(1 << 20);
    for (let i = 0; i < 16; i++) conn.notify('big', [big]);
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.backlogBytes).toBeGreaterThan(1 << 20);
    let drained = false;
    const done = conn.drained().then(() => { drained = true; });
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(false);
    raw.socket.resume();
    await done;
    expect(conn.backlogBytes).toBe(0);
    await until(() => raw.received().length >= 16 * (1 << 20));
  });

  it('rejects outstanding requests when the peer goes away', async () => {
    let serverSocket: Socket | undefined;
    const l = await listen(parsePassiveAddress('ptcp:0:127.0.0.1'), (s) => { serverSocket = s; });
    listeners.push(l);
    const c = await connect(activeOf(l));
    sockets.push(c.socket);
    const conn = new JsonRpcConnection(c.socket);
    conn.onMessage(() => undefined);
    const closed = new Promise<CloseInfo>((resolve) => conn.onClose(resolve));
    const pending = conn.request('add', [1]);
    await until(() => serverSocket !== undefined);
    serverSocket?.destroy();
    await expect(pending).rejects.toBeInstanceOf(JsonRpcClosedError);
    expect((await closed).protocolError).toBeUndefined();
  });
});

describe('JsonRpcConnection flow control', () => {
  it('drained() resolves after small writes too', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'));
    const c = await connect(activeOf(srv.listener));
    sockets.push(c.socket);
    const conn = new JsonRpcConnection(c.socket);
    conn.onMessage(() => undefined);
    conn.notify('small', [1]);
    expect(conn.backlogBytes).toBeGreaterThan(0);
    await conn.drained();
    expect(conn.backlogBytes).toBe(0);
    conn.close();
  });

  it('stops reading from a peer that does not read its replies, and resumes when it does', async () => {
    const srv = await startServer(parsePassiveAddress('ptcp:0:127.0.0.1'), { pauseReadingAboveBytes: 1 << 16 });
    const raw = await rawConnect(srv.listener);
    raw.socket.pause();
    // Each request's reply is ~100 KB; the peer sends 400 requests and reads nothing.
    const big = 'q'.repeat(100_000);
    let replied = 0;
    await until(() => srv.conns.length === 1);
    const conn = srv.conns[0];
    if (!conn) throw new Error('no server connection');
    conn.onMessage((m) => {
      if (m.kind === 'request') { replied++; conn.respond(m.id, big); }
    });
    for (let i = 0; i < 400; i++) raw.socket.write(`{"method":"big","params":[],"id":${i}}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(replied).toBeLessThan(400);
    expect(conn.backlogBytes).toBeLessThan(50 * 100_000);
    raw.socket.resume();
    await until(() => replied === 400, 10_000);
    await until(() => raw.received().length >= 400 * 100_000, 10_000);
  });
});
