/**
 * Encoding and checked decoding of every value a clustered database directory stores
 * (raft-keys.ts). Why its own file: recovery must turn any garbage into a clear error naming
 * what is damaged, and the writer must produce exactly what recovery accepts; both sides live
 * here, next to each other.
 *
 * A log entry is binary, so entry data (opaque bytes) is stored as it is:
 *
 *   offset 0   u32 LE  CRC-32 (journal-frame.ts crc32) of bytes 4..end
 *          4   u8      value version (1)
 *          5   u8      kind: 0 normal, 1 config, 2 electionTimer, 3 noop
 *          6   u16 LE  length of the id in UTF-8 bytes
 *          8   f64 LE  term
 *         16   f64 LE  index (must equal the key's)
 *         24   ...     id (UTF-8), then data
 *
 * The other values are JSON text, validated field by field on the way in.
 */
import { addressBook } from '../raft/codec.js';
import { withAddresses } from '../raft/membership.js';
import type { EntryKind, HardState, LogEntry, Membership, NodeId, SnapshotMeta } from '../raft/types.js';
import { entryId, logIndex, nodeId, term } from '../raft/types.js';
import { crc32, crc32Update } from './journal-frame.js';

/** Cluster membership data of one member's directory (see RaftDiskStore). */
export interface ClusterMeta {
  /** Database name (the schema's name). */
  readonly name: string;
  /** Cluster id (uuid); null for a joining member not given --cid, until it learns it. */
  readonly cid: string | null;
  /** This server's id (uuid). */
  readonly sid: string;
  /** This server's Raft address: tcp:IP:PORT or ssl:IP:PORT. */
  readonly local: string;
  /** Addresses to contact to join; [] for a founding member and once joined. */
  readonly remotes: readonly string[];
}

/** What r:snap holds: the snapshot's metadata and where its data is. */
export interface SnapshotManifest {
  readonly id: number;
  readonly meta: SnapshotMeta;
  /** Total bytes of data. */
  readonly bytes: number;
  /** CRC-32 of each piece, in order. */
  readonly crcs: readonly number[];
}

/** A stored value that does not decode; `what` names it for the operator. */
export class CorruptValueError extends Error {
  constructor(readonly what: string, readonly reason: string) {
    super(`${what} is corrupt (${reason})`);
  }
}

const ENTRY_HEADER_BYTES = 24;
const ENTRY_VALUE_VERSION = 1;
const KINDS: readonly EntryKind[] = ['normal', 'config', 'electionTimer', 'noop'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RAFT_ADDRESS = /^(tcp|ssl):(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):[0-9]{1,5}$/;

/** Bytes the stored value of `e` takes (for stats without encoding). */
export function entryValueBytes(e: LogEntry): number {
  return ENTRY_HEADER_BYTES + Buffer.byteLength(e.id, 'utf8') + e.data.length;
}

/** The stored value of one log entry. */
export function encodeEntry(e: LogEntry): Buffer {
  const idBytes = Buffer.byteLength(e.id, 'utf8');
  if (idBytes > 0xffff) throw new Error(`entry id of ${idBytes} bytes is too long`);
  const buf = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + idBytes + e.data.length);
  buf.writeUInt8(ENTRY_VALUE_VERSION, 4);
  buf.writeUInt8(KINDS.indexOf(e.kind), 5);
  buf.writeUInt16LE(idBytes, 6);
  buf.writeDoubleLE(e.term, 8);
  buf.writeDoubleLE(e.index, 16);
  buf.write(e.id, ENTRY_HEADER_BYTES, idBytes, 'utf8');
  buf.set(e.data, ENTRY_HEADER_BYTES + idBytes);
  buf.writeUInt32LE(crc32Update(0, buf, 4, buf.length), 0);
  return buf;
}

/** Decodes the value stored under the key of entry `index`; throws CorruptValueError. */
export function decodeEntry(value: Uint8Array, index: number): LogEntry {
  const what = `Raft log record ${index}`;
  if (value.length < ENTRY_HEADER_BYTES) throw new CorruptValueError(what, `${value.length} bytes is too short`);
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (crc32Update(0, buf, 4, buf.length) !== buf.readUInt32LE(0)) throw new CorruptValueError(what, 'checksum mismatch');
  if (buf.readUInt8(4) !== ENTRY_VALUE_VERSION) throw new CorruptValueError(what, `unknown record version ${buf.readUInt8(4)}`);
  const kind = KINDS[buf.readUInt8(5)];
  const idBytes = buf.readUInt16LE(6);
  const t = buf.readDoubleLE(8);
  const i = buf.readDoubleLE(16);
  if (kind === undefined) throw new CorruptValueError(what, 'unknown entry kind');
  if (!Number.isSafeInteger(t) || t < 0) throw new CorruptValueError(what, 'bad term');
  if (i !== index) throw new CorruptValueError(what, `it holds index ${i}`);
  if (ENTRY_HEADER_BYTES + idBytes > buf.length || idBytes === 0) throw new CorruptValueError(what, 'bad id length');
  const id = buf.toString('utf8', ENTRY_HEADER_BYTES, ENTRY_HEADER_BYTES + idBytes);
  // Copy the data out: the store keeps entries for the life of the process, the read buffer not.
  const data = new Uint8Array(buf.subarray(ENTRY_HEADER_BYTES + idBytes));
  return { term: term(t), index: logIndex(i), id: entryId(id), kind, data };
}

