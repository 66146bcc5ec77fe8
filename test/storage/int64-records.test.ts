/** Records holding int64 values beyond ±2^53 keep their exact digits on disk, in both formats. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOvsLog, encodeOvsRecord, OVS_STANDALONE_MAGIC } from '../../src/storage/ovs-file-format.js';
import { StandaloneStore, type StoredRecord } from '../../src/storage/standalone-db-store.js';

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ovsdb-ts-int64-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const schema = { name: 'test', version: '1.0.0', tables: { T: { columns: { n: { type: { key: { type: 'integer', minInteger: -9223372036854775808n } } } } } } };
const record: StoredRecord = { T: { u1: { n: 9223372036854775807n, s: ['set', [-9223372036854775808n, 9007199254740993n, 1]] } }, _date: 1700000000000 };

describe('int64 on disk', () => {
  it('a standalone store replays bigints exactly, in the log and in a snapshot', async () => {
    const dir = join(root, 'db');
    const store = await StandaloneStore.create(dir, schema);
    await store.append(record, { durable: true });
    await store.close();
    const opened = await StandaloneStore.open(dir);
    expect(opened.schemaJson).toEqual(schema);
    expect(opened.records).toEqual([record]);
    await opened.store.compact(record);
    await opened.store.close();
    const again = await StandaloneStore.open(dir);
    await again.store.close();
    expect(again.records).toEqual([record]);
  });

  it('an Open vSwitch file record writes the digits and reads them back', () => {
    const bytes = encodeOvsRecord(record);
    expect(bytes.toString('utf8')).toContain('"n":9223372036854775807,"s":["set",[-9223372036854775808,9007199254740993,1]]');
    const log = decodeOvsLog(Buffer.concat([encodeOvsRecord(schema, OVS_STANDALONE_MAGIC), bytes]), 'x.db');
    expect(log.records.map((r) => r.json)).toEqual([schema, record]);
  });
});
