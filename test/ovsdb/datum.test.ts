/** Atoms and datums: every atomic type, JSON forms, defaults, constraints (RFC 7047 §5.1). */
import { describe, expect, test } from 'vitest';
import {
  OvsdbError, compareAtoms, compareDatums, datumEquals, datumFromJson, datumToJson, defaultDatum,
  isDefaultDatum, parseColumnType,
} from '../../src/ovsdb/index.js';
import type { ColumnType } from '../../src/ovsdb/index.js';

const T = (j: unknown): ColumnType => parseColumnType(j as never);
const U = '550e8400-e29b-41d4-a716-446655440000';

describe('datum JSON forms', () => {
  test.each([
    ['integer scalar', 'integer', 5, 5],
    ['real scalar', 'real', 2.5, 2.5],
    ['real from integer', 'real', 3, 3],
    ['boolean', 'boolean', true, true],
    ['string', 'string', 'héllo', 'héllo'],
    ['uuid', 'uuid', ['uuid', U], ['uuid', U]],
    ['uuid uppercase normalised', 'uuid', ['uuid', U.toUpperCase()], ['uuid', U]],
    ['scalar given as one-element set', 'integer', ['set', [7]], 7],
    ['set bare atom', { key: 'integer', min: 0, max: 'unlimited' }, 4, 4],
    ['set sorted', { key: 'integer', min: 0, max: 'unlimited' }, ['set', [3, 1, 2]], ['set', [1, 2, 3]]],
    ['empty set', { key: 'string', min: 0, max: 'unlimited' }, ['set', []], ['set', []]],
    ['strings sorted bytewise', { key: 'string', min: 0, max: 'unlimited' }, ['set', ['b', 'B', 'a']], ['set', ['B', 'a', 'b']]],
    ['map sorted', { key: 'string', value: 'integer', min: 0, max: 'unlimited' }, ['map', [['b', 1], ['a', 2]]], ['map', [['a', 2], ['b', 1]]]],
    ['empty map', { key: 'string', value: 'integer', min: 0, max: 'unlimited' }, ['map', []], ['map', []]],
    ['optional present', { key: 'integer', min: 0, max: 1 }, 1, 1],
  ] as const)('%s', (_n, type, json, out) => {
    const t = T(type);
    expect(datumToJson(t, datumFromJson(t, json))).toEqual(out);
  });

  test.each([
    ['integer given string', 'integer', 'x', 'expected integer'],
    ['integer given real', 'integer', 1.5, 'expected integer'],
    ['boolean given 0', 'boolean', 0, 'expected boolean'],
    ['string given number', 'string', 1, 'expected string'],
    ['uuid bare string', 'uuid', U, 'expected ["uuid", <string>]'],
    ['bad uuid', 'uuid', ['uuid', 'x'], '"x" is not a valid UUID'],
    ['named-uuid without symbols', 'uuid', ['named-uuid', 'a'], 'expected ["uuid", <string>]'],
    ['scalar empty set', 'integer', ['set', []], 'set must have exactly one member but 0 are present'],
    ['too many', { key: 'integer', min: 0, max: 2 }, ['set', [1, 2, 3]], 'set must have 0 to 2 members but 3 are present'],
    ['map as set', { key: 'string', value: 'string', min: 0, max: 'unlimited' }, ['set', []], 'expected ["map", <array>]'],
    ['set duplicate', { key: 'integer', min: 0, max: 'unlimited' }, ['set', [1, 1]], 'set contains duplicate'],
    ['map duplicate', { key: 'integer', value: 'integer', min: 0, max: 'unlimited' }, ['map', [[1, 1], [1, 2]]], 'map contains duplicate key'],
    ['pair not array', { key: 'integer', value: 'integer', min: 0, max: 'unlimited' }, ['map', [1]], 'expected 2-element array'],
    ['integer range', { key: { type: 'integer', minInteger: 0, maxInteger: 10 } }, 11, '11 is not in the valid range 0 to 10 (inclusive)'],
    ['integer min only', { key: { type: 'integer', minInteger: 3 } }, 1, '1 is less than minimum allowed value 3'],
    ['integer max only', { key: { type: 'integer', maxInteger: 3 } }, 4, '4 is greater than maximum allowed value 3'],
    ['real range', { key: { type: 'real', minReal: 0, maxReal: 1.5 } }, 2, '2 is not in the valid range 0 to 1.5 (inclusive)'],
    ['string too long', { key: { type: 'string', maxLength: 2 } }, 'abc', '"abc" length 3 is greater than maximum allowed length 2'],
    ['string too short', { key: { type: 'string', minLength: 2 } }, 'a', '"a" length 1 is less than minimum allowed length 2'],
    ['enum', { key: { type: 'string', enum: ['set', ['a', 'b']] } }, 'c', 'c is not one of the allowed values ([a, b])'],
    ['enum quoted', { key: { type: 'string', enum: ['set', ['a b', 'true']] } }, 'x y', '"x y" is not one of the allowed values (["a b", "true"])'],
    ['lone surrogate', 'string', '\ud800', 'not a valid UTF-8 string: invalid UTF-8 sequence'],
  ] as const)('rejects %s', (_n, type, json, details) => {
    const t = T(type);
    let err: unknown;
    try { datumFromJson(t, json); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OvsdbError);
    expect((err as OvsdbError).details).toBe(details);
  });

  test('string length counts code points, not UTF-16 units', () => {
    const t = T({ key: { type: 'string', maxLength: 2 } });
    expect(datumToJson(t, datumFromJson(t, '😀😀'))).toBe('😀😀');
    expect(() => datumFromJson(t, '😀😀😀')).toThrow(/length 3/);
  });
});

