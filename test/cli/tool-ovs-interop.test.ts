/**
 * The Open vSwitch file format in both directions, against the real binaries:
 *  - a database built by the real ovsdb-tool (with the diff records OVS 3.x writes) is imported
 *    by our `create` and reads back identically (`ovsdb-ts tool query` vs `ovsdb-tool query`);
 *  - our `export-ovs` output is validated by the real ovsdb-tool and served by the real
 *    ovsdb-server, whose `ovsdb-client dump` shows exactly our rows;
 *  - a file torn at its end is read as ovsdb-server reads it.
 * Plus a few smoke tests of the built executable.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Json, JsonObject } from '../../src/base/json.js';
import { createDb, exportOvs } from '../../src/cli/tool-create.js';
import { BufferIo, runTool } from '../../src/cli/tool-io.js';
import { runTransaction } from '../../src/cli/tool-txn.js';
import { cliPath, ensureBuilt, repoRoot } from '../helpers/build.js';
import { requireOvs } from '../helpers/ovs.js';

const hasOvs = requireOvs('ovsdb-tool', 'ovsdb-server', 'ovsdb-client');
const dir = mkdtempSync(join(tmpdir(), 'tool-interop-'));
const nbSchema = join(repoRoot, 'schemas/ovn-nb.ovsschema');
const servers: ChildProcess[] = [];

// The executable is needed by the smoke tests and by the server comparison; building may be slow.
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => {
  for (const s of servers) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function call(body: (io: BufferIo) => Promise<0 | 1 | 2>): Promise<{ code: number; out: string; err: string }> {
  const io = new BufferIo();
  const code = await runTool(io, () => body(io));
  return { code, out: io.out, err: io.err };
}

function run(cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const nb = JSON.parse(readFileSync(nbSchema, 'utf8')) as { tables: { [t: string]: unknown } };
const tables = Object.keys(nb.tables).sort();
const selectAll = JSON.stringify(['OVN_Northbound', ...tables.map((table) => ({ op: 'select', table, where: [] }))]);

/** Every table's rows without `_version`, sorted by uuid. */
function contents(queryOut: string): Json {
  const res = JSON.parse(queryOut) as { rows?: JsonObject[]; error?: string }[];
  return res.map((r, i) => {
    if (!r.rows) throw new Error(`select ${tables[i]}: ${JSON.stringify(r)}`);
    return r.rows.map(({ _version, ...rest }) => rest).sort((a, b) => JSON.stringify(a['_uuid']).localeCompare(JSON.stringify(b['_uuid'])));
  });
}

