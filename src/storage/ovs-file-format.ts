/**
 * The Open vSwitch database file format (ovsdb(5), "Database File Formats"), in both directions,
 * at the level of records: bytes ⇄ JSON objects. What the records mean lives in
 * ovs-file-state.ts.
 *
 * A file is a sequence of records, each
 *
 *     OVSDB <magic> <length> <sha1-hex>\n
 *     <length bytes: one JSON object, then "\n">
 *
 * where the length and the SHA-1 cover the body including its final newline (ovsdb/log.c,
 * ovsdb_log_compose_record). The magic is `JSON` for a standalone database, whose first record
 * is the schema and every later one a transaction; `CLUSTER` marks a clustered (Raft) database,
 * which we recognise only to refuse it clearly.
 *
 * Damage: ovsdb-server stops reading at the first record it cannot read, logs the error and
 * carries on with what it has (ovsdb-server.c read_db(): "Probably the database just got
 * truncated due to power failure"), truncating the rest at its next write. We accept the same
 * thing only where it is plainly a torn final write — a record cut short by the end of the file —
 * and reject anything else (bad header, SHA-1 mismatch, invalid JSON followed by more data) as
 * corruption, since silently dropping committed transactions from the middle of a file is worse
 * than stopping.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { parseJsonText } from '../base/json-exact.js';
import { jsonText } from '../base/json.js';

/** Magic of a standalone database file. */
export const OVS_STANDALONE_MAGIC = 'JSON';
/** Magic of a clustered (Raft) database file. */
export const OVS_CLUSTERED_MAGIC = 'CLUSTER';

/** OVS reads a header with fgets() into 128 bytes; a longer line is not a header. */
const MAX_HEADER_BYTES = 128;
const HEADER_RE = /^OVSDB ([^ \n]+) ([0-9]+) ([0-9a-fA-F]{40})\n$/;

/** One record as read from a file. */
export interface OvsLogRecord {
  /** Byte offset of the record's header line. */
  readonly offset: number;
  readonly json: JsonObject;
}

/** A whole file, record by record. */
export interface OvsLog {
  /** The magic of the first record (`JSON` or `CLUSTER`). */
  readonly magic: string;
  readonly records: readonly OvsLogRecord[];
  /**
   * Set when the file ends inside a record: the bytes from `offset` on are a torn write that
   * ovsdb-server would discard. `reason` says what was cut short.
   */
  readonly truncatedTail: { readonly offset: number; readonly reason: string } | undefined;
}

/** Error raised for a file that is not a readable OVS database file. */
export class OvsFileError extends Error {
  override readonly name = 'OvsFileError';
}

/** The header line's parts, or undefined if `line` (with its "\n") is not a header. */
function parseHeader(line: string): { magic: string; length: number; sha1: string } | undefined {
  const m = HEADER_RE.exec(line);
  if (!m) return undefined;
  const length = Number(m[2]);
  // OVS: strtoul() must give a nonzero length.
  if (!Number.isSafeInteger(length) || length === 0) return undefined;
  return { magic: m[1] as string, length, sha1: (m[3] as string).toLowerCase() };
}

function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Returns the magic of the first record, or undefined if `bytes` does not begin like an OVS file. */
export function sniffOvsMagic(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, MAX_HEADER_BYTES));
  const nl = head.indexOf(0x0a);
  if (nl < 0) return undefined;
  return parseHeader(head.subarray(0, nl + 1).toString('latin1'))?.magic;
}

/**
 * Splits an OVS database file into records, checking every header, length and SHA-1.
 *
 * @param name the file name, for error messages
 * @throws OvsFileError when the file is empty, does not start with an OVS header, mixes magics,
 *   or is damaged anywhere but a final record cut short by the end of the file.
 * @example
 *   const log = decodeOvsLog(await readFile('conf.db'), 'conf.db');
 *   log.records[0]?.json; // the schema of a standalone file
 */
