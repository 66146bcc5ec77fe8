/**
 * `ovsdb-ts server` as a process: several --remote, --pidfile, --log-file with vlog lines,
 * --detach, SIGTERM and `exit` for a clean stop that keeps the data, the control socket under
 * the real ovs-appctl, and a clear error for a missing database.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unixctlCall } from '../../src/transport/unixctl.js';
import { cliPath, ensureBuilt } from '../helpers/build.js';
import { requireOvs } from '../helpers/ovs.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, waitForSocket } from '../helpers/servers.js';
import { makeTestPki } from '../transport/tls-certs.js';
import { call, TEST_SCHEMA } from './harness.js';
import { createDb, kill, spawnServer, tempDir, type Proc } from './process.js';

const dir = tempDir();
const procs: Proc[] = [];
beforeAll(() => ensureBuilt(), 180_000);

/** Each test gets its own database, so a failed test's leftover server cannot hold its lock. */
let dbCount = 0;
const freshDb = (): Promise<string> => createDb(join(dir, `db${dbCount++}`), TEST_SCHEMA);
afterAll(async () => {
  for (const p of procs) await kill(p);
  rmSync(dir, { recursive: true, force: true });
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('ovsdb-ts server process', () => {
  it('serves several remotes, writes pidfile and vlog lines, and stops cleanly on SIGTERM keeping the data', async () => {
    const db = await freshDb();
    const sock = join(dir, 'a.sock');
    const port = await freePort();
    const pidfile = join(dir, 'a.pid');
    const logFile = join(dir, 'a.log');
    // Remotes are bound in order; the unix socket this waits for comes last, so TCP is up by then.
    const p = await spawnServer([`--remote=ptcp:${port}:127.0.0.1`, `--remote=punix:${sock}`, `--unixctl=${join(dir, 'a.ctl')}`, `--pidfile=${pidfile}`, `--log-file=${logFile}`, db], sock);
    procs.push(p);
    expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(p.proc.pid));
    const viaUnix = await RawClient.connect({ path: sock });
    const viaTcp = await RawClient.connect({ port });
    await call(viaUnix, 'transact', ['T', { op: 'insert', table: 'A', row: { name: 'kept' } }]);
    const seen = (await call(viaTcp, 'transact', ['T', { op: 'select', table: 'A', where: [['name', '==', 'kept']], columns: ['name'] }])) as [{ rows: unknown[] }];
    expect(seen[0].rows).toEqual([{ name: 'kept' }]);
    await viaUnix.close();
    await viaTcp.close();
    p.proc.kill('SIGTERM');
    expect(await p.exited()).toBe(0);
    expect(existsSync(pidfile)).toBe(false);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|\d{5}\|[a-z_]+\|(INFO|WARN|ERR|EMER|DBG)\|/);
    expect(lines.some((l) => l.includes('SIGTERM'))).toBe(true);

    const again = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${join(dir, 'b.ctl')}`, db], sock);
    procs.push(again);
    const c = await RawClient.connect({ path: sock });
    const r = (await call(c, 'transact', ['T', { op: 'select', table: 'A', where: [['name', '==', 'kept']], columns: ['name'] }])) as [{ rows: unknown[] }];
    expect(r[0].rows).toEqual([{ name: 'kept' }]);
    await c.close();
    const mem = await unixctlCall(join(dir, 'b.ctl'), 'memory/show', []);
    expect(mem.ok && mem.text).toMatch(/sessions:\d+/);
    const dbs = await unixctlCall(join(dir, 'b.ctl'), 'ovsdb-server/list-dbs', []);
    expect(dbs).toEqual({ ok: true, text: 'T\n_Server\n' });
    expect((await unixctlCall(join(dir, 'b.ctl'), 'ovsdb-server/compact', ['T'])).ok).toBe(true);
    const exit = await unixctlCall(join(dir, 'b.ctl'), 'exit', []);
    expect(exit.ok).toBe(true);
    expect(await again.exited()).toBe(0);
  }, 60_000);

  it('--detach returns once the server serves in the background', async () => {
    const db = await freshDb();
    const sock = join(dir, 'd.sock');
    const pidfile = join(dir, 'd.pid');
    const ctl = join(dir, 'd.ctl');
    const r = await run(['server', '--detach', `--remote=punix:${sock}`, `--unixctl=${ctl}`, `--pidfile=${pidfile}`, db]);
    expect(r.code).toBe(0);
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    expect(pidAlive(pid)).toBe(true);
    await waitForSocket(sock, 5000);
    const c = await RawClient.connect({ path: sock });
    expect(await call(c, 'list_dbs', [])).toEqual(['T', '_Server']);
    await c.close();
    expect((await unixctlCall(ctl, 'exit', [])).ok).toBe(true);
    for (let i = 0; i < 100 && pidAlive(pid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(pidAlive(pid)).toBe(false);
  }, 30_000);

  it.runIf(requireOvs('ovs-appctl'))('the real ovs-appctl lists our commands and stops the server', async () => {
    const db = await freshDb();
    const sock = join(dir, 'o.sock');
    const ctl = join(dir, 'o.ctl');
    const p = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${ctl}`, db], sock);
    procs.push(p);
    const appctl = (args: string[]) => new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile('ovs-appctl', ['-t', ctl, ...args], { timeout: 10_000 }, (err, stdout) => resolve({ code: err ? 1 : 0, stdout }));
    });
    const list = await appctl(['list-commands']);
    expect(list.code).toBe(0);
    for (const cmd of ['exit', 'ovsdb-server/list-dbs', 'ovsdb-server/compact', 'memory/show', 'list-commands']) expect(list.stdout).toContain(cmd);
    expect((await appctl(['ovsdb-server/list-dbs'])).stdout).toBe('T\n_Server\n');
    expect((await appctl(['exit'])).code).toBe(0);
    expect(await p.exited()).toBe(0);
  }, 30_000);

  it.runIf(requireOvs('ovsdb-client'))('serves pssl: to the real ovsdb-client with --private-key/--certificate/--ca-cert', async () => {
    const db = await freshDb();
    const pki = makeTestPki(dir);
    const port = await freePort();
    const ctl = join(dir, 's.ctl');
    const sock = join(dir, 's.sock');
    // Remotes open in order: once the punix one accepts, the pssl one is bound too.
    const p = await spawnServer([`--remote=pssl:${port}:127.0.0.1`, `--remote=punix:${sock}`, `--unixctl=${ctl}`, `--private-key=${pki.server.privateKeyPath}`,
      `--certificate=${pki.server.certificatePath}`, `--ca-cert=${pki.server.caCertPath}`, db], sock);
    procs.push(p);
    const out = await new Promise<string>((resolve, reject) => {
      execFile('ovsdb-client', [`--private-key=${pki.client.privateKeyPath}`, `--certificate=${pki.client.certificatePath}`, `--ca-cert=${pki.client.caCertPath}`,
        'list-dbs', `ssl:127.0.0.1:${port}`], { timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    expect(out).toBe('T\n_Server\n');
    p.proc.kill('SIGTERM');
    expect(await p.exited()).toBe(0);
  }, 30_000);

  it('explains how to create a missing database', async () => {
    const r = await run(['server', `--unixctl=${join(dir, 'm.ctl')}`, join(dir, 'missing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ovsdb-ts tool create');
  });
});
