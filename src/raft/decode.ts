/**
 * Turns an `unknown` (what a wire codec produced from untrusted bytes) into a RaftMessage, or
 * explains why not. No casts: every field is checked and rebuilt through the checked
 * constructors, so a peer cannot smuggle a non-integer term or a malformed entry into the core.
 */
import type { LogEntry, Membership, NodeId, SnapshotMeta, EntryKind, EntryId } from './types.js';
import { entryId, logIndex, nodeId, term } from './types.js';
import type { MessageHeader, RaftMessage } from './messages.js';
import { addressBook } from './codec.js';

class DecodeError extends Error {}

type Obj = { readonly [k: string]: unknown };

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function field(o: Obj, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function str(o: Obj, k: string): string {
  const v = field(o, k);
  if (typeof v !== 'string' || v.length === 0) throw new DecodeError(`${k} must be a non-empty string`);
  return v;
}

function count(o: Obj, k: string): number {
  const v = field(o, k);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new DecodeError(`${k} must be a non-negative integer`);
  return v;
}

function bool(o: Obj, k: string): boolean {
  const v = field(o, k);
  if (typeof v !== 'boolean') throw new DecodeError(`${k} must be a boolean`);
  return v;
}

function bytes(o: Obj, k: string): Uint8Array {
  const v = field(o, k);
  if (!(v instanceof Uint8Array)) throw new DecodeError(`${k} must be bytes`);
  return v;
}

function obj(o: Obj, k: string): Obj {
  const v = field(o, k);
  if (!isObj(v)) throw new DecodeError(`${k} must be an object`);
  return v;
}

function nodes(o: Obj, k: string): NodeId[] {
  const v = field(o, k);
  if (!Array.isArray(v)) throw new DecodeError(`${k} must be an array`);
  return v.map((x) => {
    if (typeof x !== 'string' || x.length === 0) throw new DecodeError(`${k} must hold node ids`);
    return nodeId(x);
  });
}

const entryKinds: readonly EntryKind[] = ['normal', 'config', 'electionTimer', 'noop'];

function entryKind(o: Obj): EntryKind {
  const v = field(o, 'kind');
  const k = entryKinds.find((x) => x === v);
  if (k === undefined) throw new DecodeError('bad entry kind');
  return k;
}

function entry(x: unknown): LogEntry {
  if (!isObj(x)) throw new DecodeError('entry must be an object');
  return {
    term: term(count(x, 'term')), index: logIndex(count(x, 'index')), id: entryId(str(x, 'id')),
    kind: entryKind(x), data: bytes(x, 'data'),
  };
}

function membership(o: Obj): Membership {
  const voters = nodes(o, 'voters');
  const learners = nodes(o, 'learners');
  const raw = field(o, 'addresses');
  if (raw === undefined) return { voters, learners };
  const addresses = addressBook(raw);
  if (addresses === undefined) throw new DecodeError('addresses must map node ids to addresses');
  return Object.keys(addresses).length > 0 ? { voters, learners, addresses } : { voters, learners };
}

function optionalId(o: Obj, k: string): EntryId | null {
  const v = field(o, k);
  if (v === null) return null;
  if (typeof v !== 'string' || v.length === 0) throw new DecodeError(`${k} must be an entry id or null`);
  return entryId(v);
}

function snapshotMeta(o: Obj): SnapshotMeta {
  const ms = count(o, 'electionTimerMs');
  if (ms === 0) throw new DecodeError('electionTimerMs must be positive');
  return {
    index: logIndex(count(o, 'index')), term: term(count(o, 'term')), config: membership(obj(o, 'config')),
    configIndex: logIndex(count(o, 'configIndex')), electionTimerMs: ms, lastNormalId: optionalId(o, 'lastNormalId'),
  };
}

function body(o: Obj, h: MessageHeader): RaftMessage {
  const kind = field(o, 'kind');
  switch (kind) {
    case 'preVote':
    case 'vote': {
      const lastIndex = logIndex(count(o, 'lastIndex'));
      const lastTerm = term(count(o, 'lastTerm'));
      return kind === 'vote'
        ? { ...h, kind, lastIndex, lastTerm, transfer: bool(o, 'transfer') }
        : { ...h, kind, lastIndex, lastTerm };
    }
    case 'preVoteReply':
    case 'voteReply':
      return { ...h, kind, granted: bool(o, 'granted') };
    case 'append': {
      const es = field(o, 'entries');
      if (!Array.isArray(es)) throw new DecodeError('entries must be an array');
      const prevIndex = logIndex(count(o, 'prevIndex'));
      const entries = es.map(entry);
      entries.forEach((e, k) => {
        if (e.index !== prevIndex + 1 + k) throw new DecodeError('entries must follow prevIndex contiguously');
      });
      return { ...h, kind, prevIndex, prevTerm: term(count(o, 'prevTerm')), entries, commit: logIndex(count(o, 'commit')) };
    }
    case 'appendReply':
      return {
        ...h, kind, success: bool(o, 'success'), index: logIndex(count(o, 'index')),
        hintIndex: logIndex(count(o, 'hintIndex')), hintTerm: term(count(o, 'hintTerm')),
      };
    case 'heartbeat':
      return { ...h, kind, commit: logIndex(count(o, 'commit')), seq: count(o, 'seq') };
    case 'heartbeatReply':
      return { ...h, kind, seq: count(o, 'seq') };
    case 'snapshot': {
      const offset = count(o, 'offset');
      const totalBytes = count(o, 'totalBytes');
      const data = bytes(o, 'data');
      if (offset + data.length > totalBytes) throw new DecodeError('snapshot chunk beyond totalBytes');
      return { ...h, kind, meta: snapshotMeta(obj(o, 'meta')), offset, totalBytes, data, done: bool(o, 'done') };
    }
    case 'snapshotReply':
      return { ...h, kind, index: logIndex(count(o, 'index')), offset: count(o, 'offset'), done: bool(o, 'done') };
    case 'timeoutNow':
      return { ...h, kind };
    case 'readIndex':
      return { ...h, kind, requestId: str(o, 'requestId') };
    case 'readIndexReply':
      return { ...h, kind, requestId: str(o, 'requestId'), ok: bool(o, 'ok'), index: logIndex(count(o, 'index')) };
    case 'propose': {
      const base = { ...h, kind, id: entryId(str(o, 'id')), data: bytes(o, 'data') } as const;
      return field(o, 'prereq') === undefined ? base : { ...base, prereq: optionalId(o, 'prereq') };
    }
    case 'proposeReply': {
      const outcome = field(o, 'outcome');
      if (outcome !== 'appended' && outcome !== 'stale' && outcome !== 'dropped') throw new DecodeError('bad outcome');
      return { ...h, kind, id: entryId(str(o, 'id')), outcome, index: logIndex(count(o, 'index')) };
    }
    default:
      throw new DecodeError(`unknown message kind ${JSON.stringify(kind) ?? 'undefined'}`);
  }
}

/**
 * Validates an untrusted value as a RaftMessage. Returns the message, or an Error whose
 * message says what is wrong (plain lowercase text).
 *
 * @example
 * const m = decodeRaftMessage(msgpack.unpack(bytes));
 * if (m instanceof Error) log(m.message); else host.receive(m);
 */
export function decodeRaftMessage(x: unknown): RaftMessage | Error {
  try {
    if (!isObj(x)) throw new DecodeError('message must be an object');
    const h: MessageHeader = {
      from: nodeId(str(x, 'from')), to: nodeId(str(x, 'to')), clusterId: str(x, 'clusterId'), term: term(count(x, 'term')),
    };
    return body(x, h);
  } catch (e) {
    if (e instanceof DecodeError) return new Error(`invalid raft message: ${e.message}`);
    if (e instanceof Error) return new Error(`invalid raft message: ${e.message}`);
    return new Error('invalid raft message');
  }
}
