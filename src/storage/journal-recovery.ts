/**
 * Recovery of a standalone database directory (layout in keys.ts): meta keys, snapshot, the
 * LevelDB log (format-1 l: keys, then chunks), then the journal records beyond them, all checked
 * for gaps and corruption. Reads only; the store moves the journal records into LevelDB.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { parseJsonText } from '../base/json-exact.js';
import type { JournalRecord } from './journal-frame.js';
import { decodeJournal } from './journal-frame.js';
import type { FoundJournal } from './journal-file.js';
import { listJournals, readJournal } from './journal-file.js';
import {
  CHUNK_KEY_END, CHUNK_KEY_MIN, KEY_FORMAT, KEY_KIND, KEY_SCHEMA, KEY_SNAPSHOT, LOG_KEY_END, LOG_KEY_MIN, READABLE_FORMAT_VERSIONS, parseChunkKey, parseLogKey,
} from './keys.js';

/** One stored record: a CommitRecord (src/ovsdb/types.ts), optionally with `_date` and `_comment`. */
export type StoredRecord = JsonObject;

/** The reads recovery needs from the LevelDB (the store adapts classic-level's Level). */
export interface KeyValueReader {
  getMany(keys: string[]): Promise<(string | undefined)[]>;
  /** Entries with keys in [gte, lt), values as UTF-8 text. */
  texts(gte: string, lt: string): AsyncIterable<[string, string]>;
  /** Entries with keys in [gte, lt), values as bytes. */
  bytes(gte: string, lt: string): AsyncIterable<[string, Uint8Array]>;
}

/** Everything found in a database directory. */
export interface RecoveredStore {
  /** The m:format value found (a readable version). */
  readonly format: string;
  readonly schemaJson: JsonObject;
  /** Snapshot record (if any), LevelDB log records, then journal records, in commit order. */
  readonly records: StoredRecord[];
  readonly snapshotSeq: number;
  readonly snapshotBytes: number;
  /** Format-1 l: keys present: [legacyFirstSeq, legacyNextSeq). */
  readonly legacyFirstSeq: number;
  readonly legacyNextSeq: number;
  /** Chunk keys present in LevelDB, oldest first. */
  readonly chunks: string[];
  /** Sequence number of the last record, journals included (0 if none). */
  readonly lastSeq: number;
  /** Log records after the snapshot, journals included, and their bytes of JSON text. */
  readonly logRecords: number;
  readonly logBytes: number;
  readonly journals: RecoveredJournals;
}

