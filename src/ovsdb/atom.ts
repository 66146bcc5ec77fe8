/**
 * Atoms (RFC 7047 §5.1 <atom>): parsing from JSON, constraint checks with ovsdb-server's exact
 * wording, ordering (as ovsdb_atom_compare_3way) and text forms used in error messages.
 */
import type { Json } from '../base/json.js';
import { normaliseInteger } from '../base/json-exact.js';
import { isUuid } from '../base/uuid.js';
import type { Uuid } from '../base/uuid.js';
import { OvsdbError, formatG, ovsJsonText, syntaxError } from './errors.js';
import { isId } from './parser.js';
import type { Atom, AtomicType, BaseType } from './types.js';

/** Resolves ["named-uuid", name] (RFC 7047 §5.1) to the uuid the transaction chose for it. */
export interface SymbolTable {
  resolve(name: string): Uuid;
}

/** The all-zero uuid, the default uuid atom. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000' as Uuid;

/** Default atom of a type: 0, 0.0, false, "", the all-zero uuid. */
export function defaultAtom(type: AtomicType): Atom {
  switch (type) {
    case 'integer': case 'real': return 0;
    case 'boolean': return false;
    case 'string': return '';
    case 'uuid': return ZERO_UUID;
  }
}

function unwrap(json: unknown, name: string): string | undefined {
  if (Array.isArray(json) && json.length === 2 && json[0] === name && typeof json[1] === 'string') {
    return json[1] as string;
  }
  return undefined;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** True if `n` fits an int64. */
export function isInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

/**
 * An int64 in the atom's normal form: a number when safe, else a bigint (see Atom), or
 * undefined when out of range.
 */
export function normalInteger(n: bigint): number | bigint | undefined {
  return isInt64(n) ? normaliseInteger(n) : undefined;
}

/**
 * The integer a JSON value holds, normalised, or undefined if it is not an OVS integer. Parsers
 * (base/json-exact.ts) give an int64 beyond ±2^53 as a bigint, so a number beyond it is a real:
 * -9223372036854775809 arrives as the double -2^63 and must be refused, as OVS does.
 */
function integerFromJson(json: unknown): number | bigint | undefined {
  if (typeof json === 'number') return Number.isSafeInteger(json) ? (json === 0 ? 0 : json) : undefined;
  if (typeof json === 'bigint') return normalInteger(json);
  return undefined;
}

/** Parses `json` as an atom of `base` without checking constraints. Throws OvsdbError. */
export function atomFromJsonUnchecked(base: BaseType, json: unknown, symtab?: SymbolTable): Atom {
  switch (base.type) {
    case 'integer': {
      const n = integerFromJson(json);
      if (n !== undefined) return n;
      break;
    }
    case 'real':
      if (typeof json === 'number') return json;
      // An integer is accepted as a real (json_real()): a bigint rounds to the nearest double.
      if (typeof json === 'bigint') return Number(json);
      break;
    case 'boolean':
      if (typeof json === 'boolean') return json;
      break;
    case 'string':
      if (typeof json === 'string') return json;
      break;
    case 'uuid': {
      const s = unwrap(json, 'uuid');
      if (s !== undefined) {
        const u = lowerUuid(s);
        if (u === undefined) throw syntaxError(json, `"${s}" is not a valid UUID`);
        return u;
      }
      if (symtab) {
        const name = unwrap(json, 'named-uuid');
        if (name !== undefined) {
          if (!isId(name)) throw syntaxError(json, 'named-uuid string is not a valid <id>');
          return symtab.resolve(name);
        }
      }
      throw syntaxError(json, 'expected ["uuid", <string>]');
    }
  }
  throw syntaxError(json, `expected ${base.type}`);
}

/**
 * `s` in lowercase if it is a UUID's text (hex digits of either case, as isUuid accepts), else
 * undefined. A character loop: this runs for every uuid atom of every request, and the regex
 * of isUuid plus two toLowerCase calls cost more.
 */
export function lowerUuid(s: string): string | undefined {
  if (s.length !== 36) return undefined;
  let upper = false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return undefined; // '-'
    } else if (c >= 65 && c <= 70) {
      upper = true; // 'A'..'F'
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      return undefined;
    }
  }
  return upper ? s.toLowerCase() : s;
}

