/**
 * Pure pieces of the client: OVS-style JSON text, %.15g, datum text forms, table layouts,
 * schema comparison, and the database-file reader fed garbage.
 */
import { describe, expect, it } from 'vitest';
import { compareUtf8, formatG, formatOvsJson, formatOvsString } from '../../src/client/ovs-json.js';
import { datumToBare, datumToJson, datumToString, decodeDatum, stringNeedsQuotes } from '../../src/client/datum-text.js';
import { parseColumnType, parseSchemaInfo } from '../../src/client/schema-info.js';
import { TablePrinter, defaultTableStyle, parseTableFormat } from '../../src/client/table-format.js';
import { composeRecord, parseRecords, readDbFile } from '../../src/client/ovs-db-file.js';
import { schemasEqual } from '../../src/client/schema-compare.js';
import { Prng } from '../../src/base/prng.js';

describe('formatG (C %.15g)', () => {
  it.each([
    [0, '0'], [2.5, '2.5'], [0.1 + 0.2, '0.3'], [1e-7, '1e-07'], [1e20, '1e+20'], [123456789012.5, '123456789012.5'],
    [1e15, '1e+15'], [-0.0001, '-0.0001'], [0.00001, '1e-05'], [1 / 3, '0.333333333333333'], [-1.5e300, '-1.5e+300'],
  ])('%d -> %s', (x, s) => {
    expect(formatG(x)).toBe(s);
  });
});

describe('formatOvsJson', () => {
  it('sorts members, prints reals as %.15g and escapes like lib/json.c', () => {
    expect(formatOvsJson({ b: [1, 0.1 + 0.2], a: 'x"\\\n\u0001é' })).toBe('{"a":"x\\"\\\\\\n\\u0001é","b":[1,0.3]}');
    expect(formatOvsJson({ z: {}, y: [] }, { pretty: true })).toBe('{\n  "y": [],\n  "z": {\n    }}');
    expect(formatOvsJson([1, [2]], { pretty: true })).toBe('[\n  1,\n  [\n    2]]');
    expect(formatOvsString('\b\f\r\t')).toBe('"\\b\\f\\r\\t"');
  });
  it('compares strings in UTF-8 byte order', () => {
    expect(compareUtf8('a', 'b')).toBe(-1);
    expect(compareUtf8('\uffff', '\u{10000}')).toBe(-1);
    expect(compareUtf8('ab', 'a')).toBe(1);
  });
});

describe('datum text', () => {
  const set = parseColumnType('s', { key: 'string', min: 0, max: 'unlimited' });
  const map = parseColumnType('m', { key: 'string', value: 'integer', min: 0, max: 'unlimited' });
  const opt = parseColumnType('o', { key: { type: 'uuid', refTable: 'X' }, min: 0, max: 1 });
  const real = parseColumnType('r', 'real');
  it('prints sets, maps, optional and scalar columns like ovsdb_datum_to_string', () => {
    expect(datumToString(decodeDatum(['set', ['y z', 'x', 'true']], set), set)).toBe('["true", x, "y z"]');
    expect(datumToString(decodeDatum('solo', set), set)).toBe('[solo]');
    expect(datumToString(decodeDatum(['map', [['k', 1], ['j', 2]]], map), map)).toBe('{j=2, k=1}');
    expect(datumToString(decodeDatum(['set', []], opt), opt)).toBe('[]');
    expect(datumToString(decodeDatum(['uuid', '01234567-89ab-cdef-0123-456789abcdef'], opt), opt)).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(datumToString(decodeDatum(0.1, real), real)).toBe('0.1');
    expect(datumToBare(decodeDatum(['set', ['y z', 'x']], set), set)).toBe('x y z');
    expect(datumToJson(decodeDatum(['set', ['x']], set), set)).toBe('x');
    expect(datumToJson(decodeDatum(['set', []], opt), opt)).toEqual(['set', []]);
  });
  it('quotes strings exactly when OVS does', () => {
    expect(['abc', 'a-b.c_1', '_x'].map(stringNeedsQuotes)).toEqual([false, false, false]);
    expect(['', '1a', 'a b', 'true', 'false', '01234567-89ab-cdef-0123-456789abcdef', 'é'].map(stringNeedsQuotes)).toEqual(Array(7).fill(true));
  });
  it('rejects values of the wrong type', () => {
    expect(() => decodeDatum('x', real)).toThrow(/expected real/);
    expect(() => decodeDatum(['map', 3], map)).toThrow(/expected map/);
    expect(() => decodeDatum(['uuid'], opt)).toThrow(/expected uuid/);
  });
});

