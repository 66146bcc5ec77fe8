/** Shared fixtures for the engine tests: schemas, a seeded TxnContext, and a tiny driver. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Prng } from '../../src/base/prng.js';
import { uuidFromRandom } from '../../src/base/uuid.js';
import type { Uuid } from '../../src/base/uuid.js';
import type { Json } from '../../src/base/json.js';
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

/** Runs one transaction and applies its record; returns the results. */
export function run(db: Database, ops: Json[], ctx: TxnContext = makeCtx()): readonly Json[] {
  const out: TxnOutcome = db.transact(ops, ctx);
  if (out.kind !== 'done') throw new Error('blocked');
  if (out.record) db.apply(out.record);
  return out.results;
}

/** Replaces every uuid by a stable placeholder in order of first appearance. */
export function normalizeUuids(value: Json, names = new Map<string, string>()): Json {
  const text = JSON.stringify(value).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => {
    let n = names.get(u);
    if (n === undefined) names.set(u, (n = `<${names.size}>`));
    return n;
  });
  return JSON.parse(text) as Json;
}