/** Parses and checks constraints (ovsdb_atom_from_json). Throws OvsdbError. */
export function atomFromJson(base: BaseType, json: unknown, symtab?: SymbolTable): Atom {
  const atom = atomFromJsonUnchecked(base, json, symtab);
  const error = checkAtomConstraints(atom, base);
  if (error) throw error;
  return atom;
}

/** The JSON form of an atom: uuids as ["uuid", "..."]. */
export function atomToJson(type: AtomicType, atom: Atom): Json {
  return type === 'uuid' ? ['uuid', atom as string] : atom;
}

/** Three-way comparison as OVS: numbers numerically, false < true, strings by UTF-8 bytes. */
export function compareAtoms(a: Atom, b: Atom): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order except when surrogates meet U+E000..U+FFFF.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys && (x >= 0xe000 || y >= 0xe000)) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

function needsQuotes(s: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s)) return true;
  return s === 'true' || s === 'false' || isUuid(s);
}

/** ovsdb_atom_to_string(): the text form used in error details. */
export function atomToString(type: AtomicType, atom: Atom): string {
  switch (type) {
    case 'real': return formatG(atom as number, 15);
    case 'integer': return String(atom);
    case 'string': return needsQuotes(atom as string) ? ovsJsonText(atom as string) : (atom as string);
    default: return String(atom);
  }
}

/** Number of Unicode code points, or undefined if `s` is not valid UTF-16 (lone surrogate). */
function codePointCount(s: string): number | undefined {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return undefined;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return undefined;
    }
    n++;
  }
  return n;
}

function checkString(s: string, base: BaseType): OvsdbError | undefined {
  const n = codePointCount(s);
  if (n === undefined) {
    return new OvsdbError('constraint violation', 'not a valid UTF-8 string: invalid UTF-8 sequence');
  }
  const minLen = base.minLength ?? 0;
  const maxLen = base.maxLength ?? 4294967295;
  if (n < minLen) {
    return new OvsdbError('constraint violation', `"${s}" length ${n} is less than minimum allowed length ${minLen}`);
  }
  if (n > maxLen) {
    return new OvsdbError('constraint violation', `"${s}" length ${n} is greater than maximum allowed length ${maxLen}`);
  }
  return undefined;
}

function checkRange<T extends number | bigint>(x: T, min: number | bigint | undefined, max: number | bigint | undefined, str: (v: T | number | bigint) => string): OvsdbError | undefined {
  if ((min === undefined || x >= min) && (max === undefined || x <= max)) return undefined;
  if (min !== undefined) {
    return new OvsdbError('constraint violation', max !== undefined
      ? `${str(x)} is not in the valid range ${str(min)} to ${str(max)} (inclusive)`
      : `${str(x)} is less than minimum allowed value ${str(min)}`);
  }
  return new OvsdbError('constraint violation', `${str(x)} is greater than maximum allowed value ${str(max ?? 0)}`);
}

/** ovsdb_atom_check_constraints(); uuid references are checked at commit instead. */
export function checkAtomConstraints(atom: Atom, base: BaseType): OvsdbError | undefined {
  if (base.enum) {
    if (!base.enum.some((e) => compareAtoms(e, atom) === 0)) {
      const valid = base.enum.map((e) => atomToString(base.type, e));
      const validText = `[${valid.join(', ')}]`;
      return new OvsdbError('constraint violation',
        `${atomToString(base.type, atom)} is not one of the allowed values (${validText})`);
    }
  }
  switch (base.type) {
    case 'integer':
      // Mixed number/bigint comparisons are exact in JavaScript.
      return checkRange(atom as number | bigint, base.minInteger, base.maxInteger, String);
    case 'real':
      return checkRange(atom as number, base.minReal, base.maxReal, (v) => formatG(Number(v), 15));
    case 'string':
      return checkString(atom as string, base);
    default:
      return undefined;
  }
}
