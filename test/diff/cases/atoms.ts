/**
 * Every atomic type and constraint (RFC 7047 §3.2 <base-type>, §5.1 <value> forms): valid and
 * invalid values of each column of Diff.Atoms, read back with select.
 */
import { type DiffCase, DIFF, insert, opsCase, selectAll } from '../case.js';

/** Inserts one Atoms row with `row`, then selects the named columns back. */
function roundTrip(name: string, row: Record<string, unknown>, columns?: readonly string[]): DiffCase {
  return opsCase(name, DIFF, insert('Atoms', row), selectAll('Atoms', columns ?? Object.keys(row)));
}

/** A one-transaction case whose operations are given as raw JSON text (for int64 extremes). */
export function raw(name: string, opsJson: string): DiffCase {
  return { name, db: DIFF, steps: [{ send: `{"id":1,"method":"transact","params":["Diff",${opsJson.slice(1, -1)}]}` }] };
}

export const atomCases: readonly DiffCase[] = [
  roundTrip('default row', {}, ['i', 'r', 'b', 's', 'u', 'ir', 'rr', 'sl', 'se', 'ie', 'iset', 'sset3', 'rset', 'bset', 'smap', 'imap', 'opt', 'req1', 'imm', 'eph']),
  // 64-bit extremes cannot be written as JS numbers: these go out as raw JSON text.
  raw('integer int64 extremes', '[{"op":"insert","table":"Atoms","row":{"i":-9223372036854775808}},{"op":"insert","table":"Atoms","row":{"i":9223372036854775807}},{"op":"select","table":"Atoms","where":[["i","<",0]],"columns":["i"]}]'),
  raw('integer beyond int64', '[{"op":"insert","table":"Atoms","row":{"i":9223372036854775808}}]'),
  raw('integer below int64', '[{"op":"insert","table":"Atoms","row":{"i":-9223372036854775809}}]'),
  roundTrip('integer large', { i: 4611686018427387904 }),
  roundTrip('integer given a real beyond int64', { i: -9223372036854775807 }),
  roundTrip('integer given a real', { i: 1.5 }),
  roundTrip('integer given a string', { i: '7' }),
  roundTrip('integer given a boolean', { i: true }),
  roundTrip('real values', { r: 3.25 }),
  roundTrip('real given an integer', { r: 2 }),
  roundTrip('real exponent', { r: 1e300 }),
  roundTrip('real given a string', { r: 'x' }),
  roundTrip('boolean true', { b: true }),
  roundTrip('boolean given an integer', { b: 1 }),
  roundTrip('string unicode', { s: 'héllo wörld ✓ \u0001 "q" \\' }),
  roundTrip('string given a number', { s: 5 }),
  roundTrip('uuid value', { u: ['uuid', '550e8400-e29b-41d4-a716-446655440000'] }),
  roundTrip('uuid malformed', { u: ['uuid', 'not-a-uuid'] }),
  roundTrip('uuid uppercase', { u: ['uuid', '550E8400-E29B-41D4-A716-446655440000'] }),
  roundTrip('uuid given a bare string', { u: '550e8400-e29b-41d4-a716-446655440000' }),
  roundTrip('integer range ok', { ir: 100 }),
  roundTrip('integer range above max', { ir: 101 }),
  roundTrip('integer range below min', { ir: -1 }),
  roundTrip('real range ok', { rr: -1.5 }),
  roundTrip('real range above max', { rr: 2.6 }),
  roundTrip('real range below min', { rr: -2 }),
  roundTrip('string length ok', { sl: 'abcde' }),
  roundTrip('string too long', { sl: 'abcdef' }),
  roundTrip('string too short', { sl: 'a' }),
  roundTrip('string length counts characters', { sl: 'ééééé' }),
  roundTrip('string enum ok', { se: 'green' }),
  roundTrip('string enum violation', { se: 'purple' }),
  roundTrip('integer enum set ok', { ie: ['set', [3, 1]] }),
  roundTrip('integer enum set violation', { ie: ['set', [1, 4]] }),
  roundTrip('set of integers unsorted input', { iset: ['set', [5, -3, 2, 9]] }),
  roundTrip('set with duplicates', { iset: ['set', [1, 1]] }),
  roundTrip('bare atom as one-element set', { iset: 42 }),
  roundTrip('empty set', { iset: ['set', []] }),
  roundTrip('set max size ok', { sset3: ['set', ['c', 'a', 'b']] }),
  roundTrip('set max size exceeded', { sset3: ['set', ['a', 'b', 'c', 'd']] }),
  roundTrip('set of reals', { rset: ['set', [2.5, -1, 0]] }),
  roundTrip('set of booleans', { bset: ['set', [true, false]] }),
  roundTrip('map string to string', { smap: ['map', [['z', '1'], ['a', '2']]] }),
  roundTrip('map duplicate keys', { smap: ['map', [['a', '1'], ['a', '2']]] }),
  roundTrip('map given a set', { smap: ['set', ['a']] }),
  roundTrip('map key range violation', { imap: ['map', [[11, 'x']]] }),
  roundTrip('map value length violation', { imap: ['map', [[1, 'long']]] }),
  roundTrip('map max size exceeded', { imap: ['map', [[1, 'a'], [2, 'b'], [3, 'c']]] }),
  roundTrip('map ok', { imap: ['map', [[2, 'b'], [1, 'a']]] }),
  roundTrip('optional empty and set', { opt: ['set', [7]] }),
  roundTrip('optional two values', { opt: ['set', [7, 8]] }),
  roundTrip('min 1 set empty', { req1: ['set', []] }),
  roundTrip('min 1 set two values', { req1: ['set', ['x', 'y']] }),
  roundTrip('scalar given a set of two', { i: ['set', [1, 2]] }),
  roundTrip('scalar given an empty set', { i: ['set', []] }),
  roundTrip('unknown wire form', { iset: ['bag', [1]] }),
  roundTrip('set form wrong arity', { iset: ['set', [1], 2] }),
  roundTrip('null value', { i: null }),
  roundTrip('object value', { i: { x: 1 } }),
];