const realTxns: unknown[][] = [
  [{ op: 'insert', table: 'Logical_Switch', row: { name: 'ls0', other_config: ['map', [['subnet', '10.0.0.0/24']]] }, 'uuid-name': 'ls' },
    { op: 'insert', table: 'Logical_Switch_Port', row: { name: 'lsp0', addresses: ['set', ['00:00:00:00:00:01 10.0.0.1']] }, 'uuid-name': 'p0' },
    { op: 'insert', table: 'Logical_Switch_Port', row: { name: 'lsp1', addresses: 'router', type: 'router' }, 'uuid-name': 'p1' },
    { op: 'mutate', table: 'Logical_Switch', where: [['_uuid', '==', ['named-uuid', 'ls']]], mutations: [['ports', 'insert', ['set', [['named-uuid', 'p0'], ['named-uuid', 'p1']]]]] },
    { op: 'comment', comment: 'ovn-nbctl ls-add ls0' }],
  [{ op: 'insert', table: 'ACL', row: { priority: 1001, direction: 'to-lport', match: 'ip4', action: 'allow-related', external_ids: ['map', [['x', 'y']]] }, 'uuid-name': 'acl' },
    { op: 'mutate', table: 'Logical_Switch', where: [['name', '==', 'ls0']], mutations: [['acls', 'insert', ['named-uuid', 'acl']]] }],
  [{ op: 'insert', table: 'Logical_Router', row: { name: 'lr0', enabled: true, options: ['map', [['chassis', 'hv1']]] } },
    { op: 'insert', table: 'Address_Set', row: { name: 'as0', addresses: ['set', ['1.1.1.1', '2.2.2.2', '3.3.3.3']] } },
    { op: 'insert', table: 'Address_Set', row: { name: 'as1' } },
    { op: 'insert', table: 'NB_Global', row: { nb_cfg: 7, options: ['map', [['mac_prefix', '0a:00:00']]] } }],
  [{ op: 'mutate', table: 'Address_Set', where: [], mutations: [['addresses', 'delete', '2.2.2.2'], ['addresses', 'insert', '4.4.4.4']] },
    { op: 'mutate', table: 'Logical_Switch', where: [], mutations: [['other_config', 'delete', ['set', ['subnet']]], ['other_config', 'insert', ['map', [['mcast_snoop', 'true']]]]] },
    { op: 'update', table: 'Logical_Router', where: [], row: { enabled: false, options: ['map', [['chassis', 'hv2']]] } },
    { op: 'mutate', table: 'NB_Global', where: [], mutations: [['nb_cfg', '+=', 1]] }],
  [{ op: 'delete', table: 'Address_Set', where: [['name', '==', 'as1']] },
    { op: 'update', table: 'Logical_Switch_Port', where: [['name', '==', 'lsp0']], row: { up: true, tag_request: 0 } }],
];

