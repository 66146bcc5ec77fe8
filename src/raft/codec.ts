/**
 * Payloads of the entries the core itself writes: membership (`config`) and the election timer
 * (`electionTimer`). JSON text in UTF-8, so a log dump stays readable.
 */
import { nodeId, type Membership, type NodeId } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a membership for a `config` entry. */
export function encodeMembership(m: Membership): Uint8Array {
  return encoder.encode(JSON.stringify({ voters: m.voters, learners: m.learners }));
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
  return { voters, learners };
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