describe('TablePrinter', () => {
  const t = { caption: 'X table', headings: ['a', 'long heading'], rows: [[{ text: 'ü' }, { text: 'v,"w"' }], [{ text: 'yy' }, { empty: true as const }]] };
  it('lays out table, list, csv and json like lib/table.c', () => {
    expect(new TablePrinter(defaultTableStyle).format(t)).toBe('X table\na  long heading\n-- ------------\nü v,"w"\nyy\n'); // widths count UTF-8 bytes, as C's strlen
    expect(new TablePrinter({ ...defaultTableStyle, format: 'list' }).format(t)).toBe(
      `X table\n${'a'.padEnd(20)}: ü\n${'long heading'.padEnd(20)}: v,"w"\n\n${'a'.padEnd(20)}: yy\n${'long heading'.padEnd(20)}: \n`);
    expect(new TablePrinter({ ...defaultTableStyle, format: 'csv' }).format(t)).toBe('X table\na,long heading\nü,"v,""w"""\nyy,\n');
    expect(new TablePrinter({ ...defaultTableStyle, format: 'json' }).format(t)).toBe('{"caption":"X table","data":[["ü","v,\\"w\\""],["yy",null]],"headings":["a","long heading"]}\n');
    const p = new TablePrinter(defaultTableStyle);
    p.format(t);
    expect(p.format(t).startsWith('\nX table')).toBe(true);
    expect(() => parseTableFormat('xml')).toThrow('unknown output format "xml"');
  });
});

describe('schema comparison', () => {
  it('treats compact and verbose type forms as equal, and real changes as different', () => {
    const a = { name: 'S', version: '1.0.0', tables: { T: { columns: { c: { type: 'string' } }, isRoot: true } } };
    const b = { name: 'S', version: '1.0.0', tables: { T: { columns: { c: { type: { key: { type: 'string' }, min: 1, max: 1 } } }, isRoot: true, indexes: [] } } };
    expect(schemasEqual(a, b)).toBe(true);
    expect(schemasEqual(a, { ...b, version: '1.0.1' })).toBe(false);
    expect(schemasEqual(a, { ...a, tables: { T: { columns: { c: { type: 'integer' } }, isRoot: true } } })).toBe(false);
    expect(() => parseSchemaInfo({ name: 'S' })).toThrow('schema has no tables');
    expect(() => parseSchemaInfo('x')).toThrow('schema is not a JSON object');
  });
});

describe('OVS database file records', () => {
  it('round-trips records and replays transactions, diffs included', () => {
    const schema = { name: 'S', tables: { T: { columns: { s: { type: { key: 'string', min: 0, max: 'unlimited' } } } } } };
    const bytes = Buffer.concat([
      composeRecord(schema),
      composeRecord({ T: { 'aaaaaaaa-0000-0000-0000-000000000001': { s: ['set', ['a', 'b']] } } }),
      composeRecord({ _is_diff: true, T: { 'aaaaaaaa-0000-0000-0000-000000000001': { s: ['set', ['b', 'c']] } } }),
    ]);
    expect(parseRecords(bytes)).toHaveLength(3);
    const db = readDbFile(bytes, () => (_t, _c, old, diff) => ({ old, diff }));
    expect(db.tables.get('T')?.get('aaaaaaaa-0000-0000-0000-000000000001')).toEqual({ s: { old: ['set', ['a', 'b']], diff: ['set', ['b', 'c']] } });
  });
  it('rejects garbage with a message and never hangs', () => {
    const good = composeRecord({ a: 1 });
    expect(() => parseRecords(Buffer.from('hello'))).toThrow(/truncated record header/);
    expect(() => parseRecords(Buffer.from('OVSDB JSON x y\n{}'))).toThrow(/bad record header/);
    expect(() => parseRecords(Buffer.from(`OVSDB CLUSTER 3 ${'0'.repeat(40)}\n{}\n`))).toThrow(/unsupported database format/);
    expect(() => parseRecords(good.subarray(0, good.length - 2))).toThrow(/truncated/);
    const tampered = Buffer.from(good);
    tampered[tampered.length - 3] = 0x32;
    expect(() => parseRecords(tampered)).toThrow(/SHA-1/);
    const rng = new Prng(7);
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(Array.from({ length: rng.int(0, 80) }, () => rng.int(0, 255)));
      const input = rng.int(0, 1) === 0 ? Buffer.concat([good.subarray(0, rng.int(0, good.length)), junk]) : junk;
      try {
        parseRecords(input);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
      }
    }
  });
});
