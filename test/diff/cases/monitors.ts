/**
 * Monitors (RFC 7047 §4.1.5-4.1.7 and the OVS extensions monitor_cond, monitor_cond_change,
 * monitor_cond_since, update2/update3): column selections, select flags, conditions, condition
 * changes, cancellation, the _Server database, and update contents for every kind of change.
 */
import { type DiffCase, type DiffStep, DIFF, insert, rpc, tx } from '../case.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const up = (where: readonly unknown[], row: Record<string, unknown>, table = 'Atoms'): Record<string, unknown> => ({ op: 'update', table, where, row });
const del = (table: string, where: readonly unknown[] = []): Record<string, unknown> => ({ op: 'delete', table, where });

/** A case: monitor request on conn 0, then `changes` (each a transaction on conn `conn`). */
function mon(name: string, request: Record<string, unknown>, changes: readonly { conn?: number; ops: readonly unknown[] }[], pre: readonly (readonly unknown[])[] = []): DiffCase {
  const steps: DiffStep[] = [];
  for (const ops of pre) steps.push({ conn: 1, send: tx(DIFF, ...ops) });
  steps.push({ send: request });
  for (const c of changes) steps.push({ conn: c.conn ?? 1, send: tx(DIFF, ...c.ops) });
  return { name, db: DIFF, steps };
}

const lifecycle = [
  { ops: [insert('Atoms', { i: 1, s: 'a', iset: ['set', [1, 2]], smap: ['map', [['k', 'v']]] })] },
  { ops: [up([['i', '==', 1]], { s: 'b', iset: ['set', [2, 3]], smap: ['map', [['k', 'w'], ['n', 'x']]] })] },
  { ops: [up([['i', '==', 1]], { s: 'b' })] },
  { ops: [del('Atoms')] },
];
const preRow = [[insert('Atoms', { i: 7, s: 'pre', opt: 1 })]];
const cols = ['i', 's', 'iset', 'smap', 'opt'];

