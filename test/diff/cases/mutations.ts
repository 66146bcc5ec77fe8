/**
 * Every mutator (RFC 7047 §5.1 <mutation>, §5.2.4 mutate) on every kind of column, with the
 * domain and range errors and the constraint checks that follow a mutation.
 */
import { type DiffCase, DIFF, insert, selectAll, txCase } from '../case.js';
import { raw } from './atoms.js';

const all = { op: 'mutate', table: 'Atoms', where: [] } as const;

/** Inserts `row`, mutates every Atoms row with `mutations`, then selects `columns`. */
function mut(name: string, row: Record<string, unknown>, mutations: readonly unknown[], columns: readonly string[]): DiffCase {
  return txCase(name, DIFF, [[insert('Atoms', row)], [{ ...all, mutations }], [selectAll('Atoms', columns)]]);
}

export const mutationCases: readonly DiffCase[] = [
  mut('integer += -= *= /= %=', { i: 17 }, [['i', '+=', 5], ['i', '-=', 2], ['i', '*=', 3], ['i', '/=', 4], ['i', '%=', 7]], ['i']),
  mut('integer division truncates negative', { i: -7 }, [['i', '/=', 2]], ['i']),
  mut('integer modulo negative', { i: -7 }, [['i', '%=', 3]], ['i']),
  mut('integer divide by zero', { i: 1 }, [['i', '/=', 0]], ['i']),
  mut('integer modulo by zero', { i: 1 }, [['i', '%=', 0]], ['i']),
  raw('integer overflow', '[{"op":"insert","table":"Atoms","row":{"i":9223372036854775807}},{"op":"mutate","table":"Atoms","where":[],"mutations":[["i","+=",1]]}]'),
  raw('integer underflow', '[{"op":"insert","table":"Atoms","row":{"i":-9223372036854775808}},{"op":"mutate","table":"Atoms","where":[],"mutations":[["i","-=",1]]}]'),
  raw('integer min divided by -1', '[{"op":"insert","table":"Atoms","row":{"i":-9223372036854775808}},{"op":"mutate","table":"Atoms","where":[],"mutations":[["i","/=",-1]]}]'),
  raw('integer min modulo -1', '[{"op":"insert","table":"Atoms","row":{"i":-9223372036854775808}},{"op":"mutate","table":"Atoms","where":[],"mutations":[["i","%=",-1]]},{"op":"select","table":"Atoms","where":[],"columns":["i"]}]'),
  mut('integer multiply overflow', { i: 4611686018427387904 }, [['i', '*=', 4]], ['i']),
  mut('integer mutate out of range', { ir: 99 }, [['ir', '+=', 5]], ['ir']),
  mut('real += *= /=', { r: 1.5 }, [['r', '+=', 1], ['r', '*=', 3], ['r', '/=', 2]], ['r']),
  mut('real modulo not allowed', { r: 1.5 }, [['r', '%=', 2]], ['r']),
  mut('real divide by zero', { r: 1.5 }, [['r', '/=', 0]], ['r']),
  mut('real range after mutate', { rr: 2 }, [['rr', '+=', 1]], ['rr']),
  mut('string arithmetic not allowed', { s: 'a' }, [['s', '+=', 'b']], ['s']),
  mut('boolean arithmetic not allowed', { b: true }, [['b', '*=', false]], ['b']),
  mut('unknown mutator', { i: 1 }, [['i', '^=', 2]], ['i']),
  mut('mutation not a triple', { i: 1 }, [['i', '+=']], ['i']),
  mut('mutate unknown column', { i: 1 }, [['nope', '+=', 1]], ['i']),
  mut('mutate _uuid', { i: 1 }, [['_uuid', 'insert', ['set', []]]], ['i']),
  mut('mutate immutable column', { imm: 'x' }, [['imm', 'insert', 'y']], ['imm']),
  mut('set insert', { iset: ['set', [1, 2]] }, [['iset', 'insert', ['set', [2, 3, 4]]]], ['iset']),
  mut('set insert bare atom', { iset: ['set', [1]] }, [['iset', 'insert', 5]], ['iset']),
  mut('set delete', { iset: ['set', [1, 2, 3]] }, [['iset', 'delete', ['set', [2, 9]]]], ['iset']),
  mut('set arithmetic on elements', { iset: ['set', [1, 2, 3]] }, [['iset', '*=', 10]], ['iset']),
  mut('set arithmetic creates duplicates', { iset: ['set', [1, 2, 3]] }, [['iset', '/=', 10]], ['iset']),
  mut('set insert exceeds max', { sset3: ['set', ['a', 'b']] }, [['sset3', 'insert', ['set', ['c', 'd']]]], ['sset3']),
  mut('set delete below min', { req1: 'x' }, [['req1', 'delete', 'x']], ['req1']),
  mut('set insert violates enum', { ie: 1 }, [['ie', 'insert', 7]], ['ie']),
  mut('map insert keeps existing keys', { smap: ['map', [['a', '1']]] }, [['smap', 'insert', ['map', [['a', 'X'], ['b', '2']]]]], ['smap']),
  mut('map delete by key set', { smap: ['map', [['a', '1'], ['b', '2']]] }, [['smap', 'delete', ['set', ['a', 'zz']]]], ['smap']),
  mut('map delete by pairs', { smap: ['map', [['a', '1'], ['b', '2']]] }, [['smap', 'delete', ['map', [['a', '1'], ['b', 'other']]]]], ['smap']),
  mut('map insert exceeds max', { imap: ['map', [[1, 'a'], [2, 'b']]] }, [['imap', 'insert', ['map', [[3, 'c']]]]], ['imap']),
  mut('map insert value too long', { imap: ['map', [[1, 'a']]] }, [['imap', 'insert', ['map', [[2, 'long']]]]], ['imap']),
  mut('map arithmetic not allowed', { smap: ['map', [['a', '1']]] }, [['smap', '+=', 'x']], ['smap']),
  mut('map insert wrong type', { smap: ['map', [['a', '1']]] }, [['smap', 'insert', ['map', [['b', 2]]]]], ['smap']),
  mut('mutate with wrong value type', { i: 1 }, [['i', '+=', 'one']], ['i']),
  mut('scalar insert not allowed', { i: 1 }, [['i', 'insert', 2]], ['i']),
  txCase('mutate count and where', DIFF, [
    [insert('Atoms', { i: 1 }), insert('Atoms', { i: 2 }), insert('Atoms', { i: 3 })],
    [{ op: 'mutate', table: 'Atoms', where: [['i', '>=', 2]], mutations: [['i', '+=', 100]] }],
    [selectAll('Atoms', ['i'])],
  ]),
  txCase('mutate with no rows matching', DIFF, [[{ op: 'mutate', table: 'Atoms', where: [['i', '==', 5]], mutations: [['i', '+=', 1]] }]]),
  txCase('mutate missing mutations', DIFF, [[{ op: 'mutate', table: 'Atoms', where: [] }]]),
];
