/**
 * A JSON value as it travels on the wire. Untrusted input enters as `unknown` and is narrowed
 * by hand-written parsers into this type or something more precise.
 *
 * A `bigint` is an exact integer outside the safe range of doubles (OVSDB integers are int64):
 * parsers produce one only for such values (base/json-exact.ts), and `jsonText` writes its digits.
 */
export type Json = null | boolean | number | bigint | string | readonly Json[] | { readonly [key: string]: Json };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: Json };

/** True if `value` is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deterministic JSON text: object keys sorted, as used for hashing and comparison. */
export function canonicalJson(value: Json): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly Json[]).map(canonicalJson).join(',')}]`;
  const obj = value as JsonObject;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k] as Json)}`).join(',')}}`;
}

/**
 * JSON.stringify that also writes bigints (as their exact digits). The native call runs first:
 * it throws on a bigint, and only then is the value written by the slower walk below, so values
 * without bigints (nearly all) cost nothing extra. Like JSON.stringify, object members whose
 * value is undefined are left out and undefined array elements become null.
 */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError) || !e.message.includes('BigInt')) throw e;
    return slowText(value) ?? 'null';
  }
}

function slowText(value: unknown): string | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: unknown) => slowText(v) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const t = slowText(v);
    if (t !== undefined) parts.push(`${JSON.stringify(k)}:${t}`);
  }
  return `{${parts.join(',')}}`;
}

/** Values (atoms, arrays, objects) smallJsonText writes itself before it hands over. */
const SMALL_NODES = 24;
/** Strings longer than this go to JSON.stringify: its scan is faster than ours per character. */
const SMALL_STRING = 64;
let nodesLeft = 0;

/**
 * jsonText for small values, written here rather than by JSON.stringify. The native call costs
 * about 0.3 µs before it writes anything (a runtime entry and a string builder), which was most
 * of the cost of encoding a transact reply such as `[{"uuid":["uuid","…"]}]`; this writes it in
 * a fifth of that. Gives exactly what jsonText gives: a value past SMALL_NODES nodes, or with a
 * long string, an object that is not plain, or anything else unusual is handed to jsonText
 * whole. (test/base/json.test.ts compares the two on random values.)
 */
export function smallJsonText(value: unknown): string {
  nodesLeft = SMALL_NODES;
  return smallText(value) ?? jsonText(value);
}

const objectProto = Object.prototype;

/** The text, or undefined to hand the whole value over (never for a value JSON.stringify skips). */
function smallText(value: unknown): string | undefined {
  if (--nodesLeft < 0) return undefined;
  switch (typeof value) {
    case 'string':
      return plainStringText(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const a = value as readonly unknown[];
        let s = '[';
        for (let i = 0; i < a.length; i++) {
          const v = a[i];
          const t = v === undefined || typeof v === 'function' || typeof v === 'symbol' ? 'null' : smallText(v);
          if (t === undefined) return undefined;
          s += i === 0 ? t : `,${t}`;
        }
        return `${s}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== objectProto && proto !== null) return undefined;
      const o = value as { readonly [k: string]: unknown };
      let s = '{';
      for (const k in o) {
        const v = o[k];
        if (k === 'toJSON') return undefined;
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        const kt = plainStringText(k);
        const t = smallText(v);
        if (kt === undefined || t === undefined) return undefined;
        s += s.length === 1 ? `${kt}:${t}` : `,${kt}:${t}`;
      }
      return `${s}}`;
    }
    default:
      return undefined;
  }
}

/**
 * JSON.stringify(s) for a string: quoted directly when it needs no escape and is short (the
 * native call costs more than the scan then), else by JSON.stringify.
 */
export function stringText(s: string): string {
  return plainStringText(s) ?? JSON.stringify(s);
}

/** A quoted string that needs no escape, or undefined. */
function plainStringText(s: string): string | undefined {
  if (s.length > SMALL_STRING) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return undefined;
  }
  return `"${s}"`;
}
