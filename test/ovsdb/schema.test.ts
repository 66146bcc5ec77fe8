/** Schema parsing and validation (RFC 7047 §3.2 + OVS members), errors as ovsdb-tool words them. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { OvsdbError, errorToString, parseSchema, tryParseSchema, wrapError } from '../../src/ovsdb/index.js';
import { requireOvs } from '../helpers/ovs.js';
import { TEST_SCHEMA_JSON, nbSchemaJson } from './helpers.js';

const col = (type: unknown, extra: object = {}): object => ({ name: 'x', tables: { a: { columns: { b: { type, ...extra } } } } });

/** [name, schema, expected `ovsdb-tool create` message after "ovsdb-tool: "]. */
const BAD: readonly (readonly [string, unknown, string])[] = [
  ['not an object', [1], 'syntax error: failed to parse "bad.ovsschema" as ovsdb schema: Parsing database schema failed: Object expected.'],
  ['missing name', { tables: {} }, 'syntax "{"tables":{}}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: Parsing database schema failed: Required \'name\' member is missing.'],
  ['reserved table', { name: 'x', tables: { _a: { columns: { a: { type: 'integer' } } } } }, 'syntax "{"name":"x","tables":{"_a":{"columns":{"a":{"type":"integer"}}}}}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: names beginning with "_" are reserved'],
  ['reserved column', { name: 'x', tables: { a: { columns: { _b: { type: 'integer' } } } } }, 'syntax "{"columns":{"_b":{"type":"integer"}}}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: names beginning with "_" are reserved'],
  ['no columns', { name: 'x', tables: { a: { columns: {} } } }, 'syntax "{"columns":{}}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: table must have at least one column'],
  ['bad version', { name: 'x', version: '1.2', tables: {} }, 'syntax "{"name":"x","tables":{},"version":"1.2"}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: schema version "1.2" not in format x.y.z'],
  ['bad atomic type', col('int'), 'syntax ""int"": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: "int" is not an atomic-type'],
  ['min 2', col({ key: 'uuid', min: 2 }), 'syntax "{"key":"uuid","min":2}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: ovsdb type fails constraint checks'],
  ['undefined refTable', col({ key: { type: 'uuid', refTable: 'zz' } }), 'syntax error: failed to parse "bad.ovsschema" as ovsdb schema: column b key refers to undefined table zz'],
  ['bad index column', { name: 'x', tables: { a: { columns: { b: { type: 'integer' } }, indexes: [['c']] } } }, 'syntax "["c"]": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: c is not a valid column name'],
  ['maxRows 0', { name: 'x', tables: { a: { columns: { b: { type: 'integer' } }, maxRows: 0 } } }, 'syntax "{"columns":{"b":{"type":"integer"}},"maxRows":0}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: maxRows must be at least 1'],
  ['extra column member', col('integer', { foo: 1 }), 'syntax "{"foo":1,"type":"integer"}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: Parsing schema for column b failed: Member \'foo\' is present but not allowed here.'],
  ['min > max integer', col({ key: { type: 'integer', minInteger: 5, maxInteger: 1 } }), 'syntax "{"maxInteger":1,"minInteger":5,"type":"integer"}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: minInteger exceeds maxInteger'],
  ['bad refType', col({ key: { type: 'uuid', refTable: 'a', refType: 'soft' } }), 'syntax "{"refTable":"a","refType":"soft","type":"uuid"}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: refType must be "strong" or "weak" (not "soft")'],
  ['bad max', col({ key: 'integer', max: 'lots' }), 'syntax ""lots"": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: bad min or max value'],
  ['ephemeral index', { name: 'x', tables: { a: { columns: { b: { type: 'integer', ephemeral: true } }, indexes: [['b']] } } }, 'syntax "{"columns":{"b":{"ephemeral":true,"type":"integer"}},"indexes":[["b"]]}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: ephemeral columns (such as b) may not be indexed'],
  ['empty index', { name: 'x', tables: { a: { columns: { b: { type: 'integer' } }, indexes: [[]] } } }, 'syntax "{"columns":{"b":{"type":"integer"}},"indexes":[[]]}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: index must have at least one column'],
  ['table not id', { name: 'x', tables: { 'a-b': { columns: { b: { type: 'integer' } } } } }, 'syntax "{"name":"x","tables":{"a-b":{"columns":{"b":{"type":"integer"}}}}}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: name must be a valid id'],
  ['enum wrong type', col({ key: { type: 'integer', enum: ['set', ['a']] } }), 'syntax ""a"": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: expected integer'],
  ['name not id', { name: '1x', tables: {} }, 'syntax "{"name":"1x","tables":{}}": syntax error: failed to parse "bad.ovsschema" as ovsdb schema: Parsing database schema failed: Type mismatch for member \'name\'.'],
];

