/**
 * `--remote=db:DB,TABLE,COLUMN` and `db:` SSL options, as ovn-ctl passes them, driven by the
 * real ovn-nbctl/ovn-sbctl: `set-connection` opens listeners, a changed set closes the old ones,
 * `is_connected`/`status` are written back as ovsdb-server 3.1 writes them (checked against it),
 * a read-only Connection refuses writes with ovsdb-server's error, and `set-ssl` feeds pssl:.
 * Plus the read-only rule for backends that do not enforce it themselves (in-process).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseBackend } from '../../src/server/database-backend.js';
import { parseDbColumnRef, passiveStatus } from '../../src/server/db-remotes.js';
import { JsonRpcConnection } from '../../src/transport/jsonrpc-connection.js';
import { listen } from '../../src/transport/listen.js';
import { repoRoot } from '../helpers/build.js';
import { requireOvs } from '../helpers/ovs.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, run, shortTempDir } from '../helpers/servers.js';
import { makeTestPki } from '../transport/tls-certs.js';
import { readSchema, startInProcess, TEST_SCHEMA, type InProcessServer } from './harness.js';
import { createDb, kill, spawnServer, type Proc } from './process.js';

const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema';
const SB_SCHEMA = '/usr/share/ovn/ovn-sb.ovsschema';

describe('db: remote references', () => {
  it('parses db:DB,TABLE,COLUMN and refuses anything else with ovsdb-server\'s text', () => {
    expect(parseDbColumnRef('db:OVN_Northbound,NB_Global,connections')).toEqual({ text: 'db:OVN_Northbound,NB_Global,connections', db: 'OVN_Northbound', table: 'NB_Global', column: 'connections' });
    expect(parseDbColumnRef('db:OVN_Northbound,NB_Global')).toBe('"db:OVN_Northbound,NB_Global": invalid syntax');
  });

  it('computes the status map ovsdb-server writes for a listener', () => {
    expect(passiveStatus({ sessions: 0, boundPort: 6641 })).toEqual({ isConnected: false, status: [['bound_port', '6641'], ['sec_since_connect', '0'], ['sec_since_disconnect', '0']] });
    expect(passiveStatus({ sessions: 2, boundPort: undefined })).toEqual({ isConnected: true, status: [['n_connections', '2'], ['sec_since_connect', '0'], ['sec_since_disconnect', '0']] });
  });
});

describe('read-only sessions on a backend that does not enforce it', () => {
  let srv: InProcessServer;
  let roPath = '';
  let rolePath = '';
  beforeAll(async () => {
    srv = await startInProcess([TEST_SCHEMA]);
    const host = srv.hosts[0];
    if (!host) throw new Error('no host');
    // The same database without honorsReadOnly (as a clustered member today): rpc-methods enforces it.
    const plain: DatabaseBackend = new Proxy(host, {
      get: (t, p) => {
        if (p === 'honorsReadOnly') return undefined;
        const v: unknown = Reflect.get(t, p, t);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    srv.server.removeDatabase('T');
    srv.server.addDatabase(plain);
    roPath = join(srv.dir, 'ro.sock');
    await listen({ kind: 'punix', path: roPath }, (socket, peer) => {
      srv.server.attach(new JsonRpcConnection(socket, { peer })).readOnly = true;
    });
    rolePath = join(srv.dir, 'role.sock');
    await listen({ kind: 'punix', path: rolePath }, (socket, peer) => {
      srv.server.attach(new JsonRpcConnection(socket, { peer })).role = 'ovn-controller';
    });
  });
  afterAll(() => srv.stop());

  it('runs the reads before the first write and refuses the write as ovsdb-server does', async () => {
    const c = await RawClient.connect({ path: roPath });
    try {
      const r = await c.request('transact', ['T', { op: 'select', table: 'A', where: [], columns: ['n'] }, { op: 'insert', table: 'A', row: { n: 1 } }, { op: 'comment', comment: 'x' }]);
      expect(r).toHaveProperty('result', [{ rows: [] }, { error: 'not allowed', details: 'insert operation not allowed when database server is in read only mode' }, null]);
      const w = await c.request('transact', ['T', { op: 'commit', durable: false }]);
      expect(w).toHaveProperty('result', [{ error: 'not allowed', details: 'commit operation not allowed when database server is in read only mode' }]);
    } finally {
      await c.close();
    }
    // A role does not restrict a database without RBAC tables (ovsdb/rbac.c).
    const roleOnly = await RawClient.connect({ path: rolePath });
    try {
      expect(await roleOnly.request('transact', ['T', { op: 'insert', table: 'A', row: { n: 2 } }])).toHaveProperty(['result', 0, 'uuid']);
    } finally {
      await roleOnly.close();
    }
    // A session of the ordinary remote still writes.
    const rw = await srv.connect();
    const ok = await rw.request('transact', ['T', { op: 'insert', table: 'A', row: { n: 1 } }]);
    expect(ok).toHaveProperty(['result', 0, 'uuid']);
  });
});

describe('role-bound sessions on a backend that does not check RBAC', () => {
  let srv: InProcessServer;
  let rolePath = '';
  beforeAll(async () => {
    srv = await startInProcess([readSchema(join(repoRoot, 'schemas', 'ovn-sb.ovsschema'))]);
    const host = srv.hosts[0];
    if (!host) throw new Error('no host');
    const plain: DatabaseBackend = new Proxy(host, {
      get: (t, p) => {
        if (p === 'honorsReadOnly') return undefined;
        const v: unknown = Reflect.get(t, p, t);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    srv.server.removeDatabase('OVN_Southbound');
    srv.server.addDatabase(plain);
    rolePath = join(srv.dir, 'role.sock');
    await listen({ kind: 'punix', path: rolePath }, (socket, peer) => {
      srv.server.attach(new JsonRpcConnection(socket, { peer })).role = 'ovn-controller';
    });
  });
  afterAll(() => srv.stop());

  it('refuses every RBAC-checked write (fails closed) with ovsdb-server\'s text, and runs the rest', async () => {
    const c = await RawClient.connect({ path: rolePath });
    try {
      const r = await c.request('transact', ['OVN_Southbound', { op: 'select', table: 'Chassis', where: [], columns: ['name'] }, { op: 'insert', table: 'Chassis', row: { name: 'a' } }]);
      expect(r).toHaveProperty('result', [{ rows: [] }, { error: 'permission error', details: 'RBAC rules for client "(null)" role "ovn-controller" prohibit row insertion into table "Chassis".' }]);
      // Not read-only: commit is not an RBAC operation.
      expect(await c.request('transact', ['OVN_Southbound', { op: 'commit', durable: false }])).toHaveProperty('result', [{}]);
    } finally {
      await c.close();
    }
  });
});

describe.runIf(requireOvs('ovn-nbctl', 'ovn-sbctl', 'ovsdb-client'))('following Connection rows with the real OVN tools', () => {
  let dir = '';
  const procs: Proc[] = [];
  beforeAll(() => {
    dir = shortTempDir('dbr-');
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await kill(p);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(name: string, schemaPath: string, dbName: string, globalTable: string, extra: readonly string[] = []): Promise<{ sock: string; ctl: string; proc: Proc }> {
    const db = await createDb(join(dir, `${name}.db`), readSchema(schemaPath));
    const sock = join(dir, `${name}.sock`);
    const ctl = join(dir, `${name}.ctl`);
    // ovn-ctl's arguments, SSL references included.
    const proc = await spawnServer([`--remote=punix:${sock}`, `--remote=db:${dbName},${globalTable},connections`, `--unixctl=${ctl}`,
      `--private-key=db:${dbName},SSL,private_key`, `--certificate=db:${dbName},SSL,certificate`, `--ca-cert=db:${dbName},SSL,ca_cert`,
      `--ssl-protocols=db:${dbName},SSL,ssl_protocols`, `--ssl-ciphers=db:${dbName},SSL,ssl_ciphers`, ...extra, db], sock);
    procs.push(proc);
    return { sock, ctl, proc };
  }

  async function connectionRows(ctlTool: string, sock: string): Promise<string> {
    return (await run(ctlTool, [`--db=unix:${sock}`, 'list', 'Connection'])).stdout;
  }

  it('opens the listeners set-connection names, writes their status, and closes them when the set changes', async () => {
    const { sock, ctl } = await start('nb', NB_SCHEMA, 'OVN_Northbound', 'NB_Global');
    const nbctl = (args: string[], db = `unix:${sock}`) => run('ovn-nbctl', [`--db=${db}`, ...args]);
    await nbctl(['init']);
    const [p1, p2] = [await freePort(), await freePort()];
    const other = join(dir, 'other.sock');
    await nbctl(['set-connection', `ptcp:${p1}:127.0.0.1`, `punix:${other}`]);
    expect((await nbctl(['get-connection'])).stdout).toBe(`ptcp:${p1}:127.0.0.1\npunix:${other}\n`);
    // Through the new remotes.
    await retry(() => nbctl(['ls-add', 'sw1'], `tcp:127.0.0.1:${p1}`));
    expect((await nbctl(['ls-list'], `unix:${other}`)).stdout).toContain('(sw1)');
    // ovsdb-server's status columns, with two clients on the TCP remote.
    const m1 = await RawClient.connect({ host: '127.0.0.1', port: p1 });
    const m2 = await RawClient.connect({ host: '127.0.0.1', port: p1 });
    try {
      await m1.request('echo', []);
      await m2.request('echo', []);
      let rows = '';
      await waitUntilAsync('status written back', async () => {
        rows = await connectionRows('ovn-nbctl', sock);
        return rows.includes('n_connections="2"');
      });
      const tcpRow = rows.split('\n\n').find((r) => r.includes(`ptcp:${p1}`)) ?? '';
      expect(tcpRow).toMatch(/is_connected\s+: true/);
      expect(tcpRow).toContain(`status              : {bound_port="${p1}", n_connections="2", sec_since_connect="0", sec_since_disconnect="0"}`);
      const unixRow = rows.split('\n\n').find((r) => r.includes('punix:')) ?? '';
      expect(unixRow).toMatch(/is_connected\s+: false/);
      expect(unixRow).toContain('status              : {sec_since_connect="0", sec_since_disconnect="0"}');
    } finally {
      await m1.close();
      await m2.close();
    }
    expect((await run('ovs-appctl', ['-t', ctl, 'ovsdb-server/list-remotes'])).stdout).toBe(`db:OVN_Northbound,NB_Global,connections\npunix:${sock}\n`);
    // A new set: the old TCP remote closes, the new one opens.
    await nbctl(['set-connection', `ptcp:${p2}:127.0.0.1`]);
    await retry(() => nbctl(['ls-list'], `tcp:127.0.0.1:${p2}`));
    await expect(nbctl(['ls-list'], `tcp:127.0.0.1:${p1}`)).rejects.toThrow(/Connection refused/);
    await nbctl(['del-connection']);
    await retryUntilRefused(() => nbctl(['ls-list'], `tcp:127.0.0.1:${p2}`));
  }, 60_000);

  it('refuses writes through a read-only Connection with ovsdb-server\'s error and keeps the role on the row', async () => {
    const { sock } = await start('sb', SB_SCHEMA, 'OVN_Southbound', 'SB_Global');
    await run('ovn-sbctl', [`--db=unix:${sock}`, 'init']);
    const ro = join(dir, 'ro.sock');
    await run('ovn-sbctl', [`--db=unix:${sock}`, 'set-connection', 'read-only', `punix:${ro}`]);
    expect((await run('ovn-sbctl', [`--db=unix:${sock}`, 'get-connection'])).stdout).toBe(`read-only role="" punix:${ro}\n`);
    const txn = JSON.stringify(['OVN_Southbound', { op: 'select', table: 'SB_Global', where: [], columns: ['options'] }, { op: 'insert', table: 'Chassis', row: { name: 'a' } }, { op: 'comment', comment: 'x' }]);
    const out = await retry(() => run('ovsdb-client', ['transact', `unix:${ro}`, txn]));
    expect(out.stdout.trim()).toBe('[{"rows":[{"options":["map",[]]}]},{"details":"insert operation not allowed when database server is in read only mode","error":"not allowed"},null]');
    // The read-write socket still writes.
    await run('ovn-sbctl', [`--db=unix:${sock}`, 'chassis-add', 'ch1', 'geneve', '127.0.0.1']);
    expect((await run('ovn-sbctl', [`--db=unix:${ro}`, '--columns=name', 'list', 'Chassis'])).stdout).toContain('ch1');
  }, 60_000);

  it.runIf(requireOvs('openssl'))('listens on pssl: with the key, certificate and CA of the SSL table (set-ssl)', async () => {
    const pki = makeTestPki(dir);
    const { sock } = await start('nbssl', NB_SCHEMA, 'OVN_Northbound', 'NB_Global');
    const nbctl = (args: string[]) => run('ovn-nbctl', [`--db=unix:${sock}`, ...args]);
    await nbctl(['init']);
    await nbctl(['set-ssl', pki.server.privateKeyPath, pki.server.certificatePath, pki.server.caCertPath]);
    const port = await freePort();
    await nbctl(['set-connection', `pssl:${port}:127.0.0.1`]);
    const out = await retry(() => run('ovsdb-client', [`--private-key=${pki.client.privateKeyPath}`, `--certificate=${pki.client.certificatePath}`,
      `--ca-cert=${pki.client.caCertPath}`, 'list-dbs', `ssl:127.0.0.1:${port}`]));
    expect(out.stdout).toBe('OVN_Northbound\n_Server\n');
  }, 60_000);
});

/** Retries `f` (a listener opens after the commit that names it) for up to 10 s. */
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

async function retryUntilRefused(f: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await f();
    } catch (e) {
      if (e instanceof Error && /Connection refused/.test(e.message)) return;
      throw e;
    }
    if (Date.now() > deadline) throw new Error('the remote still accepts');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitUntilAsync(what: string, pred: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
