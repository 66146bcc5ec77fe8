/**
 * `ovsdb-ts server` as ovn-ctl, systemd and operators run it (issue 13): stopping with clients
 * still connected, no database argument, -v specs, fatal start-up errors in the log file, what a
 * database path holds and who holds it, the OVS run directory, malformed client input in the
 * log, and the control commands add-remote/remove-remote/list-remotes/reconnect/vlog/version.
 * Compared with the real ovsdb-server where it is installed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServer, type ServerIo } from '../../src/cli/server.js';
import { unixctlCall } from '../../src/transport/unixctl.js';
import { ensureBuilt } from '../helpers/build.js';
import { hasBinary, ovsRequired } from '../helpers/ovs.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, waitUntil } from '../helpers/servers.js';
import { call, TEST_SCHEMA } from './harness.js';
import { createDb, kill, spawnServer, tempDir, type Proc } from './process.js';

const withOvs = ovsRequired || (hasBinary('ovsdb-server') && hasBinary('ovs-appctl') && hasBinary('ovsdb-tool'));
const dir = tempDir('ovs-lc-');
const procs: Proc[] = [];
beforeAll(() => ensureBuilt(), 180_000);
afterAll(async () => {
  for (const p of procs) await kill(p);
});

let dbCount = 0;
const freshDb = (): Promise<string> => createDb(join(dir, `db${dbCount++}`), TEST_SCHEMA);

/** A ServerIo that records output and signal handlers and runs nothing outside the test. */
function fakeIo(env: Record<string, string> = {}): ServerIo & { out: () => string; err: () => string; signal: (s: string) => void } {
  let out = '';
  let err = '';
  const handlers = new Map<string, () => void>();
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env,
    pid: process.pid,
    cwd: dir,
    onSignal: (s, h) => void handlers.set(s, h),
    exitNow: (code) => {
      throw new Error(`exitNow(${code})`);
    },
    detach: () => Promise.reject(new Error('no detach in-process')),
    detachedChild: false,
    monitor: () => Promise.reject(new Error('no monitor in-process')),
    monitoredChild: false,
    notifyReady: () => undefined,
    chdir: () => undefined,
    out: () => out,
    err: () => err,
    signal: (s) => handlers.get(s)?.(),
  };
}

function realServer(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ovsdb-server', args, { timeout: 10_000 }, (e, _stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr }));
  });
}

