/**
 * Clustered databases with real server processes on loopback: a 3-member cluster forms through
 * join-cluster, writes through the leader commit on every member, and a member killed and
 * restarted catches up.
 */
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useCluster, TestCluster } from './harness.js';

const DB = 'OVN_Northbound';

async function insertSwitch(port: number, name: string): Promise<unknown> {
  const c = await RawClient.connect({ port });
  try {
    return await c.request('transact', [DB, { op: 'insert', table: 'Logical_Switch', row: { name } }], 10_000);
  } finally {
    await c.close();
  }
}

async function switchNames(port: number): Promise<string[]> {
  const c = await RawClient.connect({ port });
  try {
    const r = await c.request('transact', [DB, { op: 'select', table: 'Logical_Switch', where: [], columns: ['name'] }]) as { result: [{ rows: { name: string }[] }] };
    return r.result[0].rows.map((x) => x.name).sort();
  } finally {
    await c.close();
  }
}

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a 3-member cluster of real processes', () => {
  const clusterOf = useCluster(3, DB);

  it('forms: every member joins and one leads', async () => {
    const cluster = clusterOf();
    const leader = await cluster.leader(DB);
    await eventually('three voters', async () => cluster.ctl(leader.index, ['cluster/status', DB]), (s) => (s.match(/^ {4}\w{4} \(/gm) ?? []).length === 3 && !/learner/.test(s), 20_000);
    const status = cluster.ctl(leader.index, ['cluster/status', DB]);
    expect(status).toMatch(/^Status: cluster member$/m);
    expect(status).toMatch(/^Role: leader$/m);
  }, 40_000);

  it('commits a write through the leader on every member', async () => {
    const cluster = clusterOf();
    const leader = await cluster.leader(DB);
    const reply = await insertSwitch(leader.clientPort, 'ls-a') as { result: unknown[]; error: unknown };
    expect(reply.error).toBeNull();
    expect(reply.result[0]).toHaveProperty('uuid');
    for (const m of cluster.members) {
      await eventually(`member ${m.index}`, () => switchNames(m.clientPort), (names) => names.includes('ls-a'));
    }
  }, 30_000);

  it('every member is a full entry point: _Server says leader on each', async () => {
    const cluster = clusterOf();
    await cluster.leader(DB);
    for (const m of cluster.members) await eventually(`member ${m.index}`, () => cluster.serves(m, DB), (v) => v);
    // ...while cluster/status shows the true Raft roles.
    const roles = cluster.members.map((m) => /^Role: (\w+)$/m.exec(cluster.ctl(m.index, ['cluster/status', DB]))?.[1]);
    expect(roles.filter((r) => r === 'leader')).toHaveLength(1);
    expect(roles.filter((r) => r === 'follower')).toHaveLength(2);
  }, 30_000);

  it('a write through a follower commits once and is visible there before the reply', async () => {
    const cluster = clusterOf();
    const leader = await cluster.leader(DB);
    const follower = cluster.members.find((m) => m.index !== leader.index);
    if (follower === undefined) throw new Error('no follower');
    const c = await RawClient.connect({ port: follower.clientPort });
    try {
      for (let i = 0; i < 20; i++) {
        const r = await c.request('transact', [DB, { op: 'insert', table: 'Logical_Switch', row: { name: `via-follower-${i}` } }], 10_000) as { error: unknown; result: { uuid?: unknown }[] };
        expect(r.error).toBeNull();
        expect(r.result[0]?.uuid).toBeDefined();
        // Read-your-writes on the same member, at once.
        const sel = await c.request('transact', [DB, { op: 'select', table: 'Logical_Switch', where: [['name', '==', `via-follower-${i}`]], columns: ['name'] }]) as { result: [{ rows: unknown[] }] };
        expect(sel.result[0].rows).toHaveLength(1);
      }
    } finally {
      await c.close();
    }
    const names = await switchNames(leader.clientPort);
    expect(names.filter((n) => n.startsWith('via-follower-'))).toHaveLength(20);
  }, 30_000);

  it('reads are linearizable across members: a write acknowledged by one is seen by the next read on another', async () => {
    const cluster = clusterOf();
    await cluster.leader(DB);
    const [a, b, c] = cluster.members;
    if (a === undefined || b === undefined || c === undefined) throw new Error('three members');
    const order = [a, b, c];
    for (let i = 0; i < 15; i++) {
      const writer = order[i % 3] as typeof a;
      const reader = order[(i + 1) % 3] as typeof a;
      const w = await insertSwitch(writer.clientPort, `raw-${i}`) as { error: unknown };
      expect(w.error).toBeNull();
      expect(await switchNames(reader.clientPort)).toContain(`raw-${i}`);
    }
  }, 30_000);

  it('a follower killed and restarted catches up', async () => {
    const cluster = clusterOf();
    const leader = await cluster.leader(DB);
    const follower = cluster.members.find((m) => m.index !== leader.index);
    if (follower === undefined) throw new Error('no follower');
    await cluster.killMember(follower.index);
    for (let i = 0; i < 5; i++) await insertSwitch(leader.clientPort, `while-down-${i}`);
    await cluster.start(follower.index);
    await eventually('restarted follower', () => switchNames(follower.clientPort), (names) => names.filter((n) => n.startsWith('while-down-')).length === 5, 20_000);
  }, 60_000);
});
