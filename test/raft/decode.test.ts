import { describe, expect, test } from 'vitest';
import {
  decodeRaftMessage, entryId, logIndex, nodeId, raftMessageKinds, term, type RaftMessage,
} from '../../src/raft/index.js';

const h = { from: nodeId('a'), to: nodeId('b'), clusterId: 'c1', term: term(3) };
const meta = {
  index: logIndex(5), term: term(2), config: { voters: [nodeId('a')], learners: [] }, configIndex: logIndex(1),
  electionTimerMs: 1000, lastNormalId: null,
};
const entry = { term: term(2), index: logIndex(5), id: entryId('x'), kind: 'normal' as const, data: new Uint8Array([1, 2]) };

/** One valid example of every message kind. */
const samples: RaftMessage[] = [
  { ...h, kind: 'preVote', lastIndex: logIndex(4), lastTerm: term(2) },
  { ...h, kind: 'preVoteReply', granted: true },
  { ...h, kind: 'vote', lastIndex: logIndex(4), lastTerm: term(2), transfer: false },
  { ...h, kind: 'voteReply', granted: false },
  { ...h, kind: 'append', prevIndex: logIndex(4), prevTerm: term(2), entries: [entry], commit: logIndex(3) },
  { ...h, kind: 'appendReply', success: false, index: logIndex(4), hintIndex: logIndex(2), hintTerm: term(1) },
  { ...h, kind: 'heartbeat', commit: logIndex(3), seq: 7 },
  { ...h, kind: 'heartbeatReply', seq: 7 },
  { ...h, kind: 'snapshot', meta, offset: 0, totalBytes: 4, data: new Uint8Array([1, 2]), done: false },
  { ...h, kind: 'snapshotReply', index: logIndex(5), offset: 2, done: false },
  { ...h, kind: 'timeoutNow' },
  { ...h, kind: 'readIndex', requestId: 'r1' },
  { ...h, kind: 'readIndexReply', requestId: 'r1', ok: true, index: logIndex(3) },
  { ...h, kind: 'propose', id: entryId('p1'), data: new Uint8Array([9]), prereq: null },
  { ...h, kind: 'propose', id: entryId('p2'), data: new Uint8Array([9]) },
  { ...h, kind: 'proposeReply', id: entryId('p1'), outcome: 'stale', index: logIndex(0) },
];

describe('decodeRaftMessage', () => {
  test('covers every kind', () => {
    expect(new Set(samples.map((m) => m.kind))).toEqual(new Set(raftMessageKinds));
  });

  test.each(samples.map((m) => [m.kind, m] as const))('round-trips %s', (_kind, m) => {
    expect(decodeRaftMessage(structuredClone(m))).toEqual(m);
  });

  test.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'append'],
    ['an array', [1, 2]],
    ['bytes', new Uint8Array(3)],
    ['no kind', { ...h }],
    ['unknown kind', { ...h, kind: 'explode' }],
    ['negative term', { ...h, term: -1, kind: 'timeoutNow' }],
    ['fractional term', { ...h, term: 1.5, kind: 'timeoutNow' }],
    ['huge term', { ...h, term: 2 ** 60, kind: 'timeoutNow' }],
    ['string term', { ...h, term: '3', kind: 'timeoutNow' }],
    ['empty from', { ...h, from: '', kind: 'timeoutNow' }],
    ['missing cluster id', { from: 'a', to: 'b', term: 1, kind: 'timeoutNow' }],
    ['granted not boolean', { ...h, kind: 'voteReply', granted: 1 }],
    ['entries not an array', { ...h, kind: 'append', prevIndex: 4, prevTerm: 2, entries: {}, commit: 0 }],
    ['entry with bad kind', { ...h, kind: 'append', prevIndex: 4, prevTerm: 2, entries: [{ ...entry, kind: 'evil' }], commit: 0 }],
    ['entry with string data', { ...h, kind: 'append', prevIndex: 4, prevTerm: 2, entries: [{ ...entry, data: 'xx' }], commit: 0 }],
    ['entries not contiguous', { ...h, kind: 'append', prevIndex: 1, prevTerm: 2, entries: [entry], commit: 0 }],
    ['chunk beyond total', { ...h, kind: 'snapshot', meta, offset: 3, totalBytes: 4, data: new Uint8Array(2), done: true }],
    ['meta with bad config', { ...h, kind: 'snapshot', meta: { ...meta, config: { voters: [1] } }, offset: 0, totalBytes: 0, data: new Uint8Array(), done: true }],
    ['meta with zero timer', { ...h, kind: 'snapshot', meta: { ...meta, electionTimerMs: 0 }, offset: 0, totalBytes: 0, data: new Uint8Array(), done: true }],
    ['bad outcome', { ...h, kind: 'proposeReply', id: 'p', outcome: 'maybe', index: 0 }],
    ['prereq not a string', { ...h, kind: 'propose', id: 'p', data: new Uint8Array(), prereq: 5 }],
    ['inherited fields', Object.create({ ...h, kind: 'timeoutNow' })],
  ])('rejects %s', (_name, value) => {
    const r = decodeRaftMessage(value);
    expect(r).toBeInstanceOf(Error);
    expect(r instanceof Error ? r.message : '').toMatch(/^invalid raft message/);
  });

  test('never throws on mutated messages (seeded fuzz)', () => {
    let x = 12345;
    const rand = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    const junk: unknown[] = [null, undefined, -1, 0.5, 'x', '', true, [], {}, new Uint8Array(1), 2 ** 53];
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const m: Record<string, unknown> = { ...samples[rand(samples.length)] };
      const keys = Object.keys(m);
      const k = keys[rand(keys.length)] ?? 'kind';
      m[k] = junk[rand(junk.length)];
      const r = decodeRaftMessage(m);
      if (r instanceof Error) rejected++;
    }
    expect(rejected).toBeGreaterThan(1500);
  });
});