describe('stopping with clients connected', () => {
  for (const how of ['SIGTERM', 'SIGINT', 'exit'] as const) {
    it(`${how} stops the server within about a second, closing sessions, databases, pidfile and sockets`, async () => {
      const db = await freshDb();
      const sock = join(dir, `stop-${how}.sock`);
      const ctl = join(dir, `stop-${how}.ctl`);
      const pidfile = join(dir, `stop-${how}.pid`);
      const port = await freePort();
      const p = await spawnServer([`--remote=ptcp:${port}:127.0.0.1`, `--remote=punix:${sock}`, `--unixctl=${ctl}`, `--pidfile=${pidfile}`, db], sock);
      procs.push(p);
      const viaUnix = await RawClient.connect({ path: sock });
      const viaTcp = await RawClient.connect({ port });
      await call(viaUnix, 'transact', ['T', { op: 'insert', table: 'A', row: { name: how } }]);
      await call(viaTcp, 'monitor', ['T', null, { A: {} }]);
      // Both clients stay connected.
      if (how === 'exit') expect((await unixctlCall(ctl, 'exit', [])).ok).toBe(true);
      else p.proc.kill(how);
      expect(await p.exited(3000)).toBe(0);
      await viaUnix.waitClosed(2000);
      await viaTcp.waitClosed(2000);
      expect(existsSync(pidfile)).toBe(false);
      expect(existsSync(ctl)).toBe(false);
      expect(existsSync(sock)).toBe(false);
      // The store was flushed and closed: another server opens it and finds the row.
      const again = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${ctl}`, db], sock);
      procs.push(again);
      const c = await RawClient.connect({ path: sock });
      const r = (await call(c, 'transact', ['T', { op: 'select', table: 'A', where: [], columns: ['name'] }])) as [{ rows: unknown[] }];
      expect(r[0].rows).toEqual([{ name: how }]);
      await c.close();
      again.proc.kill('SIGTERM');
      expect(await again.exited(3000)).toBe(0);
    }, 30_000);
  }

  it('in-process: a signal resolves runServer with 0 while a client stays connected', async () => {
    const db = await freshDb();
    const sock = join(dir, 'inproc.sock');
    const io = fakeIo();
    const running = runServer([`--remote=punix:${sock}`, `--unixctl=${join(dir, 'inproc.ctl')}`, '-vconsole:off', db], io);
    await waitUntil('socket', () => existsSync(sock));
    const c = await RawClient.connect({ path: sock });
    expect(await call(c, 'list_dbs', [])).toEqual(['T', '_Server']);
    io.signal('SIGTERM');
    expect(await running).toBe(0);
    await c.waitClosed(2000);
  });
});

describe('start-up errors', () => {
  it('with no database argument serves nothing and names the missing default database', async () => {
    const io = fakeIo({ OVS_DBDIR: join(dir, 'nodbdir') });
    expect(await runServer([`--unixctl=${join(dir, 'n.ctl')}`, '--remote=ptcp:0:127.0.0.1'], io)).toBe(1);
    expect(io.err()).toContain(`I/O error: ${join(dir, 'nodbdir', 'conf.db')}: open failed (No such file or directory)`);
    expect(existsSync(join(dir, '.ovsdb-ts'))).toBe(false);
  });

  it.runIf(withOvs)('the real ovsdb-server words a missing database the same way', async () => {
    const r = await realServer([`--unixctl=${join(dir, 'r.ctl')}`, join(dir, 'nope.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`I/O error: ${join(dir, 'nope.db')}: open failed (No such file or directory)`);
  });

  it('-v takes only an attached spec, and a bad spec is refused with OVS\'s text', async () => {
    const db = await freshDb();
    const sock = join(dir, 'v.sock');
    const io = fakeIo();
    // `-v` before --remote must not swallow it.
    const running = runServer(['-v', `--remote=punix:${sock}`, `--unixctl=${join(dir, 'v.ctl')}`, '-vconsole:off', '--verbose=file:info', db], io);
    await waitUntil('socket', () => existsSync(sock));
    const list = await unixctlCall(join(dir, 'v.ctl'), 'vlog/list', []);
    expect(list.ok && list.text).toMatch(/^jsonrpc +OFF +DBG +INFO$/m);
    io.signal('SIGTERM');
    expect(await running).toBe(0);

    for (const [spec, error] of [
      ['-vbogus:xyz', 'processing "bogus:xyz": no destination, level, or module "bogus"'],
      ['-vconsole:bogus', 'processing "console:bogus": no destination, level, or module "bogus"'],
      ['--verbose=console:file', 'processing "console:file": cannot specify multiple destinations'],
    ] as const) {
      const bad = fakeIo();
      expect(await runServer([spec, db], bad)).toBe(1);
      expect(bad.err()).toBe(`ovsdb-ts: ${error}\n`);
    }
  });

  it.runIf(withOvs)('the real ovsdb-server gives the same -v errors', async () => {
    const r = await realServer(['-vbogus:xyz', join(dir, 'nope.db')]);
    expect(r.stderr).toBe('ovsdb-server: processing "bogus:xyz": no destination, level, or module "bogus"\n');
    const m = await realServer(['--verbose=console:file', join(dir, 'nope.db')]);
    expect(m.stderr).toBe('ovsdb-server: processing "console:file": cannot specify multiple destinations\n');
  });

  it('a fatal start-up error also goes to --log-file; a missing run directory is named as such', async () => {
    const db = await freshDb();
    const log = join(dir, 'fatal.log');
    const io = fakeIo({ OVS_RUNDIR: join(dir, 'no-such-rundir') });
    expect(await runServer([`--log-file=${log}`, db], io)).toBe(1);
    const ctl = join(dir, 'no-such-rundir', `ovsdb-server.${process.pid}.ctl`);
    expect(io.err()).toContain(`${ctl}: could not initialize control socket (No such file or directory`);
    expect(io.err()).toContain('run directory');
    expect(io.err()).not.toMatch(/punix:|permission denied/i);
    expect(readFileSync(log, 'utf8')).toMatch(/\|server\|EMER\|.*could not initialize control socket/);
  });

  it('--ssl-protocols is checked at start, with OVS\'s wording', async () => {
    const db = await freshDb();
    const io = fakeIo();
    expect(await runServer([`--unixctl=${join(dir, 'ssl.ctl')}`, '--ssl-protocols=TLSv1.2,SSLv3', db], io)).toBe(1);
    expect(io.err()).toContain('SSLv3: SSL protocol not recognized');
  });

  it('--detach reports a fatal error in its exit code, on stderr and in the log file', async () => {
    const db = await freshDb();
    const log = join(dir, 'detach-fatal.log');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(import.meta.dirname, '../../dist/src/cli/main.js'), 'server', '--detach', `--log-file=${log}`, `--unixctl=${join(dir, 'nodir', 'x.ctl')}`, db],
        { timeout: 20_000 }, (e, _o, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('could not initialize control socket');
    expect(readFileSync(log, 'utf8')).toContain('could not initialize control socket');
  }, 30_000);
});

describe('what a database path holds', () => {
  it('a database held by another server is "in use by pid N"', async () => {
    const db = await freshDb();
    const sock = join(dir, 'held.sock');
    const p = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${join(dir, 'held.ctl')}`, db], sock);
    procs.push(p);
    const io = fakeIo();
    expect(await runServer([`--unixctl=${join(dir, 'held2.ctl')}`, '-vconsole:off', db], io)).toBe(1);
    expect(io.err()).toBe(`ovsdb-ts: ${db}: database is in use by pid ${p.proc.pid ?? 0}\n`);
    p.proc.kill('SIGTERM');
    expect(await p.exited(3000)).toBe(0);
  }, 30_000);

  it('an empty directory is named, left untouched, and `tool create` then works on it', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const io = fakeIo();
    expect(await runServer([`--unixctl=${join(dir, 'e.ctl')}`, '-vconsole:off', empty], io)).toBe(1);
    expect(io.err()).toContain(`${empty}: is an empty directory, not a database; create one there with \`ovsdb-ts tool create ${empty} SCHEMA\``);
    expect(io.err()).not.toMatch(/LOCK|LOG|create_if_missing/);
    const { createDb: toolCreate } = await import('../../src/cli/tool-create.js');
    const { BufferIo } = await import('../../src/cli/tool-io.js');
    const schemaFile = join(dir, 'schema.ovsschema');
    writeFileSync(schemaFile, JSON.stringify(TEST_SCHEMA));
    expect(await toolCreate(empty, schemaFile, new BufferIo())).toBe(0);
  });

  it.runIf(withOvs)('an Open vSwitch database file is named, with the command that imports it', async () => {
    const file = join(dir, 'ovs.db');
    const schemaFile = join(dir, 'schema2.ovsschema');
    writeFileSync(schemaFile, JSON.stringify(TEST_SCHEMA));
    await new Promise<void>((resolve, reject) => execFile('ovsdb-tool', ['create', file, schemaFile], (e) => (e ? reject(e) : resolve())));
    const io = fakeIo();
    expect(await runServer([`--unixctl=${join(dir, 'f.ctl')}`, '-vconsole:off', file], io)).toBe(1);
    expect(io.err()).toContain(`${file}: is an Open vSwitch database file`);
    expect(io.err()).toContain(`ovsdb-ts tool create NEWDIR ${file}`);
    expect(io.err()).not.toMatch(/Not a directory|LOCK/);
  });
});

