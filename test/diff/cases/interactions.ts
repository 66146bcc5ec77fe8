/**
 * Interactions between operations of one transaction and between transactions and monitors:
 * several operations on the same row, chains of garbage collection, no-op changes that must not
 * produce updates, conditions on unmonitored columns and _uuid, weak references with a minimum.
 */
import { type DiffCase, DIFF, insert, rpc, selectAll, tx, txCase } from '../case.js';

const byName = (name: string): unknown[] => [['name', '==', name]];

const bulk = Array.from({ length: 100 }, (_, i) => insert('Indexed', { name: `row${i}`, num: i, tag: i % 2 === 0 ? 'even' : 'odd' }));

export const interactionCases: readonly DiffCase[] = [
  {
    name: 'bulk insert of 100 rows seen by a monitor',
    db: DIFF,
    steps: [
      { send: rpc('monitor_cond', [DIFF, 'm', { Indexed: [{ columns: ['name', 'num'], where: [['tag', '==', 'odd']] }] }]) },
      { conn: 1, send: tx(DIFF, ...bulk) },
      { conn: 1, send: tx(DIFF, { op: 'mutate', table: 'Indexed', where: [['num', '<', 10]], mutations: [['num', '+=', 1000]] }, { op: 'select', table: 'Indexed', where: [['num', '>=', 1000]], columns: ['name', 'num'] }) },
      { conn: 1, send: tx(DIFF, { op: 'delete', table: 'Indexed', where: [['tag', '==', 'odd'], ['num', '>', 50]] }) },
    ],
  },
  txCase('explicit uuid referenced by uuid in the same transaction', DIFF, [
    [{ op: 'insert', table: 'Target', uuid: '99999999-0000-4000-8000-0000000000aa', row: { name: 't' } }, insert('Parent', { name: 'p', strong: ['uuid', '99999999-0000-4000-8000-0000000000aa'] })],
    [selectAll('Parent', ['name', 'strong'])],
  ]),
  txCase('insert then update the same row in one transaction', DIFF, [
    [insert('Target', { name: 'a' }, 'a'), { op: 'update', table: 'Target', where: [['_uuid', '==', ['named-uuid', 'a']]], row: { name: 'b' } }, selectAll('Target', ['name'])],
  ]),
  txCase('insert then delete the same row in one transaction', DIFF, [
    [insert('Target', { name: 'a' }, 'a'), { op: 'delete', table: 'Target', where: [['_uuid', '==', ['named-uuid', 'a']]] }, selectAll('Target', ['name'])],
  ]),
  txCase('update then delete in one transaction', DIFF, [[insert('Target', { name: 'a' })], [{ op: 'update', table: 'Target', where: byName('a'), row: { name: 'b' } }, { op: 'delete', table: 'Target', where: byName('b') }, selectAll('Target', ['name'])]]),
  txCase('where with unknown named-uuid', DIFF, [[{ op: 'select', table: 'Target', where: [['_uuid', '==', ['named-uuid', 'nope']]] }]]),
  txCase('uuid-name not an id', DIFF, [[insert('Target', { name: 'a' }, '1abc')]]),
  txCase('uuid-name not a string', DIFF, [[{ op: 'insert', table: 'Target', row: { name: 'a' }, 'uuid-name': 5 }]]),
  txCase('update with empty row', DIFF, [[insert('Target', { name: 'a' })], [{ op: 'update', table: 'Target', where: [], row: {} }]]),
  txCase('select with repeated column', DIFF, [[insert('Target', { name: 'a' }), selectAll('Target', ['name', 'name'])]]),
  txCase('map includes with a set', DIFF, [[insert('Atoms', { smap: ['map', [['k', 'v']]] }), { op: 'select', table: 'Atoms', where: [['smap', 'includes', ['set', ['k']]]], columns: ['smap'] }]]),
  txCase('weak reference below its minimum', DIFF, [
    [insert('Target', { name: 't' }, 't'), insert('WeakReq', { name: 'w', ref: ['named-uuid', 't'] })],
    [{ op: 'delete', table: 'Target', where: [] }],
    [selectAll('WeakReq', ['name', 'ref']), selectAll('Target', ['name'])],
  ]),
  txCase('weak reference minimum at insert', DIFF, [[insert('WeakReq', { name: 'w', ref: ['uuid', '00000000-0000-0000-0000-0000000000cc'] })]]),
  txCase('garbage collection follows a chain', DIFF, [
    [insert('Node', { name: 'n3' }, 'n3'), insert('Node', { name: 'n2', next: ['named-uuid', 'n3'] }, 'n2'), insert('Node', { name: 'n1', next: ['named-uuid', 'n2'] }, 'n1'), insert('Head', { first: ['named-uuid', 'n1'] })],
    [selectAll('Node', ['name'])],
    [{ op: 'update', table: 'Head', where: [], row: { first: ['set', []] } }],
    [selectAll('Node', ['name'])],
  ]),
  txCase('garbage collection of a cycle', DIFF, [
    [insert('Node', { name: 'a', next: ['named-uuid', 'b'] }, 'a'), insert('Node', { name: 'b', next: ['named-uuid', 'a'] }, 'b'), insert('Head', { first: ['named-uuid', 'a'] })],
    [{ op: 'delete', table: 'Head', where: [] }],
    [selectAll('Node', ['name'])],
  ]),
  txCase('unreferenced cycle collected at once', DIFF, [[insert('Node', { name: 'a', next: ['named-uuid', 'b'] }, 'a'), insert('Node', { name: 'b', next: ['named-uuid', 'a'] }, 'b')], [selectAll('Node', ['name'])]]),
  {
    name: 'no update for a change to an unmonitored column',
    db: DIFF,
    steps: [
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 1, s: 'a' })) },
      { send: rpc('monitor', [DIFF, 'm', { Atoms: { columns: ['i'] } }]) },
      { conn: 1, send: tx(DIFF, { op: 'update', table: 'Atoms', where: [], row: { s: 'b' } }) },
      { conn: 1, send: tx(DIFF, { op: 'update', table: 'Atoms', where: [], row: { i: 2 } }) },
    ],
  },
  {
    name: 'no update for a no-op write',
    db: DIFF,
    steps: [
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 1, iset: ['set', [1]] })) },
      { send: rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i', 'iset'] }] }]) },
      { conn: 1, send: tx(DIFF, { op: 'update', table: 'Atoms', where: [], row: { i: 1 } }) },
      { conn: 1, send: tx(DIFF, { op: 'mutate', table: 'Atoms', where: [], mutations: [['i', '+=', 0], ['iset', 'insert', 1]] }) },
      { conn: 1, send: tx(DIFF, { op: 'update', table: 'Atoms', where: [], row: { i: 2 } }, { op: 'update', table: 'Atoms', where: [], row: { i: 1 } }) },
    ],
  },
  {
    name: 'monitor_cond condition on an unmonitored column',
    db: DIFF,
    steps: [
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 1, s: 'in' }), insert('Atoms', { i: 2, s: 'out' })) },
      { send: rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i'], where: [['s', '==', 'in']] }] }]) },
      { conn: 1, send: tx(DIFF, { op: 'update', table: 'Atoms', where: [['i', '==', 2]], row: { s: 'in' } }) },
      { conn: 1, send: tx(DIFF, { op: 'update', table: 'Atoms', where: [['i', '==', 1]], row: { s: 'out', i: 10 } }) },
    ],
  },
  {
    name: 'monitor_cond condition on _uuid',
    db: DIFF,
    steps: [
      { conn: 1, send: tx(DIFF, { op: 'insert', table: 'Target', uuid: '99999999-0000-4000-8000-000000000001', row: { name: 'x' } }, insert('Target', { name: 'y' })) },
      { send: rpc('monitor_cond', [DIFF, 'm', { Target: [{ where: [['_uuid', '==', ['uuid', '99999999-0000-4000-8000-000000000001']]] }] }]) },
      { conn: 1, send: tx(DIFF, { op: 'update', table: 'Target', where: [], row: { name: 'z' } }) },
    ],
  },
  {
    name: 'monitor sees one insert for insert-then-update',
    db: DIFF,
    steps: [
      { send: rpc('monitor_cond', [DIFF, 'm', { Target: [{ columns: ['name'] }] }]) },
      { send: rpc('monitor', [DIFF, 'v1', { Target: { columns: ['name'] } }]) },
      { conn: 1, send: tx(DIFF, insert('Target', { name: 'a' }, 'a'), { op: 'update', table: 'Target', where: [['_uuid', '==', ['named-uuid', 'a']]], row: { name: 'b' } }) },
      { conn: 1, send: tx(DIFF, insert('Target', { name: 'gone' }, 'g'), { op: 'delete', table: 'Target', where: [['_uuid', '==', ['named-uuid', 'g']]] }) },
    ],
  },
  {
    name: 'monitor sees a garbage-collected chain',
    db: DIFF,
    steps: [
      { send: rpc('monitor_cond', [DIFF, 'm', { Node: [{ columns: ['name'] }], Head: [{}] }]) },
      { conn: 1, send: tx(DIFF, insert('Node', { name: 'n2' }, 'n2'), insert('Node', { name: 'n1', next: ['named-uuid', 'n2'] }, 'n1'), insert('Head', { first: ['named-uuid', 'n1'] })) },
      { conn: 1, send: tx(DIFF, { op: 'delete', table: 'Head', where: [] }) },
    ],
  },
  {
    name: 'monitor update v1 modify carries old values of changed columns only',
    db: DIFF,
    steps: [
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 1, s: 'a', r: 1.5, smap: ['map', [['a', '1']]] })) },
      { send: rpc('monitor', [DIFF, 'm', { Atoms: { columns: ['i', 's', 'r', 'smap'] } }]) },
      { conn: 1, send: tx(DIFF, { op: 'mutate', table: 'Atoms', where: [], mutations: [['r', '*=', 2], ['smap', 'insert', ['map', [['b', '2']]]]] }) },
    ],
  },
];
