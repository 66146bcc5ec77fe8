/**
 * `ovsdb-ts tool` reporting commands, run in-process through commander and compared with the
 * real ovsdb-tool where it has the same command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerToolCommands } from '../../src/cli/tool.js';
import { WRITE_RECORD_META } from '../../src/cli/tool-create.js';
import { BufferIo } from '../../src/cli/tool-io.js';
import { repoRoot } from '../helpers/build.js';
import { requireOvs } from '../helpers/ovs.js';

interface Run { code: number; out: string; err: string }

/** Runs `ovsdb-ts tool ARGS...` in this process. */
async function tool(...args: string[]): Promise<Run> {
  const io = new BufferIo();
  let code = 0;
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  registerToolCommands(program, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(['node', 'ovsdb-ts', 'tool', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  }
  return { code, out: io.out, err: io.err };
}

/** Runs the real ovsdb-tool, with its program name replaced by ours in error text. */
function real(...args: string[]): Run {
  const r = spawnSync('ovsdb-tool', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr.replaceAll('ovsdb-tool:', 'ovsdb-ts:') };
}

const hasOvs = requireOvs('ovsdb-tool');
const dir = mkdtempSync(join(tmpdir(), 'tool-info-'));
const schemas = ['vswitch', 'ovn-nb', 'ovn-sb'].map((s) => join(repoRoot, 'schemas', `${s}.ovsschema`));
const nb = join(repoRoot, 'schemas/ovn-nb.ovsschema');
const ours = join(dir, 'ours');
const ovsFile = join(dir, 'real.db');

beforeAll(async () => {
  expect((await tool('create', ours, nb)).code).toBe(0);
  if (hasOvs) {
    expect(real('create', ovsFile, nb).code).toBe(0);
    const txns = [
      [{ op: 'insert', table: 'Logical_Switch', row: { name: 'sw0', other_config: ['map', [['a', 'b']]] } }, { op: 'comment', comment: 'add sw0' }],
      [{ op: 'insert', table: 'Address_Set', row: { name: 'as1', addresses: ['set', ['10.0.0.1', '10.0.0.2']] } }],
      [{ op: 'mutate', table: 'Address_Set', where: [], mutations: [['addresses', 'delete', '10.0.0.1'], ['addresses', 'insert', '10.0.0.3']] }],
      [{ op: 'update', table: 'Logical_Switch', where: [], row: { name: 'sw1' } }],
      [{ op: 'delete', table: 'Address_Set', where: [] }, { op: 'comment', comment: 'gone' }],
    ];
    for (const t of txns) expect(real('transact', ovsFile, JSON.stringify(['OVN_Northbound', ...t])).out).not.toMatch(/error/);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema facts', () => {
  test.each(schemas)('schema-name/version/cksum %s', async (schema) => {
    const text = await Promise.all(['schema-name', 'schema-version', 'schema-cksum'].map((c) => tool(c, schema)));
    expect(text.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(text[0]?.out).toMatch(/^(Open_vSwitch|OVN_Northbound|OVN_Southbound)\n$/);
    if (hasOvs) {
      for (const [i, c] of ['schema-name', 'schema-version', 'schema-cksum'].entries()) expect(text[i]).toEqual(real(c, schema));
    }
  });

  test('db-name/db-version/db-cksum of our database and of an Open vSwitch file', async () => {
    expect((await tool('db-name', ours)).out).toBe('OVN_Northbound\n');
    expect((await tool('db-version', ours)).out).toBe((await tool('schema-version', nb)).out);
    expect((await tool('db-cksum', ours)).out).toBe((await tool('schema-cksum', nb)).out);
    if (hasOvs) {
      for (const c of ['db-name', 'db-version', 'db-cksum']) expect(await tool(c, ovsFile)).toEqual(real(c, ovsFile));
    }
  });

  test.runIf(existsSync('/usr/share/openvswitch/vswitch.ovsschema'))('create without SCHEMA uses ovsdb-tool\'s default, the Open_vSwitch schema', async () => {
    const db = join(dir, 'default');
    expect((await tool('create', db)).code).toBe(0);
    expect((await tool('db-name', db)).out).toBe('Open_vSwitch\n');
  });

  test('bad schema files give one error line', async () => {
    const missing = await tool('schema-name', join(dir, 'nope.ovsschema'));
    expect(missing).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${join(dir, 'nope.ovsschema')}: open failed (No such file or directory)\n` });
    const garbage = join(dir, 'garbage.ovsschema');
    writeFileSync(garbage, '{"name": ');
    expect((await tool('schema-name', garbage)).err).toMatch(/^ovsdb-ts: .*garbage\.ovsschema: syntax error: .*\n$/);
    const invalid = join(dir, 'invalid.ovsschema');
    writeFileSync(invalid, JSON.stringify({ name: 'x', tables: { T: { columns: { c: { type: 'nonsense' } } } } }));
    const r = await tool('schema-name', invalid);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(2);
  });
});

describe('compare-versions', () => {
  const cases: [string, string, string][] = [
    ['1.2.3', '<', '1.10.0'], ['1.2.3', '>', '1.10.0'], ['1.2.3', '==', '1.2.3'], ['1.2.3', '!=', '1.2.3'],
    ['2.0.0', '>=', '1.99.99'], ['1.0.0', '<=', '1.0.0'], ['0.0.1', '<', '0.0.0'], ['10.0.0', '>', '9.9.9'],
  ];
  test.each(cases)('%s %s %s', async (a, op, b) => {
    const ours = await tool('compare-versions', a, op, b);
    expect([0, 2]).toContain(ours.code);
    if (hasOvs) expect(ours).toEqual(real('compare-versions', a, op, b));
  });

  test.each([['1.2', '<', '1.0.0'], ['1.0.0', 'lt', '1.0.0'], ['1.0.0', '<', 'x.y.z']])('error %s %s %s', async (a, op, b) => {
    const ours = await tool('compare-versions', a, op, b);
    expect(ours.code).toBe(1);
    expect(ours.err).toMatch(/^ovsdb-ts: .*(not an OVSDB version number in format x\.y\.z|not a relational operator)\n$/);
    if (hasOvs) expect(ours).toEqual(real('compare-versions', a, op, b));
  });
});

describe('db-is-standalone / db-is-clustered', () => {
  test('our database is standalone', async () => {
    expect((await tool('db-is-standalone', ours)).code).toBe(0);
    expect((await tool('db-is-clustered', ours)).code).toBe(2);
  });

  test('a missing database is an error (1), as in ovsdb-tool', async () => {
    const missing = join(dir, 'missing');
    expect((await tool('db-is-clustered', missing)).code).toBe(1);
    expect((await tool('db-is-standalone', missing)).code).toBe(1);
    if (hasOvs) expect((await tool('db-is-clustered', missing))).toEqual(real('db-is-clustered', missing));
  });

  test.runIf(hasOvs)('Open vSwitch standalone and clustered files agree with ovsdb-tool', async () => {
    const clustered = join(dir, 'clustered.db');
    expect(real('create-cluster', clustered, nb, 'tcp:127.0.0.1:6699').code).toBe(0);
    for (const file of [ovsFile, clustered]) {
      for (const c of ['db-is-standalone', 'db-is-clustered']) expect((await tool(c, file)).code, `${c} ${file}`).toBe(real(c, file).code);
    }
    for (const c of ['db-name', 'db-version', 'db-cksum']) expect(await tool(c, clustered), c).toEqual(real(c, clustered));
    const r = await tool('create', join(dir, 'from-cluster'), clustered);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/clustered .*ovsdb-tool cluster-to-standalone/);
  });
});

describe('needs-conversion', () => {
  test('same schema: no; changed schema: yes', async () => {
    expect(await tool('needs-conversion', ours, nb)).toEqual({ code: 0, out: 'no\n', err: '' });
    const changed = join(dir, 'changed.ovsschema');
    const json = JSON.parse(spawnSync('cat', [nb], { encoding: 'utf8' }).stdout) as { version: string };
    writeFileSync(changed, JSON.stringify({ ...json, version: '99.0.0' }));
    expect((await tool('needs-conversion', ours, changed)).out).toBe('yes\n');
    if (hasOvs) {
      expect(await tool('needs-conversion', ovsFile, changed)).toEqual(real('needs-conversion', ovsFile, changed));
      expect(await tool('needs-conversion', ovsFile, nb)).toEqual(real('needs-conversion', ovsFile, nb));
    }
  });
});

describe('show-log', () => {
  test.runIf(hasOvs)('an Open vSwitch file prints exactly as ovsdb-tool show-log, at every verbosity', async () => {
    for (const m of [[], ['-m'], ['-mm']]) {
      expect(await tool('show-log', ...m, ovsFile)).toEqual(real(...m, 'show-log', ovsFile));
    }
  });

  test('our database: schema record, then one line per transaction, -m names rows, -mm columns', async () => {
    const db = join(dir, 'log');
    expect((await tool('create', db, nb)).code).toBe(0);
    await tool('transact', db, JSON.stringify(['OVN_Northbound', { op: 'insert', table: 'Logical_Switch', row: { name: 'ls1' } }, { op: 'comment', comment: 'make ls1' }]));
    await tool('transact', db, JSON.stringify(['OVN_Northbound', { op: 'update', table: 'Logical_Switch', where: [], row: { other_config: ['map', [['k', 'v']]] } }]));
    await tool('transact', db, JSON.stringify(['OVN_Northbound', { op: 'delete', table: 'Logical_Switch', where: [] }]));
    const plain = (await tool('show-log', db)).out.split('\n');
    expect(plain[0]).toMatch(/^record 0: "OVN_Northbound" schema, version="[\d.]+", cksum="\d+ \d+"$/);
    expect(plain[1]).toBe('');
    // Dates and comments appear once stored records may carry them (WRITE_RECORD_META).
    const date = WRITE_RECORD_META ? ' \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}' : '';
    expect(plain[2]).toMatch(new RegExp(`^record 1:${date}${WRITE_RECORD_META ? ' "make ls1"' : ''}$`));
    expect(plain[3]).toMatch(new RegExp(`^record 2:${date}$`));
    expect(plain[4]).toMatch(/^record 3:/);
    expect(plain[5]).toBe('');
    const more = (await tool('show-log', '-m', db)).out;
    expect(more).toMatch(/record 1:.*\n  table Logical_Switch insert row "ls1" \([0-9a-f]{8}\):\n\n/);
    expect(more).toMatch(/record 2:.*\n  table Logical_Switch row "ls1" \([0-9a-f]{8}\):\n\n/);
    expect(more).toMatch(/record 3:.*\n  table Logical_Switch row "ls1" \([0-9a-f]{8}\):\n    delete row\n/);
    const most = (await tool('show-log', '-m', '-m', db)).out;
    // ovsdb-tool's spelling, -m before the command, counts the same.
    expect((await tool('-m', 'show-log', '-m', db)).out).toBe(most);
    expect((await tool('-m', 'show-log', db)).out).toBe(more);
    expect(most).toContain('    other_config={k=v}\n');
    expect(most).not.toContain('_version');
    // After compaction the log restarts with one record holding every row.
    await tool('transact', db, JSON.stringify(['OVN_Northbound', { op: 'insert', table: 'Logical_Switch', row: { name: 'ls2' } }]));
    expect((await tool('compact', db)).code).toBe(0);
    const compacted = (await tool('show-log', '-m', db)).out;
    expect(compacted).toMatch(/^record 0: .*\n\nrecord 1:.*\n  table Logical_Switch insert row "ls2" \([0-9a-f]{8}\):\n\n$/);
  });
});

describe('command line', () => {
  const commands = ['create', 'db-name', 'db-version', 'db-cksum', 'schema-name', 'schema-version', 'schema-cksum',
    'compare-versions', 'query', 'transact', 'show-log', 'compact', 'convert', 'needs-conversion', 'db-is-standalone',
    'db-is-clustered', 'export-ovs'];
  test.each(commands)('%s --help', async (c) => {
    const r = await tool(c, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: ovsdb-ts tool ${c} `));
  });

  test('missing or extra arguments and unknown commands are one ovsdb-ts line', async () => {
    for (const args of [['db-name'], ['db-name', 'a', 'b'], ['bogus'], ['compare-versions', '1.0.0']]) {
      const r = await tool(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(/^ovsdb-ts: [^\n]+\n$/);
    }
  });
});