function toolMessage(schema: unknown): string {
  const r = tryParseSchema(schema);
  if (r.ok) return 'ok';
  return errorToString(wrapError(r.error, 'failed to parse "bad.ovsschema" as ovsdb schema'));
}

describe('parseSchema', () => {
  test('parses the OVN Northbound, Southbound, vswitch and test schemas', () => {
    for (const f of ['ovn-nb', 'ovn-sb', 'vswitch']) {
      const json = JSON.parse(readFileSync(`schemas/${f}.ovsschema`, 'utf8')) as { name: string; cksum: string };
      const s = parseSchema(json);
      expect(s.name).toBe(json.name);
      expect(s.cksum).toBe(json.cksum);
      expect(s.tables.size).toBeGreaterThan(5);
      // The normal form round-trips.
      expect(parseSchema(s.json).json).toEqual(s.json);
    }
    const nb = parseSchema(nbSchemaJson());
    const ls = nb.tables.get('Logical_Switch');
    expect(ls?.isRoot).toBe(true);
    expect(nb.tables.get('ACL')?.isRoot).toBe(false);
    expect(nb.tables.get('Logical_Switch_Port')?.indexes).toEqual([['name']]);
    expect(parseSchema(TEST_SCHEMA_JSON).tables.get('C')?.maxRows).toBe(2);
  });

  test('defaults: isRoot for all tables when none says so; weak refs stay mutable', () => {
    const s = parseSchema({ name: 'x', tables: { a: { columns: { r: { type: { key: { type: 'uuid', refTable: 'a', refType: 'weak' } }, mutable: false }, i: { type: 'integer', mutable: false } } } } });
    expect(s.tables.get('a')?.isRoot).toBe(true);
    expect(s.tables.get('a')?.columns.get('r')?.mutable).toBe(true);
    expect(s.tables.get('a')?.columns.get('i')?.mutable).toBe(false);
    expect(s.version).toBeUndefined();
  });

  test('the _Server schema parses', () => {
    const server = {
      name: '_Server', version: '1.2.0',
      tables: { Database: { columns: {
        name: { type: 'string' }, model: { type: { key: { type: 'string', enum: ['set', ['standalone', 'clustered', 'relay']] } } },
        connected: { type: 'boolean' }, leader: { type: 'boolean' }, schema: { type: { key: { type: 'string' }, min: 0, max: 1 } },
        cid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } }, sid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
        index: { type: { key: { type: 'integer' }, min: 0, max: 1 } } }, isRoot: true } },
    };
    const s = parseSchema(server);
    expect(s.tables.get('Database')?.columns.get('model')?.type.key.enum).toEqual(['clustered', 'relay', 'standalone']);
  });

  test.each(BAD)('rejects: %s', (_n, schema, expected) => {
    expect(() => parseSchema(schema)).toThrow(OvsdbError);
    expect(toolMessage(schema)).toBe(expected);
  });

  test('garbage never throws anything but OvsdbError', () => {
    const samples: unknown[] = [null, 1, 'x', [], {}, { name: 1 }, { name: 'a', tables: [] }, { name: 'a', tables: { t: 5 } },
      { name: 'a', tables: { t: { columns: { c: 5 } } } }, { name: 'a', tables: { t: { columns: { c: { type: {} } } } } },
      { name: 'a', tables: { t: { columns: { c: { type: { key: { type: 'integer', minInteger: 'x' } } } } } } },
      { name: 'a', tables: { t: { columns: { c: { type: 'integer' } }, indexes: [5] } } }];
    for (const s of samples) {
      const r = tryParseSchema(s);
      expect(r.ok).toBe(false);
    }
  });
});

const haveTool = requireOvs('ovsdb-tool');
describe.skipIf(!haveTool)('schema errors match the real ovsdb-tool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test.each(BAD)('%s', (_n, schema) => {
    writeFileSync(join(dir, 'bad.ovsschema'), JSON.stringify(schema));
    let stderr = '';
    try {
      execFileSync('ovsdb-tool', ['create', join(dir, 'x.db'), 'bad.ovsschema'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      stderr = String((e as { stderr?: Buffer }).stderr ?? '');
    }
    expect(stderr.trim()).toBe(`ovsdb-tool: ${toolMessage(schema)}`);
  });
});
