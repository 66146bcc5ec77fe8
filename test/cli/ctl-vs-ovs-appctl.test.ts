/**
 * `ovsdb-ts ctl` and the real `ovs-appctl` are interchangeable: both against the real
 * ovsdb-server's control socket, and both against our control socket (src/transport's
 * UnixctlServer, which `ovsdb-ts server` uses): same stdout, same stderr text, same exit status
 * (2 for an error reply, 1 for a socket that cannot be reached).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCtl, type CtlOptions } from '../../src/cli/ctl.js';
import { UnixctlError, UnixctlServer } from '../../src/transport/unixctl.js';
import { requireOvs } from '../helpers/ovs.js';
import { startRealOvsdb, type RealOvsdb } from '../client/real-ovsdb.js';

const hasOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovs-appctl');

interface Run { code: number; stdout: string; stderr: string }

async function ours(target: string, words: string[], opts: Partial<CtlOptions> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCtl(words, { target, timeoutSec: 5, format: 'text', pretty: false, rundir: '/nonexistent-rundir', ...opts }, {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
  });
  return { code, stdout, stderr };
}

/** The real ovs-appctl, run asynchronously (our in-process control socket must keep serving). */
function appctl(target: string, words: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('ovs-appctl', ['-t', target, ...words]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: stderr.replace(/^.*\|(WARN|INFO)\|.*\n/gm, '') });
    });
  });
}

/** Our stderr with our program name swapped for ovs-appctl's. */
const asAppctl = (r: Run): Run => ({ ...r, stderr: r.stderr.replace(/ovsdb-ts ctl:/g, 'ovs-appctl:') });

describe.skipIf(!hasOvs)('ovsdb-ts ctl vs ovs-appctl', () => {
  let srv: RealOvsdb;
  let ourCtl: UnixctlServer;
  let dir: string;

  beforeAll(async () => {
    srv = await startRealOvsdb();
    dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-ctl-'));
    ourCtl = await UnixctlServer.listen(join(dir, 'ours.ctl'), { version: 'ovsdb-ts 0.1.0' });
    ourCtl.register('ovsdb-server/list-dbs', { minArgs: 0, maxArgs: 0, usage: '' }, () => 'A\nB');
    ourCtl.register('echo/args', { minArgs: 1, maxArgs: 3, usage: 'ARG...' }, (args) => args.join('|'));
    ourCtl.register('fail', { minArgs: 0, maxArgs: 0, usage: '' }, () => { throw new UnixctlError('it failed'); });
  });
  afterAll(async () => {
    await ourCtl?.close();
    await srv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [['ovsdb-server/list-dbs']],
    [['list-commands']],
    [['version']],
    [['nosuch', 'a', 'b']],
    [['ovsdb-server/compact', 'nosuchdb']],
    [['ovsdb-server/list-dbs', 'extra']],
  ])('real ovsdb-server: %j', async (words) => {
    const a = await ours(srv.ctl, words);
    const b = await appctl(srv.ctl, words);
    expect(asAppctl(a)).toEqual(b);
    expect(a.code === 0 ? a.stdout : a.stderr).not.toBe('');
  });

  it('an unknown command exits 2 with the server text then "server returned an error"', async () => {
    const a = await ours(srv.ctl, ['nosuch']);
    expect(a).toEqual({
      code: 2, stdout: '',
      stderr: `"nosuch" is not a valid command (use "list-commands" to see a list of valid commands)\novsdb-ts ctl: ${srv.ctl}: server returned an error\n`,
    });
  });

  it.each([
    [['ovsdb-server/list-dbs']],
    [['list-commands']],
    [['version']],
    [['echo/args', 'x', 'y z']],
    [['echo/args']],
    [['fail']],
    [['nosuch']],
  ])('our control socket: %j', async (words) => {
    const target = join(dir, 'ours.ctl');
    expect(asAppctl(await ours(target, words))).toEqual(await appctl(target, words));
  });

  it('reports unreachable targets like ovs-appctl, with status 1', async () => {
    const missing = join(dir, 'missing.ctl');
    const a = await ours(missing, ['version']);
    expect(a).toEqual({ code: 1, stdout: '', stderr: `ovsdb-ts ctl: cannot connect to "${missing}" (No such file or directory)\n` });
    expect(asAppctl(a)).toEqual(await appctl(missing, ['version']));
    // A name resolves through RUNDIR/NAME.pid to RUNDIR/NAME.PID.ctl.
    writeFileSync(join(dir, 'ovsdb-fake.pid'), '4242\n');
    const b = await ours('ovsdb-fake', ['version'], { rundir: dir });
    expect(b.stderr).toBe(`ovsdb-ts ctl: cannot connect to "${join(dir, 'ovsdb-fake.4242.ctl')}" (No such file or directory)\n`);
    const c = await ours('nopidfile', ['version'], { rundir: dir });
    expect(c.stderr).toBe(`ovsdb-ts ctl: cannot read pidfile "${join(dir, 'nopidfile.pid')}" (No such file or directory)\n`);
    expect((await ours(missing, [])).code).toBe(1);
  });

  it('prints the reply as JSON with --format json', async () => {
    const a = await ours(srv.ctl, ['ovsdb-server/list-dbs'], { format: 'json' });
    expect(a).toEqual({ code: 0, stdout: '"T\\n_Server\\n"\n', stderr: '' });
  });
});