export function decodeOvsLog(bytes: Uint8Array, name: string): OvsLog {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: OvsLogRecord[] = [];
  let magic: string | undefined;
  let offset = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  while (offset < buf.length) {
    const lineEnd = buf.indexOf(0x0a, offset);
    const atEnd = (why: string): OvsLog => {
      // A torn first record leaves no schema: nothing usable remains.
      if (magic === undefined || records.length === 0) throw new OvsFileError(`${name}: ${why} in the first record`);
      return { magic, records, truncatedTail: { offset, reason: why } };
    };
    if (isAllZero(buf, offset)) {
      // A crash after the file grew but before its data reached the disk leaves zero-filled
      // blocks at the end: a torn write like any other.
      return atEnd(`${buf.length - offset} zero bytes at end of file`);
    }
    if (lineEnd < 0 || lineEnd - offset + 1 > MAX_HEADER_BYTES) {
      // A header cut short by the end of the file is a torn write; a long or unterminated line
      // followed by more data is not a header at all.
      if (lineEnd < 0 && looksLikeHeaderStart(buf.subarray(offset))) {
        return atEnd('header line cut short by end of file');
      }
      throw headerError(name, offset, buf, magic === undefined);
    }
    const header = parseHeader(buf.subarray(offset, lineEnd + 1).toString('latin1'));
    if (!header) throw headerError(name, offset, buf, magic === undefined);
    if (magic === undefined) magic = header.magic;
    else if (header.magic !== magic) {
      throw new OvsFileError(`${name}: record at offset ${offset} has magic "${header.magic}" but the file's is "${magic}"`);
    }
    const dataOffset = lineEnd + 1;
    const dataEnd = dataOffset + header.length;
    if (dataEnd > buf.length) {
      return atEnd(`record of ${header.length} bytes starting at offset ${dataOffset} cut short by end of file (${buf.length - dataOffset} bytes present)`);
    }
    const body = buf.subarray(dataOffset, dataEnd);
    const actual = sha1Hex(body);
    if (actual !== header.sha1) {
      throw new OvsFileError(`${name}: ${header.length} bytes starting at offset ${dataOffset} have SHA-1 hash ${actual} but should have hash ${header.sha1}`);
    }
    let json: unknown;
    try {
      json = parseJsonText(decoder.decode(body));
    } catch (err) {
      throw new OvsFileError(`${name}: ${header.length} bytes starting at offset ${dataOffset} are not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!isJsonObject(json)) {
      throw new OvsFileError(`${name}: ${header.length} bytes starting at offset ${dataOffset} are not a JSON object`);
    }
    records.push({ offset, json });
    offset = dataEnd;
  }
  if (magic === undefined) throw new OvsFileError(`${name}: empty file`);
  return { magic, records, truncatedTail: undefined };
}

function isAllZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** True if `rest` could be the start of a header line that the end of the file cut off. */
function looksLikeHeaderStart(rest: Buffer): boolean {
  if (rest.length >= MAX_HEADER_BYTES) return false;
  const text = rest.toString('latin1');
  return 'OVSDB '.startsWith(text) || text.startsWith('OVSDB ');
}

function headerError(name: string, offset: number, buf: Buffer, first: boolean): OvsFileError {
  if (first) return new OvsFileError(`${name}: unexpected file format (not an Open vSwitch database file)`);
  const line = buf.subarray(offset, Math.min(buf.length, offset + 60)).toString('latin1').split('\n')[0] ?? '';
  return new OvsFileError(`${name}: parse error at offset ${offset} in header line ${JSON.stringify(line)}`);
}

/**
 * One record's bytes: header, compact JSON body, newline (ovsdb_log_compose_record()).
 *
 * @example encodeOvsRecord({ _date: 0, Bridge: {} }).toString()
 */
export function encodeOvsRecord(json: JsonObject | readonly Json[], magic: string = OVS_STANDALONE_MAGIC): Buffer {
  const body = Buffer.from(`${jsonText(json)}\n`, 'utf8');
  return Buffer.concat([Buffer.from(`OVSDB ${magic} ${body.length} ${sha1Hex(body)}\n`, 'latin1'), body]);
}

/** A standalone database file: its schema and its transaction records in order. */
export interface OvsStandaloneFile {
  readonly schema: JsonObject;
  /** `{table: {uuid: row | null}, "_date"?, "_comment"?, "_is_diff"?}` objects. */
  readonly transactions: readonly JsonObject[];
  /** As in OvsLog: a torn final write that was left out. */
  readonly truncatedTail: OvsLog['truncatedTail'];
}

/**
 * Reads a standalone OVS database file from bytes.
 *
 * @throws OvsFileError for a clustered file (with the command that converts it), for a file
 *   that is not an OVS database, and for corruption (see decodeOvsLog).
 */
export function parseOvsStandaloneFile(bytes: Uint8Array, name: string): OvsStandaloneFile {
  const log = decodeOvsLog(bytes, name);
  if (log.magic === OVS_CLUSTERED_MAGIC) {
    throw new OvsFileError(`${name}: is a clustered Open vSwitch database, which cannot be imported; convert it first with "ovsdb-tool cluster-to-standalone STANDALONE ${name}"`);
  }
  if (log.magic !== OVS_STANDALONE_MAGIC) {
    throw new OvsFileError(`${name}: unknown Open vSwitch file type "${log.magic}"`);
  }
  const [first, ...rest] = log.records;
  if (!first) throw new OvsFileError(`${name}: no schema record`);
  return { schema: first.json, transactions: rest.map((r) => r.json), truncatedTail: log.truncatedTail };
}

/** Reads and parses a standalone OVS database file. */
export async function readOvsStandaloneFile(path: string): Promise<OvsStandaloneFile> {
  return parseOvsStandaloneFile(await readFile(path), path);
}

/**
 * A whole standalone file: the schema record, then the given transaction records, as
 * `ovsdb-tool compact` writes one (a single record holding every row).
 */
export function encodeOvsStandaloneFile(schema: JsonObject, transactions: readonly JsonObject[]): Buffer {
  return Buffer.concat([encodeOvsRecord(schema), ...transactions.map((t) => encodeOvsRecord(t))]);
}
