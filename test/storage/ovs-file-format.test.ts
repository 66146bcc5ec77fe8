import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import {
  OvsFileError, decodeOvsLog, encodeOvsRecord, encodeOvsStandaloneFile, parseOvsStandaloneFile, sniffOvsMagic,
} from '../../src/storage/ovs-file-format.js';
import { repoRoot } from '../helpers/build.js';
import { requireOvs } from '../helpers/ovs.js';

const dir = mkdtempSync(join(tmpdir(), 'ovs-file-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = { name: 'T', version: '1.0.0', tables: { A: { columns: { s: { type: 'string' } } } } };
const txn1 = { _date: 1700000000000, _comment: 'first', A: { '0b4c1a3e-0000-4000-8000-000000000001': { s: 'x' } } };
const txn2 = { _date: 1700000000001, _is_diff: true, A: { '0b4c1a3e-0000-4000-8000-000000000001': { s: 'y' } } };
const sample = encodeOvsStandaloneFile(schema, [txn1, txn2]);

describe('record encoding', () => {
  test('header carries the body length and SHA-1, body ends with a newline', () => {
    const rec = encodeOvsRecord({ a: 1 });
    const text = rec.toString();
    const [header, body] = [text.slice(0, text.indexOf('\n') + 1), text.slice(text.indexOf('\n') + 1)];
    expect(body).toBe('{"a":1}\n');
    const sha = createHash('sha1').update(body).digest('hex');
    expect(header).toBe(`OVSDB JSON ${body.length} ${sha}\n`);
  });

  test('round trip of a whole file', () => {
    const f = parseOvsStandaloneFile(sample, 'x.db');
    expect(f.schema).toEqual(schema);
    expect(f.transactions).toEqual([txn1, txn2]);
    expect(f.truncatedTail).toBeUndefined();
    expect(sniffOvsMagic(sample)).toBe('JSON');
  });

  test('non-ASCII text keeps its byte length', () => {
    const f = encodeOvsStandaloneFile(schema, [{ A: { '0b4c1a3e-0000-4000-8000-000000000001': { s: 'héllo ☃ 😀' } } }]);
    expect(parseOvsStandaloneFile(f, 'u.db').transactions[0]).toEqual({ A: { '0b4c1a3e-0000-4000-8000-000000000001': { s: 'héllo ☃ 😀' } } });
  });
});

describe('damaged and foreign files', () => {
  test('empty file', () => {
    expect(() => decodeOvsLog(new Uint8Array(), 'e.db')).toThrow(/e\.db: empty file/);
  });

  test('a schema file is not a database file', () => {
    expect(() => decodeOvsLog(Buffer.from(JSON.stringify(schema)), 's.json')).toThrow(/unexpected file format/);
    expect(sniffOvsMagic(Buffer.from(JSON.stringify(schema)))).toBeUndefined();
  });

  test('SHA-1 mismatch is rejected with offsets', () => {
    const bad = Buffer.from(sample);
    const pos = bad.indexOf('"first"');
    bad[pos + 1] = 'F'.charCodeAt(0);
    expect(() => decodeOvsLog(bad, 'c.db')).toThrow(/c\.db: \d+ bytes starting at offset \d+ have SHA-1 hash [0-9a-f]{40} but should have hash [0-9a-f]{40}/);
  });

  test('a garbage header in the middle is rejected', () => {
    const bad = Buffer.concat([encodeOvsRecord(schema), Buffer.from('OVSDB JSON zz 1234\n{}\n'), encodeOvsRecord(txn1)]);
    expect(() => decodeOvsLog(bad, 'g.db')).toThrow(/g\.db: parse error at offset \d+ in header line "OVSDB JSON zz 1234"/);
  });

  test('valid hash over a body that is not a JSON object', () => {
    const arr = Buffer.concat([encodeOvsRecord(schema), encodeOvsRecord([1, 2])]);
    expect(() => decodeOvsLog(arr, 'a.db')).toThrow(/are not a JSON object/);
    const body = Buffer.from('{"a":\n');
    const notJson = Buffer.concat([
      encodeOvsRecord(schema),
      Buffer.from(`OVSDB JSON ${body.length} ${createHash('sha1').update(body).digest('hex')}\n`), body,
    ]);
    expect(() => decodeOvsLog(notJson, 'j.db')).toThrow(/are not valid JSON/);
  });

  test('mixed magics are rejected', () => {
    const mixed = Buffer.concat([encodeOvsRecord(schema), encodeOvsRecord(txn1, 'CLUSTER')]);
    expect(() => decodeOvsLog(mixed, 'm.db')).toThrow(/has magic "CLUSTER" but the file's is "JSON"/);
  });

  test('a clustered file is recognised and refused with the conversion command', () => {
    const clustered = encodeOvsRecord({ name: 'T', local_address: 'tcp:1.2.3.4:6641' }, 'CLUSTER');
    expect(sniffOvsMagic(clustered)).toBe('CLUSTER');
    expect(() => parseOvsStandaloneFile(clustered, 'cl.db')).toThrow(/clustered .*ovsdb-tool cluster-to-standalone/);
  });

  test('a file cut at every byte: whole records survive, the torn tail is reported, never an exception past the schema', () => {
    const schemaLen = encodeOvsRecord(schema).length;
    const rec1End = schemaLen + encodeOvsRecord(txn1).length;
    for (let cut = 1; cut < sample.length; cut++) {
      const part = sample.subarray(0, cut);
      if (cut < schemaLen) {
        expect(() => decodeOvsLog(part, 't.db'), `cut ${cut}`).toThrow(OvsFileError);
        continue;
      }
      const log = decodeOvsLog(part, 't.db');
      const whole = cut >= rec1End ? 2 : 1;
      expect(log.records.length, `cut ${cut}`).toBe(whole);
      expect(log.truncatedTail === undefined, `cut ${cut}`).toBe(cut === schemaLen || cut === rec1End);
    }
  });

  test('zero-filled blocks after the last record are a torn tail; zeros before more data are not', () => {
    const zeros = Buffer.concat([sample, Buffer.alloc(4096)]);
    const log = decodeOvsLog(zeros, 'z.db');
    expect(log.records).toHaveLength(3);
    expect(log.truncatedTail?.reason).toMatch(/4096 zero bytes/);
    const middle = Buffer.concat([encodeOvsRecord(schema), Buffer.alloc(10), encodeOvsRecord(txn1)]);
    expect(() => decodeOvsLog(middle, 'z.db')).toThrow(/parse error at offset/);
  });

  test('random garbage never escapes as anything but OvsFileError', () => {
    const rng = new Prng(7);
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(sample);
      const flips = rng.int(1, 4);
      for (let k = 0; k < flips; k++) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
      const cut = rng.chance(1 / 3) ? bytes.subarray(0, rng.int(0, bytes.length - 1)) : bytes;
      try {
        const log = decodeOvsLog(cut, 'r.db');
        expect(log.records.length).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(OvsFileError);
      }
    }
    for (let i = 0; i < 100; i++) {
      const junk = Buffer.alloc(rng.int(0, 400 - 1));
      for (let k = 0; k < junk.length; k++) junk[k] = rng.int(0, 255);
      const withHeader = rng.chance(0.5) ? Buffer.concat([Buffer.from('OVSDB JSON '), junk]) : junk;
      expect(() => decodeOvsLog(withHeader, 'j.db')).toThrow(OvsFileError);
    }
  });
});

describe.runIf(requireOvs('ovsdb-tool'))('against the real ovsdb-tool', () => {
  test('reads what ovsdb-tool writes, and ovsdb-tool reads what we write', () => {
    const db = join(dir, 'real.db');
    execFileSync('ovsdb-tool', ['create', db, join(repoRoot, 'schemas/vswitch.ovsschema')]);
    execFileSync('ovsdb-tool', ['transact', db, JSON.stringify(['Open_vSwitch',
      { op: 'insert', table: 'Open_vSwitch', row: { external_ids: ['map', [['k', 'v']]] } },
      { op: 'comment', comment: 'hi' }])]);
    const f = parseOvsStandaloneFile(readFileSync(db), db);
    expect(f.schema['name']).toBe('Open_vSwitch');
    expect(f.transactions).toHaveLength(1);
    expect(f.transactions[0]?.['_comment']).toBe('hi');

    const ours = join(dir, 'ours.db');
    execFileSync('sh', ['-c', 'cat > "$1"', 'sh', ours], { input: encodeOvsStandaloneFile(f.schema, f.transactions) });
    expect(execFileSync('ovsdb-tool', ['db-name', ours]).toString()).toBe('Open_vSwitch\n');
    const log = execFileSync('ovsdb-tool', ['show-log', ours]).toString();
    expect(log).toMatch(/^record 0: "Open_vSwitch" schema/);
    expect(log).toMatch(/record 1: \d{4}-\d\d-\d\d [\d:.]+ "hi"/);
  });
});
