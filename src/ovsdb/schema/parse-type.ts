/**
 * Column types (RFC 7047 §3.2 <type>, <base-type>), parsed as ovsdb_type_from_json does,
 * and serialised back in ovsdb_type_to_json's normal form.
 */
import type { Json } from '../../base/json.js';
import { OvsdbError, syntaxError } from '../errors.js';
import { ObjectParser, OP } from '../parser.js';
import { datumFromJson, datumToJson } from '../datum.js';
import type { AtomicType, BaseType, ColumnType } from '../types.js';

const ATOMIC: readonly AtomicType[] = ['integer', 'real', 'boolean', 'string', 'uuid'];
const UINT_MAX = 4294967295;

function atomicType(json: Json): AtomicType {
  if (typeof json === 'string') {
    const t = ATOMIC.find((a) => a === json);
    if (t) return t;
    throw syntaxError(json, `"${json}" is not an atomic-type`);
  }
  throw syntaxError(json, 'atomic-type expected');
}

/** The type of an enum's datum: a set of 1 or more atoms. */
function enumType(type: AtomicType): ColumnType {
  return { key: { type }, value: undefined, min: 1, max: Infinity };
}

function optionalUint(p: ObjectParser, member: string): number | undefined {
  const v = p.member(member, OP.INTEGER | OP.OPTIONAL);
  if (typeof v !== 'number') return undefined;
  if (v < 0 || v > UINT_MAX) throw syntaxError(v, `${member} out of valid range 0 to ${UINT_MAX}`);
  return v;
}

/** ovsdb_base_type_from_json(). Throws OvsdbError. */
export function parseBaseType(json: Json): BaseType {
  if (typeof json === 'string') return { type: atomicType(json) };
  const p = new ObjectParser(json, 'ovsdb type');
  const typeJson = p.member('type', OP.STRING);
  if (p.error || typeJson === undefined) throw p.finish() ?? p.error;
  const type = atomicType(typeJson);
  const base: { -readonly [K in keyof BaseType]: BaseType[K] } = { type };
  let error: OvsdbError | undefined;
  try {
    const enumJson = p.member('enum', OP.ANY | OP.OPTIONAL);
    if (enumJson !== undefined) {
      base.enum = datumFromJson(enumType(type), enumJson).keys;
    } else if (type === 'integer') {
      const min = p.member('minInteger', OP.INTEGER | OP.OPTIONAL);
      const max = p.member('maxInteger', OP.INTEGER | OP.OPTIONAL);
      const isInt = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
      if (isInt(min)) base.minInteger = min;
      if (isInt(max)) base.maxInteger = max;
      if (isInt(min) && isInt(max) && min > max) {
        throw syntaxError(json, 'minInteger exceeds maxInteger');
      }
    } else if (type === 'real') {
      // An integer literal beyond ±2^53 arrives as a bigint; a real bound is a double.
      const asReal = (v: Json | undefined): Json | undefined => (typeof v === 'bigint' ? Number(v) : v);
      const min = asReal(p.member('minReal', OP.NUMBER | OP.OPTIONAL));
      const max = asReal(p.member('maxReal', OP.NUMBER | OP.OPTIONAL));
      if (typeof min === 'number') base.minReal = min;
      if (typeof max === 'number') base.maxReal = max;
      if (typeof min === 'number' && typeof max === 'number' && min > max) {
        throw syntaxError(json, 'minReal exceeds maxReal');
      }
    } else if (type === 'string') {
      const min = optionalUint(p, 'minLength');
      const max = optionalUint(p, 'maxLength');
      if (min !== undefined) base.minLength = min;
      if (max !== undefined) base.maxLength = max;
      if ((min ?? 0) > (max ?? UINT_MAX)) throw syntaxError(json, 'minLength exceeds maxLength');
    } else if (type === 'uuid') {
      const refTable = p.member('refTable', OP.ID | OP.OPTIONAL);
      if (typeof refTable === 'string') {
        base.refTable = refTable;
        const refType = p.member('refType', OP.ID | OP.OPTIONAL);
        if (refType === undefined || refType === 'strong') base.refType = 'strong';
        else if (refType === 'weak') base.refType = 'weak';
        else if (typeof refType === 'string') {
          throw syntaxError(json, `refType must be "strong" or "weak" (not "${refType}")`);
        }
      }
    }
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    error = e;
  }
  if (error) throw error;
  const finishError = p.finish();
  if (finishError) throw finishError;
  return base;
}

