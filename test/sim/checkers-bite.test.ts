/**
 * Proof that the checkers bite: each deliberately broken core (RaftConfig.testFaults) is driven
 * through a scripted scenario that exposes its bug, and the matching checker must report it. The
 * same script on the correct core must run to its end with no violation (so the scenario, not a
 * flaw in the script, is what trips the checker).
 */
import { describe, expect, test } from 'vitest';
import type { RaftTestFaults } from '../../src/raft/config.js';
import type { RaftMessage } from '../../src/raft/messages.js';
import type { ClusterFrame } from '../../src/server/cluster-ports.js';
import { entryId, logIndex, term, type LogEntry } from '../../src/raft/types.js';
import { checkLinearizable, type HistoryOp } from './checkers/linearizability.js';
import { RaftSafetyChecker } from './checkers/raft-safety.js';
import { ReplicaEqualityChecker } from './checkers/replica-equality.js';
import { ViolationError } from './checkers/violation.js';
import { encodeCommand } from './kv-state-machine.js';
import { runSeed } from './run-seed.js';
import { Scenario, calmOptions } from './scenario.js';
import { DiskImage } from './sim-disk.js';
import { swarmOptions, type SwarmOptions } from './swarm.js';

type Script = (s: Scenario) => void;
const all = ['n1', 'n2', 'n3', 'n4', 'n5'];

type RaftFilter = (from: string, to: string, m: RaftMessage) => boolean;

/** A network drop filter that looks at Raft messages only. */
function raftOnly(filter: RaftFilter): (from: string, to: string, f: ClusterFrame) => boolean {
  return (from, to, f) => f.kind === 'raft' && filter(from, to, f.msg);
}

/** Drops (pre)vote requests from everyone but `id`, so only `id` can win the next election. */
function onlyCandidate(id: string): RaftFilter {
  return (from, _to, m) => from !== id && (m.kind === 'vote' || m.kind === 'preVote');
}

/** Two candidates campaign in the same term; a voter that votes twice elects both (§3.4). */
const voteTwice: Script = (s) => {
  s.cut(['n1'], ['n2']);
  s.node('n1').host.campaign();
  s.node('n2').host.campaign();
  s.until('a leader', () => s.isLeader('n1') || s.isLeader('n2'), 300);
  s.ticks(100);
};

/**
 * Raft thesis Figure 3.7. An entry of term 2 reaches a majority only after a leader of term 4
 * re-replicates it, while that leader's own no-op does not; committing it "by counting" lets a
 * later leader (whose log holds a term-3 entry at that index) erase a committed entry.
 */
const figure37: Script = (s) => {
  const net = s.cluster.network;
  s.node('n1').host.campaign();
  s.until('n1 leads term 2', () => s.isLeader('n1'), 300);
  s.until('everyone applied the no-op', () => all.every((id) => s.node(id).appliedIndex >= 2), 300);
  // (a) n1 appends X; only n2 receives it. X is larger than an append message's byte budget, so
  // every append carries X alone.
  s.cut(['n1'], ['n3', 'n4', 'n5']);
  const x = encodeCommand({ c: 1, s: 1, op: { kind: 'put', key: 'k1', value: 'x'.repeat(3000) } });
  s.node('n1').host.propose({ id: entryId('k:1:1:1'), data: x });
  s.until('n2 has X', () => s.node('n2').core.lastIndex >= 3, 100);
  // (b) n1 crashes; n5 is elected in term 3 by n3, n4 and appends its no-op only locally.
  s.cluster.crash('n1', 1_000_000);
  net.heal();
  s.cut(['n2'], ['n3', 'n4', 'n5']);
  const only5 = onlyCandidate('n5');
  net.dropFilter = raftOnly((from, to, m) => only5(from, to, m) || (from === 'n5' && m.kind === 'append'));
  s.node('n5').host.campaign();
  s.until('n5 leads', () => s.isLeader('n5'), 2000);
  s.ticks(5);
  // (c) n5 crashes; n1 returns and is elected in term 4; X reaches n3 and n4, the no-op does not.
  s.cluster.crash('n5', 1_000_000);
  net.heal();
  const only1 = onlyCandidate('n1');
  net.dropFilter = raftOnly((from, to, m) => only1(from, to, m)
    || (from === 'n1' && (to === 'n3' || to === 'n4') && m.kind === 'append' && m.entries.some((e) => e.index >= 4)
      && (s.cluster.nodes.get(to)?.core.lastIndex ?? 0) >= 3));
  s.cluster.restart('n1');
  s.node('n1').host.campaign();
  s.until('n1 leads again', () => s.isLeader('n1'), 2000);
  s.ticks(100);
  // (d) n1 and n2 crash; n5 returns and n3, n4 elect it: its log has the term-3 entry at X's index.
  s.cluster.crash('n1', 1_000_000);
  s.cluster.crash('n2', 1_000_000);
  net.dropFilter = raftOnly(onlyCandidate('n5'));
  s.cluster.restart('n5');
  s.node('n5').host.campaign();
  s.until('n5 leads again', () => s.isLeader('n5'), 3000);
  s.ticks(50);
};

