/**
 * Monitor output without sockets: the engine's RowChanges in, <table-updates> out, for each
 * protocol version, select flags, conditions, shared computation and merged history.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Database, parseSchema } from '../../src/ovsdb/index.js';
import type { CommitRecord, RowChanges } from '../../src/ovsdb/types.js';
import { Monitor, mergeChanges } from '../../src/server/monitor.js';
import { parseMonitorRequests, type MonitorVersion } from '../../src/server/monitor-request.js';
import { datumDiff } from '../../src/server/row-update.js';
import { newUuid, TEST_SCHEMA } from './harness.js';

const schema = parseSchema(TEST_SCHEMA);

function commit(db: Database, ops: Json[]): RowChanges {
  const out = db.transact(ops, { nowMs: 0, startedMs: 0, newUuid, hasLock: () => false });
  if (out.kind !== 'done' || !out.record) throw new Error(`no commit: ${JSON.stringify(out)}`);
  return db.apply(out.record as CommitRecord);
}

function monitor(version: MonitorVersion, req: Json): Monitor {
  return new Monitor('m', version, parseMonitorRequests(schema, req, version));
}

describe('Monitor', () => {
  it('honours select flags', () => {
    const db = new Database(schema);
    const m = monitor(2, { A: [{ columns: ['n'], select: { insert: false, modify: true, delete: false } }] });
    const ins = commit(db, [{ op: 'insert', table: 'A', row: { name: 'a', n: 1 } }]);
    expect(m.update(ins)).toBeUndefined();
    const mod = commit(db, [{ op: 'update', table: 'A', where: [], row: { n: 2 } }]);
    expect(Object.values(m.update(mod)?.['A'] ?? {})).toEqual([{ modify: { n: 2 } }]);
    // A change to an unmonitored column is not a modify of this monitor.
    expect(m.update(commit(db, [{ op: 'update', table: 'A', where: [], row: { name: 'b' } }]))).toBeUndefined();
    expect(m.update(commit(db, [{ op: 'delete', table: 'A', where: [] }]))).toBeUndefined();
  });

  it('turns a modify into insert/delete when the row crosses the condition', () => {
    const db = new Database(schema);
    const m = monitor(3, { A: [{ columns: ['n'], where: [['n', '>', 5]] }] });
    const ins = commit(db, [{ op: 'insert', table: 'A', row: { name: 'x', n: 1 } }]);
    expect(m.update(ins)).toBeUndefined();
    const uuid = [...(ins.get('A')?.keys() ?? [])][0] ?? '';
    expect(m.update(commit(db, [{ op: 'update', table: 'A', where: [], row: { n: 9 } }]))).toEqual({ A: { [uuid]: { insert: { n: 9 } } } });
    expect(m.update(commit(db, [{ op: 'update', table: 'A', where: [], row: { n: 2 } }]))).toEqual({ A: { [uuid]: { delete: null } } });
  });

  it('v1 monitors without columns include _version and report old values of changed columns only', () => {
    const db = new Database(schema);
    const m = monitor(1, { A: {} });
    const ins = commit(db, [{ op: 'insert', table: 'A', row: { name: 'v', n: 1 } }]);
    const uuid = [...(ins.get('A')?.keys() ?? [])][0] ?? '';
    const first = m.update(ins)?.['A']?.[uuid] as { new: Record<string, Json> };
    expect(Object.keys(first.new).sort()).toEqual(['_version', 'm', 'n', 'name', 'o', 's']);
    const mod = m.update(commit(db, [{ op: 'update', table: 'A', where: [], row: { n: 3 } }]))?.['A']?.[uuid] as { old: Record<string, Json> };
    expect(Object.keys(mod.old).sort()).toEqual(['_version', 'n']);
    expect(mod.old['n']).toBe(1);
  });

  it('computes OVS datum diffs', () => {
    const table = schema.tables.get('A');
    const col = (n: string) => {
      const c = table?.columns.get(n);
      if (!c) throw new Error(n);
      return c;
    };
    expect(datumDiff(col('n'), { keys: [1], values: undefined }, { keys: [2], values: undefined })).toEqual({ keys: [2], values: undefined });
    expect(datumDiff(col('s'), { keys: ['a', 'b'], values: undefined }, { keys: ['b', 'c'], values: undefined })).toEqual({ keys: ['a', 'c'], values: undefined });
    expect(datumDiff(col('m'), { keys: ['a', 'b', 'c'], values: ['1', '2', '3'] }, { keys: ['b', 'c', 'd'], values: ['2', '9', '4'] }))
      .toEqual({ keys: ['a', 'c', 'd'], values: ['1', '9', '4'] });
  });

  it('merges consecutive commits per row for monitor_cond_since', () => {
    const db = new Database(schema);
    const a = commit(db, [{ op: 'insert', table: 'A', row: { name: 'gone' } }, { op: 'insert', table: 'A', row: { name: 'stays', n: 1 } }]);
    const b = commit(db, [{ op: 'delete', table: 'A', where: [['name', '==', 'gone']] }, { op: 'update', table: 'A', where: [['name', '==', 'stays']], row: { n: 2 } }]);
    const merged = mergeChanges([a, b]).get('A');
    expect(merged?.size).toBe(1);
    const only = [...(merged?.values() ?? [])][0];
    expect(only?.old).toBeUndefined();
    expect(only?.new?.columns.get('n')?.keys).toEqual([2]);
  });
});
