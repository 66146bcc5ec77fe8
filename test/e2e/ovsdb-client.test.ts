/**
 * The real `ovsdb-client` against our server (issue 3): list-dbs, get-schema, transact, dump,
 * monitor (prints a change made by another client) and wait ... connected. Each scenario runs
 * against the real ovsdb-server first (which checks the scenario) and then against ours.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireOvs } from '../helpers/ovs.js';
import { run, serverKinds, spawnBackground, startServer, waitUntil, type BackgroundProcess, type ServerHandle } from '../helpers/servers.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovsdb-client');
const NB = 'OVN_Northbound';

describe.skipIf(!haveOvs).each(serverKinds())('ovsdb-client against %s server', (kind) => {
  let srv: ServerHandle | undefined;
  const background: BackgroundProcess[] = [];

  beforeAll(async () => {
    srv = await startServer(kind, { schemas: ['schemas/ovn-nb.ovsschema'], tcp: true });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(background.map((b) => b.stop()));
    await srv?.stop();
  });

  const remote = (): string => {
    if (srv === undefined) throw new Error('server not started');
    return srv.remote;
  };
  const client = async (...args: string[]): Promise<string> => (await run('ovsdb-client', ['--timeout=10', ...args], { timeoutMs: 15_000 })).stdout;

  test('list-dbs', async () => {
    const lines = (await client('list-dbs', remote())).trim().split('\n').sort();
    expect(lines).toEqual([NB, '_Server']);
  });

  test('list-dbs over TCP on 127.0.0.1', async () => {
    const tcp = srv?.tcpRemote;
    if (tcp === undefined) throw new Error('server has no TCP remote');
    expect((await client('list-dbs', tcp)).trim().split('\n').sort()).toEqual([NB, '_Server']);
  });

  test('get-schema and get-schema-version', async () => {
    const schema: unknown = JSON.parse(await client('get-schema', remote(), NB));
    expect(schema).toMatchObject({ name: NB, version: '7.0.0' });
    expect((await client('get-schema-version', remote(), NB)).trim()).toBe('7.0.0');
  });

  test('wait connected', async () => {
    await client('wait', remote(), NB, 'connected');
  });

  test('transact, then dump shows the row', async () => {
    const out = await client('transact', remote(), JSON.stringify([NB, { op: 'insert', table: 'Logical_Switch', row: { name: 'sw-e2e', other_config: ['map', [['k', 'v']]] } }]));
    expect(out).toMatch(/^\[\{"uuid":\["uuid","[0-9a-f-]{36}"\]\}\]\s*$/);
    const dump = await client('dump', remote(), NB, 'Logical_Switch');
    expect(dump).toContain('sw-e2e');
    expect(dump).toContain('{k=v}');
    const bad = await client('transact', remote(), JSON.stringify([NB, { op: 'insert', table: 'Nope', row: {} }]));
    expect(bad).toContain('No table named Nope');
  });

  test('monitor prints a change made by another client', async () => {
    await client('transact', remote(), JSON.stringify([NB, { op: 'insert', table: 'Logical_Router', row: { name: 'lr-before' } }]));
    const mon = spawnBackground('ovsdb-client', ['monitor', remote(), NB, 'Logical_Router', 'name', '--format=csv']);
    background.push(mon);
    // The initial contents are printed once the monitor is established.
    await waitUntil('the initial contents', () => /initial,lr-before/.test(mon.stdout()), 10_000);
    await client('transact', remote(), JSON.stringify([NB, { op: 'insert', table: 'Logical_Router', row: { name: 'lr-from-other-client' } }]));
    await waitUntil('the monitor to print the insert', () => mon.stdout().includes('lr-from-other-client'), 10_000);
    expect(mon.stdout()).toMatch(/insert.*lr-from-other-client/);
    await client('transact', remote(), JSON.stringify([NB, { op: 'delete', table: 'Logical_Router', where: [] }]));
    await waitUntil('the monitor to print the deletes', () => /delete.*lr-from-other-client/.test(mon.stdout()) && /delete.*lr-before/.test(mon.stdout()), 10_000);
    await mon.stop();
  });

  test('monitor-cond prints only the rows matching its condition', async () => {
    await client('transact', remote(), JSON.stringify([NB, { op: 'insert', table: 'Logical_Switch', row: { name: 'cond-in' } }, { op: 'insert', table: 'Logical_Switch', row: { name: 'cond-out' } }]));
    const mon = spawnBackground('ovsdb-client', ['monitor-cond', remote(), NB, JSON.stringify([['name', '==', 'cond-in']]), 'Logical_Switch', 'name', '--format=csv']);
    background.push(mon);
    await waitUntil('the initial matching row', () => /initial,cond-in/.test(mon.stdout()), 10_000);
    await client('transact', remote(), JSON.stringify([NB, { op: 'update', table: 'Logical_Switch', where: [['name', '==', 'cond-out']], row: { name: 'cond-in' } }]));
    await waitUntil('the row entering the condition', () => (mon.stdout().match(/cond-in/g) ?? []).length >= 2, 10_000);
    expect(mon.stdout()).not.toContain('cond-out');
    await mon.stop();
  });

  test('lock: a waiter is granted the lock when the owner goes away', async () => {
    const owner = spawnBackground('ovsdb-client', ['lock', remote(), 'e2e_lock']);
    background.push(owner);
    await waitUntil('the owner to get the lock', () => owner.stdout().includes('{"locked":true}'), 10_000);
    const waiter = spawnBackground('ovsdb-client', ['lock', remote(), 'e2e_lock']);
    background.push(waiter);
    await waitUntil('the waiter to be told to wait', () => waiter.stdout().includes('{"locked":false}'), 10_000);
    const thief = spawnBackground('ovsdb-client', ['steal', remote(), 'e2e_lock']);
    background.push(thief);
    await waitUntil('the thief to get the lock', () => thief.stdout().includes('{"locked":true}'), 10_000);
    await waitUntil('the owner to be told it was stolen', () => /stolen\s+\["e2e_lock"\]/.test(owner.stdout()), 10_000);
    await thief.stop();
    await owner.stop();
    await waitUntil('the waiter to get the lock', () => /locked\s+\["e2e_lock"\]/.test(waiter.stdout()), 10_000);
    await waiter.stop();
  });
});
