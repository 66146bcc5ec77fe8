/**
 * Differential test: every case in diff-cases.ts is sent to the real ovsdb-server and to our
 * engine; the replies must be identical after uuids are normalised.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Database } from '../../src/ovsdb/index.js';
import { requireOvs } from '../helpers/ovs.js';
import { DIFF_CASES } from './diff-cases.js';
import { TEST_SCHEMA_JSON, makeCtx, normalizeUuids, testSchema } from './helpers.js';
import { RealServer } from './real-server.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool');

/**
 * OVS 3.1 orders the two rows of a duplicate-index error by comparing every column in hash
 * order (random uuids first), so the First/Second order is arbitrary: compare it sorted.
 */
function canonIndexError(details: string): string {
  const m = /^(.*\.  )(First row, .*?)  (Second row, .*)$/.exec(details);
  if (!m) return details;
  const a = (m[2] ?? '').replace(/^First row/, 'row');
  const b = (m[3] ?? '').replace(/^Second row/, 'row');
  return `${m[1] ?? ''}${[a, b].sort().join('  ')}`;
}

/** Sorts the rows of select results so hash order does not matter. */
function canon(results: Json): Json {
  if (!Array.isArray(results)) return results;
  return results.map((r) => {
    if (r && typeof r === 'object' && !Array.isArray(r) && typeof (r as { details?: Json }).details === 'string') {
      return { ...r, details: canonIndexError((r as { details: string }).details) };
    }
    if (r && typeof r === 'object' && !Array.isArray(r) && Array.isArray((r as { rows?: Json }).rows)) {
      const rows = [...((r as { rows: Json[] }).rows)].map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x) as Json);
      return { ...r, rows };
    }
    return r;
  });
}

describe.skipIf(!haveOvs)('differential vs real ovsdb-server', () => {
  const real = new RealServer();
  beforeAll(async () => { await real.start(TEST_SCHEMA_JSON); }, 20_000);
  afterAll(() => real.stop());

  test.each(DIFF_CASES.map(([name, txns]) => [name, txns] as const))('%s', async (_name, txns) => {
    const wipe: Json[] = ['T', ...['A', 'B', 'C', 'W'].map((t) => ({ op: 'delete', table: t, where: [] }))];
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