describe('--monitor', () => {
  it('restarts a server that crashed, and ends with it when it is stopped', async () => {
    const db = await freshDb();
    const pidfile = join(dir, 'mon.pid');
    const sock = join(dir, 'mon.sock');
    const r = await new Promise<number>((resolve) => {
      execFile(process.execPath, [join(import.meta.dirname, '../../dist/src/cli/main.js'), 'server', '--detach', '--monitor', `--pidfile=${pidfile}`,
        `--remote=punix:${sock}`, `--unixctl=${join(dir, 'mon.ctl')}`, db], { timeout: 20_000 }, (e) => resolve(e ? 1 : 0));
    });
    expect(r).toBe(0);
    const first = Number(readFileSync(pidfile, 'utf8'));
    process.kill(first, 'SIGABRT');
    await waitUntil('restart', () => existsSync(pidfile) && Number(readFileSync(pidfile, 'utf8')) !== first, 15_000);
    const second = Number(readFileSync(pidfile, 'utf8'));
    // The crashed server's socket file may still be there: wait for the new one to accept.
    let c: RawClient | undefined;
    for (let i = 0; c === undefined; i++) {
      try {
        c = await RawClient.connect({ path: sock });
      } catch (e) {
        if (i > 300) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(await call(c, 'list_dbs', [])).toEqual(['T', '_Server']);
    await c.close();
    process.kill(second, 'SIGTERM');
    await waitUntil('pidfile removed', () => !existsSync(pidfile), 5000);
  }, 40_000);
});

describe('run directory', () => {
  it('--pidfile and the control socket default to $OVS_RUNDIR, where `ctl -t ovsdb-server` finds them', async () => {
    const rundir = join(dir, 'run');
    mkdirSync(rundir);
    const db = await freshDb();
    const sock = join(dir, 'rd.sock');
    const p = await spawnServer([`--remote=punix:${sock}`, '--pidfile', db], sock, { ...process.env, OVS_RUNDIR: rundir });
    procs.push(p);
    const pid = p.proc.pid ?? 0;
    expect(readFileSync(join(rundir, 'ovsdb-server.pid'), 'utf8').trim()).toBe(String(pid));
    expect(existsSync(join(rundir, `ovsdb-server.${pid}.ctl`))).toBe(true);
    const { runCtl } = await import('../../src/cli/ctl.js');
    let out = '';
    const code = await runCtl(['ovsdb-server/list-dbs'], { target: 'ovsdb-server', timeoutSec: 5, format: 'text', pretty: false, rundir }, { stdout: (s) => void (out += s), stderr: () => undefined });
    expect(code).toBe(0);
    expect(out).toBe('T\n_Server\n');
    p.proc.kill('SIGTERM');
    expect(await p.exited(3000)).toBe(0);
    expect(existsSync(join(rundir, 'ovsdb-server.pid'))).toBe(false);
  }, 30_000);
});

describe('the log', () => {
  it('malformed client input is logged with the peer address and the reason', async () => {
    const db = await freshDb();
    const sock = join(dir, 'bad.sock');
    const ctl = join(dir, 'bad.ctl');
    const log = join(dir, 'bad.log');
    const port = await freePort();
    const p = await spawnServer([`--remote=ptcp:${port}:127.0.0.1`, `--remote=punix:${sock}`, `--unixctl=${ctl}`, `--log-file=${log}`, '-vconsole:off', db], sock);
    procs.push(p);
    expect((await unixctlCall(ctl, 'vlog/set', ['reconnect:file:dbg'])).ok).toBe(true);
    const send = (text: string): Promise<number> => new Promise((resolve, reject) => {
      const s = netConnect(port, '127.0.0.1', () => s.write(text));
      s.on('error', reject);
      s.on('close', () => resolve(0));
      // Keep our end open: the server must log (and drop us) without waiting for us to close.
      s.on('end', () => s.end());
      const local = (): number => s.localPort ?? 0;
      s.once('connect', () => ports.push(local()));
    });
    const ports: number[] = [];
    await send('[1]');
    await send('{"a" 1}');
    await waitUntil('log lines', () => readFileSync(log, 'utf8').split('connection dropped').length > 2);
    const text = readFileSync(log, 'utf8');
    expect(text).toContain(`|jsonrpc|WARN|tcp:127.0.0.1:${ports[0]}: received bad JSON-RPC message: `);
    expect(text).toContain(`|reconnect|WARN|tcp:127.0.0.1:${ports[0]}: connection dropped (Protocol error)`);
    expect(text).toContain(`|jsonrpc|WARN|tcp:127.0.0.1:${ports[1]}: error parsing stream: `);
    expect(text).toContain(`|reconnect|DBG|tcp:127.0.0.1:${ports[0]}: connected`);
    expect(text).not.toContain('tcp:?:0');
    p.proc.kill('SIGTERM');
    expect(await p.exited(3000)).toBe(0);
  }, 30_000);

  it('vlog/reopen moves logging to a new file after logrotate renamed the old one', async () => {
    const db = await freshDb();
    const sock = join(dir, 'rot.sock');
    const ctl = join(dir, 'rot.ctl');
    const log = join(dir, 'rot.log');
    const p = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${ctl}`, `--log-file=${log}`, '-vconsole:off', db], sock);
    procs.push(p);
    renameSync(log, `${log}.1`);
    expect(await unixctlCall(ctl, 'vlog/reopen', [])).toEqual({ ok: true, text: '' });
    p.proc.kill('SIGTERM');
    expect(await p.exited(3000)).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(/\|vlog\|INFO\|opened log file .*\n.*SIGTERM: exiting/);
    expect(readFileSync(`${log}.1`, 'utf8')).not.toContain('SIGTERM');
  }, 30_000);
});

describe('control commands', () => {
  it('add-remote, remove-remote, list-remotes, reconnect, vlog/set, vlog/list and version answer as ovsdb-server does', async () => {
    const db = await freshDb();
    const sock = join(dir, 'cmd.sock');
    const ctl = join(dir, 'cmd.ctl');
    const p = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${ctl}`, '-vconsole:off', db], sock);
    procs.push(p);
    const cmd = (name: string, ...args: string[]) => unixctlCall(ctl, name, args);
    const port = await freePort();
    expect(await cmd('ovsdb-server/add-remote', `ptcp:${port}:127.0.0.1`)).toEqual({ ok: true, text: '' });
    expect(await cmd('ovsdb-server/add-remote', `ptcp:${port}:127.0.0.1`)).toEqual({ ok: true, text: '' });
    expect(await cmd('ovsdb-server/list-remotes')).toEqual({ ok: true, text: `ptcp:${port}:127.0.0.1\npunix:${sock}\n` });
    const tcp = await RawClient.connect({ port });
    expect(await call(tcp, 'list_dbs', [])).toEqual(['T', '_Server']);
    expect(await cmd('ovsdb-server/remove-remote', 'ptcp:1:127.0.0.1')).toEqual({ ok: false, text: 'no such remote\n' });
    expect(await cmd('ovsdb-server/remove-remote', `ptcp:${port}:127.0.0.1`)).toEqual({ ok: true, text: '' });
    await tcp.waitClosed(2000);
    expect(await cmd('ovsdb-server/list-remotes')).toEqual({ ok: true, text: `punix:${sock}\n` });
    const unix = await RawClient.connect({ path: sock });
    expect(await call(unix, 'list_dbs', [])).toEqual(['T', '_Server']);
    expect(await cmd('ovsdb-server/reconnect')).toEqual({ ok: true, text: '' });
    await unix.waitClosed(2000);
    expect(await cmd('vlog/set', 'bogus')).toEqual({ ok: false, text: 'no destination, level, or module "bogus"\n' });
    expect(await cmd('vlog/set', 'jsonrpc:file:dbg')).toEqual({ ok: true, text: '' });
    const list = await cmd('vlog/list');
    expect(list.ok && list.text.split('\n').slice(0, 2)).toEqual(['                 console    syslog    file', '                 -------    ------    ------']);
    expect(list.text).toMatch(/^jsonrpc {12}OFF {7}INFO {8}DBG$/m);
    expect(await cmd('version')).toEqual({ ok: true, text: 'ovsdb-server (ovsdb-ts) 0.1.0\n' });
    expect(await cmd('vlog/reopen')).toEqual({ ok: false, text: 'Logging to file not configured\n' });
    p.proc.kill('SIGTERM');
    expect(await p.exited(3000)).toBe(0);
  }, 30_000);
});
