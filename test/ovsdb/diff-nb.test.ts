/** Differential cases on the OVN Northbound schema (GC of ports, weak Port_Group refs, indexes). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Database, parseSchema } from '../../src/ovsdb/index.js';
import { requireOvs } from '../helpers/ovs.js';
import { canonReply, makeCtx, nbSchemaJson, normalizeUuids } from './helpers.js';
import { RealServer } from './real-server.js';

const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool');
const lsp = (name: string, id: string, extra: { [k: string]: Json } = {}): Json => ({ op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': id, row: { name, ...extra } });
const ls = (name: string, ports: string[]): Json => ({ op: 'insert', table: 'Logical_Switch', row: { name, ports: ['set', ports.map((p) => ['named-uuid', p])] } });
const selAll = (table: string, columns: string[]): Json => ({ op: 'select', table, where: [], columns });

const CASES: readonly (readonly [string, readonly Json[][]])[] = [
  ['switch with ports', [[lsp('p1', 'a', { addresses: ['set', ['00:00:00:00:00:01 10.0.0.1']] }), lsp('p2', 'b'), ls('sw', ['a', 'b'])], [selAll('Logical_Switch_Port', ['name', 'addresses'])]]],
  ['orphan port collected', [[lsp('p1', 'a')], [selAll('Logical_Switch_Port', ['name'])]]],
  ['duplicate port name', [[lsp('p1', 'a'), lsp('p1', 'b'), ls('sw', ['a', 'b'])]]],
  ['remove port from switch', [[lsp('p1', 'a'), lsp('p2', 'b'), ls('sw', ['a', 'b']), { op: 'insert', table: 'Port_Group', row: { name: 'pg', ports: ['set', [['named-uuid', 'a'], ['named-uuid', 'b']]] } }],
    [{ op: 'mutate', table: 'Logical_Switch', where: [], mutations: [['ports', 'delete', ['set', []]]] }, { op: 'select', table: 'Logical_Switch_Port', where: [['name', '==', 'p1']], columns: ['_uuid'] }],
    [{ op: 'delete', table: 'Logical_Switch', where: [] }], [selAll('Port_Group', ['name', 'ports']), selAll('Logical_Switch_Port', ['name'])]]],
  ['NB_Global maxRows', [[{ op: 'insert', table: 'NB_Global', row: {} }, { op: 'insert', table: 'NB_Global', row: {} }]]],
  ['ACL enum and range', [[{ op: 'insert', table: 'ACL', row: { direction: 'sideways', priority: 1, match: 'x', action: 'allow' } }],
    [{ op: 'insert', table: 'ACL', row: { direction: 'to-lport', priority: 99999, match: 'x', action: 'allow' } }]]],
  ['ACL defaults violate enum', [[{ op: 'insert', table: 'ACL', row: { priority: 1, match: 'x' } }]]],
  ['address set index', [[{ op: 'insert', table: 'Address_Set', row: { name: 'as' } }], [{ op: 'insert', table: 'Address_Set', row: { name: 'as', addresses: ['set', ['1.1.1.1']] } }]]],
  ['options map', [[lsp('p1', 'a', { options: ['map', [['b', '2'], ['a', '1']]] }), ls('sw', ['a'])], [{ op: 'mutate', table: 'Logical_Switch_Port', where: [], mutations: [['options', 'insert', ['map', [['a', 'x'], ['c', '3']]]], ['options', 'delete', ['set', ['b']]]] }], [selAll('Logical_Switch_Port', ['options'])]]],
  ['tag range', [[lsp('p1', 'a', { tag_request: 5000 }), ls('sw', ['a'])]]],
];

describe.skipIf(!haveOvs)('differential vs real ovsdb-server (OVN Northbound)', () => {
  const real = new RealServer();
  const schema = parseSchema(nbSchemaJson());
  beforeAll(async () => { await real.start(nbSchemaJson()); }, 20_000);
  afterAll(() => real.stop());

  test.each(CASES.map(([n, t]) => [n, t] as const))('%s', async (_n, txns) => {
    const wipe: Json[] = ['OVN_Northbound', ...[...schema.tables.keys()].map((t) => ({ op: 'delete', table: t, where: [] }))];
    await real.call('transact', wipe);
    const db = new Database(schema);
    const ctx = makeCtx(3);
    const names = [new Map<string, string>(), new Map<string, string>()] as const;
    for (const ops of txns) {
      const theirs = await real.call('transact', ['OVN_Northbound', ...ops]);
      const out = db.transact(ops, ctx);
      if (out.kind !== 'done') throw new Error('blocked');
      if (out.record) db.apply(out.record);
      expect(canonReply(normalizeUuids([...out.results], names[0]))).toEqual(canonReply(normalizeUuids(theirs, names[1])));
    }
  });
});
