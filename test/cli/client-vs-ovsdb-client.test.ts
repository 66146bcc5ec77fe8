/**
 * `ovsdb-ts client` commands (run in-process) against the real ovsdb-server, compared byte for
 * byte with the real ovsdb-client on the same database: list-dbs, get-schema (plain and
 * --pretty), get-schema-version/cksum, list-tables, list-columns, transact, query, dump in
 * table/list/json/csv/html formats and --bare, backup/restore, needs-conversion, errors.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientCliOptions, ClientIo } from '../../src/client/cli/context.js';
import { runClientCommand } from '../../src/client/cli/run-client-command.js';
import { defaultTableStyle } from '../../src/client/table-format.js';
import type { TableStyle } from '../../src/client/table-format.js';
import { requireOvs } from '../helpers/ovs.js';
import { startRealOvsdb, type RealOvsdb } from '../client/real-ovsdb.js';

const hasOvs = requireOvs('ovsdb-server', 'ovsdb-tool', 'ovsdb-client');

interface Run { code: number; stdout: string; stderr: string }

async function ours(args: string[], style: Partial<TableStyle> = {}, extra: Partial<ClientIo> = {}, opts: Partial<ClientCliOptions> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: ClientIo = {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    readStdin: async () => Buffer.alloc(0),
    readFile: async (p) => readFileSync(p, 'utf8'),
    stdinIsTTY: false,
    stdoutIsTTY: false,
    ...extra,
  };
  const [command, ...rest] = args;
  const code = await runClientCommand(command ?? '', rest, {
    style: { ...defaultTableStyle, ...style }, leaderOnly: true, timestamp: false, force: false, dbChangeAware: undefined, timeoutSec: 0, ...opts,
  }, io);
  return { code, stdout, stderr };
}

/** The real ovsdb-client; `stdinFile` is redirected (restore needs a seekable stdin). */
function real(args: string[], stdinFile?: string): Run {
  const r = stdinFile === undefined
    ? spawnSync('ovsdb-client', args, { encoding: 'utf8' })
    : spawnSync('sh', ['-c', 'exec ovsdb-client "$@" < "$0"', stdinFile, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasOvs)('ovsdb-ts client matches ovsdb-client', () => {
  let srv: RealOvsdb;
  let S: string;

  beforeAll(async () => {
    srv = await startRealOvsdb();
    S = srv.remote;
    execFileSync('ovsdb-client', ['transact', S, JSON.stringify(['T',
      { op: 'insert', table: 'Other', row: { v: 7 }, 'uuid-name': 'o' },
      { op: 'insert', table: 'Other', row: { v: -2 } },
      { op: 'insert', table: 'Simple', row: { name: 'a b', n: 1, r: 2.5, b: true, s: ['set', ['x', 'y z', 'true']], m: ['map', [['k', 1], ['j', 2]]], ref: ['named-uuid', 'o'] } },
      { op: 'insert', table: 'Simple', row: { name: '"quoted",c', n: -3, r: 0.1 } },
      { op: 'insert', table: 'Simple', row: { name: 'ünï', n: 1, r: 1e-7, s: ['set', ['']] } },
      { op: 'insert', table: 'Simple', row: { name: 'line\nbreak', n: 1e15, r: 123456789012.5 } },
    ])]);
  });
  afterAll(async () => { await srv?.cleanup(); });

  it.each([
    ['list-dbs'], ['get-schema'], ['get-schema-version'], ['get-schema-cksum'], ['dump'],
  ])('%s', async (cmd) => {
    const a = await ours([cmd, S]);
    const b = real([cmd, S]);
    expect(a.stderr).toBe('');
    expect(a).toEqual({ ...b, stderr: '' });
    expect(a.stdout.length).toBeGreaterThan(0);
  });

  it.each(['table', 'list', 'csv', 'json', 'html'] as const)('dump --format=%s', async (format) => {
    const a = await ours(['dump', S, 'T'], { format });
    expect(a.stdout).toBe(real([`--format=${format}`, 'dump', S, 'T']).stdout);
  });

  it('dump --bare, --data=json, --no-headings, one table and some columns, --pretty json', async () => {
    expect((await ours(['dump', S], { format: 'list', cellFormat: 'bare', headings: false })).stdout).toBe(real(['--bare', 'dump', S]).stdout);
    expect((await ours(['dump', S], { cellFormat: 'json' })).stdout).toBe(real(['--data=json', 'dump', S]).stdout);
    expect((await ours(['dump', S, 'T', 'Simple', 'name', 'm'], { headings: false })).stdout).toBe(real(['--no-headings', 'dump', S, 'T', 'Simple', 'name', 'm']).stdout);
    expect((await ours(['dump', S, 'T', 'Simple'], { format: 'json', pretty: true })).stdout).toBe(real(['--format=json', '--pretty', 'dump', S, 'T', 'Simple']).stdout);
  });

  it('get-schema --pretty', async () => {
    expect((await ours(['get-schema', S, 'T'], { pretty: true })).stdout).toBe(real(['--pretty', 'get-schema', S, 'T']).stdout);
  });

  it('list-tables and list-columns (same rows; OVS prints them in hash order)', async () => {
    const sortBody = (s: string): string[] => { const l = s.trimEnd().split('\n'); return [...l.slice(0, 2), ...l.slice(2).sort()]; };
    expect(sortBody((await ours(['list-tables', S])).stdout)).toEqual(sortBody(real(['list-tables', S]).stdout));
    expect(sortBody((await ours(['list-columns', S, 'T', 'Simple'])).stdout)).toEqual(sortBody(real(['list-columns', S, 'T', 'Simple']).stdout));
    expect(sortBody((await ours(['list-columns', S])).stdout)).toEqual(sortBody(real(['list-columns', S]).stdout));
  });

  it('transact and query print the same JSON; query leaves the database unchanged', async () => {
    const sel = JSON.stringify(['T', { op: 'select', table: 'Simple', where: [['n', '<', 5]], columns: ['name', 'n', 'r', 's'] }]);
    expect((await ours(['transact', S, sel])).stdout).toBe(real(['transact', S, sel]).stdout);
    expect((await ours(['query', S, sel])).stdout).toBe(real(['query', S, sel]).stdout);
    const ins = JSON.stringify(['T', { op: 'insert', table: 'Other', row: { v: 99 } }]);
    const q = await ours(['query', S, ins]);
    expect(q.stdout).toMatch(/^\[\{"uuid":\["uuid","[0-9a-f-]{36}"\]\}\]\n$/);
    const count = JSON.stringify(['T', { op: 'select', table: 'Other', where: [['v', '==', 99]] }]);
    expect((await ours(['transact', S, count])).stdout).toBe('[{"rows":[]}]\n');
    const bad = JSON.stringify(['T', { op: 'insert', table: 'Nope', row: {} }]);
    expect(await ours(['transact', S, bad])).toEqual({ ...real(['transact', S, bad]) });
  });

  it('fails with one line and status 1 like ovsdb-client', async () => {
    const unknownDb = JSON.stringify(['Nope', { op: 'select', table: 'x', where: [] }]);
    const a = await ours(['transact', S, unknownDb]);
    const b = real(['transact', S, unknownDb]);
    expect(a.code).toBe(1);
    expect(b.code).toBe(1);
    expect(a.stderr.replace('ovsdb-ts client:', 'ovsdb-client:')).toBe(b.stderr);
    const missing = `unix:${join(srv.dir, 'none.sock')}`;
    const c = await ours(['list-dbs', missing]);
    expect(c).toEqual({ code: 1, stdout: '', stderr: `ovsdb-ts client: failed to connect to "${missing}" (No such file or directory)\n` });
    expect(real(['list-dbs', missing]).stderr).toContain(`failed to connect to "${missing}" (No such file or directory)`);
    expect((await ours(['dump', S, 'T', 'Nope'])).stderr).toBe('ovsdb-ts client: No table "Nope" found.\n');
    expect((await ours(['frobnicate'])).code).toBe(1);
    expect((await ours(['transact', S, '{'])).stderr).toMatch(/^ovsdb-ts client: "\{": .+\n$/);
    expect((await ours(['list-dbs', S, 'extra'])).stderr).toBe(`ovsdb-ts client: invalid syntax for 'list-dbs' (use --help for help)\n`);
  });

  it('backup writes a file ovsdb-tool reads, and restore applies a real backup', async () => {
    const a = await ours(['backup', S, 'T']);
    expect(a.code).toBe(0);
    const file = join(srv.dir, 'ours.backup');
    writeFileSync(file, a.stdout);
    const log = execFileSync('ovsdb-tool', ['show-log', file], { encoding: 'utf8' });
    expect(log).toContain('record 0: "T" schema, version="1.2.3"');
    expect(log).toContain('produced by "ovsdb-client backup"');
    const before = real(['dump', S, 'T', 'Simple', 'name', 'n', 'r', 's', 'm']).stdout;
    // Restore our backup through the real ovsdb-client, then a real backup through ours.
    const rr = real(['restore', S, 'T'], file);
    expect(rr.stderr).toBe('');
    expect(rr.code).toBe(0);
    expect(real(['dump', S, 'T', 'Simple', 'name', 'n', 'r', 's', 'm']).stdout).toBe(before);
    const realBackup = spawnSync('ovsdb-client', ['backup', S, 'T']).stdout;
    await ours(['transact', S, JSON.stringify(['T', { op: 'delete', table: 'Simple', where: [] }])]);
    const r = await ours(['restore', S, 'T'], {}, { readStdin: async () => realBackup });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(real(['dump', S, 'T', 'Simple', 'name', 'n', 'r', 's', 'm']).stdout).toBe(before);
    // References survive under new uuids: the row named "a b" still points at the Other row with v=7.
    const dump = real(['--format=json', 'dump', S, 'T']).stdout;
    expect(dump).toContain('"a b"');
    const garbage = await ours(['restore', S, 'T'], {}, { readStdin: async () => Buffer.from('OVSDB JSON 5 abc\nxx') });
    expect(garbage.code).toBe(1);
  });

  it('needs-conversion says no for the same schema and yes for a changed one', async () => {
    expect((await ours(['needs-conversion', S, srv.schemaPath])).stdout).toBe(real(['needs-conversion', S, srv.schemaPath]).stdout);
    expect((await ours(['needs-conversion', S, srv.schemaPath])).stdout).toBe('no\n');
    const changed = JSON.parse(readFileSync(srv.schemaPath, 'utf8')) as { version: string; tables: { Other: { columns: Record<string, unknown> } } };
    changed.version = '1.3.0';
    changed.tables.Other.columns['w'] = { type: 'string' };
    const p = join(srv.dir, 'changed.ovsschema');
    writeFileSync(p, JSON.stringify(changed));
    expect((await ours(['needs-conversion', S, p])).stdout).toBe('yes\n');
    expect(real(['needs-conversion', S, p]).stdout).toBe('yes\n');
  });

  it('convert changes the schema online (then needs-conversion says no); wait removed returns after remove-db', async () => {
    const changed = JSON.parse(readFileSync(srv.schemaPath, 'utf8')) as { version: string; tables: { Other: { columns: Record<string, unknown> } } };
    changed.version = '1.4.0';
    changed.tables.Other.columns['label'] = { type: 'string' };
    const p = join(srv.dir, 'converted.ovsschema');
    writeFileSync(p, JSON.stringify(changed));
    expect(await ours(['convert', S, p])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await ours(['get-schema-version', S, 'T'])).stdout).toBe('1.4.0\n');
    expect((await ours(['needs-conversion', S, p])).stdout).toBe('no\n');
    expect(real(['list-columns', S, 'T', 'Other']).stdout).toContain('label');
    const waiting = ours(['wait', S, 'T', 'removed']);
    await new Promise((r) => setTimeout(r, 100));
    execFileSync('ovs-appctl', ['-t', srv.ctl, 'ovsdb-server/remove-db', 'T']);
    expect(await waiting).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await ours(['list-dbs', S])).stdout).toBe('_Server\n');
  });
});
