import { describe, expect, test } from 'vitest';
import {
  entryId, logIndex, term, MemoryLogStore, nodeId, RaftHost, type LogEntry, type LogStore, type NodeId,
  type PersistBatch, type ProposalResult, type RaftMessage, type TimerPort,
} from '../../src/raft/index.js';

/** A clock and timers driven by hand. */
class ManualTimers implements TimerPort {
  now = 0;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  nowMs(): number {
    return this.now;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const t = { at: this.now + ms, fn, live: true };
    this.#timers.push(t);
    return () => { t.live = false; };
  }
  #next(end: number): { at: number; fn: () => void; live: boolean } | undefined {
    return this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
  }
  /** Moves time forward by `ms`, firing every timer on time. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.#next(end);
      if (due === undefined) break;
      due.live = false;
      this.now = due.at;
      due.fn();
    }
    this.now = end;
  }
  /** An event-loop stall: time moves by `ms` and no timer fires; then the overdue ones fire once, late. */
  stall(ms: number): void {
    this.now += ms;
  }
  /** Fires the earliest due timer (late, at the current time). */
  fireNext(): boolean {
    const due = this.#next(this.now);
    if (due === undefined) return false;
    due.live = false;
    due.fn();
    return true;
  }
}

function cluster(n: number, autoSync: boolean) {
  const ids = Array.from({ length: n }, (_, k) => nodeId(`n${k + 1}`));
  const timers = new ManualTimers();
  const net: RaftMessage[] = [];
  const applied = new Map<string, LogEntry[]>();
  const results: ProposalResult[] = [];
  const stores = new Map(ids.map((id) => [id, new MemoryLogStore({ autoSync })]));
  const hosts = new Map(ids.map((id) => {
    const store = stores.get(id) ?? new MemoryLogStore();
    applied.set(id, []);
    return [id, new RaftHost({
      config: { id, clusterId: 'c', bootstrapVoters: ids, tickMs: 10, electionTimerMs: 100, seed: ids.indexOf(id) + 1 },
      store, transport: { send: (m) => net.push(m) }, timers,
      events: {
        onApply: (es) => applied.get(id)?.push(...es),
        onProposalResult: (r) => results.push(r),
      },
    })];
  }));
  const deliver = (): void => {
    for (let guard = 0; guard < 1000 && net.length > 0; guard++) {
      const m = net.shift();
      if (m !== undefined) hosts.get(m.to)?.receive(m);
    }
  };
  const host = (id: string): RaftHost => {
    const h = hosts.get(nodeId(id));
    if (h === undefined) throw new Error(`no host ${id}`);
    return h;
  };
  const store = (id: string): MemoryLogStore => {
    const s = stores.get(nodeId(id));
    if (s === undefined) throw new Error(`no store ${id}`);
    return s;
  };
  /** Takes the messages sent so far, as "kind from->to" strings. */
  const take = (): string[] => net.splice(0).map((m) => `${m.kind} ${m.from}->${m.to}`);
  return { ids, timers, net, applied, results, stores, hosts, deliver, host, store, take };
}

const msg = (from: string, to: string, t: number) => ({ from: nodeId(from), to: nodeId(to), clusterId: 'c', term: term(t) });

/** A 3-node cluster with manual disks where n1 leads term 2 and every write is durable. */
function elected(): ReturnType<typeof cluster> {
  const c = cluster(3, false);
  for (const h of c.hosts.values()) h.start();
  c.host('n1').campaign();
  for (let k = 0; k < 20 && c.host('n1').core.role !== 'leader'; k++) {
    for (const s of c.stores.values()) s.sync();
    c.deliver();
  }
  for (let k = 0; k < 20; k++) {
    for (const s of c.stores.values()) s.sync();
    c.deliver();
  }
  expect(c.host('n1').core.role).toBe('leader');
  return c;
}