describe('defaults and comparison', () => {
  test.each([
    ['integer', 0], ['real', 0], ['boolean', false], ['string', ''],
    ['uuid', ['uuid', '00000000-0000-0000-0000-000000000000']],
    [{ key: 'integer', min: 0, max: 'unlimited' }, ['set', []]],
    [{ key: 'string', value: 'string', min: 0, max: 'unlimited' }, ['map', []]],
    [{ key: 'string', value: 'integer', min: 1, max: 'unlimited' }, ['map', [['', 0]]]],
  ] as const)('default of %j', (type, json) => {
    const t = T(type);
    const d = defaultDatum(t);
    expect(datumToJson(t, d)).toEqual(json);
    expect(isDefaultDatum(t, d)).toBe(true);
    expect(datumEquals(d, datumFromJson(t, json))).toBe(true);
  });

  test('non-defaults are not default', () => {
    expect(isDefaultDatum(T('integer'), datumFromJson(T('integer'), 1))).toBe(false);
    expect(isDefaultDatum(T({ key: 'integer', min: 0, max: 1 }), datumFromJson(T({ key: 'integer', min: 0, max: 1 }), 0))).toBe(false);
  });

  test('ordering', () => {
    expect(compareAtoms(1, 2)).toBe(-1);
    expect(compareAtoms(false, true)).toBe(-1);
    expect(compareAtoms('b', 'a')).toBe(1);
    expect(compareAtoms('\uffff', '😀')).toBe(-1); // UTF-8 byte order, not UTF-16
    const t = T({ key: 'integer', min: 0, max: 'unlimited' });
    expect(compareDatums(datumFromJson(t, ['set', [1]]), datumFromJson(t, ['set', [0, 1]]))).toBe(-1);
    expect(compareDatums(datumFromJson(t, ['set', [1, 3]]), datumFromJson(t, ['set', [1, 2]]))).toBe(1);
  });

  test('named uuids resolve through the symbol table', () => {
    const t = T({ key: 'uuid', min: 0, max: 'unlimited' });
    const d = datumFromJson(t, ['set', [['named-uuid', 'a'], ['uuid', U]]], { resolve: () => '00000000-0000-0000-0000-000000000001' as never });
    expect(datumToJson(t, d)).toEqual(['set', [['uuid', '00000000-0000-0000-0000-000000000001'], ['uuid', U]]]);
    expect(() => datumFromJson(t, ['named-uuid', '1a'], { resolve: () => U as never })).toThrow('named-uuid string is not a valid <id>');
  });
});