/** A voter grants its vote before the vote is durable, crashes, forgets it and votes again. */
const forgottenVote: Script = (s) => {
  s.cut(['n1'], ['n3']);
  s.node('n1').host.campaign();
  s.until('n1 leads', () => s.isLeader('n1'), 200);
  s.cluster.crash('n2', 0);
  s.cluster.restart('n2');
  s.cluster.network.heal();
  s.cut(['n1'], ['n2', 'n3']);
  s.node('n3').host.campaign();
  s.until('a leader other than n1', () => s.isLeader('n2') || s.isLeader('n3'), 1000);
  s.ticks(20);
};

/** A follower acknowledges an append before it is durable, the leader commits and acks, and
 *  the follower crashes and forgets the entry; then a leader without it is elected. */
const forgottenEntry: Script = (s) => {
  s.node('n1').host.campaign();
  s.until('n1 leads', () => s.isLeader('n1'), 300);
  s.until('everyone applied the no-op', () => ['n1', 'n2', 'n3'].every((id) => s.node(id).appliedIndex >= 2), 300);
  const slow = s.cluster.disks.get('n2');
  if (slow === undefined) throw new Error('no disk');
  slow.extraLatencyTicks = 30;
  s.cut(['n1'], ['n3']);
  s.node('n1').request({ clientId: 1, seq: 1, attempt: 1, op: { kind: 'put', key: 'k1', value: 'v' }, target: 'n1' });
  s.until('the client write is acknowledged', () => s.cluster.stats.acks >= 1, 300);
  s.cluster.crash('n2', 0);
  s.cluster.crash('n1', 1_000_000);
  s.cluster.restart('n2');
  s.cluster.network.heal();
  s.until('a new leader', () => s.isLeader('n2') || s.isLeader('n3'), 2000);
  s.ticks(20);
};

/**
 * A leader lease (§6.4.1) outlived by a new leader: the old leader's clock runs 30% slow and the
 * others' 30% fast, far beyond the drift bound the lease assumes. A read served from the lease
 * after the new leader committed a write returns the old value.
 */
const staleLeaseRead: Script = (s) => {
  s.node('n1').host.campaign();
  s.until('n1 leads', () => s.isLeader('n1'), 300);
  s.until('everyone applied the no-op', () => ['n1', 'n2', 'n3'].every((id) => s.node(id).appliedIndex >= 2), 300);
  const w1 = s.request('n1', { kind: 'put', key: 'k1', value: 'a' });
  s.until('the first write', w1, 100);
  s.cut(['n1'], ['n2', 'n3']);
  s.until('a new leader', () => s.isLeader('n2') || s.isLeader('n3'), 1000);
  const w2 = s.request(s.leaderId() === 'n1' ? 'n2' : (s.leaderId() ?? 'n2'), { kind: 'put', key: 'k1', value: 'b' });
  s.until('the second write', w2, 100);
  s.request('n1', { kind: 'get', key: 'k1' });
  s.ticks(50);
  s.checkHistory();
};

interface Case {
  readonly name: string;
  readonly faults: RaftTestFaults;
  readonly voters: number;
  readonly diskLatencyTicks: number;
  readonly script: Script;
  readonly checker: string;
  /** World options for the broken run (the control run uses the same world without them). */
  readonly extra?: Partial<SwarmOptions>;
}

const cases: readonly Case[] = [
  { name: 'voting twice in a term', faults: { voteTwiceInTerm: true }, voters: 3, diskLatencyTicks: 1, script: voteTwice, checker: 'election-safety' },
  { name: 'committing a prior-term entry by counting (Figure 3.7)', faults: { commitPriorTermByCounting: true }, voters: 5, diskLatencyTicks: 0, script: figure37, checker: 'leader-completeness' },
  { name: 'sending a vote before persisting it', faults: { skipPersistBeforeSend: true }, voters: 3, diskLatencyTicks: 20, script: forgottenVote, checker: 'election-safety' },
  { name: 'a leader lease under clock drift beyond its bound', faults: {}, voters: 3, diskLatencyTicks: 0, script: staleLeaseRead, checker: 'linearizability',
    extra: { leaseReads: true, checkQuorum: true, driftPpmOverride: { n1: -300_000, n2: 300_000, n3: 300_000 } } },
  { name: 'acknowledging an append before persisting it', faults: { skipPersistBeforeSend: true }, voters: 3, diskLatencyTicks: 2, script: forgottenEntry, checker: 'acked-entry-lost' },
];

