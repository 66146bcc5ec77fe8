/**
 * RBAC as ovsdb-server enforces it (issue 13): an OVN Southbound with an "ovn-controller" role
 * (RBAC_Role/RBAC_Permission rows as ovn-northd writes them: a chassis may change only its own
 * Chassis and Encap rows, and only some columns), a Connection with `role=ovn-controller` on a
 * pssl: remote, and a client whose certificate CN is "client". The same transactions run
 * against the real ovsdb-server and ours; the replies must match (uuids aside).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireOvs } from '../helpers/ovs.js';
import { freePort, run, shortTempDir, waitForSocket } from '../helpers/servers.js';
import { makeTestPki, type TestPki } from '../transport/tls-certs.js';
import { readSchema } from './harness.js';
import { createDb, kill, spawnServer, type Proc } from './process.js';

const SB = '/usr/share/ovn/ovn-sb.ovsschema';
const have = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovsdb-client', 'ovn-sbctl', 'openssl');

/** ovn-northd's rules for the two tables used here (northd/ovn-northd.c rbac tables). */
const RULES = ['OVN_Southbound',
  { op: 'insert', table: 'RBAC_Permission', 'uuid-name': 'pc', row: { table: 'Chassis', authorization: ['set', ['name']], insert_delete: true, update: ['set', ['nb_cfg', 'external_ids', 'encaps']] } },
  { op: 'insert', table: 'RBAC_Permission', 'uuid-name': 'pe', row: { table: 'Encap', authorization: ['set', ['chassis_name']], insert_delete: true, update: ['set', ['type', 'options', 'ip']] } },
  { op: 'insert', table: 'RBAC_Role', row: { name: 'ovn-controller', permissions: ['map', [['Chassis', ['named-uuid', 'pc']], ['Encap', ['named-uuid', 'pe']]]] } },
];

const chassis = (name: string, ip: string): unknown[] => ['OVN_Southbound',
  { op: 'insert', table: 'Encap', 'uuid-name': 'e', row: { type: 'geneve', ip, chassis_name: name } },
  { op: 'insert', table: 'Chassis', row: { name, encaps: ['named-uuid', 'e'] } }];

/** The transactions the role's client sends, in order. */
const CLIENT_TXNS: unknown[][] = [
  chassis('client', '127.0.0.2'),
  chassis('other', '127.0.0.3'),
  ['OVN_Southbound', { op: 'update', table: 'Chassis', where: [['name', '==', 'client']], row: { external_ids: ['map', [['k', 'v']]] } }],
  ['OVN_Southbound', { op: 'update', table: 'Chassis', where: [['name', '==', 'client']], row: { hostname: 'h' } }],
  ['OVN_Southbound', { op: 'mutate', table: 'Chassis', where: [['name', '==', 'client']], mutations: [['nb_cfg', '+=', 1]] }],
  ['OVN_Southbound', { op: 'mutate', table: 'Chassis', where: [], mutations: [['nb_cfg', '+=', 1]] }],
  ['OVN_Southbound', { op: 'delete', table: 'Chassis', where: [['name', '==', 'admin-made']] }],
  ['OVN_Southbound', { op: 'update', table: 'SB_Global', where: [], row: { nb_cfg: 5 } }],
  ['OVN_Southbound', { op: 'select', table: 'Chassis', where: [], columns: ['name'], sort: ['name'] }],
];

describe.runIf(have)('RBAC roles on Connection rows, against the real ovsdb-server', () => {
  const dir = shortTempDir('rbac-');
  const pki: TestPki = makeTestPki(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function session(kind: 'real' | 'ours'): Promise<string[]> {
    const db = join(dir, `${kind}.db`);
    const sock = join(dir, `${kind}.sock`);
    const args = [`--remote=punix:${sock}`, '--remote=db:OVN_Southbound,SB_Global,connections', `--unixctl=${join(dir, `${kind}.ctl`)}`,
      '--private-key=db:OVN_Southbound,SSL,private_key', '--certificate=db:OVN_Southbound,SSL,certificate', '--ca-cert=db:OVN_Southbound,SSL,ca_cert', db];
    let real: ChildProcess | undefined;
    let ours: Proc | undefined;
    if (kind === 'real') {
      await run('ovsdb-tool', ['create', db, SB]);
      real = spawn('ovsdb-server', ['-vconsole:off', ...args], { stdio: 'ignore' });
      await waitForSocket(sock, 10_000, real);
    } else {
      await createDb(db, readSchema(SB));
      ours = await spawnServer(args, sock);
    }
    try {
      const sbctl = (...a: string[]) => run('ovn-sbctl', [`--db=unix:${sock}`, ...a]);
      await sbctl('init');
      await run('ovsdb-client', ['transact', `unix:${sock}`, JSON.stringify(RULES)]);
      await run('ovsdb-client', ['transact', `unix:${sock}`, JSON.stringify(chassis('admin-made', '127.0.0.1'))]);
      await sbctl('set-ssl', pki.server.privateKeyPath, pki.server.certificatePath, pki.server.caCertPath);
      const port = await freePort();
      await sbctl('set-connection', 'role=ovn-controller', `pssl:${port}:127.0.0.1`);
      const ssl = [`--private-key=${pki.client.privateKeyPath}`, `--certificate=${pki.client.certificatePath}`, `--ca-cert=${pki.client.caCertPath}`];
      const out: string[] = [];
      for (const txn of CLIENT_TXNS) {
        const r = await retry(() => run('ovsdb-client', [...ssl, 'transact', `ssl:127.0.0.1:${port}`, JSON.stringify(txn)]));
        out.push(r.stdout.trim().replace(/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g, '"UUID"'));
      }
      return out;
    } finally {
      real?.kill('SIGKILL');
      if (ours) await kill(ours);
    }
  }

  it('allows a chassis its own rows and columns only, with ovsdb-server\'s permission errors', async () => {
    const theirs = await session('real');
    const ours = await session('ours');
    // The real server's answers are what the rules say (not vacuous)...
    expect(theirs[0]).toBe('[{"uuid":["uuid","UUID"]},{"uuid":["uuid","UUID"]}]');
    expect(theirs[1]).toContain('RBAC rules for client \\"client\\" role \\"ovn-controller\\" prohibit row insertion into table \\"Encap\\".');
    expect(theirs[3]).toContain('prohibit modification of table \\"Chassis\\".');
    expect(theirs[8]).toBe('[{"rows":[{"name":"admin-made"},{"name":"client"}]}]');
    // ... and ours gives the same, reply for reply.
    expect(ours).toEqual(theirs);
  }, 60_000);
});

async function retry<T>(f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
