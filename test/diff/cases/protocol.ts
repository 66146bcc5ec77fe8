/**
 * JSON-RPC level cases (RFC 7047 §4.1 and the OVS extensions): list_dbs, get_schema, echo,
 * get_server_id, set_db_change_aware, unknown methods, bad params, odd ids, malformed input.
 */
import { type DiffCase, DIFF, MINI, NB, rpc, tx } from '../case.js';

const one = (name: string, db: string, send: Record<string, unknown> | string): DiffCase => ({ name, db, steps: [{ send }] });

export const protocolCases: readonly DiffCase[] = [
  one('list_dbs', MINI, rpc('list_dbs', [])),
  one('list_dbs with extra params', MINI, rpc('list_dbs', ['x', 1])),
  one('get_schema Diff', DIFF, rpc('get_schema', [DIFF])),
  one('get_schema Mini', MINI, rpc('get_schema', [MINI])),
  one('get_schema OVN_Northbound', NB, rpc('get_schema', [NB])),
  one('get_schema _Server', MINI, rpc('get_schema', ['_Server'])),
  one('get_schema unknown database', MINI, rpc('get_schema', ['Nope'])),
  one('get_schema extra params ignored', MINI, rpc('get_schema', [MINI, 'extra', 3])),
  one('get_schema no params', MINI, rpc('get_schema', [])),
  one('get_schema non-string db', MINI, rpc('get_schema', [42])),
  one('echo empty', MINI, rpc('echo', [])),
  one('echo values', MINI, rpc('echo', ['a', 1, { b: [true, null] }])),
  one('echo string id', MINI, { id: 'abc', method: 'echo', params: ['x'] }),
  one('echo array id', MINI, { id: [1, 'two'], method: 'echo', params: [] }),
  one('unknown method', MINI, rpc('frobnicate', [])),
  one('unknown method with params', MINI, rpc('no_such_method', [MINI, { x: 1 }])),
  one('unknown notification gets no reply', MINI, { id: null, method: 'frobnicate', params: [] }),
  one('get_server_id', MINI, rpc('get_server_id', [])),
  one('set_db_change_aware true', MINI, rpc('set_db_change_aware', [true])),
  one('set_db_change_aware false', MINI, rpc('set_db_change_aware', [false])),
  one('transact unknown database', MINI, tx('Nope', { op: 'select', table: 'T', where: [] })),
  one('transact no params', MINI, rpc('transact', [])),
  one('transact db only', MINI, tx(MINI)),
  one('transact params not an array', MINI, rpc('transact', { db: MINI })),
  one('transact op not an object', MINI, tx(MINI, 'select')),
  one('transact db not a string', MINI, rpc('transact', [7, { op: 'select', table: 'T', where: [] }])),
  one('transact on _Server is read-only', MINI, tx('_Server', { op: 'insert', table: 'Database', row: { name: 'x' } })),
  one('select from _Server', MINI, tx('_Server', { op: 'select', table: 'Database', where: [['name', '==', MINI]], columns: ['name', 'model', 'connected', 'leader'] })),
  one('monitor unknown database', MINI, rpc('monitor', ['Nope', null, { T: {} }])),
  one('cancel unknown id', MINI, rpc('cancel', [12345])),
  {
    name: 'malformed JSON closes the connection',
    db: MINI,
    steps: [{ send: rpc('echo', ['before']) }, { send: '{"id":1,"method":"echo","params":[}' }, { conn: 1, send: rpc('echo', ['other connection still served']) }],
  },
  {
    name: 'non-object message',
    db: MINI,
    steps: [{ send: '[1,2,3]' }, { conn: 1, send: rpc('echo', ['other connection still served']) }],
  },
  {
    name: 'invalid literal',
    db: MINI,
    steps: [{ send: '{"id":1,"method":"echo","params":[tru]}' }],
  },
  {
    name: 'mismatched brackets',
    db: MINI,
    steps: [{ send: '{"id":1,"method":"echo","params":["a"}]' }, { conn: 1, send: rpc('echo', ['other connection still served']) }],
  },
  {
    name: 'stray closing bracket between messages',
    db: MINI,
    steps: [{ send: rpc('echo', ['first']) }, { send: ']' }, { conn: 1, send: rpc('echo', ['other connection still served']) }],
  },
  {
    name: 'bare number at top level',
    db: MINI,
    steps: [{ send: '42 ' }, { conn: 1, send: rpc('echo', ['other connection still served']) }],
  },
  {
    name: 'invalid string escape',
    db: MINI,
    steps: [{ send: '{"id":1,"method":"echo","params":["\\q"]}' }],
  },
  {
    name: 'request without params',
    db: MINI,
    steps: [{ send: { id: 5, method: 'list_dbs' } }, { conn: 1, send: rpc('list_dbs', []) }],
  },
  {
    name: 'reply to nothing is ignored',
    db: MINI,
    steps: [{ send: { id: 99, result: [], error: null } }, { send: rpc('echo', ['still here']) }],
  },
  {
    name: 'pipelined requests answered in order',
    db: MINI,
    steps: [
      { send: tx(MINI, { op: 'insert', table: 'T', row: { k: 'a', v: 1 } }), noWait: true },
      { send: tx(MINI, { op: 'select', table: 'T', where: [], columns: ['k', 'v'] }), noWait: true },
      { send: tx(MINI, { op: 'insert', table: 'T', row: { k: 'b', v: 2 } }, { op: 'select', table: 'T', where: [], columns: ['k'] }) },
    ],
  },
];
