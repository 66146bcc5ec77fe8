/**
 * `ovsdb-ts tool` query, transact, compact and convert, in-process, with the real ovsdb-tool
 * run on the same requests for comparison.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Json, JsonObject } from '../../src/base/json.js';
import { compactDb, convertDb, runTransaction } from '../../src/cli/tool-txn.js';
import { createDb } from '../../src/cli/tool-create.js';
import { needsConversion } from '../../src/cli/tool-info.js';
import { BufferIo, runTool } from '../../src/cli/tool-io.js';
import { StandaloneStore } from '../../src/storage/standalone-db-store.js';
import { requireOvs } from '../helpers/ovs.js';

const hasOvs = requireOvs('ovsdb-tool');
const dir = mkdtempSync(join(tmpdir(), 'tool-txn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schemaV1 = {
  name: 'Lab', version: '1.0.0',
  tables: {
    Host: { isRoot: true, indexes: [['name']], columns: {
      name: { type: 'string' }, ips: { type: { key: 'string', min: 0, max: 'unlimited' } },
      tags: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
      nic: { type: { key: { type: 'uuid', refTable: 'Nic' }, min: 0, max: 'unlimited' } },
      weight: { type: 'integer' },
    } },
    Nic: { columns: { mac: { type: 'string' } } },
  },
};
const schemaFile = join(dir, 'v1.ovsschema');
writeFileSync(schemaFile, JSON.stringify(schemaV1));

async function call(body: (io: BufferIo) => Promise<0 | 1 | 2>): Promise<{ code: number; out: string; err: string }> {
  const io = new BufferIo();
  const code = await runTool(io, () => body(io));
  return { code, out: io.out, err: io.err };
}
const transact = (db: string, req: unknown, write = true) => call((io) => runTransaction(db, typeof req === 'string' ? req : JSON.stringify(req), write, io));

function real(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('ovsdb-tool', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Result rows without `_version` (random in both implementations). */
function rowsOf(out: string): Json {
  const res = JSON.parse(out) as { rows: JsonObject[] }[];
  const key = ({ _uuid, ...rest }: JsonObject): string => JSON.stringify(rest);
  return res.map((r) => r.rows.map(({ _version, ...rest }) => rest).sort((a, b) => key(a).localeCompare(key(b))));
}

const selectAll = ['Lab', { op: 'select', table: 'Host', where: [] }, { op: 'select', table: 'Nic', where: [] }];
const writes: unknown[][] = [
  [{ op: 'insert', table: 'Nic', row: { mac: 'aa' }, 'uuid-name': 'n' },
    { op: 'insert', table: 'Host', row: { name: 'h1', ips: ['set', ['10.0.0.1']], nic: ['named-uuid', 'n'], tags: ['map', [['a', '1']]] } }],
  [{ op: 'insert', table: 'Host', row: { name: 'h2', weight: 3 } }],
  [{ op: 'mutate', table: 'Host', where: [['name', '==', 'h1']], mutations: [['ips', 'insert', '10.0.0.2'], ['tags', 'insert', ['map', [['b', '2']]]]] }],
  [{ op: 'update', table: 'Host', where: [['name', '==', 'h2']], row: { weight: 5 } }, { op: 'comment', comment: 'bump' }],
];

