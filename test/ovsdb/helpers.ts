/** Shared fixtures for the engine tests: schemas, a seeded TxnContext, and a tiny driver. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Prng } from '../../src/base/prng.js';
import { uuidFromRandom } from '../../src/base/uuid.js';
import type { Uuid } from '../../src/base/uuid.js';
import type { Json } from '../../src/base/json.js';
import { canonicalJson, jsonText } from '../../src/base/json.js';
import { Database, parseSchema } from '../../src/ovsdb/index.js';
import type { DatabaseSchema, TxnContext, TxnOutcome } from '../../src/ovsdb/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The small hand-written schema exercising every type and constraint (also test.ovsschema.json). */
export const TEST_SCHEMA_JSON: unknown = JSON.parse(readFileSync(`${here}/test.ovsschema.json`, 'utf8'));
export const testSchema = (): DatabaseSchema => parseSchema(TEST_SCHEMA_JSON);
export const nbSchemaJson = (): unknown => JSON.parse(readFileSync(`${here}/../../schemas/ovn-nb.ovsschema`, 'utf8'));

/** A deterministic context: seeded uuids, fixed time, a set of held locks. */
export function makeCtx(seed = 1, opts: { nowMs?: number; startedMs?: number; locks?: string[] } = {}): TxnContext {
  const prng = new Prng(seed);
  return {
    nowMs: opts.nowMs ?? 1000,
    startedMs: opts.startedMs ?? opts.nowMs ?? 1000,
    newUuid: (): Uuid => uuidFromRandom(() => prng.nextU32()),
    hasLock: (name) => (opts.locks ?? []).includes(name),
  };
}

/**
 * Runs one transaction and applies its record; returns the results. Every record's text is
 * checked against its object (the engine writes the text directly, see record.ts recordText).
 */
export function run(db: Database, ops: Json[], ctx: TxnContext = makeCtx()): readonly Json[] {
  const out: TxnOutcome = db.transact(ops, ctx);
  if (out.kind !== 'done') throw new Error('blocked');
  if (out.record) {
    if (out.recordText !== jsonText(out.record)) throw new Error(`record text ${out.recordText ?? 'undefined'} is not ${jsonText(out.record)}`);
    db.apply(out.record);
  }
  return out.results;
}

/** Replaces every uuid by a placeholder in order of first appearance (object keys sorted first). */
export function normalizeUuids(value: Json, names = new Map<string, string>()): Json {
  const text = canonicalJson(value).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => {
    let n = names.get(u);
    if (n === undefined) names.set(u, (n = `<${names.size}>`));
    return n;
  });
  return JSON.parse(text) as Json;
}

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

/** Sorts select rows (hash order in OVS) and the two rows of index errors (see above). */
export function canonReply(results: Json): Json {
  if (!Array.isArray(results)) return results;
  return results.map((r) => {
    if (r && typeof r === 'object' && !Array.isArray(r) && typeof (r as { details?: Json }).details === 'string') {
      return { ...r, details: canonIndexError((r as { details: string }).details) };
    }
    if (r && typeof r === 'object' && !Array.isArray(r) && Array.isArray((r as { rows?: Json }).rows)) {
      const rows = [...((r as { rows: Json[] }).rows)].map((x) => canonicalJson(x)).sort().map((x) => JSON.parse(x) as Json);
      return { ...r, rows };
    }
    return r;
  });
}

