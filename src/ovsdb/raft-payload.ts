/**
 * How OVSDB state travels through Raft: the payload of a `normal` log entry and the payload of a
 * snapshot. Both are UTF-8 text made of lines, each line one JSON value (JSON text never holds a
 * raw newline, so splitting on "\n" is exact):
 *
 *   entry     {"k":"txn","date":1733...,"comment":"ovn-nbctl ...","rid":"..."}   header
 *             {"Logical_Switch":{"<uuid>":{...}}}                                commit record
 *
 *   entry     {"k":"convert","date":...}                                          header
 *             {<new schema>}                                                       schema
 *             {<records of the converted contents>}...                             zero or more
 *
 *   snapshot  {"k":"snapshot","v":1}                                              header
 *             {<schema>}                                                           schema
 *             {<records, at most about 1 MiB of text each>}...                     rows
 *
 * A snapshot is written as many bounded records rather than one: no single string or object
 * grows with the database (V8 strings stop near 512 MiB), and a reader can apply it piece by
 * piece. The header is small and parsed on its own, so a member learns an entry's kind,
 * date and comment without parsing its record.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { parseJsonText } from '../base/json-exact.js';
import type { Database } from './database.js';
import { insertJson } from './record.js';
import type { CommitRecord } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Payload format version written in snapshot headers. */
export const snapshotFormatVersion = 1;
/** Soft bound on the text of one snapshot record line. */
export const snapshotRecordBytesMax = 1 << 20;

/** Optional metadata of an entry (shown by `tool show-log`). */
export interface EntryMeta {
  /** Wall-clock ms when the proposer created the entry. */
  readonly date?: number;
  /** The transaction's `comment` operations, joined by newlines. */
  readonly comment?: string;
  /** A client request id remembered in the replicated state (exactly-once forwarding). */
  readonly rid?: string;
  /** The transaction's results, for the member that forwarded it (Raft thesis §6.3). */
  readonly results?: readonly Json[];
}

/** A decoded `normal` entry. */
export type OvsdbEntry =
  | ({ readonly kind: 'txn'; readonly recordText: string } & EntryMeta)
  /** A cluster-wide lock operation (its body is checked by the lock table, not here). */
  | ({ readonly kind: 'lock'; readonly op: Json } & EntryMeta)
  | ({ readonly kind: 'convert'; readonly schema: JsonObject; readonly records: readonly CommitRecord[] } & EntryMeta);

/** A payload that is not ours: the caller reports it with the entry index. */
export class PayloadError extends Error {}

function header(kind: string, meta: EntryMeta): string {
  let h = `{"k":"${kind}"`;
  if (meta.date !== undefined) h += `,"date":${Math.floor(meta.date)}`;
  if (meta.comment !== undefined) h += `,"comment":${JSON.stringify(meta.comment)}`;
  if (meta.rid !== undefined) h += `,"rid":${JSON.stringify(meta.rid)}`;
  if (meta.results !== undefined) h += `,"res":${JSON.stringify(meta.results)}`;
  return `${h}}`;
}

/** The payload of a transaction entry, from the record's JSON text (as the engine writes it). */
export function encodeTxnEntry(recordText: string, meta: EntryMeta = {}, results?: readonly Json[]): Uint8Array {
  if (results !== undefined) meta = { ...meta, results };
  return encoder.encode(`${header('txn', meta)}\n${recordText}`);
}

/** The payload of a lock operation entry. */
export function encodeLockEntry(op: Json, meta: EntryMeta = {}): Uint8Array {
  return encoder.encode(`${header('lock', meta)}\n${JSON.stringify(op)}`);
}

/** The payload of a schema conversion: the new schema and the converted contents. */
export function encodeConvertEntry(schema: JsonObject, db: Database, meta: EntryMeta = {}): Uint8Array {
  const lines = [header('convert', meta), JSON.stringify(schema), ...snapshotLines(db)];
  return encoder.encode(lines.join('\n'));
}

