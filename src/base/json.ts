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
