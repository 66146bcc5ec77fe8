/**
 * Micro-benchmark (not run in CI): CPU time of the engine alone for the benchmark's small
 * insert (Database.transact + apply), without sockets or storage.
 *
 *   node dist/bench/micro/engine-insert.js [transactions=200000]
 */
import { randomUUID } from 'node:crypto';
import type { Uuid } from '../../src/base/uuid.js';
import { Database, parseSchema } from '../../src/ovsdb/index.js';
import { benchSchema } from '../scenarios.js';

const n = Number(process.argv[2] ?? 200_000);
const db = new Database(parseSchema(benchSchema));
const newUuid = (): Uuid => randomUUID() as Uuid;
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const out = db.transact([{ op: 'insert', table: 'Item', row: { name: `w${i}`, n: i } }], { nowMs: 0, startedMs: 0, newUuid, hasLock: () => false });
    if (out.kind !== 'done') throw new Error('insert failed');
    db.applyOutcome(out);
  }
  const ms = performance.now() - t0;
  process.stdout.write(`round ${round + 1}: ${((ms * 1000) / n).toFixed(2)} us per insert transaction\n`);
}