/** CRC-32 of one snapshot piece. */
export function pieceCrc(piece: Uint8Array): number {
  return crc32(piece);
}

function parseJson(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptValueError(what, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CorruptValueError(what, 'not a JSON object');
  return value as Record<string, unknown>;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function nodeIds(v: unknown): NodeId[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: NodeId[] = [];
  for (const x of v) {
    if (typeof x !== 'string' || x.length === 0) return undefined;
    out.push(nodeId(x));
  }
  return out;
}

/** JSON text of a hard state. */
export function encodeHardState(h: HardState): string {
  return JSON.stringify({ term: h.term, vote: h.vote, commit: h.commit });
}

export function decodeHardState(text: string): HardState {
  const what = 'Raft hard state';
  const o = parseJson(text, what);
  const { term: t, vote, commit } = o;
  if (!isCount(t) || !isCount(commit) || !(vote === null || (typeof vote === 'string' && vote.length > 0))) throw new CorruptValueError(what, 'unexpected fields');
  return { term: term(t), vote: vote === null ? null : nodeId(vote), commit: logIndex(commit) };
}

/** Throws unless `meta` is well formed (used on write and on read). */
export function checkClusterMeta(meta: ClusterMeta): void {
  const problem = clusterMetaProblem(meta);
  if (problem !== undefined) throw new Error(`invalid cluster metadata: ${problem}`);
}

function clusterMetaProblem(m: Record<string, unknown> | ClusterMeta): string | undefined {
  if (typeof m.name !== 'string' || m.name.length === 0) return 'name must be a non-empty string';
  if (!(m.cid === null || (typeof m.cid === 'string' && UUID.test(m.cid)))) return 'cid must be a uuid or null';
  if (typeof m.sid !== 'string' || !UUID.test(m.sid)) return 'sid must be a uuid';
  if (typeof m.local !== 'string' || !RAFT_ADDRESS.test(m.local)) return 'local must be tcp:IP:PORT or ssl:IP:PORT';
  if (!Array.isArray(m.remotes) || !m.remotes.every((r) => typeof r === 'string' && RAFT_ADDRESS.test(r))) return 'remotes must be tcp:IP:PORT or ssl:IP:PORT addresses';
  return undefined;
}

export function encodeClusterMeta(m: ClusterMeta): string {
  return JSON.stringify({ name: m.name, cid: m.cid, sid: m.sid, local: m.local, remotes: m.remotes });
}

export function decodeClusterMeta(text: string): ClusterMeta {
  const what = 'cluster metadata';
  const o = parseJson(text, what);
  const problem = clusterMetaProblem(o);
  if (problem !== undefined) throw new CorruptValueError(what, problem);
  return o as unknown as ClusterMeta;
}

export function encodeManifest(m: SnapshotManifest): string {
  return JSON.stringify(m);
}

function decodeMembership(v: unknown): Membership | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const voters = nodeIds((v as Record<string, unknown>)['voters']);
  const learners = nodeIds((v as Record<string, unknown>)['learners']);
  if (voters === undefined || learners === undefined) return undefined;
  const raw = (v as Record<string, unknown>)['addresses'];
  if (raw === undefined) return { voters, learners };
  // Where each member listens (create-cluster writes the founder's; snapshots carry them all).
  const addresses = addressBook(raw);
  if (addresses === undefined) return undefined;
  return withAddresses({ voters, learners }, addresses);
}

export function decodeManifest(text: string): SnapshotManifest {
  const what = 'Raft snapshot metadata';
  const o = parseJson(text, what);
  const { id, bytes, crcs, meta } = o;
  if (!isCount(id) || !isCount(bytes) || !Array.isArray(crcs) || !crcs.every((c) => isCount(c) && c <= 0xffffffff)) throw new CorruptValueError(what, 'unexpected fields');
  if (typeof meta !== 'object' || meta === null) throw new CorruptValueError(what, 'no snapshot meta');
  const m = meta as Record<string, unknown>;
  const config = decodeMembership(m['config']);
  const lastNormalId = m['lastNormalId'];
  const { index, term: t, configIndex, electionTimerMs } = m;
  if (!isCount(index) || !isCount(t) || !isCount(configIndex) || !isCount(electionTimerMs) || config === undefined
    || !(lastNormalId === null || (typeof lastNormalId === 'string' && lastNormalId.length > 0))) {
    throw new CorruptValueError(what, 'unexpected snapshot meta fields');
  }
  const snapMeta: SnapshotMeta = {
    index: logIndex(index), term: term(t), config, configIndex: logIndex(configIndex), electionTimerMs,
    lastNormalId: lastNormalId === null ? null : entryId(lastNormalId),
  };
  return { id, bytes, crcs: crcs as number[], meta: snapMeta };
}

/** JSON text of r:journal: where the journal after the checkpoint begins. */
export function encodeJournalPosition(p: { readonly first: number; readonly seq: number }): string {
  return JSON.stringify({ first: p.first, seq: p.seq });
}

export function decodeJournalPosition(text: string): { first: number; seq: number } {
  const what = 'Raft journal position';
  const o = parseJson(text, what);
  const { first, seq } = o;
  if (!isCount(first) || !isCount(seq) || seq < 1) throw new CorruptValueError(what, 'unexpected fields');
  return { first, seq };
}
