/**
 * JSON text exactly as Open vSwitch's lib/json.c writes it, so that `ovsdb-ts client` output is
 * byte-identical to `ovsdb-client`'s: object members sorted by name (JSSF_SORT), reals printed
 * with C's `%.15g` (DBL_DIG), integers without a fraction, strings escaped only for `"`, `\` and
 * control characters, and `--pretty` indentation of two spaces per level with closing brackets on
 * the same line as the last member.
 */
import type { Json, JsonObject } from '../base/json.js';

/** Options for {@link formatOvsJson}. */
export interface OvsJsonOptions {
  /** JSSF_PRETTY: newline and indentation after each opening bracket and comma. */
  readonly pretty?: boolean;
  /** JSSF_SORT (default true): members in byte order of their names. */
  readonly sort?: boolean;
}

const SPACES_PER_LEVEL = 2;

/**
 * C's `printf("%.*g", precision, x)`.
 *
 * @example formatG(0.1 + 0.2) === '0.3'; formatG(1e20) === '1e+20'
 */
export function formatG(x: number, precision = 15): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = Math.max(1, precision);
  const exp = x.toExponential(p - 1);
  const [mantissa = '0', expText = '0'] = exp.split('e');
  const e = Number(expText);
  if (e < -4 || e >= p) {
    const m = stripZeros(mantissa);
    const sign = e < 0 ? '-' : '+';
    const digits = String(Math.abs(e)).padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return stripZeros(x.toFixed(Math.max(0, p - 1 - e)));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * A JSON number as OVS prints it: integers as integers, everything else as `%.15g`. A number
 * beyond ±2^53 is a real (an int64 that large is a bigint, base/json-exact.ts).
 */
export function formatOvsNumber(n: number | bigint): string {
  if (typeof n === 'bigint' || Number.isSafeInteger(n)) return String(n);
  return formatG(n, 15);
}

/** A JSON string as lib/json.c escapes it (UTF-8 passes through untouched). */
export function formatOvsString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c >= 0x20) out += ch;
    else if (c === 8) out += '\\b';
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 12) out += '\\f';
    else if (c === 13) out += '\\r';
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Byte-order (UTF-8, as C's strcmp) comparison of two strings. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i) ?? 0;
    const cb = b.codePointAt(i) ?? 0;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Serializes `value` as lib/json.c's json_to_string() does.
 *
 * @example formatOvsJson({b: 1, a: [2.5]}) === '{"a":[2.5],"b":1}'
 */
export function formatOvsJson(value: Json, options: OvsJsonOptions = {}): string {
  const pretty = options.pretty ?? false;
  const sort = options.sort ?? true;
  const parts: string[] = [];
  const indent = (depth: number): void => {
    if (pretty) parts.push(`\n${' '.repeat(SPACES_PER_LEVEL * depth)}`);
  };
  const walk = (v: Json, depth: number): void => {
    if (v === null) parts.push('null');
    else if (v === true) parts.push('true');
    else if (v === false) parts.push('false');
    else if (typeof v === 'number' || typeof v === 'bigint') parts.push(formatOvsNumber(v));
    else if (typeof v === 'string') parts.push(formatOvsString(v));
    else if (Array.isArray(v)) {
      const arr = v as readonly Json[];
      parts.push('[');
      if (arr.length > 0) {
        indent(depth + 1);
        arr.forEach((item, i) => {
          if (i > 0) {
            parts.push(',');
            indent(depth + 1);
          }
          walk(item, depth + 1);
        });
      }
      parts.push(']');
    } else {
      const obj = v as JsonObject;
      const keys = Object.keys(obj);
      if (sort) keys.sort(compareUtf8);
      parts.push('{');
      indent(depth + 1);
      keys.forEach((k, i) => {
        if (i > 0) {
          parts.push(',');
          indent(depth + 1);
        }
        parts.push(formatOvsString(k), pretty ? ': ' : ':');
        walk(obj[k] as Json, depth + 1);
      });
      parts.push('}');
    }
  };
  walk(value, 0);
  return parts.join('');
}