/** Parses stored JSON text that must be an object, naming `what` in the error. */
export function parseJsonObject(text: string, what: string): JsonObject {
  let value: Json;
  try {
    value = parseJsonText(text);
  } catch (e) {
    throw new Error(`corrupt database: ${what} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isJsonObject(value)) throw new Error(`corrupt database: ${what} is not a JSON object`);
  return value;
}

/** Reads a whole database directory; throws a clear error for anything unreadable. */
export async function recoverStore(db: KeyValueReader, dir: string): Promise<RecoveredStore> {
  const [format, kind, schemaText, snapshotText] = await db.getMany([KEY_FORMAT, KEY_KIND, KEY_SCHEMA, KEY_SNAPSHOT]);
  if (format === undefined) throw new Error(`${dir}: not an ovsdb-ts database (no format key)`);
  if (!READABLE_FORMAT_VERSIONS.some((v) => String(v) === format)) throw new Error(`${dir}: unsupported database format version ${format} (this program reads ${READABLE_FORMAT_VERSIONS.join(' and ')})`);
  if (kind !== 'standalone') throw new Error(`${dir}: database is ${kind ?? 'of unknown kind'}, not standalone`);
  if (schemaText === undefined) throw new Error(`corrupt database ${dir}: schema missing`);
  const schemaJson = parseJsonObject(schemaText, 'schema');
  const records: StoredRecord[] = [];
  let snapshotSeq = 0;
  let snapshotBytes = 0;
  if (snapshotText !== undefined) {
    const snap = parseJsonObject(snapshotText, 'snapshot');
    const seq = snap['seq'];
    const record = snap['record'];
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || !isJsonObject(record)) throw new Error(`corrupt database ${dir}: bad snapshot`);
    snapshotSeq = seq;
    snapshotBytes = snapshotText.length;
    records.push(record);
  }
  let lastSeq = snapshotSeq;
  let logRecords = 0;
  let logBytes = 0;
  let legacyFirstSeq = snapshotSeq + 1;
  for await (const [key, value] of db.texts(LOG_KEY_MIN, LOG_KEY_END)) {
    const seq = parseLogKey(key);
    if (seq === undefined) throw new Error(`corrupt database ${dir}: bad log key ${JSON.stringify(key)}`);
    // Compaction deletes covered keys atomically with the snapshot, so none should remain.
    if (seq <= snapshotSeq) throw new Error(`corrupt database ${dir}: log record ${seq} is covered by the snapshot (seq ${snapshotSeq})`);
    if (logRecords === 0) legacyFirstSeq = seq;
    else if (seq !== lastSeq + 1) throw new Error(`corrupt database ${dir}: log record ${lastSeq + 1} missing`);
    records.push(parseJsonObject(value, `log record ${seq}`));
    lastSeq = seq;
    logRecords++;
    logBytes += value.length;
  }
  const legacyNextSeq = logRecords === 0 ? legacyFirstSeq : lastSeq + 1;
  const chunks: string[] = [];
  for await (const [key, value] of db.bytes(CHUNK_KEY_MIN, CHUNK_KEY_END)) {
    const seq = parseChunkKey(key);
    if (seq === undefined) throw new Error(`corrupt database ${dir}: bad chunk key ${JSON.stringify(key)}`);
    if (seq <= snapshotSeq) throw new Error(`corrupt database ${dir}: log record ${seq} is covered by the snapshot (seq ${snapshotSeq})`);
    // A chunk is a moved journal's frames verbatim (keys.ts); LevelDB never tears a value.
    const decoded = decodeJournal(value, `chunk ${key} in ${dir}`);
    if (decoded.torn) throw new Error(`corrupt database ${dir}: chunk ${key} is damaged at byte ${decoded.validBytes}`);
    for (const r of decoded.records) {
      if (r.seq !== lastSeq + 1) throw new Error(`corrupt database ${dir}: log record ${lastSeq + 1} missing`);
      records.push(parseJsonObject(r.text, `log record ${r.seq}`));
      lastSeq++;
      logRecords++;
      logBytes += r.text.length;
    }
    chunks.push(key);
  }
  const journals = recoverJournals(dir, lastSeq);
  for (const r of journals.records) {
    records.push(parseJsonObject(r.text, `journal record ${r.seq}`));
    logRecords++;
    logBytes += r.text.length;
    lastSeq = r.seq;
  }
  return { format, schemaJson, records, snapshotSeq, snapshotBytes, legacyFirstSeq, legacyNextSeq, chunks, lastSeq, logRecords, logBytes, journals };
}

/** What the journals of a directory add to LevelDB's contents. */
export interface RecoveredJournals {
  /** Records with seq > lastLevelSeq, in order, contiguous from lastLevelSeq + 1. */
  readonly records: JournalRecord[];
  /** Every journal file found (all are obsolete once `records` are in LevelDB). */
  readonly files: FoundJournal[];
  /**
   * The files holding `records`, with the range each holds, when they can go on serving as the
   * log as they are: every record read was used (none skipped as already in LevelDB, none cut
   * off by a tear) and every dropped tail was zeros (pre-allocation). Otherwise undefined, and
   * the store moves `records` into LevelDB and deletes the files.
   */
  readonly spans: readonly JournalSpan[] | undefined;
  /** The number to give the next journal file. */
  readonly nextNumber: number;
}

/** A journal file and the sequence number of its last record. */
export interface JournalSpan {
  readonly path: string;
  readonly lastSeq: number;
}

/**
 * Reads every journal in `dir` and returns the records beyond `lastLevelSeq` (the last sequence
 * number LevelDB holds, as snapshot or l: key). Records at or below it are leftovers of a journal
 * whose deletion a crash interrupted after its records reached LevelDB, and are skipped.
 *
 * A torn tail (journal-frame.ts) is dropped. If the next record needed then is missing (the
 * tear took it), the log ends at the tear, as a bad record ends the real ovsdb-server's log, and
 * newer journals are dropped too. That loses nothing acknowledged as durable: a durable
 * acknowledgement fdatasyncs every journal not yet in LevelDB (standalone-db-store.ts), so a
 * tear can only hit records after the last durable one, or ones LevelDB already holds (then
 * the log simply continues). SIGKILL never tears (one write(2) per group of whole frames).
 */
export function recoverJournals(dir: string, lastLevelSeq: number): RecoveredJournals {
  const files = listJournals(dir);
  const records: JournalRecord[] = [];
  let expected = lastLevelSeq + 1;
  /** A tear not yet followed by the record it may have cut off. */
  let pendingTear = false;
  const spans: JournalSpan[] = [];
  /** A record was skipped or cut off, or a tail held the remains of a frame: repair (see spans). */
  let damaged = false;
  scan: for (const file of files) {
    const { records: found, torn, padded } = readJournal(file.path);
    if (torn && !padded) damaged = true;
    const lastRecord = found[found.length - 1];
    if (lastRecord !== undefined) spans.push({ path: file.path, lastSeq: lastRecord.seq });
    for (const r of found) {
      if (r.seq < expected) {
        // Skipping is only sound for records LevelDB has; anything else is out of order.
        if (r.seq > lastLevelSeq) throw new Error(`corrupt journal ${file.path}: record ${r.seq} out of order (expected ${expected})`);
        damaged = true;
        continue;
      }
      if (r.seq > expected) {
        if (pendingTear) {
          damaged = true;
          break scan;
        }
        throw new Error(`corrupt journal ${file.path}: record ${expected} missing (found ${r.seq})`);
      }
      records.push(r);
      expected++;
      pendingTear = false;
    }
    if (torn) pendingTear = true;
  }
  const last = files[files.length - 1];
  return { records, files, spans: damaged ? undefined : spans, nextNumber: last === undefined ? 0 : last.number + 1 };
}
