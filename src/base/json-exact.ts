/**
 * JSON text with exact 64-bit integers, as Open vSwitch reads it (lib/json.c json_lex_number).
 *
 * The native JSON.parse turns every number into a double, exact only within ±2^53. OVS keeps an
 * integer literal as an int64 when its value is an integer that fits (whatever its spelling:
 * "1.0", "150e-1" and "1e18" are integers there) and makes everything else a real (a double),
 * so 9223372036854775807 is an integer while 9223372036854775808 is the real 9.22337203685478e+18.
 *
 * Representation: an OVS integer is a `number` when it is a safe integer and a `bigint` otherwise;
 * a real is a `number`. So a `bigint` in a Json value is always an exact int64 and a `number`
 * outside the safe-integer range is always a real.
 *
 * Fast path: `parseJsonText` hands text without such literals to JSON.parse; only text holding a
 * number token with more than 15 digits or with an exponent goes through the slower exact parser
 * below (15 digits are exact in a double whatever their value; an exponent can scale a short
 * significand past 2^53).
 */
import type { Json } from './json.js';

const ULLONG_MAX = (1n << 64n) - 1n;
const ULLONG_MAX_DIV_10 = ULLONG_MAX / 10n;
const LLONG_MAX = (1n << 63n) - 1n;
const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** Most digits a number token may have and still be exact through JSON.parse. */
export const MAX_EXACT_DIGITS = 15;

/** A number that is an OVS integer, normalised: a number if safe, else a bigint. */
export function normaliseInteger(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/**
 * Converts one JSON number token as json_lex_number() does. Returns the value, or an error
 * message in OVS's wording for a token JSON.parse would accept but OVS refuses.
 */
export function numberFromToken(token: string): number | bigint | string {
  let i = 0;
  const negative = token.charCodeAt(0) === 0x2d;
  if (negative) i++;
  let significand = 0n;
  let pow10 = 0;
  let imprecise = false;
  const digit = (k: number): number => {
    const c = token.charCodeAt(k);
    return c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
  };
  if (digit(i) === 0) {
    i++;
    if (digit(i) >= 0) return 'leading zeros not allowed';
  } else if (digit(i) > 0) {
    for (let d = digit(i); d >= 0; d = digit(++i)) {
      if (significand <= ULLONG_MAX_DIV_10) significand = significand * 10n + BigInt(d);
      else {
        pow10++;
        if (d !== 0) imprecise = true;
      }
    }
  } else {
    return "'-' must be followed by digit";
  }
  if (token.charCodeAt(i) === 0x2e) {
    i++;
    if (digit(i) < 0) return 'decimal point must be followed by digit';
    for (let d = digit(i); d >= 0; d = digit(++i)) {
      if (significand <= ULLONG_MAX_DIV_10) {
        significand = significand * 10n + BigInt(d);
        pow10--;
      } else if (d !== 0) {
        imprecise = true;
      }
    }
  }
  const e = token.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    let negativeExponent = false;
    if (token.charCodeAt(i) === 0x2b) i++;
    else if (token.charCodeAt(i) === 0x2d) {
      negativeExponent = true;
      i++;
    }
    if (digit(i) < 0) return 'exponent must contain at least one digit';
    let exponent = 0;
    for (let d = digit(i); d >= 0; d = digit(++i)) {
      if (exponent >= Math.trunc(INT_MAX / 10)) return 'exponent outside valid range';
      exponent = exponent * 10 + d;
    }
    if (negativeExponent) {
      if (pow10 < INT_MIN + exponent) return 'exponent outside valid range';
      pow10 -= exponent;
    } else {
      if (pow10 > INT_MAX - exponent) return 'exponent outside valid range';
      pow10 += exponent;
    }
  }
  if (i !== token.length) return 'syntax error in number';
  // OVS suppresses negative zero as a matter of policy: every zero is the integer 0.
  if (significand === 0n) return 0;
  if (!imprecise) {
    while (pow10 > 0 && significand < ULLONG_MAX_DIV_10) {
      significand *= 10n;
      pow10--;
    }
    while (pow10 < 0 && significand % 10n === 0n) {
      significand /= 10n;
      pow10++;
    }
    if (pow10 === 0 && significand <= (negative ? LLONG_MAX + 1n : LLONG_MAX)) {
      return normaliseInteger(negative ? -significand : significand);
    }
  }
  const real = Number(token);
  // str_to_double() refuses overflow (and results strtod flags as out of range but nonzero).
  if (!Number.isFinite(real) || (real !== 0 && Math.abs(real) < 2.2250738585072014e-308)) {
    return 'number outside valid range';
  }
  return real === 0 ? 0 : real;
}

