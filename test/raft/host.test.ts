import { describe, expect, test } from 'vitest';
import {
  entryId, logIndex, term, MemoryLogStore, nodeId, RaftHost, type LogEntry, type LogStore, type PersistBatch,
  type ProposalResult, type RaftMessage, type TimerPort,
} from '../../src/raft/index.js';

/** Timers driven by hand. */
class ManualTimers implements TimerPort {
  now = 0;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  setTimer(ms: number, fn: () => void): () => void {
    const t = { at: this.now + ms, fn, live: true };
    this.#timers.push(t);
    return () => { t.live = false; };
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.now = due.at;
      due.fn();
    }
    this.now = end;
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
  return { ids, timers, net, applied, results, stores, hosts, deliver };
}

describe('RaftHost', () => {
  test('sends nothing before the state it depends on is durable (§3.8)', () => {
    const c = cluster(3, false);
    const h1 = c.hosts.get(c.ids[0] ?? nodeId('x'));
    const s1 = c.stores.get(c.ids[0] ?? nodeId('x'));
    if (h1 === undefined || s1 === undefined) throw new Error('setup');
    // The pre-votes are in the same Ready as the bootstrap entry: they wait for it.
    h1.campaign();
    expect(s1.pendingWrites).toBe(1);
    expect(c.net).toEqual([]);
    s1.sync();
    expect(c.net.map((m) => m.kind)).toEqual(['preVote', 'preVote']);
    c.net.length = 0;
    for (const [id, st] of c.stores) if (id !== c.ids[0]) st.sync();
    h1.receive({ from: nodeId('n2'), to: nodeId('n1'), clusterId: 'c', term: term(2), kind: 'preVoteReply', granted: true });
    // The real vote needs term 2 and vote=n1 durable first.
    expect(s1.pendingWrites).toBe(1);
    expect(c.net).toEqual([]);
    s1.sync();
    expect(c.net.map((m) => `${m.kind}:${m.term}`)).toEqual(['vote:2', 'vote:2']);
    expect(s1.hardState()).toMatchObject({ term: 2, vote: 'n1' });
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

  test('stops and reports a storage failure instead of sending', () => {
    const failing: LogStore = {
      hardState: () => ({ term: term(0), vote: null, commit: logIndex(0) }),
      snapshot: () => undefined,
      entries: () => [],
      write: (_b: PersistBatch, done) => done(new Error('disk full')),
    };
    const sent: RaftMessage[] = [];
    const errors: Error[] = [];
    const h = new RaftHost({
      config: { id: nodeId('a'), clusterId: 'c', bootstrapVoters: [nodeId('a'), nodeId('b')] },
      store: failing, transport: { send: (m) => sent.push(m) }, timers: new ManualTimers(),
      events: { onApply: () => {}, onFatal: (e) => errors.push(e) },
    });
    h.campaign();
    expect(errors.map((e) => e.message)).toEqual(['disk full']);
    expect(h.stopped).toBe(true);
    expect(sent).toEqual([]);
    expect(h.proposeConfChange({ type: 'remove', node: nodeId('b') })).toEqual({ ok: false, error: 'stopped' });
  });
});
