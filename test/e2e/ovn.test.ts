/**
 * OVN end to end (issue 3): one server holds OVN_Northbound and OVN_Southbound; the real
 * ovn-northd connects to it; the real ovn-nbctl creates switches, ports, a router and ACLs;
 * `ovn-nbctl --wait=sb sync` returns; ovn-sbctl shows the datapaths, port bindings and logical
 * flows that ovn-northd computed. Runs against the real ovsdb-server first, then ours.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireOvs } from '../helpers/ovs.js';
import { run, serverKinds, spawnBackground, startServer, type BackgroundProcess, type ServerHandle } from '../helpers/servers.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovn-northd', 'ovn-nbctl', 'ovn-sbctl');

describe.skipIf(!haveOvs).each(serverKinds())('OVN with ovn-northd against %s server', (kind) => {
  let srv: ServerHandle | undefined;
  let northd: BackgroundProcess | undefined;

  const db = (): string => {
    if (srv === undefined) throw new Error('server not started');
    return srv.remote;
  };
  const nbctl = async (...args: string[]): Promise<string> => (await run('ovn-nbctl', [`--db=${db()}`, '--timeout=20', ...args], { timeoutMs: 25_000 })).stdout;
  const sbctl = async (...args: string[]): Promise<string> => (await run('ovn-sbctl', [`--db=${db()}`, '--timeout=20', ...args], { timeoutMs: 25_000 })).stdout;

  beforeAll(async () => {
    srv = await startServer(kind, { schemas: ['schemas/ovn-nb.ovsschema', 'schemas/ovn-sb.ovsschema'] });
    const dir = srv.dir;
    northd = spawnBackground('ovn-northd', [
      `--ovnnb-db=${srv.remote}`,
      `--ovnsb-db=${srv.remote}`,
      '--no-chdir',
      `--pidfile=${join(dir, 'ovn-northd.pid')}`,
      `--unixctl=${join(dir, 'ovn-northd.ctl')}`,
      `--log-file=${join(dir, 'ovn-northd.log')}`,
      '-vconsole:off',
    ]);
  }, 60_000);

  afterAll(async () => {
    await northd?.stop();
    await srv?.stop();
  });

  test('ovn-nbctl builds a topology and ovn-northd computes the southbound', async () => {
    await nbctl('init');
    await nbctl('ls-add', 'sw0');
    await nbctl('ls-add', 'sw1');
    await nbctl('lsp-add', 'sw0', 'sw0-port1', '--', 'lsp-set-addresses', 'sw0-port1', '50:54:00:00:00:01 192.168.0.11');
    await nbctl('lsp-add', 'sw1', 'sw1-port1', '--', 'lsp-set-addresses', 'sw1-port1', '50:54:00:00:00:03 11.0.0.11');
    await nbctl('lr-add', 'lr0');
    await nbctl('lrp-add', 'lr0', 'lrp0', '00:00:00:00:ff:01', '192.168.0.1/24');
    await nbctl('lrp-add', 'lr0', 'lrp1', '00:00:00:00:ff:02', '11.0.0.1/24');
    await nbctl('lsp-add', 'sw0', 'sw0-lr0', '--', 'lsp-set-type', 'sw0-lr0', 'router', '--', 'lsp-set-addresses', 'sw0-lr0', 'router', '--', 'lsp-set-options', 'sw0-lr0', 'router-port=lrp0');
    await nbctl('lsp-add', 'sw1', 'sw1-lr0', '--', 'lsp-set-type', 'sw1-lr0', 'router', '--', 'lsp-set-addresses', 'sw1-lr0', 'router', '--', 'lsp-set-options', 'sw1-lr0', 'router-port=lrp1');
    await nbctl('acl-add', 'sw0', 'to-lport', '1001', 'outport == "sw0-port1" && ip4.src == 11.0.0.11', 'allow-related');
    await nbctl('acl-add', 'sw0', 'from-lport', '900', 'inport == "sw0-port1" && tcp.dst == 6666', 'drop');

    const show = await nbctl('show');
    expect(show).toContain('switch');
    expect(show).toContain('sw0-port1');
    expect(show).toContain('router');
    expect(show).toContain('lrp1');
    expect(await nbctl('acl-list', 'sw0')).toMatch(/to-lport\s+1001 \(outport == "sw0-port1" && ip4.src == 11.0.0.11\) allow-related/);

    // Returns only once ovn-northd has copied nb_cfg to the southbound and back.
    await nbctl('--wait=sb', 'sync');
    expect((await nbctl('get', 'NB_Global', '.', 'sb_cfg')).trim()).toBe((await nbctl('get', 'NB_Global', '.', 'nb_cfg')).trim());

    const datapaths = await sbctl('--columns=external_ids', 'list', 'Datapath_Binding');
    for (const name of ['sw0', 'sw1', 'lr0']) expect(datapaths).toContain(`name=${name}`);
    const bindings = (await sbctl('--bare', '--columns=logical_port', 'list', 'Port_Binding')).split(/\s+/).filter((s) => s !== '').sort();
    expect(bindings).toEqual(['lrp0', 'lrp1', 'sw0-lr0', 'sw0-port1', 'sw1-lr0', 'sw1-port1']);
    const flows = await sbctl('lflow-list', 'sw0');
    expect(flows).toContain('ls_in_acl');
    expect(flows).toContain('tcp.dst == 6666');
    expect(flows).toContain('ip4.src == 11.0.0.11');
    const routerFlows = await sbctl('lflow-list', 'lr0');
    expect(routerFlows).toContain('lr_in_ip_routing');
    expect(routerFlows).toContain('11.0.0.0/24');

    // A change after the first sync also flows through.
    await nbctl('--wait=sb', 'ls-del', 'sw1');
    const after = await sbctl('--columns=external_ids', 'list', 'Datapath_Binding');
    expect(after).not.toContain('name=sw1');
  }, 90_000);
});