describe.runIf(hasOvs)('Open vSwitch files in and out, against the real binaries', () => {
  const realDb = join(dir, 'real.db');
  const imported = join(dir, 'imported');

  beforeAll(() => {
    run('ovsdb-tool', 'create', realDb, nbSchema);
    for (const t of realTxns) {
      const out = run('ovsdb-tool', 'transact', realDb, JSON.stringify(['OVN_Northbound', ...t]));
      if (out.includes('"error"')) throw new Error(out);
    }
  });

  test('create imports a real ovsdb-tool database with identical rows and uuids', async () => {
    expect(readFileSync(realDb, 'utf8')).toContain('"_is_diff":true');
    expect(await call((io) => createDb(imported, realDb, io))).toEqual({ code: 0, out: '', err: '' });
    const ours = await call((io) => runTransaction(imported, selectAll, false, io));
    expect(ours.code).toBe(0);
    const theirs = contents(run('ovsdb-tool', 'query', realDb, selectAll));
    expect(contents(ours.out)).toEqual(theirs);
    expect(JSON.stringify(theirs)).toContain('mcast_snoop');
    expect((await call((io) => createDb(imported, realDb, io))).err).toMatch(/File exists/);
  });

  test('export-ovs output is validated by ovsdb-tool and served identically by ovsdb-server', async () => {
    // Change the imported database with our own transact first, so the export carries our rows.
    const w = await call((io) => runTransaction(imported, JSON.stringify(['OVN_Northbound',
      { op: 'insert', table: 'Logical_Switch', row: { name: 'ours', external_ids: ['map', [['made-by', 'ovsdb-ts'], ['ü', '☃']]] } },
      { op: 'update', table: 'Address_Set', where: [['name', '==', 'as0']], row: { addresses: ['set', ['9.9.9.9']] } }]), true, io));
    expect(w.out).not.toContain('"error"');
    const file = join(dir, 'exported.db');
    expect(await call((io) => exportOvs(imported, file, io))).toEqual({ code: 0, out: '', err: '' });

    expect(run('ovsdb-tool', 'db-name', file)).toBe('OVN_Northbound\n');
    expect(run('ovsdb-tool', 'db-is-standalone', file)).toBe('');
    expect(run('ovsdb-tool', 'show-log', file)).toMatch(/^record 0: "OVN_Northbound" schema.*\n\nrecord 1: .* "exported by ovsdb-ts from .*"\n$/);
    expect(run('ovsdb-tool', 'needs-conversion', file, nbSchema)).toBe('no\n');
    const ours = contents((await call((io) => runTransaction(imported, selectAll, false, io))).out);
    expect(contents(run('ovsdb-tool', 'query', file, selectAll))).toEqual(ours);

    // The real server on a unix socket: ovsdb-client dump shows the same rows.
    const sock = join(dir, 'server.sock');
    const server = spawn('ovsdb-server', [`--remote=punix:${sock}`, `--unixctl=${join(dir, 'server.ctl')}`, '--no-chdir', `--log-file=${join(dir, 'server.log')}`, file], { stdio: 'ignore' });
    servers.push(server);
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(sock)).toBe(true);
    const dump = JSON.parse(`[${run('ovsdb-client', 'dump', '-f', 'json', `unix:${sock}`, 'OVN_Northbound').trim().split('\n').join(',')}]`) as
      { caption: string; headings: string[]; data: Json[][] }[];
    server.kill('SIGTERM');
    expect(dump.map((t) => t.caption)).toEqual(tables.map((t) => `${t} table`));
    dump.forEach((t, i) => {
      const expected = (ours as JsonObject[][])[i]?.map((row) => t.headings.map((h) => row[h] as Json)) ?? [];
      const sort = (rows: Json[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();
      expect(sort(t.data), t.caption).toEqual(sort(expected));
    });
    expect(dump.find((t) => t.caption === 'Logical_Switch table')?.data).toHaveLength(2);
  });

  test('a file torn in its last record imports as ovsdb-server reads it, with a warning', async () => {
    const torn = join(dir, 'torn.db');
    const bytes = readFileSync(realDb);
    writeFileSync(torn, bytes.subarray(0, bytes.length - 25));
    const dst = join(dir, 'from-torn');
    const r = await call((io) => createDb(dst, torn, io));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^ovsdb-ts: warning: .*torn\.db: ignoring damaged data at offset \d+/);
    const sock = join(dir, 'torn.sock');
    const server = spawn('ovsdb-server', [`--remote=punix:${sock}`, `--unixctl=${join(dir, 'torn.ctl')}`, '--no-chdir', `--log-file=${join(dir, 'torn.log')}`, torn], { stdio: 'ignore' });
    servers.push(server);
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((res) => setTimeout(res, 50));
    const theirs = contents(JSON.stringify((JSON.parse(run('ovsdb-client', 'transact', `unix:${sock}`, selectAll)) as Json[])));
    server.kill('SIGTERM');
    const ours = contents((await call((io) => runTransaction(dst, selectAll, false, io))).out);
    expect(ours).toEqual(theirs);
    // The torn last record (delete as1, lsp0 up) is not applied, in either implementation.
    expect(JSON.stringify(ours)).toContain('"as1"');

    // Damage in the middle is corruption, refused with the offset.
    const corrupt = Buffer.from(bytes);
    const at = corrupt.indexOf('ovn-nbctl ls-add ls0');
    corrupt[at] = 'O'.charCodeAt(0);
    writeFileSync(join(dir, 'corrupt.db'), corrupt);
    const c = await call((io) => createDb(join(dir, 'from-corrupt'), join(dir, 'corrupt.db'), io));
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/^ovsdb-ts: .*corrupt\.db: \d+ bytes starting at offset \d+ have SHA-1 hash [0-9a-f]+ but should have hash [0-9a-f]+\n$/);
    expect(existsSync(join(dir, 'from-corrupt'))).toBe(false);
  });
});

