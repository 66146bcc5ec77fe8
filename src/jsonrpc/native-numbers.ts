/**
 * Which JSON.parse results need no second look for OVS's exact numbers (base/json-exact.ts).
 *
 * The framer hands a value's text to the exact parser when a number token has more than
 * MAX_EXACT_DIGITS digits or an exponent. Its whole-chunk fast path parses with JSON.parse
 * first and asks this check whether the exact parser could have given anything else: for the
 * numbers it accepts, the exact parser returns Number(token), which is what JSON.parse returns.
 *
 * @example
 * numbersUnambiguous(JSON.parse('{"n":5,"r":1.5}'));   // true: keep the value
 * numbersUnambiguous(JSON.parse('[9223372036854775807]')); // false: look at the text
 */
import type { Json } from '../base/json.js';

/** Smallest positive normal double: OVS refuses nonzero reals below it (str_to_double). */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * True if every number in `value` (a JSON.parse result) is one whose text the exact parser
 * would have read to the very same number: a safe integer other than zero, or a finite normal
 * non-integer. Others — zero (its text may be "-0" or "0e-9999999999", which OVS reads
 * differently), integers beyond ±2^53 (maybe an int64 JSON.parse rounded), infinities and
 * subnormals (OVS refuses them) — make the caller look at the text. Recursive: the caller
 * bounds the depth (the framer passes values of at most 4 KiB of text, so at most 2048 deep).
 */
export function numbersUnambiguous(value: Json): boolean {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value !== 0 && Number.isSafeInteger(value);
    return Number.isFinite(value) && (value >= MIN_NORMAL || value <= -MIN_NORMAL);
  }
  if (typeof value !== 'object' || value === null || typeof value === 'bigint') return true;
  if (Array.isArray(value)) {
    const a: readonly Json[] = value;
    for (let i = 0; i < a.length; i++) if (!numbersUnambiguous(a[i] as Json)) return false;
    return true;
  }
  const o = value as { readonly [key: string]: Json };
  for (const k in o) if (!numbersUnambiguous(o[k] as Json)) return false;
  return true;
}
