/**
 * Every condition function (RFC 7047 §5.1 <condition>) on scalars, optional values, sets, maps,
 * booleans and _uuid, plus malformed conditions.
 */
import { type DiffCase, DIFF, insert, txCase } from '../case.js';

const seed = [
  insert('Atoms', { i: 1, r: 1.5, b: true, s: 'apple', iset: ['set', [1, 2]], smap: ['map', [['k', 'v']]], opt: 5 }),
  insert('Atoms', { i: 2, r: -0.5, b: false, s: 'banana', iset: ['set', [2, 3]], smap: ['map', [['k', 'w'], ['x', 'y']]] }),
  insert('Atoms', { i: 3, r: 10, b: true, s: 'cherry', iset: ['set', []], smap: ['map', []], opt: 7 }),
];

/** Seeds three rows, then selects column `i` of the rows matching `where`. */
function cond(name: string, where: readonly unknown[]): DiffCase {
  return txCase(name, DIFF, [seed, [{ op: 'select', table: 'Atoms', where, columns: ['i'] }]]);
}

export const conditionCases: readonly DiffCase[] = [
  cond('integer == != < <= > >=', [['i', '!=', 2], ['i', '>=', 1], ['i', '<=', 3], ['i', '<', 4], ['i', '>', 0]]),
  cond('integer ==', [['i', '==', 2]]),
  cond('real comparisons', [['r', '<', 2], ['r', '>=', -0.5]]),
  cond('real compared with integer', [['r', '==', 10]]),
  cond('boolean == and !=', [['b', '!=', true]]),
  cond('boolean < not allowed', [['b', '<', true]]),
  cond('string == and !=', [['s', '!=', 'apple']]),
  cond('string < not allowed', [['s', '<', 'b']]),
  cond('includes on scalar', [['i', 'includes', 3]]),
  cond('excludes on scalar', [['i', 'excludes', 3]]),
  cond('set includes', [['iset', 'includes', ['set', [2]]]]),
  cond('set excludes', [['iset', 'excludes', 1]]),
  cond('set == exact', [['iset', '==', ['set', [3, 2]]]]),
  cond('set != ', [['iset', '!=', ['set', []]]]),
  cond('set < not allowed', [['iset', '<', 2]]),
  cond('optional == empty', [['opt', '==', ['set', []]]]),
  cond('optional < on value', [['opt', '<', 6]]),
  cond('map includes pair', [['smap', 'includes', ['map', [['k', 'w']]]]]),
  cond('map excludes pair', [['smap', 'excludes', ['map', [['k', 'v']]]]]),
  cond('map == empty', [['smap', '==', ['map', []]]]),
  cond('map includes empty map', [['smap', 'includes', ['map', []]]]),
  cond('_uuid != random', [['_uuid', '!=', ['uuid', '00000000-0000-0000-0000-000000000001']]]),
  cond('_uuid == bad value', [['_uuid', '==', 'x']]),
  cond('unknown function', [['i', 'like', 2]]),
  cond('unknown column', [['zz', '==', 2]]),
  cond('condition wrong type value', [['i', '==', 'two']]),
  cond('condition not a triple', [['i', '==']]),
  cond('where not an array', [{ i: 1 }] as unknown as readonly unknown[]),
  cond('boolean true condition', [true]),
  cond('boolean false condition', [false]),
  txCase('update with where', DIFF, [seed, [{ op: 'update', table: 'Atoms', where: [['s', '==', 'banana']], row: { i: 20 } }], [{ op: 'select', table: 'Atoms', where: [], columns: ['i', 's'] }]]),
  txCase('delete with where', DIFF, [seed, [{ op: 'delete', table: 'Atoms', where: [['iset', 'includes', 2]] }], [{ op: 'select', table: 'Atoms', where: [], columns: ['i'] }]]),
];
