/**
 * The long-running `ovsdb-ts client` commands against the real ovsdb-server: monitor,
 * monitor-cond and monitor-cond-since print the same tables as the real ovsdb-client running
 * beside them; lock/steal/unlock print the replies and notifications; wait returns once a
 * database is there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientIo } from '../../src/client/cli/context.js';
import { runClientCommand } from '../../src/client/cli/run-client-command.js';
import { OvsdbClient } from '../../src/client/index.js';
import { defaultTableStyle } from '../../src/client/table-format.js';
import { requireOvs } from '../helpers/ovs.js';
import { startRealOvsdb, type RealOvsdb } from '../client/real-ovsdb.js';

const hasOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovsdb-client');

interface Running { out: () => string; err: () => string; stop: () => Promise<number> }

function startOurs(args: string[], format: 'table' | 'json' = 'table'): Running {
  let out = '';
  let err = '';
  const ac = new AbortController();
  const io: ClientIo = {
    stdout: (s) => { out += s; }, stderr: (s) => { err += s; },
    readStdin: async () => Buffer.alloc(0), readFile: async (p) => readFileSync(p, 'utf8'),
    stdinIsTTY: false, stdoutIsTTY: false, signal: ac.signal,
  };
  const [command, ...rest] = args;
  const done = runClientCommand(command ?? '', rest, {
    style: { ...defaultTableStyle, format }, leaderOnly: true, timestamp: false, force: false, dbChangeAware: undefined, timeoutSec: 20,
  }, io);
  return { out: () => out, err: () => err, stop: async () => { ac.abort(); return done; } };
}

function startReal(args: string[]): Running {
  let out = '';
  let err = '';
  const child: ChildProcess = spawn('ovsdb-client', args);
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  return {
    out: () => out, err: () => err,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      child.once('exit', (code) => resolve(code ?? 0));
      child.kill('SIGTERM');
    }),
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}


describe.skipIf(!hasOvs)('long-running client commands', () => {
  let srv: RealOvsdb;
  let writer: OvsdbClient;
  beforeAll(async () => {
    srv = await startRealOvsdb();
    writer = await OvsdbClient.connect(srv.remote);
  });
  afterAll(async () => {
    writer?.close();
    await srv?.cleanup();
  });

  it.each([
    ['monitor', ['T', 'Other'], 'table'],
    ['monitor', ['T', 'Other', 'v'], 'json'],
    ['monitor-cond', ['T', '[["v",">=",0]]', 'Other'], 'table'],
    ['monitor-cond', ['T', '[["v",">=",0]]', 'Other', 'v,!delete'], 'table'],
  ] as const)('%s %j prints what ovsdb-client prints (%s)', async (cmd, args, format) => {
    await writer.transact('T', [{ op: 'delete', table: 'Other', where: [] }, { op: 'insert', table: 'Other', row: { v: 1 } }]);
    const a = startOurs([cmd, srv.remote, ...args], format);
    const b = startReal([`--format=${format}`, cmd, srv.remote, ...args]);
    // Both print the one existing row as "initial" once subscribed; only then change it.
    await until(() => a.out().includes('initial') && b.out().includes('initial'), 'initial rows printed');
    await writer.transact('T', [{ op: 'update', table: 'Other', where: [], row: { v: 5 } }]);
    await writer.transact('T', [{ op: 'delete', table: 'Other', where: [] }]);
    const last = cmd === 'monitor' ? (format === 'json' ? /"delete"/ : /\bdelete\b/) : args.some((x) => x.includes('!delete')) ? /\bmodify\b|\bnew\b/ : /\bdelete\b/;
    await until(() => last.test(a.out()) && last.test(b.out()), 'last change printed');
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.stop()).toBe(0);
    await b.stop();
    expect(a.err()).toBe('');
    expect(a.out()).toBe(b.out());
    expect(a.out()).toMatch(format === "json" ? /"initial"/ : /initial/);
  });

  it('monitor-cond-since prints found/last_id and the rows', async () => {
    await writer.transact('T', [{ op: 'insert', table: 'Other', row: { v: 42 } }]);
    const a = startOurs(['monitor-cond-since', srv.remote, 'T', '[["v","==",42]]', 'Other', 'v']);
    await until(() => a.out().includes('initial'), 'initial rows');
    expect(await a.stop()).toBe(0);
    expect(a.out()).toMatch(/^found: false, last_id: 0{8}-0{4}-0{4}-0{4}-0{12}\nrow +action +v\n-+ -+ -+\n[0-9a-f-]{36} initial 42\n$/);
  });

  it('lock, steal and unlock print replies and notifications like ovsdb-client', async () => {
    const a = startOurs(['lock', srv.remote, 'mylock']);
    await until(() => a.out().length > 0, 'lock reply');
    expect(a.out()).toBe('{"locked":true}\n');
    const b = startReal(['lock', srv.remote, 'mylock']);
    await until(() => b.out().length > 0, 'real lock reply');
    expect(b.out()).toBe('{"locked":false}\n');
    const c = startOurs(['steal', srv.remote, 'mylock']);
    await until(() => a.out().includes('stolen'), 'stolen notification');
    expect(a.out()).toBe('{"locked":true}\nstolen\n["mylock"]\n');
    expect(c.out()).toBe('{"locked":true}\n');
    expect(await c.stop()).toBe(0);
    // As in ovsdb-server, the robbed owner stays queued ahead of b and gets the lock back.
    await until(() => a.out().includes('locked\n["mylock"]'), 'lock back after the thief left');
    expect(a.out()).toBe('{"locked":true}\nstolen\n["mylock"]\nlocked\n["mylock"]\n');
    expect(await a.stop()).toBe(0);
    await until(() => b.out().includes('locked\n'), 'real client gets the lock');
    expect(b.out()).toBe('{"locked":false}\nlocked\n["mylock"]\n');
    await b.stop();
    // A new connection holds nothing: the server refuses the unlock and, like ovsdb-client, we print nothing.
    const u = startOurs(['unlock', srv.remote, 'mylock']);
    await new Promise((r) => setTimeout(r, 200));
    expect(u.out()).toBe('');
    expect(await u.stop()).toBe(0);
    expect(u.err()).toBe('');
  });

  it('wait returns for a database that is there, and --timeout ends one that never comes', async () => {
    const a = startOurs(['wait', srv.remote, 'T', 'added']);
    expect(await Promise.race([a.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('slow'), 3000))])).toBe('stopped');
    let err = '';
    const code = await runClientCommand('wait', [srv.remote, 'Nope', 'added'], {
      style: defaultTableStyle, leaderOnly: true, timestamp: false, force: false, dbChangeAware: undefined, timeoutSec: 1,
    }, {
      stdout: () => undefined, stderr: (s) => { err += s; }, readStdin: async () => Buffer.alloc(0),
      readFile: async () => '', stdinIsTTY: false, stdoutIsTTY: false,
    });
    expect(code).toBe(142);
    expect(err).toBe('ovsdb-ts client: timed out after 1 s\n');
    const c = await runClientCommand('wait', [srv.remote, 'T', 'connected'], {
      style: defaultTableStyle, leaderOnly: true, timestamp: false, force: false, dbChangeAware: undefined, timeoutSec: 5,
    }, { stdout: () => undefined, stderr: () => undefined, readStdin: async () => Buffer.alloc(0), readFile: async () => '', stdinIsTTY: false, stdoutIsTTY: false });
    expect(c).toBe(0);
  });
});
