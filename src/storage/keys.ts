/**
 * The on-disk layout of a standalone database directory, format version 2: a LevelDB plus
 * journal files beside LevelDB's own files.
 *
 * Every key is a UTF-8 string with a one-letter namespace, so namespaces sort apart and a
 * future format can add namespaces without touching these:
 *
 *   m:format      "2"                          format version of this layout (checked on open)
 *   m:kind        "standalone"                 what the directory holds ("clustered" is Raft's)
 *   m:schema      JSON text of the schema      as get_schema returns it
 *   s:snapshot    {"seq": S, "record": R}      R: the whole database as one CommitRecord-shaped
 *                                               record; it covers every log record with seq <= S
 *   l:<seq>       JSON text of one record      a CommitRecord (src/ovsdb/types.ts) plus optional
 *                                               "_date" (ms since epoch) and "_comment"
 *   c:<seq>       journal frames (bytes)       a chunk: records <seq>, <seq>+1, ... framed
 *                                               as in journal-frame.ts (format 2)
 *
 * <seq> is the sequence number as 16 zero-padded decimal digits, so lexicographic key order is
 * numeric order (2^53 fits in 16 digits). Sequence numbers start at 1 and increase by one per
 * appended record; compaction deletes every l: and c: key (all at or below the snapshot's S) in
 * the same batch that writes the snapshot, so a reader never sees a gap or an overlap:
 *
 *        s:snapshot (seq S)       l:S+1  l:S+2  ...  l:N        ← replay in this order
 *
 * Format 2 keeps log records in LevelDB as chunks (journal frames verbatim: one put per run of
 * records, instead of one per record); l: keys of format 1 are replayed before them:
 *
 *        s:snapshot (S)   l:S+1 ... l:L   c:L+1 (L+1 ... M)   c:M+1 (M+1 ... N)
 *
 * Journal files (format 2) hold the log after LevelDB's last record, written synchronously
 * (journal-file.ts); they stay until a snapshot covers them (standalone-db-store.ts):
 *
 *   DIR/journal-<n>.osj     <n>: 10 zero-padded decimal digits, increasing; frames as in
 *                           journal-frame.ts, each carrying its record's sequence number
 *
 * LevelDB leaves alone files whose names it does not recognise (leveldb 1.20 db/filename.cc
 * ParseFileName wants CURRENT, LOCK, LOG, MANIFEST-<n> or <n>.log/.sst/.ldb/.dbtmp; db_impl.cc
 * Recover, DeleteObsoleteFiles and DestroyDB skip the rest), so journals can share the directory.
 * A journal is deleted only after its records are durably in LevelDB (covered by the snapshot, or
 * as a chunk when recovery repaired the journals; earlier versions moved every full journal into
 * a chunk), so recovery is: snapshot, l: keys, chunks, then journal records in file order
 * whose seq is beyond the last one LevelDB holds, which must continue without a gap:
 *
 *   s:snapshot (S)   c:S+1 (..L)   journal-7: L-3 ... L (skipped) L+1 ... M   journal-8: M+1 ...
 *
 * A torn journal tail is dropped (journal-frame.ts, journal-recovery.ts). Journals read whole
 * (zeros after the last frame are pre-allocation) stay as the log; if recovery had to repair
 * them, open() moves the records it kept into one chunk and deletes the journal files before the
 * store accepts appends.
 *
 * Format 1 (no journals) is read as is and upgraded to 2 on open; a format-1 program refuses a
 * format-2 directory instead of silently ignoring its journals.
 */

/** Bumped on any incompatible change of the layout above. */
export const STORE_FORMAT_VERSION = 2;
/** Older format versions this program still reads (and upgrades on open). */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];

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

/** First and past-the-end keys of the chunk namespace (format 2). */
export const CHUNK_KEY_MIN = 'c:';
export const CHUNK_KEY_END = 'c;';

/** The key of the chunk whose first record is `seq`. */
export function chunkKey(seq: number): string {
  return `c:${logKey(seq).slice(2)}`;
}

/** The first sequence number of a chunk key, or undefined if `key` is not one. */
export function parseChunkKey(key: string): number | undefined {
  return key.startsWith('c:') ? parseLogKey(`l:${key.slice(2)}`) : undefined;
}

/** File names of journals: journal-<10 digits>.osj; group 1 is the number. */
export const JOURNAL_NAME_PATTERN = /^journal-([0-9]{10})\.osj$/;

/** The file name of journal `n` (a non-negative integer below 10^10). */
export function journalName(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1e10) throw new Error(`bad journal number ${n}`);
  return `journal-${n.toString().padStart(10, '0')}.osj`;
}
