/**
 * References (RFC 7047 §3.2 refTable/refType, §5.1 named-uuid): referential integrity, garbage
 * collection of non-root rows, weak-reference cleanup, uuid-name scoping.
 */
import { type DiffCase, DIFF, insert, selectAll, txCase } from '../case.js';

const selParents = selectAll('Parent', ['name', 'kids', 'kid', 'weak', 'weak1', 'weakmap', 'strong']);
const selChildren = selectAll('Child', ['name']);
const selTargets = selectAll('Target', ['name']);

export const refCases: readonly DiffCase[] = [
  txCase('strong ref by named-uuid', DIFF, [[insert('Child', { name: 'c1' }, 'c1'), insert('Parent', { name: 'p', kids: ['set', [['named-uuid', 'c1']]] })], [selParents, selChildren]]),
  txCase('non-root row without reference is collected', DIFF, [[insert('Child', { name: 'orphan' })], [selChildren]]),
  txCase('dropping the last reference collects the child', DIFF, [
    [insert('Child', { name: 'c1' }, 'c1'), insert('Parent', { name: 'p', kid: ['named-uuid', 'c1'] })],
    [{ op: 'update', table: 'Parent', where: [], row: { kid: ['set', []] } }],
    [selChildren],
  ]),
  txCase('deleting the parent collects children', DIFF, [
    [insert('Child', { name: 'a' }, 'a'), insert('Child', { name: 'b' }, 'b'), insert('Parent', { name: 'p', kids: ['set', [['named-uuid', 'a'], ['named-uuid', 'b']]] })],
    [{ op: 'delete', table: 'Parent', where: [] }],
    [selChildren],
  ]),
  txCase('child shared by two parents survives one delete', DIFF, [
    [insert('Child', { name: 'a' }, 'a'), insert('Parent', { name: 'p1', kid: ['named-uuid', 'a'] }), insert('Parent', { name: 'p2', kids: ['named-uuid', 'a'] })],
    [{ op: 'delete', table: 'Parent', where: [['name', '==', 'p1']] }],
    [selChildren],
  ]),
  txCase('strong ref to nonexistent row', DIFF, [[insert('Parent', { name: 'p', strong: ['uuid', '00000000-0000-0000-0000-0000000000aa'] })]]),
  txCase('delete strongly referenced root row', DIFF, [
    [insert('Target', { name: 't' }, 't'), insert('Parent', { name: 'p', strong: ['named-uuid', 't'] })],
    [{ op: 'delete', table: 'Target', where: [] }],
    [selTargets],
  ]),
  txCase('delete referenced row and referrer together', DIFF, [
    [insert('Target', { name: 't' }, 't'), insert('Parent', { name: 'p', strong: ['named-uuid', 't'] })],
    [{ op: 'delete', table: 'Target', where: [] }, { op: 'delete', table: 'Parent', where: [] }],
    [selTargets, selParents],
  ]),
  txCase('weak ref removed when target deleted', DIFF, [
    [insert('Target', { name: 't1' }, 't1'), insert('Target', { name: 't2' }, 't2'), insert('Parent', { name: 'p', weak: ['set', [['named-uuid', 't1'], ['named-uuid', 't2']]] })],
    [{ op: 'delete', table: 'Target', where: [['name', '==', 't1']] }],
    [selParents],
  ]),
  txCase('weak ref to nonexistent row is dropped', DIFF, [[insert('Parent', { name: 'p', weak: ['uuid', '00000000-0000-0000-0000-0000000000bb'] })], [selParents]]),
  txCase('weak map value removed with target', DIFF, [
    [insert('Target', { name: 't' }, 't'), insert('Parent', { name: 'p', weakmap: ['map', [['a', ['named-uuid', 't']], ['b', ['named-uuid', 't']]]] })],
    [{ op: 'delete', table: 'Target', where: [] }],
    [selParents],
  ]),
  txCase('weak ref with min 1 violated by deletion', DIFF, [
    [insert('Target', { name: 't' }, 't'), insert('Parent', { name: 'p', weak1: ['named-uuid', 't'] })],
    [{ op: 'delete', table: 'Target', where: [] }],
    [selParents, selTargets],
  ]),
  txCase('unknown named-uuid', DIFF, [[insert('Parent', { name: 'p', kid: ['named-uuid', 'nope'] })]]),
  txCase('duplicate uuid-name', DIFF, [[insert('Child', { name: 'a' }, 'x'), insert('Child', { name: 'b' }, 'x')]]),
  txCase('named-uuid used before its insert', DIFF, [[insert('Parent', { name: 'p', kid: ['named-uuid', 'c'] }), insert('Child', { name: 'c' }, 'c')], [selChildren]]),
  txCase('named-uuid not shared between transactions', DIFF, [[insert('Child', { name: 'a' }, 'c'), insert('Parent', { name: 'p', kid: ['named-uuid', 'c'] })], [insert('Parent', { name: 'q', kid: ['named-uuid', 'c'] })]]),
  txCase('named-uuid in a where clause', DIFF, [[insert('Target', { name: 't' }, 't'), { op: 'select', table: 'Target', where: [['_uuid', '==', ['named-uuid', 't']]], columns: ['name'] }]]),
  txCase('ref to wrong table', DIFF, [[insert('Target', { name: 't' }, 't'), insert('Parent', { name: 'p', kid: ['named-uuid', 't'] })]]),
  txCase('explicit uuid insert then reference', DIFF, [
    [{ op: 'insert', table: 'Target', uuid: '11111111-2222-3333-4444-555555555555', row: { name: 't' } }],
    [insert('Parent', { name: 'p', strong: ['uuid', '11111111-2222-3333-4444-555555555555'] })],
    [selParents],
  ]),
  txCase('explicit uuid duplicate', DIFF, [
    [{ op: 'insert', table: 'Target', uuid: '11111111-2222-3333-4444-555555555555', row: { name: 't' } }],
    [{ op: 'insert', table: 'Target', uuid: '11111111-2222-3333-4444-555555555555', row: { name: 'u' } }],
  ]),
  txCase('explicit uuid malformed', DIFF, [[{ op: 'insert', table: 'Target', uuid: 'xyz', row: { name: 't' } }]]),
  txCase('reference counts: two refs one delete', DIFF, [
    [insert('Target', { name: 't' }, 't'), insert('Parent', { name: 'a', strong: ['named-uuid', 't'] }), insert('Parent', { name: 'b', strong: ['named-uuid', 't'] })],
    [{ op: 'delete', table: 'Parent', where: [['name', '==', 'a']] }, { op: 'delete', table: 'Target', where: [] }],
  ]),
];
