/**
 * Online schema conversion (the OVS `convert` method, ovsdb-server(7)): data carried over to the
 * new schema, monitor_canceled for db-change-aware clients, disconnection of the others, and
 * the error replies. This changes the Mini schema for good, so it runs last.
 */
import { type DiffCase, MINI, rpc, tx } from '../case.js';

const miniV2 = {
  name: MINI,
  version: '2.0.0',
  tables: {
    T: { columns: { k: { type: 'string' }, v: { type: 'integer' }, extra: { type: { key: 'string', min: 0, max: 1 } } }, isRoot: true },
    U: { columns: { x: { type: 'integer' } }, isRoot: true },
  },
};

export const convertCases: readonly DiffCase[] = [
  {
    name: 'convert Mini to a wider schema',
    db: MINI,
    steps: [
      { send: tx(MINI, { op: 'insert', table: 'T', row: { k: 'a', v: 1 } }) },
      { conn: 1, send: rpc('set_db_change_aware', [true]) },
      { conn: 1, send: rpc('monitor_cond', [MINI, 'm', { T: [{ columns: ['k', 'v'] }] }]) },
      { conn: 2, send: rpc('monitor', [MINI, 'm2', { T: {} }]) },
      { conn: 3, send: rpc('set_db_change_aware', [true]) },
      { conn: 3, send: rpc('convert', [MINI, miniV2]) },
      { conn: 1, send: tx(MINI, { op: 'select', table: 'T', where: [], columns: ['k', 'v', 'extra'] }) },
      { conn: 1, send: rpc('convert', [MINI, { name: 'Other', tables: {} }]) },
      { conn: 1, send: rpc('convert', [MINI, { name: MINI, tables: { T: { columns: { k: { type: 'integer' } } } } }]) },
      { conn: 1, send: rpc('convert', ['Nope', { name: 'Nope', tables: {} }]) },
      { conn: 1, send: rpc('convert', [MINI]) },
      { conn: 3, send: rpc('get_schema', [MINI]) },
      { conn: 3, send: tx(MINI, { op: 'insert', table: 'U', row: { x: 5 } }, { op: 'select', table: 'U', where: [], columns: ['x'] }) },
    ],
  },
];