describe.runIf(hasOvs && requireOvs('ovn-nbctl'))('a database written by a running ovsdb-server', () => {
  test('ovn-nbctl changes through the real server import with identical rows', async () => {
    const file = join(dir, 'served.db');
    run('ovsdb-tool', 'create', file, nbSchema);
    const sock = join(dir, 'served.sock');
    const server = spawn('ovsdb-server', [`--remote=punix:${sock}`, `--unixctl=${join(dir, 'served.ctl')}`, '--no-chdir', `--log-file=${join(dir, 'served.log')}`, file], { stdio: 'ignore' });
    servers.push(server);
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    const nbctl = (...args: string[]): string => run('ovn-nbctl', `--db=unix:${sock}`, ...args);
    nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'p1', '--', 'lsp-add', 'sw0', 'p2');
    nbctl('lsp-set-addresses', 'p1', '00:00:00:00:00:01 10.0.0.1');
    nbctl('lr-add', 'lr0', '--', 'lrp-add', 'lr0', 'lrp0', '00:00:00:00:ff:01', '10.0.0.254/24');
    nbctl('acl-add', 'sw0', 'to-lport', '1000', 'ip4 && tcp.dst == 80', 'allow-related');
    nbctl('lb-add', 'lb0', '10.0.0.10:80', '10.0.0.1:80,10.0.0.2:80', '--', 'ls-lb-add', 'sw0', 'lb0');
    nbctl('set', 'Logical_Switch', 'sw0', 'other_config:subnet=10.0.0.0/24', 'external_ids:owner=test');
    nbctl('lsp-del', 'p2', '--', 'remove', 'Logical_Switch', 'sw0', 'external_ids', 'owner');
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    expect(readFileSync(file, 'utf8')).toContain('"_is_diff":true');
    const imported = join(dir, 'served-imported');
    expect(await call((io) => createDb(imported, file, io))).toEqual({ code: 0, out: '', err: '' });
    const ours = contents((await call((io) => runTransaction(imported, selectAll, false, io))).out);
    expect(ours).toEqual(contents(run('ovsdb-tool', 'query', file, selectAll)));
    expect(JSON.stringify(ours)).toContain('10.0.0.1:80,10.0.0.2:80');
  });

  test('our server on the imported database dumps byte-identically to ovsdb-server on the file', async () => {
    const file = join(dir, 'served.db');
    const imported = join(dir, 'served-imported');
    const dump = async (argv: string[], sock: string): Promise<string> => {
      const proc = spawn(argv[0] ?? '', argv.slice(1), { stdio: 'ignore' });
      servers.push(proc);
      for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      try {
        return run('ovsdb-client', 'dump', '-f', 'json', `unix:${sock}`, 'OVN_Northbound');
      } finally {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
    };
    const theirs = await dump(['ovsdb-server', `--remote=punix:${join(dir, 'r.sock')}`, `--unixctl=${join(dir, 'r.ctl')}`, '--no-chdir', `--log-file=${join(dir, 'r.log')}`, file], join(dir, 'r.sock'));
    const ours = await dump([process.execPath, cliPath, 'server', `--remote=punix:${join(dir, 'o.sock')}`, `--unixctl=${join(dir, 'o.ctl')}`, imported], join(dir, 'o.sock'));
    expect(ours).toContain('"sw0"');
    expect(ours).toBe(theirs);
  });
});

describe('the built executable', () => {
  function cli(...args: string[]): { code: number | null; out: string; err: string } {
    const r = spawnSync(process.execPath, [cliPath, 'tool', ...args], { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  test('help, a round trip, and exit codes', () => {
    expect(cli('--help').out).toMatch(/export-ovs/);
    const db = join(dir, 'smoke');
    expect(cli('create', db, nbSchema)).toEqual({ code: 0, out: '', err: '' });
    expect(cli('db-name', db)).toEqual({ code: 0, out: 'OVN_Northbound\n', err: '' });
    expect(cli('db-is-clustered', db).code).toBe(2);
    expect(cli('compare-versions', '1.0.0', '>', '2.0.0').code).toBe(2);
    const bad = cli('db-name', join(dir, 'absent'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^ovsdb-ts: [^\n]+\n$/);
  });
});
