/**
 * Cluster-wide locks with real processes: clients on different members contend for one lock,
 * `assert` is checked cluster-wide, and a lock held through a member that dies passes to the
 * next waiter within a bounded time.
 */
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useCluster, TestCluster } from './harness.js';

const DB = 'OVN_Northbound';

function isNote(method: string, name: string) {
  return (m: unknown): boolean => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === method && JSON.stringify((m as { params?: unknown }).params) === JSON.stringify([name]);
}

describe('cluster-wide locks', () => {
  const clusterOf = useCluster(3, DB);

  it('two clients on different members contend for one lock; steal, unlock and assert work across members', async () => {
    const cluster = clusterOf();
    const [m0, m1, m2] = cluster.members;
    if (m0 === undefined || m1 === undefined || m2 === undefined) throw new Error('three members');
    const a = await RawClient.connect({ port: m0.clientPort });
    const b = await RawClient.connect({ port: m1.clientPort });
    const c = await RawClient.connect({ port: m2.clientPort });
    try {
      expect(await a.request('lock', ['L'])).toMatchObject({ result: { locked: true }, error: null });
      expect(await b.request('lock', ['L'])).toMatchObject({ result: { locked: false }, error: null });
      // assert is cluster-wide: the waiter on another member is not the owner.
      const denied = await b.request('transact', [DB, { op: 'assert', lock: 'L' }, { op: 'insert', table: 'Logical_Switch', row: { name: 'by-b' } }]) as { result: { error?: string }[] };
      expect(denied.result[0]?.error).toBe('not owner');
      const allowed = await a.request('transact', [DB, { op: 'assert', lock: 'L' }, { op: 'insert', table: 'Logical_Switch', row: { name: 'by-a' } }]) as { result: unknown[] };
      expect(allowed.result[1]).toHaveProperty('uuid');
      // A steal through a third member robs the owner on the first.
      const from = a.received.length;
      expect(await c.request('steal', ['L'])).toMatchObject({ result: { locked: true } });
      await a.waitFor(isNote('stolen', 'L'), 5000, from);
      // The thief unlocks: the robbed owner, still queued first behind it, gets it back.
      const fromA = a.received.length;
      expect(await c.request('unlock', ['L'])).toMatchObject({ result: {} });
      await a.waitFor(isNote('locked', 'L'), 5000, fromA);
      // The owner leaves (its connection closes): the waiter on another member gets the lock.
      const fromB = b.received.length;
      await a.close();
      await b.waitFor(isNote('locked', 'L'), 5000, fromB);
      const ok = await b.request('transact', [DB, { op: 'assert', lock: 'L' }, { op: 'insert', table: 'Logical_Switch', row: { name: 'by-b-2' } }]) as { result: unknown[] };
      expect(ok.result[1]).toHaveProperty('uuid');
    } finally {
      await a.close();
      await b.close();
      await c.close();
    }
  }, 40_000);

  it('a lock held through a member that dies passes to the next waiter within a bounded time', async () => {
    const cluster = clusterOf();
    const leader = await cluster.ready(DB);
    const [holderMember, waiterMember] = cluster.members.filter((m) => m.index !== leader.index);
    if (holderMember === undefined || waiterMember === undefined) throw new Error('two followers');
    const holder = await RawClient.connect({ port: holderMember.clientPort });
    const waiter = await RawClient.connect({ port: waiterMember.clientPort });
    try {
      expect(await holder.request('lock', ['northd'])).toMatchObject({ result: { locked: true } });
      expect(await waiter.request('lock', ['northd'])).toMatchObject({ result: { locked: false } });
      const from = waiter.received.length;
      const killedAt = Date.now();
      await cluster.killMember(holderMember.index);
      await waiter.waitFor(isNote('locked', 'northd'), 15_000, from);
      const takeoverMs = Date.now() - killedAt;
      console.log(`lock takeover after SIGKILL of the holder's member: ${takeoverMs} ms (election timer 1000 ms)`);
      // Bounded by the lease: three election timeouts plus a commit (generous margin for a loaded machine).
      expect(takeoverMs).toBeLessThan(10_000);
    } finally {
      await holder.close();
      await waiter.close();
      await cluster.start(holderMember.index);
    }
  }, 60_000);
});