describe('transact and query', () => {
  const db = join(dir, 'lab');

  test('transact stores; query sees it and stores nothing', async () => {
    expect((await call((io) => createDb(db, schemaFile, io))).code).toBe(0);
    for (const w of writes) {
      const r = await transact(db, ['Lab', ...w]);
      expect(r.code).toBe(0);
      expect(r.out).not.toMatch(/"error"/);
    }
    const before = (await transact(db, selectAll, false)).out;
    expect(rowsOf(before)).toMatchObject([[{ name: 'h1', ips: ['set', ['10.0.0.1', '10.0.0.2']] }, { name: 'h2', weight: 5 }], [{ mac: 'aa' }]]);
    const q = await transact(db, ['Lab', { op: 'insert', table: 'Host', row: { name: 'h3' } }], false);
    expect(q.out).toMatch(/^\[\{"uuid":\["uuid","[0-9a-f-]{36}"\]\}\]\n$/);
    expect(rowsOf((await transact(db, selectAll, false)).out)).toEqual(rowsOf(before));
  });

  test('engine errors are results, exit 0, as ovsdb-tool prints them', async () => {
    const dup = await transact(db, ['Lab', { op: 'insert', table: 'Host', row: { name: 'h1' } }]);
    expect(dup.code).toBe(0);
    expect(dup.out).toMatch(/"error":"constraint violation"/);
    expect(await transact(db, { a: 1 })).toEqual({ code: 0, out: '{"details":"array expected","error":"syntax error","syntax":"{\\"a\\":1}"}\n', err: '' });
    expect((await transact(db, ['Nope'])).out).toBe('{"details":"database name expected as first parameter","error":"syntax error","syntax":"[\\"Nope\\"]"}\n');
  });

  test('malformed JSON and non-databases are one error line, exit 1', async () => {
    const bad = await transact(db, '[garbage');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^ovsdb-ts: "\[garbage": syntax error: [^\n]+\n$/);
    const none = await transact(join(dir, 'none'), selectAll);
    expect(none).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${join(dir, 'none')}: open failed (No such file or directory)\n` });
  });

  test('a database held open elsewhere (e.g. by a server) is refused, not corrupted', async () => {
    const { store } = await StandaloneStore.open(db);
    try {
      const r = await transact(db, ['Lab', { op: 'insert', table: 'Host', row: { name: 'locked' } }]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^ovsdb-ts: .*database is in use by another process/);
    } finally {
      await store.close();
    }
    expect((await transact(db, selectAll, false)).out).not.toContain('locked');
  });

  test.runIf(hasOvs)('the same requests give the same results as on a real ovsdb-tool file', async () => {
    const ovs = join(dir, 'lab.db');
    expect(real('create', ovs, schemaFile).code).toBe(0);
    for (const w of writes) real('transact', ovs, JSON.stringify(['Lab', ...w]));
    const theirs = real('query', ovs, JSON.stringify(selectAll)).out;
    const select = (await transact(db, selectAll, false)).out;
    const strip = (v: Json): Json => JSON.parse(JSON.stringify(v).replace(/"[0-9a-f]{8}-[0-9a-f-]{27}"/g, '"U"')) as Json;
    expect(strip(rowsOf(select))).toEqual(strip(rowsOf(theirs)));
    // query on the Open vSwitch file itself (read-only use of an OVS file) agrees too.
    expect(rowsOf((await transact(ovs, selectAll, false)).out)).toEqual(rowsOf(theirs));
    const w = await transact(ovs, ['Lab', { op: 'insert', table: 'Nic', row: {} }]);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/Open vSwitch database file.*ovsdb-ts tool create/);
    // Error results for the same bad request are identical.
    const req = JSON.stringify(['Lab', { op: 'insert', table: 'Host', row: { name: 'h1' } }, { op: 'insert', table: 'Host', row: { bogus: 1 } }]);
    const uuids = (text: string): string => text.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'U');
    expect(uuids((await transact(db, req)).out)).toBe(uuids(real('transact', ovs, req).out));
  });
});

describe('the server opens what the tool writes', () => {
  test('records from create (import), transact, compact and convert replay in server/database-host', async () => {
    const { replay } = await import('../../src/server/database-host.js');
    const { parseSchema } = await import('../../src/ovsdb/schema/parse-schema.js');
    const src = join(dir, 'srv-src');
    await call((io) => createDb(src, schemaFile, io));
    for (const w of writes) await transact(src, ['Lab', ...w]);
    const copy = join(dir, 'srv-copy');
    await call((io) => createDb(copy, src, io));
    await transact(copy, ['Lab', { op: 'insert', table: 'Host', row: { name: 'h9' } }]);
    const compacted = join(dir, 'srv-compacted');
    await call((io) => compactDb(copy, compacted, io));
    for (const d of [src, copy, compacted]) {
      const { store, schemaJson, records } = await StandaloneStore.open(d);
      await store.close();
      const db = replay(parseSchema(schemaJson), records);
      expect(db.table('Host')?.size, d).toBe(d === src ? 2 : 3);
    }
  });
});

describe('compact and convert', () => {
  test('compact in place and into DST keep the rows and shrink the log', async () => {
    const db = join(dir, 'c');
    await call((io) => createDb(db, schemaFile, io));
    for (const w of writes) await transact(db, ['Lab', ...w]);
    for (let i = 0; i < 20; i++) await transact(db, ['Lab', { op: 'update', table: 'Host', where: [['name', '==', 'h2']], row: { weight: i } }]);
    const before = rowsOf((await transact(db, selectAll, false)).out);
    const dst = join(dir, 'c2');
    expect((await call((io) => compactDb(db, dst, io))).code).toBe(0);
    expect((await call((io) => compactDb(db, undefined, io))).code).toBe(0);
    for (const d of [db, dst]) {
      expect(rowsOf((await transact(d, selectAll, false)).out)).toEqual(before);
      const { store, records } = await StandaloneStore.open(d);
      expect(records).toHaveLength(1);
      expect(store.stats().logRecords).toBe(0);
      await store.close();
    }
    expect((await call((io) => compactDb(db, dst, io))).err).toMatch(/File exists/);
    // create from one of our databases copies schema and rows, uuids included.
    const copy = join(dir, 'c-copy');
    expect((await call((io) => createDb(copy, db, io))).code).toBe(0);
    expect(rowsOf((await transact(copy, selectAll, false)).out)).toEqual(before);
  });

  test('convert adds and drops columns; refuses data the new schema rejects', async () => {
    const db = join(dir, 'v');
    await call((io) => createDb(db, schemaFile, io));
    for (const w of writes) await transact(db, ['Lab', ...w]);
    const v2 = structuredClone(schemaV1) as { version: string; tables: { Host: { columns: { [k: string]: unknown } } } };
    v2.version = '2.0.0';
    delete v2.tables.Host.columns['tags'];
    v2.tables.Host.columns['owner'] = { type: 'string' };
    const v2File = join(dir, 'v2.ovsschema');
    writeFileSync(v2File, JSON.stringify(v2));
    const converted = join(dir, 'v-converted');
    expect(await call((io) => convertDb(db, v2File, converted, io))).toEqual({ code: 0, out: '', err: '' });
    expect(await call((io) => convertDb(db, v2File, undefined, io))).toEqual({ code: 0, out: '', err: '' });
    for (const d of [db, converted]) {
      const rows = rowsOf((await transact(d, selectAll, false)).out) as JsonObject[][];
      expect(rows[0]?.map((r) => [r['name'], r['owner'], 'tags' in r])).toEqual([['h1', '', false], ['h2', '', false]]);
    }
    // Weight 5 no longer fits: the conversion fails and leaves the database as it was.
    const v3 = structuredClone(v2) as typeof v2;
    v3.tables.Host.columns['weight'] = { type: { key: { type: 'integer', maxInteger: 1 } } };
    const v3File = join(dir, 'v3.ovsschema');
    writeFileSync(v3File, JSON.stringify(v3));
    const r = await call((io) => convertDb(db, v3File, undefined, io));
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(readFileSync(v2File).length).toBeGreaterThan(0);
    expect((await transact(db, selectAll, false)).out).toContain('"weight":5');
    expect((await call((io) => needsConversion(db, v2File, io))).out).toBe('no\n');

    if (hasOvs) {
      // ovsdb-tool convert on the same data gives the same rows.
      const ovs = join(dir, 'conv.db');
      real('create', ovs, schemaFile);
      for (const w of writes) real('transact', ovs, JSON.stringify(['Lab', ...w]));
      expect(real('convert', ovs, v2File).code).toBe(0);
      const strip = (v: Json): Json => JSON.parse(JSON.stringify(v).replace(/"[0-9a-f]{8}-[0-9a-f-]{27}"/g, '"U"')) as Json;
      expect(strip(rowsOf((await transact(db, selectAll, false)).out))).toEqual(strip(rowsOf(real('query', ovs, JSON.stringify(selectAll)).out)));
      // Both refuse the conversion that does not fit.
      expect(real('convert', ovs, v3File, join(dir, 'conv3.db')).code).toBe(1);
    }
  });
});
