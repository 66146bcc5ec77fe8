import { describe, expect, test } from 'vitest';
import {
  entryId, MemoryLogStore, nodeId, RaftCore, term, type RaftConfig, type RaftMessage,
} from '../../src/raft/index.js';

const ids = [nodeId('a'), nodeId('b'), nodeId('c')];
function core(extra: Partial<RaftConfig> = {}): RaftCore {
  return new RaftCore({ id: nodeId('a'), clusterId: 'c1', bootstrapVoters: ids, tickMs: 10, electionTimerMs: 100, ...extra }, new MemoryLogStore());
}
/** Runs every Ready as if each write completed at once; steps the node's own vote back in. */
function drain(c: RaftCore): RaftMessage[] {
  const out: RaftMessage[] = [];
  for (let k = 0; k < 10 && c.hasReady(); k++) {
    const rd = c.ready();
    out.push(...rd.send);
    c.advance(rd);
    c.persisted(rd);
    for (const m of rd.sendAfterPersist) {
      if (m.to === c.id) c.step(m);
      else out.push(m);
    }
  }
  return out;
}

describe('RaftCore', () => {
  test('drops messages for another cluster or another node', () => {
    const c = core({ preVote: false });
    drain(c);
    const vote = { from: nodeId('b'), to: nodeId('a'), clusterId: 'c1', term: term(5), kind: 'vote', lastIndex: c.lastIndex, lastTerm: term(1), transfer: true } as const;
    c.step({ ...vote, clusterId: 'other' });
    c.step({ ...vote, to: nodeId('z') });
    expect(c.term).toBe(1);
    expect(drain(c)).toEqual([]);
    c.step(vote);
    expect(c.term).toBe(5);
    expect(drain(c).map((m) => m.kind)).toEqual(['voteReply']);
  });

  test('election timeouts are randomized in [T, 2T) ticks (§3.4) and deterministic per seed', () => {
    const firstTimeout = (seed: number): number => {
      const c = core({ seed });
      drain(c);
      for (let t = 1; t <= 100; t++) {
        c.tick();
        if (c.role !== 'follower') return t;
      }
      return -1;
    };
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const t = firstTimeout(seed);
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThan(20);
      expect(firstTimeout(seed)).toBe(t);
      seen.add(t);
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  test('a single voter elects itself once its vote is durable, and commits only what is durable', () => {
    const c = new RaftCore({ id: nodeId('a'), clusterId: 'c1', bootstrapVoters: [nodeId('a')] }, new MemoryLogStore());
    c.campaign();
    expect(c.role).toBe('candidate'); // its own vote is not durable yet (§3.8)
    const rd1 = c.ready();
    expect(rd1.hardState).toMatchObject({ term: 2, vote: 'a' });
    expect(rd1.append.map((e) => e.kind)).toEqual(['config']);
    expect(rd1.send).toEqual([]);
    expect(rd1.sendAfterPersist.map((m) => `${m.from}->${m.to} ${m.kind}`)).toEqual(['a->a voteReply']);
    c.advance(rd1);
    expect(c.role).toBe('candidate');
    c.persisted(rd1);
    for (const m of rd1.sendAfterPersist) c.step(m);
    expect(c.role).toBe('leader');
    const rd2 = c.ready();
    expect(rd2.append.map((e) => e.kind)).toEqual(['noop']);
    expect(c.commitIndex).toBe(1); // the bootstrap entry; the no-op waits for its own persistence
    c.advance(rd2);
    expect(c.commitIndex).toBe(1);
    c.persisted(rd2);
    expect(c.commitIndex).toBe(2);
  });

  test('never hands out an entry twice while writes are in flight, and marks them stable in order', () => {
    const c = new RaftCore({ id: nodeId('a'), clusterId: 'c1', bootstrapVoters: [nodeId('a')] }, new MemoryLogStore());
    drain(c);
    c.campaign();
    drain(c);
    expect(c.role).toBe('leader');
    drain(c);
    const base = c.lastIndex;
    c.propose({ id: entryId('p1'), data: new Uint8Array([1]) });
    const rd1 = c.ready();
    c.advance(rd1);
    c.propose({ id: entryId('p2'), data: new Uint8Array([2]) });
    const rd2 = c.ready();
    c.advance(rd2);
    expect(rd1.append.map((e) => e.id)).toEqual(['p1']);
    expect(rd2.append.map((e) => e.id)).toEqual(['p2']);
    expect(c.hasReady()).toBe(false);
    expect(() => c.persisted(rd2)).toThrow(/order/);
    c.persisted(rd1);
    expect(c.commitIndex).toBe(base + 1);
    c.persisted(rd2);
    expect(c.commitIndex).toBe(base + 2);
  });

  test('tick(n) counts a stall in full: a follower campaigns at once after it', () => {
    const c = core({ seed: 3 });
    drain(c);
    c.step({ from: nodeId('b'), to: nodeId('a'), clusterId: 'c1', term: term(2), kind: 'heartbeat', commit: c.commitIndex, seq: 1 });
    drain(c);
    c.tick(9);
    expect(c.role).toBe('follower');
    c.tick(50);
    expect(c.role).toBe('preCandidate');
    expect(() => c.tick(-1)).toThrow(/tick/);
  });

  test('rejects invalid configuration', () => {
    expect(() => core({ electionTimerMs: 99 })).toThrow(/electionTimerMs/);
    expect(() => core({ electionTimerMs: 600_001 })).toThrow(/electionTimerMs/);
    expect(() => core({ tickMs: 0 })).toThrow(/tickMs/);
  });

  test('ready() twice without advance() is a bug', () => {
    const c = core();
    c.ready();
    expect(c.hasReady()).toBe(false);
    expect(() => c.ready()).toThrow(/advance/);
  });

  test('status() lists peer progress on a leader only', () => {
    const c = new RaftCore({ id: nodeId('a'), clusterId: 'c1', bootstrapVoters: ids, preVote: false }, new MemoryLogStore());
    expect(c.status().progress).toEqual([]);
    c.campaign();
    drain(c);
    for (const from of [nodeId('b'), nodeId('c')]) c.step({ from, to: nodeId('a'), clusterId: 'c1', term: term(2), kind: 'voteReply', granted: true });
    expect(c.role).toBe('leader');
    expect(c.status().progress.map((p) => [p.id, p.voter, p.state])).toEqual([['b', true, 'probe'], ['c', true, 'probe']]);
  });
});
