/**
 * Our transport against the real Open vSwitch programs: OVS's SSL (mutual TLS with its own
 * OpenSSL setup) and its JSON-RPC framing, in both directions.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectJsonRpc } from '../../src/transport/connect.js';
import { JsonRpcConnection } from '../../src/transport/jsonrpc-connection.js';
import { listen } from '../../src/transport/listen.js';
import { requireOvs } from '../helpers/ovs.js';
import { TransportFixture } from './fixture.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovsdb-client');
const fx = new TransportFixture('ovsdb-ts-interop-');
const { listeners, children } = fx;

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A minimal JSON-RPC server of ours answering list_dbs, on `address`. */
async function miniServer(kind: 'ptcp' | 'pssl'): Promise<number> {
  const l = await listen({ kind, host: '127.0.0.1', port: 0 }, (socket, peer) => {
    const conn = new JsonRpcConnection(socket, { peer, answerEcho: true });
    conn.onMessage((m) => {
      if (m.kind === 'request' && m.method === 'list_dbs') conn.respond(m.id, ['Mini', 'Other']);
      else if (m.kind === 'request') conn.respondError(m.id, { error: 'unknown method' });
    });
  }, { tls: fx.pki.server });
  listeners.push(l);
  return l.address.kind === 'punix' ? 0 : l.address.port;
}

const sslArgs = (): string[] => [`--private-key=${fx.pki.client.privateKeyPath}`, `--certificate=${fx.pki.client.certificatePath}`, `--ca-cert=${fx.pki.client.caCertPath}`];

describe.runIf(haveOvs)('interoperation with Open vSwitch', () => {
  it('the real ovsdb-client talks to our listeners over tcp and mutual TLS', async () => {
    const tcpPort = await miniServer('ptcp');
    expect(await run('ovsdb-client', ['list-dbs', `tcp:127.0.0.1:${tcpPort}`])).toMatchObject({ code: 0, stdout: 'Mini\nOther\n' });
    const sslPort = await miniServer('pssl');
    expect(await run('ovsdb-client', [...sslArgs(), 'list-dbs', `ssl:127.0.0.1:${sslPort}`])).toMatchObject({ code: 0, stdout: 'Mini\nOther\n' });
    // Without a client certificate our pssl: listener refuses the peer.
    const rogue = await run('ovsdb-client', [`--private-key=${fx.pki.rogue.privateKeyPath}`, `--certificate=${fx.pki.rogue.certificatePath}`, `--ca-cert=${fx.pki.client.caCertPath}`, '--timeout=3', 'list-dbs', `ssl:127.0.0.1:${sslPort}`]);
    expect(rogue.code).not.toBe(0);
  });

  it('our connector reaches the real ovsdb-server over pssl: with mutual TLS', async () => {
    const db = join(fx.dir, 'conf.db');
    expect((await run('ovsdb-tool', ['create', db, '/usr/share/openvswitch/vswitch.ovsschema'])).code).toBe(0);
    const sock = join(fx.dir, 'db.sock');
    // A port the OS just handed out and we released: free for the real server to bind.
    const probe = await listen({ kind: 'ptcp', host: '127.0.0.1', port: 0 }, () => undefined);
    const port = probe.address.kind === 'ptcp' ? probe.address.port : 0;
    await probe.close();
    const child = spawn('ovsdb-server', [db, '--no-chdir', `--remote=punix:${sock}`, `--remote=pssl:${port}:127.0.0.1`,
      `--private-key=${fx.pki.server.privateKeyPath}`, `--certificate=${fx.pki.server.certificatePath}`, `--ca-cert=${fx.pki.server.caCertPath}`,
      `--unixctl=${join(fx.dir, 'ctl')}`], { stdio: 'ignore' });
    children.push(child);
    let conn: JsonRpcConnection | undefined;
    for (let i = 0; i < 100 && conn === undefined; i++) {
      try {
        conn = await connectJsonRpc(`ssl:127.0.0.1:${port}`, { tls: fx.pki.client, answerEcho: true });
      } catch {
        await new Promise((res) => setTimeout(res, 30));
      }
    }
    if (!conn) throw new Error('could not connect to the real ovsdb-server');
    conn.onMessage(() => undefined);
    expect(await conn.request('list_dbs', [])).toEqual(['Open_vSwitch', '_Server']);
    expect(await conn.request('echo', ['x'])).toEqual(['x']);
    conn.close();
    // And over its unix socket, to check framing of a large reply (the whole schema).
    const unix = await connectJsonRpc(`unix:${sock}`);
    unix.onMessage(() => undefined);
    const schema = await unix.request('get_schema', ['Open_vSwitch']);
    expect(schema).toMatchObject({ name: 'Open_vSwitch' });
    unix.close();
  });
});