function nFromJson(json: Json | undefined, dflt: number): number {
  if (json === undefined) return dflt;
  if (typeof json === 'number' && Number.isInteger(json) && json >= 0 && json < UINT_MAX) return json;
  throw syntaxError(json, 'bad min or max value');
}

/** ovsdb_type_from_json(). Throws OvsdbError. */
export function parseColumnType(json: Json): ColumnType {
  if (typeof json === 'string') return { key: parseBaseType(json), value: undefined, min: 1, max: 1 };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw syntaxError(json, 'ovsdb type expected');
  const p = new ObjectParser(json, 'ovsdb type');
  const key = p.member('key', OP.STRING | OP.OBJECT);
  const value = p.member('value', OP.STRING | OP.OBJECT | OP.OPTIONAL);
  const min = p.member('min', OP.INTEGER | OP.OPTIONAL);
  const max = p.member('max', OP.INTEGER | OP.STRING | OP.OPTIONAL);
  const err = p.finish();
  if (err || key === undefined) throw err;
  const keyType = parseBaseType(key);
  const valueType = value === undefined ? undefined : parseBaseType(value);
  const n = nFromJson(min, 1);
  const m = max === 'unlimited' ? Infinity : nFromJson(max, 1);
  if (!(n <= 1 && m >= 1) || !baseValid(keyType) || (valueType && !baseValid(valueType))) {
    throw syntaxError(json, 'ovsdb type fails constraint checks');
  }
  return { key: keyType, value: valueType, min: n, max: m };
}

function baseValid(b: BaseType): boolean {
  return !(b.enum && b.enum.length === 0);
}

function baseHasConstraints(b: BaseType): boolean {
  return b.enum !== undefined || b.minInteger !== undefined || b.maxInteger !== undefined ||
    b.minReal !== undefined || b.maxReal !== undefined || b.minLength !== undefined ||
    b.maxLength !== undefined || b.refTable !== undefined;
}

/** ovsdb_base_type_to_json(). */
export function baseTypeToJson(b: BaseType): Json {
  if (!baseHasConstraints(b)) return b.type;
  const o: { [k: string]: Json } = { type: b.type };
  if (b.enum) o['enum'] = datumToJson(enumType(b.type), { keys: b.enum, values: undefined });
  if (b.minInteger !== undefined) o['minInteger'] = b.minInteger;
  if (b.maxInteger !== undefined) o['maxInteger'] = b.maxInteger;
  if (b.minReal !== undefined) o['minReal'] = b.minReal;
  if (b.maxReal !== undefined) o['maxReal'] = b.maxReal;
  if (b.minLength !== undefined) o['minLength'] = b.minLength;
  if (b.maxLength !== undefined) o['maxLength'] = b.maxLength;
  if (b.refTable !== undefined) {
    o['refTable'] = b.refTable;
    if (b.refType === 'weak') o['refType'] = 'weak';
  }
  return o;
}

/** ovsdb_type_to_json(). */
export function columnTypeToJson(t: ColumnType): Json {
  if (t.value === undefined && t.min === 1 && t.max === 1 && !baseHasConstraints(t.key)) return t.key.type;
  const o: { [k: string]: Json } = { key: baseTypeToJson(t.key) };
  if (t.value) o['value'] = baseTypeToJson(t.value);
  if (t.min !== 1) o['min'] = t.min;
  if (t.max !== 1) o['max'] = Number.isFinite(t.max) ? t.max : 'unlimited';
  return o;
}
