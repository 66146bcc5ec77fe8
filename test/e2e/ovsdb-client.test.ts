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
    srv = await startServer(kind, { schemas: ['schemas/ovn-nb.ovsschema'] });
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
});
