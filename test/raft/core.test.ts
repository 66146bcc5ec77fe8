import { describe, expect, test } from 'vitest';
import {
  MemoryLogStore, nodeId, RaftCore, term, type RaftConfig, type RaftMessage,
} from '../../src/raft/index.js';

const ids = [nodeId('a'), nodeId('b'), nodeId('c')];
function core(extra: Partial<RaftConfig> = {}): RaftCore {
  return new RaftCore({ id: nodeId('a'), clusterId: 'c1', bootstrapVoters: ids, tickMs: 10, electionTimerMs: 100, ...extra }, new MemoryLogStore());
}
function drain(c: RaftCore): RaftMessage[] {
  const out: RaftMessage[] = [];
  for (let k = 0; k < 10 && c.hasReady(); k++) {
    const rd = c.ready();
    out.push(...rd.send);
    c.advance(rd);
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

  test('a single voter elects itself and commits only what is durable', () => {
    const c = new RaftCore({ id: nodeId('a'), clusterId: 'c1', bootstrapVoters: [nodeId('a')] }, new MemoryLogStore());
    c.campaign();
    expect(c.role).toBe('leader');
    const rd = c.ready();
    expect(rd.append.map((e) => e.kind)).toEqual(['config', 'noop']);
    expect(c.commitIndex).toBe(1); // the bootstrap entry; the no-op waits for its own persistence
    c.advance(rd);
    expect(c.commitIndex).toBe(2);
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