describe('checkers bite', () => {
  test.each(cases)('$name is caught by $checker', (c) => {
    const options = calmOptions(c.voters, c.diskLatencyTicks);
    const broken = Scenario.run({ ...options, ...c.extra }, c.faults, c.script);
    expect(broken?.checker, JSON.stringify(broken)).toBe(c.checker);
    // The same script on the correct core (and sane clocks) completes with no violation.
    const { driftPpmOverride: _drift, ...sane } = c.extra ?? {};
    expect(Scenario.run({ ...options, ...sane }, undefined, c.script)).toBeUndefined();
  });

  test('voting twice is also caught by the swarm', () => {
    const found = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((seed) => runSeed(seed, { ticks: 600, testFaults: { voteTwiceInTerm: true } }).violation?.checker);
    expect(found).toContain('election-safety');
  });

  test('a clustered host that cannot tell a resent forwarded write from a new one applies it twice: caught', () => {
    // The production ClusteredHost, with every forwarded transaction renamed on the wire so the
    // leader's request-id check (Raft thesis §6.3) never matches a resend or a duplicate.
    const seeds = [9, 15, 24];
    for (const seed of seeds) expect(swarmOptions(seed).workload).toBe('ovsdb');
    const broken = seeds.map((seed) => runSeed(seed, { ticks: 1000, simFaults: { ovsdbRenameRids: true } }).violation?.checker);
    expect(broken).toContain('applied-twice');
    // With the request ids intact the same worlds run clean.
    for (const seed of seeds) expect(runSeed(seed, { ticks: 1000 }).violation).toBeUndefined();
  });

  test('a hand-made non-linearizable history is rejected', () => {
    // c1 writes a, then c2 writes b and returns; c3 then reads a: a lost write.
    const h: HistoryOp[] = [
      { clientId: 1, op: { kind: 'put', key: 'k', value: 'a' }, invokeTime: 0, returnTime: 1, result: { kind: 'put' } },
      { clientId: 2, op: { kind: 'put', key: 'k', value: 'b' }, invokeTime: 2, returnTime: 3, result: { kind: 'put' } },
      { clientId: 3, op: { kind: 'get', key: 'k' }, invokeTime: 4, returnTime: 5, result: { kind: 'get', value: 'a' } },
    ];
    expect(checkLinearizable(h).kind).toBe('violation');
    const fixed = h.map((o) => (o.op.kind === 'get' ? { ...o, result: { kind: 'get' as const, value: 'b' } } : o));
    expect(checkLinearizable(fixed).kind).toBe('ok');
  });

  test('log matching catches two entries at one index and term', () => {
    const c = new RaftSafetyChecker();
    const e = (id: string): LogEntry => ({ term: term(2), index: logIndex(1), id: entryId(id), kind: 'normal', data: new Uint8Array(0) });
    c.observeWrite('n1', { entries: [e('a')] }, DiskImage.empty());
    expect(() => c.observeWrite('n2', { entries: [e('b')] }, DiskImage.empty())).toThrow(ViolationError);
  });

  test('a proposal reported dropped but applied anyway is caught, in either order', () => {
    const e: LogEntry = { term: term(2), index: logIndex(1), id: entryId('k:1:1:1'), kind: 'normal', data: new Uint8Array(0) };
    const a = new RaftSafetyChecker();
    a.observeOutcome('n2', 'k:1:1:1', 'dropped');
    expect(() => a.observeApply('n1', e)).toThrow(/proposal|dropped/);
    const b = new RaftSafetyChecker();
    b.observeApply('n1', e);
    expect(() => b.observeOutcome('n2', 'k:1:1:1', 'lost')).toThrow(/proposal|lost/);
    const c = new RaftSafetyChecker();
    c.observeOutcome('n2', 'k:1:1:1', 'unknown');
    expect(() => c.observeApply('n1', e)).not.toThrow();
  });

  test('replica equality catches different states at one applied index', () => {
    const c = new ReplicaEqualityChecker();
    c.observe('n1', 5, '{"x":1}');
    c.observe('n2', 5, '{"x":1}');
    expect(() => c.observe('n3', 5, '{"x":2}')).toThrow(/replica|index 5/);
  });
});
