/**
 * The on-disk key layout of a database directory (a LevelDB), format version 1.
 *
 * Every key is a UTF-8 string with a one-letter namespace, so namespaces sort apart and a
 * future format can add namespaces without touching these:
 *
 *   m:format      "1"                          format version of this layout (checked on open)
 *   m:kind        "standalone"                 what the directory holds ("clustered" is Raft's)
 *   m:schema      JSON text of the schema      as get_schema returns it
 *   s:snapshot    {"seq": S, "record": R}      R: the whole database as one CommitRecord-shaped
 *                                               record; it covers every log record with seq <= S
 *   l:<seq>       JSON text of one record      a CommitRecord (src/ovsdb/types.ts) plus optional
 *                                               "_date" (ms since epoch) and "_comment"
 *
 * <seq> is the sequence number as 16 zero-padded decimal digits, so lexicographic key order is
 * numeric order (2^53 fits in 16 digits). Sequence numbers start at 1 and increase by one per
 * appended record; compaction deletes every l: key at or below the snapshot's S in the same
 * batch that writes the snapshot, so a reader never sees a gap or an overlap:
 *
 *        s:snapshot (seq S)       l:S+1  l:S+2  ...  l:N        ← replay in this order
 */

/** Bumped on any incompatible change of the layout above. */
export const STORE_FORMAT_VERSION = 1;

export const KEY_FORMAT = 'm:format';
export const KEY_KIND = 'm:kind';
export const KEY_SCHEMA = 'm:schema';
export const KEY_SNAPSHOT = 's:snapshot';

/** First and past-the-end keys of the log namespace, for range scans. */
export const LOG_KEY_MIN = 'l:';
export const LOG_KEY_END = 'l;';

const SEQ_DIGITS = 16;

/** The key of log record `seq` (a positive safe integer). */
export function logKey(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`bad log sequence number ${seq}`);
  return `l:${seq.toString().padStart(SEQ_DIGITS, '0')}`;
}

/** The sequence number in a log key, or undefined if `key` is not one. */
export function parseLogKey(key: string): number | undefined {
  if (!key.startsWith('l:') || key.length !== 2 + SEQ_DIGITS) return undefined;
  const digits = key.slice(2);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}