function parseLine(line: string | undefined, what: string): Json {
  if (line === undefined) throw new PayloadError(`${what} missing`);
  try {
    return parseJsonText(line);
  } catch (e) {
    throw new PayloadError(`${what} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseObjectLine(line: string | undefined, what: string): JsonObject {
  const v = parseLine(line, what);
  if (!isJsonObject(v)) throw new PayloadError(`${what} is not a JSON object`);
  return v;
}

function decodeText(data: Uint8Array): string {
  try {
    return decoder.decode(data);
  } catch {
    throw new PayloadError('not UTF-8');
  }
}

function entryMeta(h: JsonObject): EntryMeta {
  const out: { date?: number; comment?: string; rid?: string; results?: readonly Json[] } = {};
  const date = h['date'];
  if (typeof date === 'number' && Number.isFinite(date)) out.date = date;
  const comment = h['comment'];
  if (typeof comment === 'string') out.comment = comment;
  const rid = h['rid'];
  if (typeof rid === 'string') out.rid = rid;
  const res = h['res'];
  if (Array.isArray(res)) out.results = res;
  return out;
}

/** Decodes a `normal` entry's payload; throws PayloadError if it is not one of ours. */
export function decodeEntry(data: Uint8Array): OvsdbEntry {
  const text = decodeText(data);
  const nl = text.indexOf('\n');
  const h = parseObjectLine(nl < 0 ? text : text.slice(0, nl), 'entry header');
  const body = nl < 0 ? '' : text.slice(nl + 1);
  const meta = entryMeta(h);
  switch (h['k']) {
    case 'txn':
      if (body.length === 0) throw new PayloadError('transaction entry without a record');
      return { kind: 'txn', recordText: body, ...meta };
    case 'lock':
      return { kind: 'lock', op: parseLine(body, 'lock operation'), ...meta };
    case 'convert': {
      const lines = body.split('\n');
      const schema = parseObjectLine(lines[0], 'converted schema');
      const records = lines.slice(1).map((l, i) => parseObjectLine(l, `converted record ${i + 1}`) as CommitRecord);
      return { kind: 'convert', schema, records, ...meta };
    }
    default:
      throw new PayloadError(`unknown entry kind ${JSON.stringify(h['k'] ?? null)}`);
  }
}

/** Parses a transaction entry's record text. */
export function parseRecordText(text: string): CommitRecord {
  return parseObjectLine(text, 'commit record') as CommitRecord;
}

/** The rows of `db` as record lines of bounded size (insert form), table by table. */
export function* snapshotLines(db: Database): Generator<string> {
  for (const name of db.tableNames()) {
    const table = db.table(name);
    if (table === undefined || table.size === 0) continue;
    const meta = db.tableMeta(name);
    const prefix = `{${JSON.stringify(name)}:{`;
    let parts: string[] = [];
    let bytes = 0;
    for (const [uuid, row] of table) {
      const text = `${JSON.stringify(uuid)}:${JSON.stringify(insertJson(meta, row))}`;
      parts.push(text);
      bytes += text.length;
      if (bytes >= snapshotRecordBytesMax) {
        yield `${prefix}${parts.join(',')}}}`;
        parts = [];
        bytes = 0;
      }
    }
    if (parts.length > 0) yield `${prefix}${parts.join(',')}}}`;
  }
}

/** Extra replicated state carried in a snapshot header besides schema and rows. */
export type SnapshotExtra = JsonObject;

/**
 * The snapshot of `db` as encoded pieces (header line, schema line, then bounded record lines,
 * each with its separating newline), for a caller that builds a snapshot over several turns of
 * the event loop: every piece is small, so no single step is long. `db` must not change while
 * the generator runs (a clustered host passes a clone).
 */
export function* snapshotPieces(db: Database, extra: SnapshotExtra = {}): Generator<Uint8Array> {
  yield encoder.encode(JSON.stringify({ k: 'snapshot', v: snapshotFormatVersion, ...extra }));
  yield encoder.encode(`\n${JSON.stringify(db.schema.json)}`);
  for (const line of snapshotLines(db)) yield encoder.encode(`\n${line}`);
}

/** Encodes the whole database (schema and rows) as one snapshot payload (snapshotPieces joined). */
export function encodeSnapshot(db: Database, extra: SnapshotExtra = {}): Uint8Array {
  return concatBytes([...snapshotPieces(db, extra)]);
}

/** The pieces joined into one buffer. */
export function concatBytes(pieces: readonly Uint8Array[]): Uint8Array {
  let bytes = 0;
  for (const p of pieces) bytes += p.length;
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Encodes a snapshot from a schema and records (create-cluster from a standalone database). */
export function encodeSnapshotFrom(schema: JsonObject, records: Iterable<CommitRecord>, extra: SnapshotExtra = {}): Uint8Array {
  const lines = [JSON.stringify({ k: 'snapshot', v: snapshotFormatVersion, ...extra }), JSON.stringify(schema)];
  for (const r of records) lines.push(JSON.stringify(r));
  return encoder.encode(lines.join('\n'));
}

/** A decoded snapshot: records are parsed lazily, one line at a time. */
export interface DecodedSnapshot {
  readonly header: JsonObject;
  readonly schema: JsonObject;
  records(): Generator<CommitRecord>;
}

/** Decodes a snapshot payload; throws PayloadError if it is not one of ours. */
export function decodeSnapshot(data: Uint8Array): DecodedSnapshot {
  const text = decodeText(data);
  const first = text.indexOf('\n');
  const header = parseObjectLine(first < 0 ? text : text.slice(0, first), 'snapshot header');
  if (header['k'] !== 'snapshot') throw new PayloadError('not a snapshot');
  if (header['v'] !== snapshotFormatVersion) throw new PayloadError(`snapshot format ${JSON.stringify(header['v'] ?? null)} is not supported (this build reads ${snapshotFormatVersion})`);
  if (first < 0) throw new PayloadError('snapshot without a schema');
  const second = text.indexOf('\n', first + 1);
  const schema = parseObjectLine(text.slice(first + 1, second < 0 ? undefined : second), 'snapshot schema');
  return {
    header,
    schema,
    *records() {
      let at = second;
      let n = 0;
      while (at >= 0) {
        const next = text.indexOf('\n', at + 1);
        n++;
        yield parseObjectLine(text.slice(at + 1, next < 0 ? undefined : next), `snapshot record ${n}`) as CommitRecord;
        at = next;
      }
    },
  };
}
