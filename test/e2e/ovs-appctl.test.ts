/**
 * The real `ovs-appctl -t CTL` against our server's control socket (issue 3): list-commands,
 * ovsdb-server/list-dbs and exit (the server process then ends). Runs against the real
 * ovsdb-server first, then ours.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireOvs } from '../helpers/ovs.js';
import { run, serverKinds, startServer, waitUntil, type ServerHandle } from '../helpers/servers.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovs-appctl');

describe.skipIf(!haveOvs).each(serverKinds())('ovs-appctl against %s server', (kind) => {
  let srv: ServerHandle | undefined;

  beforeAll(async () => {
    srv = await startServer(kind, { schemas: ['schemas/ovn-nb.ovsschema', 'schemas/ovn-sb.ovsschema'] });
  }, 60_000);

  afterAll(async () => {
    await srv?.stop();
  });

  const appctl = async (...args: string[]): Promise<string> => {
    if (srv === undefined) throw new Error('server not started');
    return (await run('ovs-appctl', ['--timeout=10', '-t', srv.ctlPath, ...args], { timeoutMs: 15_000 })).stdout;
  };

  test('list-commands', async () => {
    const out = await appctl('list-commands');
    expect(out).toMatch(/^The available commands are:/);
    for (const cmd of ['exit', 'list-commands', 'ovsdb-server/list-dbs', 'ovsdb-server/compact', 'memory/show']) {
      expect(out).toMatch(new RegExp(`^\\s+${cmd.replace('/', '\\/')}(\\s|$)`, 'm'));
    }
  });

  test('ovsdb-server/list-dbs', async () => {
    expect((await appctl('ovsdb-server/list-dbs')).trim().split('\n').sort()).toEqual(['OVN_Northbound', 'OVN_Southbound', '_Server']);
  });

  test('memory/show and ovsdb-server/compact', async () => {
    expect((await appctl('memory/show')).trim()).not.toBe('');
    await appctl('ovsdb-server/compact');
  });

  test('an unknown command fails', async () => {
    await expect(appctl('no-such/command')).rejects.toThrow(/is not a valid command/);
  });

  test('exit stops the server', async () => {
    if (srv === undefined) throw new Error('server not started');
    await appctl('exit');
    const proc = srv.process;
    await waitUntil('the server to exit', () => proc.exitCode !== null || proc.signalCode !== null, 10_000);
    expect(proc.exitCode).toBe(0);
  });
});
