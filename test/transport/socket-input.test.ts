import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listen, type Listener } from '../../src/transport/listen.js';
import { adoptAccepted, connectWithInput, readInput } from '../../src/transport/socket-input.js';
import { TransportFixture, until } from './fixture.js';

const fx = new TransportFixture('ovsdb-ts-input-');

/** Bytes received per accepted connection, through readInput. */
async function echoListener(path: string, received: Buffer[][]): Promise<Listener> {
  const l = await listen({ kind: 'punix', path }, (socket) => {
    const mine: Buffer[] = [];
    received.push(mine);
    readInput(socket, (bytes) => {
      // The view is only valid during the call: keep a copy, and answer with one.
      mine.push(Buffer.from(bytes));
      socket.write(Buffer.from(bytes));
    });
  });
  fx.listeners.push(l);
  return l;
}

describe('socket input through one shared buffer', () => {
  it('delivers every byte of many interleaved connections, in order', async () => {
    const received: Buffer[][] = [];
    await echoListener(join(fx.dir, 'a.sock'), received);
    const n = 8;
    const echoes: Buffer[][] = [];
    const clients = Array.from({ length: n }, (_, i) => {
      const c = connectWithInput({ path: join(fx.dir, 'a.sock') });
      fx.sockets.push(c);
      const mine: Buffer[] = [];
      echoes.push(mine);
      readInput(c, (bytes) => mine.push(Buffer.from(bytes)));
      for (let k = 0; k < 50; k++) c.write(`${i}:${k};`.repeat(k + 1));
      return c;
    });
    const expected = (i: number): string => Array.from({ length: 50 }, (_, k) => `${i}:${k};`.repeat(k + 1)).join('');
    await until(() => echoes.every((e, i) => Buffer.concat(e).toString() === expected(i)));
    // Each server-side connection saw exactly its own client's bytes.
    const texts = received.map((r) => Buffer.concat(r).toString()).sort();
    expect(texts).toEqual(Array.from({ length: n }, (_, i) => expected(i)).sort());
    for (const c of clients) c.destroy();
  });

  it('keeps bytes that arrive before anyone reads, and delivers them first', async () => {
    const path = join(fx.dir, 'b.sock');
    const server = net.createServer((s) => {
      s.write('early bytes;');
      setTimeout(() => s.end('late'), 20);
    });
    await new Promise<void>((r) => server.listen(path, r));
    const c = connectWithInput({ path });
    fx.sockets.push(c);
    await new Promise((r) => setTimeout(r, 10)); // the first write is in before readInput
    const got: Buffer[] = [];
    readInput(c, (bytes) => got.push(Buffer.from(bytes)));
    await until(() => Buffer.concat(got).toString() === 'early bytes;late');
    c.destroy();
    await new Promise((r) => server.close(r));
  });

  it('reports the end of the stream and lets the listener close once connections end', async () => {
    const received: Buffer[][] = [];
    const l = await echoListener(join(fx.dir, 'c.sock'), received);
    const c = connectWithInput({ path: join(fx.dir, 'c.sock') });
    let clientClosed = false;
    c.on('close', () => (clientClosed = true));
    readInput(c, () => undefined);
    c.write('x');
    await until(() => received.length === 1 && received[0]?.length === 1);
    let listenerClosed = false;
    const closing = l.close().then(() => (listenerClosed = true));
    await new Promise((r) => setTimeout(r, 50));
    // server.close() waits for open connections: ours must still count.
    expect(listenerClosed).toBe(false);
    c.end();
    await closing;
    expect(listenerClosed).toBe(true);
    await until(() => clientClosed);
  });

  it('pauses and resumes reading', async () => {
    const path = join(fx.dir, 'd.sock');
    const got: Buffer[] = [];
    let accepted: net.Socket | undefined;
    const server = net.createServer({ pauseOnConnect: true }, (s) => {
      const a = adoptAccepted(s);
      readInput(a, (bytes) => got.push(Buffer.from(bytes)));
      // Not in the same tick as readInput's resume() (see readInput).
      setImmediate(() => {
        a.pause();
        accepted = a;
      });
    });
    await new Promise<void>((r) => server.listen(path, r));
    const c = net.connect({ path });
    fx.sockets.push(c);
    await until(() => accepted !== undefined);
    c.write('while paused');
    await new Promise((r) => setTimeout(r, 50));
    expect(got.length).toBe(0);
    accepted?.resume();
    await until(() => Buffer.concat(got).toString() === 'while paused');
    c.destroy();
    accepted?.destroy();
    await new Promise((r) => server.close(r));
  });
});

describe('socket input through data events', () => {
  it('reads a socket accepted paused that was not adopted', async () => {
    const path = join(fx.dir, 'e.sock');
    const got: Buffer[] = [];
    const server = net.createServer({ pauseOnConnect: true }, (s) => readInput(s, (bytes) => got.push(Buffer.from(bytes))));
    await new Promise<void>((r) => server.listen(path, r));
    const c = net.connect({ path });
    fx.sockets.push(c);
    c.write('through data events');
    await until(() => Buffer.concat(got).toString() === 'through data events');
    c.destroy();
    await new Promise((r) => server.close(r));
  });
});
