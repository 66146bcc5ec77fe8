import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnixctlError, UnixctlServer, unixctlCall } from '../../src/transport/unixctl.js';
import { requireOvs } from '../helpers/ovs.js';

let dir = '';
let server: UnixctlServer;
let sock = '';
let exits = 0;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-ctl-'));
  sock = join(dir, 'ctl');
  server = await UnixctlServer.listen(sock, { version: 'ovsdb-ts 0.1.0' });
  server.register('exit', { minArgs: 0, maxArgs: 0, usage: '' }, () => ({ text: '', afterReply: () => { exits++; } }));
  server.register('ovsdb-server/add-db', { minArgs: 1, maxArgs: 1, usage: 'DB' }, (args) => `added ${args[0] ?? ''}`);
  server.register('ovsdb-server/connect-active-ovsdb-server', { minArgs: 0, maxArgs: 0, usage: '' }, () => '');
  server.register('vlog/set', { minArgs: 0, maxArgs: Infinity, usage: '{spec | PATTERN:destination:pattern}' }, (args) => args.join('|'));
  server.register('slow', { minArgs: 0, maxArgs: 0, usage: '' }, async () => { await new Promise((r) => setTimeout(r, 20)); return 'done'; });
  server.register('fail', { minArgs: 0, maxArgs: 0, usage: '' }, () => { throw new UnixctlError('it failed'); });
});

afterAll(async () => {
  await server.close();
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function appctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ovs-appctl', args, { timeout: 5000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('UnixctlServer', () => {
  it('runs commands through the in-process API with OVS error texts', async () => {
    expect(await server.execute('ovsdb-server/add-db', ['x'])).toEqual({ ok: true, text: 'added x\n', afterReply: undefined });
    expect(await server.execute('nosuch', [])).toEqual({ ok: false, text: '"nosuch" is not a valid command (use "list-commands" to see a list of valid commands)\n' });
    expect(await server.execute('version', [1])).toEqual({ ok: false, text: '"version" command takes at most 0 arguments\n' });
    expect(await server.execute('ovsdb-server/add-db', [])).toEqual({ ok: false, text: '"ovsdb-server/add-db" command requires at least 1 arguments\n' });
    expect(await server.execute('ovsdb-server/add-db', [1])).toEqual({ ok: false, text: '"ovsdb-server/add-db" command has non-string argument\n' });
    expect(await server.execute('fail', [])).toEqual({ ok: false, text: 'it failed\n' });
    expect(await server.execute('slow', [])).toMatchObject({ ok: true, text: 'done\n' });
  });

  it('answers unixctlCall, including errors', async () => {
    expect(await unixctlCall(sock, 'version', [])).toEqual({ ok: true, text: 'ovsdb-ts 0.1.0\n' });
    expect(await unixctlCall(sock, 'vlog/set', ['a', 'b'])).toEqual({ ok: true, text: 'a|b\n' });
    expect(await unixctlCall(sock, 'fail', [])).toEqual({ ok: false, text: 'it failed\n' });
    await expect(unixctlCall(join(dir, 'nothing'), 'version', [])).rejects.toThrow(/connection failed/);
  });

  it('survives garbage on the control socket', async () => {
    const s = createConnection({ path: sock });
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.from([0xff, 0x00, 0x7b, 0x7b]));
    s.write('['.repeat(1000));
    await new Promise((r) => s.once('close', r));
    expect(await unixctlCall(sock, 'version', [])).toEqual({ ok: true, text: 'ovsdb-ts 0.1.0\n' });
  });

  it.runIf(requireOvs('ovs-appctl'))('is understood by the real ovs-appctl', async () => {
    const list = await appctl(['-t', sock, 'list-commands']);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe(
      'The available commands are:\n' +
      '  exit                    \n' +
      '  fail                    \n' +
      '  list-commands           \n' +
      '  ovsdb-server/add-db     DB\n' +
      '  ovsdb-server/connect-active-ovsdb-server \n' +
      '  slow                    \n' +
      '  version                 \n' +
      '  vlog/set                {spec | PATTERN:destination:pattern}\n');
    expect(await appctl(['-t', sock, 'version'])).toEqual({ code: 0, stdout: 'ovsdb-ts 0.1.0\n', stderr: '' });
    expect(await appctl(['-t', sock, 'ovsdb-server/add-db', 'nb'])).toEqual({ code: 0, stdout: 'added nb\n', stderr: '' });
    const bad = await appctl(['-t', sock, 'nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"nosuch" is not a valid command (use "list-commands" to see a list of valid commands)\n');
    expect(bad.stderr).toContain('server returned an error');
    const before = exits;
    expect(await appctl(['-t', sock, 'exit'])).toEqual({ code: 0, stdout: '', stderr: '' });
    await new Promise((r) => setTimeout(r, 50));
    expect(exits).toBe(before + 1);
  });

  it.runIf(requireOvs('ovsdb-server', 'ovsdb-tool'))('lists commands in the same layout as the real ovsdb-server, and unixctlCall talks to it', async () => {
    const db = join(dir, 'real.db');
    const realSock = join(dir, 'real.ctl');
    await new Promise<void>((resolve, reject) => execFile('ovsdb-tool', ['create', db, '/usr/share/openvswitch/vswitch.ovsschema'], (e) => (e ? reject(e) : resolve())));
    const child = spawn('ovsdb-server', [db, `--unixctl=${realSock}`, '--no-chdir', '--remote=punix:' + join(dir, 'real.sock')], { stdio: 'ignore' });
    children.push(child);
    let real = { ok: false, text: '' };
    for (let i = 0; i < 100 && !real.ok; i++) {
      try {
        real = await unixctlCall(realSock, 'list-commands', []);
      } catch {
        await new Promise((r) => setTimeout(r, 30));
      }
    }
    expect(real.ok).toBe(true);
    const ours = (await unixctlCall(sock, 'list-commands', [])).text.split('\n');
    const theirs = real.text.split('\n');
    expect(theirs[0]).toBe('The available commands are:');
    for (const line of ['  exit                    ', '  ovsdb-server/add-db     DB', '  ovsdb-server/connect-active-ovsdb-server ', '  version                 ', '  vlog/set                {spec | PATTERN:destination:pattern}']) {
      expect(theirs).toContain(line);
      expect(ours).toContain(line);
    }
    const version = await unixctlCall(realSock, 'version', []);
    expect(version.ok).toBe(true);
    expect(version.text).toMatch(/^ovsdb-server \(Open vSwitch\) \d+\.\d+\.\d+\n$/);
    expect(await unixctlCall(realSock, 'version', ['x'])).toEqual({ ok: false, text: '"version" command takes at most 0 arguments\n' });
    expect(await unixctlCall(realSock, 'exit', [])).toEqual({ ok: true, text: '' });
    await new Promise<void>((resolve) => { if (child.exitCode !== null) resolve(); else child.once('exit', () => resolve()); });
  });
});
