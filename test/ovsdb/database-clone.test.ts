import { describe, expect, it } from 'vitest';
import { Database } from '../../src/ovsdb/database.js';
import { parseSchema } from '../../src/ovsdb/schema/parse-schema.js';
import type { TxnContext } from '../../src/ovsdb/types.js';
import { uuidFromRandom } from '../../src/base/uuid.js';
import { Prng } from '../../src/base/prng.js';

const schema = parseSchema({
  name: 'C', version: '1.0.0',
  tables: {
    P: { columns: { name: { type: 'string' }, kids: { type: { key: { type: 'uuid', refTable: 'K' }, min: 0, max: 'unlimited' } } }, indexes: [['name']], isRoot: true },
    K: { columns: { n: { type: 'integer' } } },
  },
});

function ctx(seed: number): TxnContext {
  const prng = new Prng(seed);
  return { nowMs: 0, startedMs: 0, newUuid: () => uuidFromRandom(() => prng.nextU32()), hasLock: () => false };
}

function commit(db: Database, ops: unknown[], seed: number): void {
  const o = db.transact(ops, ctx(seed));
  if (o.kind !== 'done' || o.record === undefined) throw new Error(JSON.stringify(o.kind === 'done' ? o.results : o));
  db.apply(o.record);
}

describe('Database.clone', () => {
  it('copies rows, indexes and references, and the two then change independently', () => {
    const db = new Database(schema);
    for (let i = 0; i < 300; i++) {
      commit(db, [{ op: 'insert', table: 'K', row: { n: i }, 'uuid-name': 'k' }, { op: 'insert', table: 'P', row: { name: `p${i}`, kids: ['named-uuid', 'k'] } }], i);
    }
    const copy = db.clone();
    expect(copy.canonicalDump()).toBe(db.canonicalDump());
    // The index is copied: a duplicate name fails on the copy as on the original.
    const dup = copy.transact([{ op: 'insert', table: 'P', row: { name: 'p7' } }], ctx(1000));
    expect(JSON.stringify(dup.kind === 'done' ? dup.results : [])).toContain('constraint violation');
    // Deleting parents on the copy garbage-collects their children there only (strong refs copied).
    commit(copy, [{ op: 'delete', table: 'P', where: [['name', '==', 'p1']] }], 2000);
    expect(copy.table('K')?.size).toBe(299);
    expect(db.table('K')?.size).toBe(300);
    commit(db, [{ op: 'insert', table: 'P', row: { name: 'new' } }], 3000);
    expect(copy.table('P')?.size).toBe(299);
    expect(db.table('P')?.size).toBe(301);
  });
});