/** A syntax error of the exact parser (the same class JSON.parse throws). */
function fail(message: string, at: number): never {
  throw new SyntaxError(`${message} at position ${at}`);
}

const NUMBER_RE = /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WS_RE = /[ \t\n\r]*/y;
/** JSON forbids raw control characters in strings: such a string goes to JSON.parse to fail. */
const CONTROL_RE = /[\u0000-\u001f]/;

/**
 * Parses JSON text keeping integers exact (see the file comment). Accepts the same grammar as
 * JSON.parse; strings are decoded by JSON.parse itself so escapes behave identically. Throws
 * SyntaxError. Nesting is bounded by the caller (the framer refuses depth > 1000 before this).
 */
export function parseJsonExact(text: string): Json {
  let pos = 0;
  const skip = (): void => {
    WS_RE.lastIndex = pos;
    WS_RE.exec(text);
    pos = WS_RE.lastIndex;
  };
  const value = (): Json => {
    skip();
    const c = text.charCodeAt(pos);
    if (c === 0x22) return string();
    if (c === 0x7b) {
      pos++;
      const obj: { [k: string]: Json } = {};
      skip();
      if (text.charCodeAt(pos) === 0x7d) {
        pos++;
        return obj;
      }
      for (;;) {
        skip();
        if (text.charCodeAt(pos) !== 0x22) fail('expected string', pos);
        const key = string();
        skip();
        if (text.charCodeAt(pos) !== 0x3a) fail("expected ':'", pos);
        pos++;
        const v = value();
        // As JSON.parse: "__proto__" is an own data property, not the prototype.
        if (key === '__proto__') Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
        else obj[key] = v;
        skip();
        const d = text.charCodeAt(pos++);
        if (d === 0x7d) return obj;
        if (d !== 0x2c) fail("expected ',' or '}'", pos - 1);
      }
    }
    if (c === 0x5b) {
      pos++;
      const arr: Json[] = [];
      skip();
      if (text.charCodeAt(pos) === 0x5d) {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        skip();
        const d = text.charCodeAt(pos++);
        if (d === 0x5d) return arr;
        if (d !== 0x2c) fail("expected ',' or ']'", pos - 1);
      }
    }
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (m === null) fail('unexpected token', pos);
    const start = pos;
    pos = NUMBER_RE.lastIndex;
    const n = numberFromToken(m[0]);
    if (typeof n === 'string') fail(n, start);
    return n;
  };
  const string = (): string => {
    const start = pos;
    let i = pos + 1;
    for (;;) {
      const q = text.indexOf('"', i);
      if (q < 0) fail('unterminated string', start);
      let backslashes = 0;
      while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
      i = q + 1;
      if (backslashes % 2 === 0) break;
    }
    pos = i;
    const raw = text.slice(start + 1, i - 1);
    // Most strings have no escape and no control character: their text is their value.
    if (!raw.includes('\\') && !CONTROL_RE.test(raw)) return raw;
    const s: unknown = JSON.parse(text.slice(start, i));
    return s as string;
  };
  const result = value();
  skip();
  if (pos !== text.length) fail('unexpected data after JSON value', pos);
  return result;
}

/**
 * True if `text` holds a number token that JSON.parse might not read as OVS does: more than
 * MAX_EXACT_DIGITS digits, or an exponent. Strings are skipped (a uuid's "3e4f" is no exponent).
 */
export function needsExactParse(text: string): boolean {
  const n = text.length;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return false;
        let b = 0;
        while (text.charCodeAt(q - 1 - b) === 0x5c) b++;
        j = q + 1;
        if (b % 2 === 0) break;
      }
      i = j - 1;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > MAX_EXACT_DIGITS) return true;
    } else if (c === 0x2e) {
      // a fraction's digits count with the integer part's
    } else if ((c === 0x65 || c === 0x45) && digits > 0) {
      return true;
    } else {
      digits = 0;
    }
  }
  return false;
}

/** JSON.parse with OVS's exact integers, on the fast path unless the text needs the exact parser. */
export function parseJsonText(text: string): Json {
  if (needsExactParse(text)) return parseJsonExact(text);
  const v: Json = JSON.parse(text);
  return v;
}
