/**
 * Engine errors as values (STYLE habit 9). Tags are RFC 7047 §3.1 / Open vSwitch error tags;
 * `details` and `syntax` reproduce ovsdb-server's strings so replies match the real server.
 */
import type { Json, JsonObject } from '../base/json.js';
import { canonicalJson } from '../base/json.js';

/** RFC 7047 error tags plus the ones Open vSwitch adds. */
export type OvsdbErrorTag =
  | 'constraint violation' | 'referential integrity violation' | 'resources exhausted'
  | 'I/O error' | 'duplicate uuid-name' | 'duplicate uuid' | 'domain error' | 'range error'
  | 'timed out' | 'not supported' | 'aborted' | 'not owner' | 'unknown database'
  | 'syntax error' | 'unknown column' | 'unknown function' | 'unknown mutator'
  | 'not allowed' | 'permission error' | 'ovsdb error' | 'internal error';

/** An OVSDB error: `{"error": tag, "details": details, "syntax"?: text}` on the wire. */
export class OvsdbError extends Error {
  /** Compact JSON text of the offending input (OVS's "syntax" member), if any. */
  readonly syntax: string | undefined;
  constructor(readonly tag: OvsdbErrorTag, readonly details: string, syntax?: Json) {
    super(`${tag}: ${details}`);
    this.syntax = syntax === undefined ? undefined : ovsJsonText(syntax);
  }

  /** The RFC 7047 <error> object. */
  toJson(): JsonObject {
    const out: { [k: string]: Json } = { error: this.tag, details: this.details };
    if (this.syntax !== undefined) out['syntax'] = this.syntax;
    return out;
  }
}

/** A "syntax error" (or another tag) carrying the offending JSON, as ovsdb_syntax_error(). */
export function syntaxError(json: unknown, details: string, tag: OvsdbErrorTag = 'syntax error'): OvsdbError {
  return new OvsdbError(tag, details, json === undefined ? undefined : (json as Json));
}

/** Wraps a details prefix onto an error, as ovsdb_wrap_error() ("msg: details"). */
export function wrapError(error: OvsdbError, msg: string): OvsdbError {
  const e = new OvsdbError(error.tag, `${msg}: ${error.details}`);
  return Object.assign(e, { syntax: error.syntax }) as OvsdbError;
}

/** JSON text as OVS prints it with JSSF_SORT: keys sorted, reals as %.15g (DBL_DIG). */
export function ovsJsonText(value: Json): string {
  if (typeof value === 'number') return formatJsonNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly Json[]).map(ovsJsonText).join(',')}]`;
  const obj = value as JsonObject;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${ovsJsonText(obj[k] as Json)}`).join(',')}}`;
}

/**
 * A number as OVS writes it: an integer's digits, else a real with %.15g. A parsed number beyond
 * ±2^53 is a real (an int64 that large arrives as a bigint, base/json-exact.ts): OVS printed
 * 9223372036854775808 as "9.22337203685478e+18".
 */
function formatJsonNumber(n: number): string {
  if (Number.isSafeInteger(n)) return canonicalJson(n);
  return formatG(n, 15);
}

/** C printf("%.*g", precision, x). */
export function formatG(x: number, precision: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  let s = x.toExponential(precision - 1);
  let e = Number(s.slice(s.indexOf('e') + 1));
  if (e < -4 || e >= precision) {
    let mant = s.slice(0, s.indexOf('e'));
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const sign = e < 0 ? '-' : '+';
    e = Math.abs(e);
    return `${mant}e${sign}${e < 10 ? '0' : ''}${e}`;
  }
  s = x.toFixed(Math.max(0, precision - 1 - e));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/**
 * ovsdb_error_to_string(): `syntax "<json>": <tag>: <details>`, as ovsdb-tool prints errors
 * (e.g. `ovsdb-tool: ${errorToString(wrapError(e, 'failed to parse "x" as ovsdb schema'))}`).
 */
export function errorToString(e: OvsdbError): string {
  return `${e.syntax !== undefined ? `syntax "${e.syntax}": ` : ''}${e.tag}${e.details ? `: ${e.details}` : ''}`;
}
