/**
 * OvsdbClient against scripted fake servers (no sockets): leader-only selection over a remote
 * list from `_Server` rows (follower, disconnected member, leader, standalone), --no-leader-only,
 * echo requests answered, request timeouts, and a lost connection reported once.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { OvsdbClient, RpcError, type ChannelHandlers, type Connector, type RpcChannel } from '../../src/client/index.js';

interface FakeServer {
  /** The _Server Database row for "DB", or undefined for "no such database". */
  row: { [k: string]: Json } | undefined;
  handlers?: ChannelHandlers;
  closed: number;
  silent?: boolean;
}

function fakeConnector(servers: { [remote: string]: FakeServer }): Connector {
  return async (remote: string, handlers: ChannelHandlers): Promise<RpcChannel> => {
    const s = servers[remote];
    if (!s) throw new Error(`failed to connect to "${remote}" (Connection refused)`);
    s.handlers = handlers;
    return {
      name: remote,
      request: async (method: string, params: readonly Json[]): Promise<Json> => {
        if (s.silent) return new Promise(() => undefined);
        if (method === 'transact' && params[0] === '_Server') return [{ rows: s.row ? [{ name: 'DB', ...s.row }] : [] }];
        if (method === 'list_dbs') return ['DB', '_Server'];
        throw new RpcError({ error: 'unknown method' }, method);
      },
      notify: () => undefined,
      close: () => { s.closed++; },
    };
  };
}

const cluster = (leader: boolean, connected = true): { [k: string]: Json } => ({ model: 'clustered', leader, connected });

describe('OvsdbClient (fake servers)', () => {
  it('skips followers and disconnected members and picks the leader', async () => {
    const servers: { [r: string]: FakeServer } = {
      'tcp:127.0.0.1:1': { row: cluster(false), closed: 0 },
      'tcp:127.0.0.1:2': { row: cluster(true, false), closed: 0 },
      'tcp:127.0.0.1:3': { row: cluster(true), closed: 0 },
    };
    const c = await OvsdbClient.connect('tcp:127.0.0.1:9,tcp:127.0.0.1:1,tcp:127.0.0.1:2,tcp:127.0.0.1:3', { database: 'DB', connector: fakeConnector(servers) });
    expect(c.remote).toBe('tcp:127.0.0.1:3');
    expect([servers['tcp:127.0.0.1:1']?.closed, servers['tcp:127.0.0.1:2']?.closed, servers['tcp:127.0.0.1:3']?.closed]).toEqual([1, 1, 0]);
    c.close();
  });

  it('accepts a connected follower with leaderOnly false, and a standalone database always', async () => {
    const servers: { [r: string]: FakeServer } = {
      'unix:/f': { row: cluster(false), closed: 0 },
      'unix:/s': { row: { model: 'standalone', leader: true, connected: true }, closed: 0 },
      'unix:/none': { row: undefined, closed: 0 },
    };
    const c = await OvsdbClient.connect(['unix:/none', 'unix:/f'], { database: 'DB', leaderOnly: false, connector: fakeConnector(servers) });
    expect(c.remote).toBe('unix:/f');
    c.close();
    const d = await OvsdbClient.connect('unix:/none,unix:/s', { database: 'DB', connector: fakeConnector(servers) });
    expect(d.remote).toBe('unix:/s');
    d.close();
    await expect(OvsdbClient.connect('unix:/f,unix:/none', { database: 'DB', connector: fakeConnector(servers) })).rejects.toThrow(/^no servers were available/);
    await expect(OvsdbClient.connect('unix:/nowhere', { connector: fakeConnector(servers) })).rejects.toThrow('failed to connect to "unix:/nowhere" (Connection refused)');
  });

  it('answers echo, times out requests and reports a lost connection once', async () => {
    const s: FakeServer = { row: undefined, closed: 0 };
    const c = await OvsdbClient.connect('unix:/x', { connector: fakeConnector({ 'unix:/x': s }), requestTimeoutMs: 50 });
    expect(s.handlers?.onRequest('echo', ['ping', 1])).toEqual(['ping', 1]);
    await expect(c.listDbs()).resolves.toEqual(['DB', '_Server']);
    s.silent = true;
    await expect(c.listDbs()).rejects.toThrow('list_dbs: timed out after 50 ms');
    const closes: (Error | undefined)[] = [];
    c.onClose((e) => closes.push(e));
    s.handlers?.onClose(new Error('reset'));
    s.handlers?.onClose(new Error('again'));
    expect(closes.map((e) => e?.message)).toEqual(['reset']);
    expect(c.isConnected).toBe(false);
    await expect(c.listDbs()).rejects.toThrow('not connected');
  });
});
