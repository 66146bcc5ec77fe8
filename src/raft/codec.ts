/**
 * Payloads of the entries the core itself writes: membership (`config`) and the election timer
 * (`electionTimer`). JSON text in UTF-8, so a log dump stays readable.
 */
import { nodeId, type Membership, type NodeId } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a membership for a `config` entry. */
export function encodeMembership(m: Membership): Uint8Array {
  const addresses = m.addresses !== undefined && Object.keys(m.addresses).length > 0 ? { addresses: m.addresses } : {};
  return encoder.encode(JSON.stringify({ voters: m.voters, learners: m.learners, ...addresses }));
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
}

function nodeList(x: unknown): NodeId[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: NodeId[] = [];
  for (const v of x) {
    if (typeof v !== 'string' || v.length === 0) return undefined;
    out.push(nodeId(v));
  }
  return out;
}

/** Decodes a `config` entry; undefined if malformed. */
export function decodeMembership(data: Uint8Array): Membership | undefined {
  const x = parseJson(data);
  if (typeof x !== 'object' || x === null) return undefined;
  const voters = nodeList('voters' in x ? x.voters : undefined);
  const learners = nodeList('learners' in x ? x.learners : undefined);
  if (voters === undefined || learners === undefined) return undefined;
  const addresses = 'addresses' in x ? addressBook(x.addresses) : {};
  if (addresses === undefined) return undefined;
  return Object.keys(addresses).length > 0 ? { voters, learners, addresses } : { voters, learners };
}

/** A {node id: address} object of strings; undefined if malformed. */
export function addressBook(x: unknown): Record<string, string> | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string' || v.length === 0 || k.length === 0) return undefined;
    out[k] = v;
  }
  return out;
}

/** Encodes the payload of an `electionTimer` entry. */
export function encodeElectionTimer(ms: number): Uint8Array {
  return encoder.encode(JSON.stringify({ electionTimerMs: ms }));
}

/** Decodes an `electionTimer` entry; undefined if malformed. */
export function decodeElectionTimer(data: Uint8Array): number | undefined {
  const x = parseJson(data);
  if (typeof x !== 'object' || x === null || !('electionTimerMs' in x)) return undefined;
  const ms = x.electionTimerMs;
  return typeof ms === 'number' && Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}