describe('RaftHost', () => {
  test('acknowledgements wait for their write; votes and pre-votes do not (§3.8)', () => {
    const c = cluster(3, false);
    const s1 = c.store('n1');
    // The pre-votes leave at once, while the bootstrap entry is still being written: a pre-vote
    // promises nothing.
    c.host('n1').campaign();
    expect(s1.pendingWrites).toBe(1);
    expect(c.take()).toEqual(['preVote n1->n2', 'preVote n1->n3']);
    c.host('n1').receive({ ...msg('n2', 'n1', 2), kind: 'preVoteReply', granted: true });
    // Candidate in term 2: the vote requests leave at once, with term 2 and vote=n1 being written
    // behind the bootstrap write (two writes in flight).
    expect(c.host('n1').core.role).toBe('candidate');
    expect(s1.pendingWrites).toBe(2);
    expect(c.take()).toEqual(['vote n1->n2', 'vote n1->n3']);
    // A voter's grant leaves only once its vote is durable.
    c.host('n2').receive({ ...msg('n1', 'n2', 2), kind: 'vote', lastIndex: logIndex(1), lastTerm: term(1), transfer: false });
    expect(c.store('n2').pendingWrites).toBe(1); // its bootstrap entry, term 2 and the vote
    expect(c.take()).toEqual([]);
    c.store('n2').syncOne();
    expect(c.net.map((m) => `${m.kind}:${m.term}:${m.kind === 'voteReply' && m.granted}`)).toEqual(['voteReply:2:true']);
    expect(c.store('n2').hardState()).toMatchObject({ term: 2, vote: 'n1' });
  });

  test("a candidate with every grant in is not leader until its own vote is durable", () => {
    const c = cluster(3, false);
    const h1 = c.host('n1');
    const s1 = c.store('n1');
    h1.campaign();
    h1.receive({ ...msg('n2', 'n1', 2), kind: 'preVoteReply', granted: true });
    c.take();
    for (const from of ['n2', 'n3']) h1.receive({ ...msg(from, 'n1', 2), kind: 'voteReply', granted: true });
    expect(h1.core.role).toBe('candidate');
    s1.syncOne(); // the bootstrap entry; term 2 and the vote are still in flight
    expect(h1.core.role).toBe('candidate');
    expect(c.take()).toEqual([]);
    s1.syncOne();
    expect(h1.core.role).toBe('leader');
    expect(c.take()).toEqual(['append n1->n2', 'append n1->n3']);
  });

  test('a single voter still elects itself, after its write', () => {
    const sent: RaftMessage[] = [];
    const store = new MemoryLogStore();
    const h = new RaftHost({
      config: { id: nodeId('a'), clusterId: 'c', bootstrapVoters: [nodeId('a')] },
      store, transport: { send: (m) => sent.push(m) }, timers: new ManualTimers(), events: { onApply: () => {} },
    });
    h.campaign();
    expect(h.core.role).toBe('candidate');
    store.sync();
    expect(h.core.role).toBe('leader');
    store.sync();
    expect(h.core.commitIndex).toBe(2);
    expect(sent).toEqual([]);
  });

  test('heartbeats, their replies and appends leave while writes are pending; replies wait, in order', () => {
    const c = elected();
    const h1 = c.host('n1');
    const last = h1.core.lastIndex;
    // Two proposals: two writes in flight on the leader, and each append leaves at once with
    // only its own entry (§10.2.1: the leader replicates while its disk syncs).
    h1.propose({ id: entryId('p1'), data: new Uint8Array([1]) });
    h1.propose({ id: entryId('p2'), data: new Uint8Array([2]) });
    expect(c.store('n1').pendingWrites).toBe(2);
    const appends = c.net.filter((m) => m.kind === 'append' && m.to === 'n2');
    expect(appends.map((m) => (m.kind === 'append' ? m.entries.map((e) => e.id) : []))).toEqual([['p1'], ['p2']]);
    // The followers write both; their acknowledgements wait.
    c.deliver();
    expect(c.store('n2').pendingWrites).toBe(2);
    expect(c.take()).toEqual([]);
    // A heartbeat round goes out and is answered while every one of those writes is pending.
    c.timers.advance(30);
    expect(c.take()).toEqual(['heartbeat n1->n2', 'heartbeat n1->n3']);
    c.host('n2').receive({ ...msg('n1', 'n2', 2), kind: 'heartbeat', commit: logIndex(0), seq: 99 });
    expect(c.take()).toEqual(['heartbeatReply n2->n1']);
    // Nothing committed: no follower acknowledged, the leader's own entries are not durable.
    expect(h1.core.commitIndex).toBe(last);
    c.store('n2').syncOne();
    expect(c.net.map((m) => (m.kind === 'appendReply' ? `ok ${m.index}` : m.kind))).toEqual([`ok ${last + 1}`]);
    c.deliver();
    // n2 alone is not a majority of three: commit waits for the leader's own write, which then
    // counts (§10.2.1: the leader counts itself once durable).
    expect(h1.core.commitIndex).toBe(last);
    c.store('n1').syncOne();
    expect(h1.core.commitIndex).toBe(last + 1);
    c.store('n2').syncOne();
    c.deliver();
    c.store('n1').syncOne();
    expect(h1.core.commitIndex).toBe(last + 2);
  });

  test('ticks by elapsed time: a stall of 5 election timeouts makes a follower campaign at the next timer callback', () => {
    const timers = new ManualTimers();
    const sent: RaftMessage[] = [];
    const ids = [nodeId('n1'), nodeId('n2'), nodeId('n3')];
    const h = new RaftHost({
      config: { id: nodeId('n2'), clusterId: 'c', bootstrapVoters: ids, tickMs: 10, electionTimerMs: 100, seed: 5 },
      store: new MemoryLogStore({ autoSync: true }), transport: { send: (m) => sent.push(m) }, timers, events: { onApply: () => {} },
    });
    h.start();
    const heartbeat = (): void => h.receive({ ...msg('n1', 'n2', 2), kind: 'heartbeat', commit: logIndex(1), seq: 1 });
    heartbeat();
    expect(h.core.leader).toBe('n1');
    // On time, the timer runs one tick per callback and the follower keeps its leader.
    timers.advance(50);
    heartbeat();
    expect(h.core.role).toBe('follower');
    // The event loop stalls for 500 ms: no callback runs. The next one sees 50 ticks at once.
    timers.stall(500);
    expect(h.core.role).toBe('follower');
    expect(timers.fireNext()).toBe(true);
    expect(h.core.role).toBe('preCandidate');
    expect(sent.filter((m) => m.kind === 'preVote').map((m) => m.to)).toEqual(['n1', 'n3']);
  });

  test('an input after a stall sees the elapsed time before it is handled', () => {
    const timers = new ManualTimers();
    const ids = [nodeId('n1'), nodeId('n2'), nodeId('n3')];
    const h = new RaftHost({
      config: { id: nodeId('n3'), clusterId: 'c', bootstrapVoters: ids, tickMs: 10, electionTimerMs: 100, seed: 5, preVote: false },
      store: new MemoryLogStore({ autoSync: true }), transport: { send: () => {} }, timers, events: { onApply: () => {} },
    });
    h.start();
    h.receive({ ...msg('n1', 'n3', 2), kind: 'heartbeat', commit: logIndex(1), seq: 1 });
    // Within the election timeout of hearing from n1, a vote for n2 is ignored (§4.2.3) ...
    const vote = (t: number): void => h.receive({ ...msg('n2', 'n3', t), kind: 'vote', lastIndex: logIndex(1), lastTerm: term(1), transfer: false });
    vote(3);
    expect(h.core.term).toBe(2);
    // ... but after a stall longer than it, with no timer callback in between, it is not.
    timers.stall(150);
    vote(4);
    expect(h.core.term).toBeGreaterThanOrEqual(4);
  });

  test('elects a leader on its own timers and replicates proposals to every member', () => {
    const c = cluster(3, true);
    for (const h of c.hosts.values()) h.start();
    for (let k = 0; k < 100 && ![...c.hosts.values()].some((h) => h.core.role === 'leader'); k++) {
      c.timers.advance(10);
      c.deliver();
    }
    const leader = [...c.hosts.values()].find((h) => h.core.role === 'leader');
    expect(leader).toBeDefined();
    leader?.propose({ id: entryId('p1'), data: new Uint8Array([1]) });
    c.deliver();
    c.timers.advance(50);
    c.deliver();
    for (const id of c.ids) expect(c.applied.get(id)?.filter((e) => e.kind === 'normal').map((e) => e.id)).toEqual(['p1']);
    expect(c.results).toEqual([{ id: 'p1', outcome: 'committed', index: 3 }]);
    for (const h of c.hosts.values()) h.stop();
    const before = c.net.length;
    c.timers.advance(1000);
    expect(c.net.length).toBe(before);
  });

  test('peerLost: followers that saw their leader reset elect a new one without a timeout', () => {
    const c = elected();
    c.take();
    const dead: NodeId = nodeId('n1');
    c.hosts.delete(dead);
    for (const id of ['n2', 'n3']) c.host(id).peerLost(dead);
    for (let k = 0; k < 10; k++) {
      for (const [id, s] of c.stores) if (id !== dead) s.sync();
      c.deliver();
    }
    expect([c.host('n2').core.role, c.host('n3').core.role]).toEqual(['leader', 'follower']);
    expect(c.host('n3').core.leader).toBe('n2');
  });

  test('stops and reports a storage failure; nothing that needed the write is sent', () => {
    const failing: LogStore = {
      hardState: () => ({ term: term(0), vote: null, commit: logIndex(0) }),
      snapshot: () => undefined,
      entries: () => [],
      write: (_b: PersistBatch, done) => done(new Error('disk full')),
    };
    const sent: RaftMessage[] = [];
    const errors: Error[] = [];
    const h = new RaftHost({
      config: { id: nodeId('a'), clusterId: 'c', bootstrapVoters: [nodeId('a'), nodeId('b')], preVote: false },
      store: failing, transport: { send: (m) => sent.push(m) }, timers: new ManualTimers(),
      events: { onApply: () => {}, onFatal: (e) => errors.push(e) },
    });
    h.campaign();
    expect(errors.map((e) => e.message)).toEqual(['disk full']);
    expect(h.stopped).toBe(true);
    // The vote request needs no durable state and left at once; the candidate's own vote never counted.
    expect(sent.map((m) => m.kind)).toEqual(['vote']);
    expect(h.core.role).toBe('candidate');
    expect(h.proposeConfChange({ type: 'remove', node: nodeId('b') })).toEqual({ ok: false, error: 'stopped' });
  });
});
