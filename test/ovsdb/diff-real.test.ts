/**
 * Differential test: every case in diff-cases.ts is sent to the real ovsdb-server and to our
 * engine; the replies must be identical after uuids are normalised.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { canonicalJson } from '../../src/base/json.js';
import { Database } from '../../src/ovsdb/index.js';
import { requireOvs } from '../helpers/ovs.js';
import { DIFF_CASES } from './diff-cases.js';
import { TEST_SCHEMA_JSON, canonReply as canon, makeCtx, normalizeUuids, testSchema } from './helpers.js';
import { RealServer } from './real-server.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool');

describe.skipIf(!haveOvs)('differential vs real ovsdb-server', () => {
  const real = new RealServer();
  beforeAll(async () => { await real.start(TEST_SCHEMA_JSON); }, 20_000);
  afterAll(() => real.stop());

  test('get_schema returns the same normal form as ours', async () => {
    expect(canonicalJson(await real.call('get_schema', ['T']))).toBe(canonicalJson(testSchema().json));
  });

  test.each(DIFF_CASES.map(([name, txns]) => [name, txns] as const))('%s', async (_name, txns) => {
    const wipe: Json[] = ['T', ...['A', 'B', 'C', 'W', 'I'].map((t) => ({ op: 'delete', table: t, where: [] }))];
    await real.call('transact', wipe);
    const db = new Database(testSchema());
    const ctx = makeCtx(7);
    const realNames = new Map<string, string>();
    const ourNames = new Map<string, string>();
    for (const ops of txns) {
      const theirs = await real.call('transact', ['T', ...ops]);
      const outcome = db.transact(ops, ctx);
      expect(outcome.kind).toBe('done');
      if (outcome.kind !== 'done') return;
      if (outcome.record) db.apply(outcome.record);
      expect(canon(normalizeUuids([...outcome.results], ourNames))).toEqual(canon(normalizeUuids(theirs, realNames)));
    }
  });
});
