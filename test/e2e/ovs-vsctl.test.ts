/**
 * The real `ovs-vsctl --db=unix:SOCK --no-wait` against a server holding the Open_vSwitch schema
 * (issue 3): init, add-br, add-port, list-br, list-ports, del-port, show. Runs against the real
 * ovsdb-server first, then ours.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireOvs } from '../helpers/ovs.js';
import { run, serverKinds, startServer, type ServerHandle } from '../helpers/servers.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovs-vsctl');

describe.skipIf(!haveOvs).each(serverKinds())('ovs-vsctl against %s server', (kind) => {
  let srv: ServerHandle | undefined;

  beforeAll(async () => {
    srv = await startServer(kind, { schemas: ['schemas/vswitch.ovsschema'] });
  }, 60_000);

  afterAll(async () => {
    await srv?.stop();
  });

  const vsctl = async (...args: string[]): Promise<string> => {
    if (srv === undefined) throw new Error('server not started');
    return (await run('ovs-vsctl', [`--db=${srv.remote}`, '--no-wait', '--timeout=20', ...args], { timeoutMs: 25_000 })).stdout;
  };

  test('init, add-br, add-port, list-br, list-ports, del-port', async () => {
    await vsctl('init');
    await vsctl('add-br', 'br0');
    await vsctl('add-br', 'br1', '--', 'set', 'Bridge', 'br1', 'external_ids:owner=e2e');
    await vsctl('add-port', 'br0', 'p1');
    await vsctl('add-port', 'br0', 'p2', '--', 'set', 'Interface', 'p2', 'type=internal');
    expect((await vsctl('list-br')).trim().split('\n')).toEqual(['br0', 'br1']);
    expect((await vsctl('list-ports', 'br0')).trim().split('\n')).toEqual(['p1', 'p2']);
    expect((await vsctl('port-to-br', 'p2')).trim()).toBe('br0');
    expect((await vsctl('get', 'Bridge', 'br1', 'external_ids:owner')).trim()).toBe('e2e');
    await vsctl('del-port', 'br0', 'p1');
    expect((await vsctl('list-ports', 'br0')).trim()).toBe('p2');
    const show = await vsctl('show');
    expect(show).toContain('Bridge br0');
    expect(show).toContain('type: internal');
    // Deleting a bridge garbage-collects its ports and interfaces (non-root tables).
    await vsctl('del-br', 'br0');
    expect((await vsctl('--bare', '--columns=name', 'list', 'Interface')).trim()).toBe('br1');
    await expect(vsctl('add-br', 'br1')).rejects.toThrow(/already exists/);
  }, 60_000);
});
