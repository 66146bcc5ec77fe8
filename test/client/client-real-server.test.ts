/**
 * The client library against the real ovsdb-server: transact, list_dbs/get_schema, monitor
 * replicas (update, update2, update3), leader-only selection over a remote list, reconnection
 * with monitor_cond_since (through a proxy the test can cut), locks between two clients, echo.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { OvsdbClient } from '../../src/client/index.js';
import { requireOvs } from '../helpers/ovs.js';
import { startRealOvsdb, testSchema, type RealOvsdb } from './real-ovsdb.js';

const hasOvs = requireOvs('ovsdb-server', 'ovsdb-tool');

/** A unix-socket proxy in front of the server whose connections the test can cut. */
class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  refuse = false;

  constructor(readonly path: string, private readonly target: string) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.refuse) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ path: this.target });
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = (): void => { client.destroy(); upstream.destroy(); this.sockets.delete(client); this.sockets.delete(upstream); };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((r) => this.server?.listen(this.path, r));
  }

  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const insertOther = (v: number): Json[] => [{ op: 'insert', table: 'Other', row: { v } }];

describe.skipIf(!hasOvs)('client library against the real ovsdb-server', () => {
  let standalone: RealOvsdb;
  let clustered: RealOvsdb;
  const clients: OvsdbClient[] = [];
  const connect = async (remote: string, opts: Parameters<typeof OvsdbClient.connect>[1] = {}): Promise<OvsdbClient> => {
    const c = await OvsdbClient.connect(remote, { requestTimeoutMs: 5000, ...opts });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [standalone, clustered] = await Promise.all([startRealOvsdb(), startRealOvsdb({ clustered: true })]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([standalone?.cleanup(), clustered?.cleanup()]);
  });

  it('lists databases, fetches the schema and transacts', async () => {
    const c = await connect(standalone.remote);
    expect((await c.listDbs()).sort()).toEqual(['T', '_Server']);
    const schema = await c.schemaInfo('T');
    expect(schema.version).toBe('1.2.3');
    expect([...schema.tables.keys()].sort()).toEqual(['Other', 'Simple']);
    const r = await c.transact('T', [{ op: 'insert', table: 'Simple', row: { name: 'x', n: 4 } }]);
    expect(r[0]).toMatchObject({ uuid: ['uuid', expect.stringMatching(/^[0-9a-f-]{36}$/)] });
    const sel = await c.transact('T', [{ op: 'select', table: 'Simple', where: [['name', '==', 'x']], columns: ['n'] }]);
    expect(sel).toEqual([{ rows: [{ n: 4 }] }]);
    const bad = await c.transact('T', [{ op: 'insert', table: 'Nope', row: {} }]);
    expect(bad[0]).toMatchObject({ error: 'syntax error' });
    await expect(c.transact('Nope', [])).rejects.toThrow(/unknown database/);
    expect(await c.echo('a', 1)).toEqual(['a', 1]);
  });

  it('keeps a replica with monitor, monitor_cond and monitor_cond_since', async () => {
    const writer = await connect(standalone.remote);
    const reader = await connect(standalone.remote);
    const m1 = await reader.monitor('T', { Simple: { columns: ['name', 'n', 's', 'm'] } }, { version: 1 });
    const m2 = await reader.monitor('T', { Simple: [{ columns: ['name', 'n', 's', 'm'], where: [['n', '>', 100]] }] }, { version: 2 });
    const m3 = await reader.monitor('T', { Simple: { columns: ['name', 'n', 's', 'm'] } }, { version: 3 });
    const [ins] = await writer.transact('T', [{ op: 'insert', table: 'Simple', row: { name: 'mon', n: 101, s: ['set', ['a', 'b']], m: ['map', [['k', 1]]] } }]);
    const uuid = (ins as { uuid: [string, string] }).uuid[1];
    for (const m of [m1, m2, m3]) await m.waitFor((r) => r.get('Simple', uuid) !== undefined);
    // update2 carries set/map diffs: the replica must apply them, not replace.
    await writer.transact('T', [
      { op: 'mutate', table: 'Simple', where: [['_uuid', '==', ['uuid', uuid]]], mutations: [['s', 'insert', 'c'], ['s', 'delete', 'a'], ['m', 'insert', ['map', [['j', 2]]]]] },
    ]);
    for (const m of [m1, m2, m3]) {
      await m.waitFor((r) => JSON.stringify(r.get('Simple', uuid)?.['s']) === JSON.stringify(['set', ['b', 'c']]));
      expect(m.replica.get('Simple', uuid)).toMatchObject({ name: 'mon', n: 101, m: ['map', [['j', 2], ['k', 1]]] });
    }
    // The condition (n > 100) of m2 excludes this row; m1 and m3 see it.
    const [low] = await writer.transact('T', [{ op: 'insert', table: 'Simple', row: { name: 'low', n: 1 } }]);
    const lowUuid = (low as { uuid: [string, string] }).uuid[1];
    await m3.waitFor((r) => r.get('Simple', lowUuid) !== undefined);
    await m1.waitFor((r) => r.get('Simple', lowUuid) !== undefined);
    expect(m2.replica.get('Simple', lowUuid)).toBeUndefined();
    await writer.transact('T', [{ op: 'delete', table: 'Simple', where: [['name', '==', 'mon']] }]);
    for (const m of [m1, m2, m3]) await m.waitFor((r) => r.get('Simple', uuid) === undefined);
    await m1.cancel();
    await writer.transact('T', [{ op: 'insert', table: 'Simple', row: { name: 'after-cancel', n: 500 } }]);
    await m2.waitFor((r) => [...r.rows('Simple').values()].some((row) => row['name'] === 'after-cancel'));
    expect([...m1.replica.rows('Simple').values()].some((row) => row['name'] === 'after-cancel')).toBe(false);
  });

  it('prefers a member that is leader, skipping remotes that do not serve', async () => {
    const c = await connect(`unix:${join(clustered.dir, 'nonexistent.sock')},${clustered.remote}`, { database: 'T' });
    expect(c.remote).toBe(clustered.remote);
    await expect(OvsdbClient.connect(`unix:${join(clustered.dir, 'nonexistent.sock')},${clustered.remote}`, { database: 'NoSuchDb' }))
      .rejects.toThrow(/no servers were available/);
  });

  it('reconnects and resumes a monitor with monitor_cond_since from the last txn id', async () => {
    const proxy = new CuttableProxy(join(clustered.dir, 'proxy.sock'), clustered.sock);
    await proxy.start();
    try {
      const writer = await connect(clustered.remote);
      const reader = await connect(`unix:${proxy.path}`, { reconnect: true, reconnectDelayMs: 50, database: 'T' });
      const m = await reader.monitor('T', { Other: { columns: ['v'] } });
      await writer.transact('T', insertOther(1));
      await m.waitFor((r) => [...r.rows('Other').values()].some((row) => row['v'] === 1));
      const idBefore = m.lastTxnId;
      expect(idBefore).not.toBe('00000000-0000-0000-0000-000000000000');
      const founds: boolean[] = [];
      const rowsBefore = new Set(m.replica.rows('Other').keys());
      let initialAfterReconnect = 0;
      m.onChange((changes) => { initialAfterReconnect += changes.filter((ch) => ch.kind === 'initial').length; });
      proxy.refuse = true;
      proxy.cut();
      await writer.transact('T', insertOther(2));
      await new Promise((r) => setTimeout(r, 150));
      proxy.refuse = false;
      const reconnected = new Promise<string>((resolve) => reader.onReconnect(resolve));
      await reconnected;
      founds.push(m.lastFound);
      await m.waitFor((r) => [...r.rows('Other').values()].some((row) => row['v'] === 2));
      // Found in the clustered server's history: only the missed row arrives, nothing re-sent as initial.
      expect(initialAfterReconnect).toBe(0);
      for (const k of rowsBefore) expect(m.replica.rows('Other').has(k)).toBe(true);
      expect(founds).toEqual([true]);
      await writer.transact('T', insertOther(3));
      await m.waitFor((r) => [...r.rows('Other').values()].some((row) => row['v'] === 3));
    } finally {
      await proxy.close();
    }
  });

  it('contends for locks between two clients (lock, locked, steal, stolen, unlock)', async () => {
    const a = await connect(standalone.remote);
    const b = await connect(standalone.remote);
    const eventsA: string[] = [];
    const eventsB: string[] = [];
    a.onLock((e, name) => eventsA.push(`${e}:${name}`));
    b.onLock((e, name) => eventsB.push(`${e}:${name}`));
    expect(await a.lock('L')).toBe(true);
    expect(await b.lock('L')).toBe(false);
    await a.unlock('L');
    await waitUntil(() => eventsB.includes('locked:L'));
    expect(await a.steal('L')).toBe(true);
    await waitUntil(() => eventsB.includes('stolen:L'));
    // assert succeeds only for the owner.
    const okA = await a.transact('T', [{ op: 'assert', lock: 'L' }]);
    const okB = await b.transact('T', [{ op: 'assert', lock: 'L' }]);
    expect(okA).toEqual([{}]);
    expect(okB[0]).toMatchObject({ error: 'not owner' });
    expect(eventsA).toEqual([]);
  });

  it('changes a monitor condition (monitor_cond_change) and reports failed operations with transactOk', async () => {
    const c = await connect(standalone.remote);
    await c.transactOk('T', [{ op: 'delete', table: 'Other', where: [] }, ...insertOther(10), ...insertOther(20)]);
    const m = await c.monitor('T', { Other: [{ columns: ['v'], where: [['v', '==', 10]] }] }, { version: 2 });
    const values = (): number[] => [...m.replica.rows('Other').values()].map((r) => r['v'] as number).sort((a, b) => a - b);
    expect(values()).toEqual([10]);
    await m.changeCondition('Other', [['v', '==', 20]]);
    await m.waitFor(() => values().join() === '20');
    await m.changeCondition('Other', [true]);
    await m.waitFor(() => values().join() === '10,20');
    await expect(c.transactOk('T', [...insertOther(30), { op: 'insert', table: 'Nope', row: {} }])).rejects.toThrow(/^operation 2: syntax error/);
    await expect(c.transactOk('T', [{ op: 'abort' }])).rejects.toMatchObject({ error: 'aborted', index: 0 });
    const v1 = await c.monitor('T', { Other: { columns: ['v'] } }, { version: 1 });
    await expect(v1.changeCondition('Other', [])).rejects.toThrow(/monitor_cond_change needs/);
  });

  it('drops a monitor canceled by a schema conversion (set_db_change_aware) and refetches the schema', async () => {
    const c = await connect(standalone.remote);
    await c.setDbChangeAware(true);
    const m = await c.monitor('T', { Other: { columns: ['v'] } });
    expect((await c.schemaInfo('T')).tables.get('Other')?.columns.has('w')).toBe(false);
    const canceled = new Promise<void>((resolve) => c.onNotification((method) => { if (method === 'monitor_canceled') resolve(); }));
    const schema = JSON.parse(JSON.stringify(testSchema)) as { version: string; tables: { Other: { columns: Record<string, Json> } } };
    schema.version = '1.2.4';
    schema.tables.Other.columns['w'] = { type: 'string' };
    const admin = await connect(standalone.remote);
    await admin.request('convert', ['T', schema]);
    await canceled;
    expect(m.canceled).toBe(true);
    expect((await c.schemaInfo('T')).tables.get('Other')?.columns.has('w')).toBe(true);
    expect(await c.listDbs()).toContain('T');
  });

  it('reports a refused connection as OVS words it', async () => {
    await expect(OvsdbClient.connect(`unix:${join(standalone.dir, 'missing.sock')}`))
      .rejects.toThrow(`failed to connect to "unix:${join(standalone.dir, 'missing.sock')}" (No such file or directory)`);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}