export const monitorCases: readonly DiffCase[] = [
  mon('monitor all columns lifecycle', rpc('monitor', [DIFF, 'm', { Atoms: {} }]), lifecycle, preRow),
  mon('monitor selected columns', rpc('monitor', [DIFF, 'm', { Atoms: { columns: ['i', 's'] } }]), lifecycle, preRow),
  mon('monitor select flags: no initial, no delete', rpc('monitor', [DIFF, 'm', { Atoms: { columns: cols, select: { initial: false, insert: true, delete: false, modify: true } } }]), lifecycle, preRow),
  mon('monitor select flags: only delete', rpc('monitor', [DIFF, 'm', { Atoms: { columns: cols, select: { initial: false, insert: false, delete: true, modify: false } } }]), lifecycle, preRow),
  mon('monitor array of requests', rpc('monitor', [DIFF, 'm', { Atoms: [{ columns: ['i'] }, { columns: ['s'], select: { initial: false } }] }]), lifecycle, preRow),
  mon('monitor null id', rpc('monitor', [DIFF, null, { Atoms: { columns: ['i'] } }]), lifecycle.slice(0, 1)),
  mon('monitor several tables', rpc('monitor', [DIFF, ['a', 1], { Atoms: { columns: ['i'] }, Target: {} }]), [{ ops: [insert('Target', { name: 't' }), insert('Atoms', { i: 3 })] }]),
  mon('monitor unknown table', rpc('monitor', [DIFF, 'm', { Nope: {} }]), []),
  mon('monitor unknown column', rpc('monitor', [DIFF, 'm', { Atoms: { columns: ['nope'] } }]), []),
  mon('monitor columns not an array', rpc('monitor', [DIFF, 'm', { Atoms: { columns: 'i' } }]), []),
  mon('monitor bad select', rpc('monitor', [DIFF, 'm', { Atoms: { select: { initial: 'yes' } } }]), []),
  mon('monitor _uuid column', rpc('monitor', [DIFF, 'm', { Atoms: { columns: ['_uuid', 'i'] } }]), lifecycle.slice(0, 2)),
  mon('monitor own transaction before reply', rpc('monitor', [DIFF, 'm', { Target: {} }]), [{ conn: 0, ops: [insert('Target', { name: 'mine' })] }]),
  mon('monitor sees GC of non-root rows', rpc('monitor', [DIFF, 'm', { Child: {}, Parent: { columns: ['name', 'kids'] } }]), [
    { ops: [insert('Child', { name: 'c' }, 'c'), insert('Parent', { name: 'p', kids: ['named-uuid', 'c'] })] },
    { ops: [del('Parent')] },
  ]),
  mon('monitor sees weak-ref cleanup', rpc('monitor', [DIFF, 'm', { Parent: { columns: ['weak'] }, Target: {} }]), [
    { ops: [insert('Target', { name: 't' }, 't'), insert('Parent', { name: 'p', weak: ['named-uuid', 't'] })] },
    { ops: [del('Target')] },
  ]),
  mon('monitor failed transaction sends nothing', rpc('monitor', [DIFF, 'm', { Target: {} }]), [{ ops: [insert('Target', { name: 'x' }), { op: 'abort' }] }]),
  mon('monitor_cond all rows', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: cols }] }]), lifecycle, preRow),
  mon('monitor_cond all columns', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{}] }]), lifecycle, preRow),
  mon('monitor_cond with where', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: cols, where: [['i', '>', 5]] }] }]), [
    { ops: [insert('Atoms', { i: 1 }), insert('Atoms', { i: 10 })] },
    { ops: [up([['i', '==', 1]], { i: 6 })] },
    { ops: [up([['i', '==', 10]], { i: 2 })] },
  ], preRow),
  mon('monitor_cond where false', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i'], where: [false] }] }]), lifecycle.slice(0, 2), preRow),
  mon('monitor_cond where true', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i'], where: [true] }] }]), lifecycle.slice(0, 2), preRow),
  mon('monitor_cond disjunction of clauses', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i'], where: [['i', '==', 1], ['s', '==', 'pre']] }] }]), lifecycle.slice(0, 1), preRow),
  mon('monitor_cond set diff in modify', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['iset', 'smap', 'opt', 'sset3'] }] }]), [
    { ops: [up([], { iset: ['set', [1, 5]], smap: ['map', [['a', 'b']]], opt: ['set', []], sset3: ['set', ['x', 'y']] })] },
    { ops: [{ op: 'mutate', table: 'Atoms', where: [], mutations: [['sset3', 'delete', 'x'], ['iset', 'insert', 9]] }] },
  ], preRow),
  mon('monitor_cond select flags', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i'], select: { initial: true, insert: false, delete: true, modify: false } }] }]), lifecycle, preRow),
  mon('monitor_cond bad condition', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ where: [['i', 'like', 1]] }] }]), []),
  mon('monitor_cond condition on unknown column', rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ where: [['zz', '==', 1]] }] }]), []),
  mon('monitor_cond_since zero id', rpc('monitor_cond_since', [DIFF, 'm', { Atoms: [{ columns: ['i', 's'] }] }, ZERO]), lifecycle, preRow),
  mon('monitor_cond_since unknown id', rpc('monitor_cond_since', [DIFF, 'm', { Atoms: [{ columns: ['i'] }] }, '12345678-1234-1234-1234-123456789abc']), lifecycle.slice(0, 2), preRow),
  mon('monitor_cond_since with where', rpc('monitor_cond_since', [DIFF, 'm', { Atoms: [{ columns: ['i'], where: [['i', '<', 5]] }] }, ZERO]), lifecycle.slice(0, 2), preRow),
  mon('monitor_cond_since bad last-txn-id', rpc('monitor_cond_since', [DIFF, 'm', { Atoms: [{}] }, 'garbage']), []),
  {
    name: 'monitor_cond_change narrows and widens',
    db: DIFF,
    steps: [
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 1 }), insert('Atoms', { i: 2 }), insert('Atoms', { i: 3 })) },
      { send: rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i'], where: [['i', '<=', 2]] }] }]) },
      { send: rpc('monitor_cond_change', ['m', 'm', { Atoms: [{ where: [['i', '>=', 2]] }] }]) },
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 4 }), up([['i', '==', 1]], { i: 0 })) },
      { send: rpc('monitor_cond_change', ['m', 'm', { Atoms: [{ where: [true] }] }]) },
      { send: rpc('monitor_cond_change', ['m', 'm', { Atoms: [{ where: [false] }] }]) },
    ],
  },
  {
    name: 'monitor_cond_change renames the monitor',
    db: DIFF,
    steps: [
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 1 })) },
      { send: rpc('monitor_cond', [DIFF, 'old', { Atoms: [{ columns: ['i'], where: [false] }] }]) },
      { send: rpc('monitor_cond_change', ['old', 'new', { Atoms: [{ where: [true] }] }]) },
      { conn: 1, send: tx(DIFF, insert('Atoms', { i: 2 })) },
      { send: rpc('monitor_cancel', ['new']) },
      { send: rpc('monitor_cancel', ['old']) },
    ],
  },
  {
    name: 'monitor_cond_change errors',
    db: DIFF,
    steps: [
      { send: rpc('monitor_cond_change', ['nope', 'nope', { Atoms: [{ where: [true] }] }]) },
      { send: rpc('monitor_cond', [DIFF, 'm', { Atoms: [{ columns: ['i'] }] }]) },
      { send: rpc('monitor_cond_change', ['m', 'm', { Nope: [{ where: [true] }] }]) },
      { send: rpc('monitor_cond_change', ['m', 'm', { Atoms: [{ where: [['zz', '==', 1]] }] }]) },
      { send: rpc('monitor_cond_change', ['m', 'm', { Atoms: [{ columns: ['s'], where: [true] }] }]) },
    ],
  },
  {
    name: 'monitor_cond_change on a v1 monitor',
    db: DIFF,
    steps: [
      { send: rpc('monitor', [DIFF, 'm', { Atoms: { columns: ['i'] } }]) },
      { send: rpc('monitor_cond_change', ['m', 'm', { Atoms: [{ where: [true] }] }]) },
    ],
  },
  {
    name: 'duplicate monitor id',
    db: DIFF,
    steps: [{ send: rpc('monitor', [DIFF, 'm', { Atoms: {} }]) }, { send: rpc('monitor_cond', [DIFF, 'm', { Atoms: [{}] }]) }],
  },
  {
    name: 'monitor_cancel stops updates',
    db: DIFF,
    steps: [
      { send: rpc('monitor', [DIFF, 'm', { Target: {} }]) },
      { conn: 1, send: tx(DIFF, insert('Target', { name: 'seen' })) },
      { send: rpc('monitor_cancel', ['m']) },
      { conn: 1, send: tx(DIFF, insert('Target', { name: 'not seen' })) },
      { send: rpc('monitor_cancel', ['m']) },
    ],
  },
  {
    name: 'two monitors on one connection',
    db: DIFF,
    steps: [
      { send: rpc('monitor', [DIFF, 'a', { Target: {} }]) },
      { send: rpc('monitor_cond', [DIFF, 'b', { Target: [{ where: [['name', '==', 'x']] }] }]) },
      { conn: 1, send: tx(DIFF, insert('Target', { name: 'x' }), insert('Target', { name: 'y' })) },
    ],
  },
  {
    name: 'monitors on two connections',
    db: DIFF,
    steps: [
      { send: rpc('monitor_cond', [DIFF, 'm', { Target: [{}] }]) },
      { conn: 1, send: rpc('monitor', [DIFF, 'm', { Target: { columns: ['name'] } }]) },
      { conn: 2, send: tx(DIFF, insert('Target', { name: 'x' })) },
      { conn: 2, send: tx(DIFF, up([], { name: 'z' }, 'Target')) },
    ],
  },
  {
    name: '_Server database via monitor_cond',
    db: DIFF,
    steps: [
      { send: rpc('monitor_cond', ['_Server', ['Database', 'x'], { Database: [{ columns: ['name', 'model', 'connected', 'leader', 'schema', 'cid', 'sid', 'index'] }] }]) },
      { send: rpc('monitor_cond', ['_Server', 'w', { Database: [{ columns: ['name', 'model'], where: [['name', '==', DIFF]] }] }]) },
    ],
  },
  {
    name: 'get_schema then monitor _Server with set_db_change_aware',
    db: DIFF,
    steps: [
      { send: rpc('set_db_change_aware', [true]) },
      { send: rpc('monitor_cond', ['_Server', 'srv', { Database: [{ columns: ['name', 'connected', 'leader'] }] }]) },
      { send: rpc('get_schema', ['_Server']) },
    ],
  },
];
