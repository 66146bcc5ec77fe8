/**
 * ssl: remotes: our client (library and `ovsdb-ts client --private-key/--certificate/--ca-cert`
 * options' connector) against the real ovsdb-server listening on pssl:PORT:127.0.0.1, with a
 * throwaway CA made by openssl. A peer certificate from another CA is refused.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OvsdbClient, makeConnector } from '../../src/client/index.js';
import { requireOvs } from '../helpers/ovs.js';
import { freePort, testSchema } from './real-ovsdb.js';

const hasOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'openssl');

function makeCa(dir: string, name: string): { key: string; cert: string; ca: string } {
  const p = (f: string): string => join(dir, `${name}-${f}`);
  const run = (args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', `/CN=${name}-ca`]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('key.pem'), '-out', p('req.csr'), '-subj', `/CN=${name}-peer`]);
  run(['x509', '-req', '-in', p('req.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('cert.pem'), '-days', '2']);
  return { key: p('key.pem'), cert: p('cert.pem'), ca: p('ca.pem') };
}

describe.skipIf(!hasOvs)('ssl remotes against the real ovsdb-server', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let remote: string;
  let good: { key: string; cert: string; ca: string };
  let other: { key: string; cert: string; ca: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-ssl-'));
    good = makeCa(dir, 'good');
    other = makeCa(dir, 'other');
    const schema = join(dir, 's.ovsschema');
    writeFileSync(schema, JSON.stringify(testSchema));
    execFileSync('ovsdb-tool', ['create', join(dir, 'db'), schema]);
    const port = await freePort();
    remote = `ssl:127.0.0.1:${port}`;
    child = spawn('ovsdb-server', [`--remote=pssl:${port}:127.0.0.1`, `--private-key=${good.key}`, `--certificate=${good.cert}`, `--ca-cert=${good.ca}`,
      `--unixctl=${join(dir, 'ctl')}`, '--no-chdir', `--log-file=${join(dir, 'log')}`, join(dir, 'db')], { stdio: 'ignore' });
    const connector = makeConnector({ tls: { privateKeyPath: good.key, certificatePath: good.cert, caCertPath: good.ca }, timeoutMs: 2000 });
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        (await OvsdbClient.connect(remote, { connector })).close();
        break;
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  afterAll(() => {
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the right certificates and transacts', async () => {
    const c = await OvsdbClient.connect(remote, {
      connector: makeConnector({ tls: { privateKeyPath: good.key, certificatePath: good.cert, caCertPath: good.ca } }),
    });
    expect((await c.listDbs()).sort()).toEqual(['T', '_Server']);
    const [r] = await c.transact('T', [{ op: 'insert', table: 'Other', row: { v: 5 } }]);
    expect(r).toHaveProperty('uuid');
    c.close();
  });

  it('refuses a server whose certificate another CA signed, and needs key material for ssl:', async () => {
    await expect(OvsdbClient.connect(remote, {
      connector: makeConnector({ tls: { privateKeyPath: other.key, certificatePath: other.cert, caCertPath: other.ca }, timeoutMs: 2000 }),
    })).rejects.toThrow(/failed to connect to "ssl:127\.0\.0\.1:\d+"/);
    await expect(OvsdbClient.connect(remote)).rejects.toThrow(/SSL needs --private-key/);
  });
});
