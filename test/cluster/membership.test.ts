/**
 * Membership with real processes: cluster/leave and cluster/kick remove a member; a member
 * whose disk was wiped is kicked and joins again under a new server id, receiving the database
 * as a snapshot, and the cluster keeps serving throughout.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { ovsdbTs, useCluster, TestCluster } from './harness.js';

const DB = 'OVN_Northbound';

async function names(port: number): Promise<string[]> {
  const c = await RawClient.connect({ port });
  try {
    const r = await c.request('transact', [DB, { op: 'select', table: 'Logical_Switch', where: [], columns: ['name'] }], 10_000) as { result: [{ rows: { name: string }[] }] };
    return r.result[0].rows.map((x) => x.name).sort();
  } finally {
    await c.close();
  }
}

async function insert(port: number, name: string): Promise<void> {
  const c = await RawClient.connect({ port });
  try {
    const r = await c.request('transact', [DB, { op: 'insert', table: 'Logical_Switch', row: { name } }], 10_000) as { error: unknown };
    expect(r.error).toBeNull();
  } finally {
    await c.close();
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function servers(cluster: TestCluster, i: number): number {
  return (cluster.ctl(i, ['cluster/status', DB]).match(/^ {4}\w{4} \(/gm) ?? []).length;
}

describe('membership changes', () => {
  const clusterOf = useCluster(3, DB);

  it('a wiped member is kicked, joins again under a new id, and gets the data by snapshot', async () => {
    const cluster = clusterOf();
    const leader = await cluster.ready(DB);
    for (let i = 0; i < 30; i++) await insert(leader.clientPort, `before-wipe-${i}`);
    // Take a snapshot on the leader so a new member cannot catch up from the log alone.
    cluster.ctl(leader.index, ['ovsdb-server/compact']);
    await until('the leader compacted its log', () => /raft-log:0\b/.test(cluster.ctl(leader.index, ['memory/show'])));
    const victim = cluster.members.find((m) => m.index !== leader.index);
    if (victim === undefined) throw new Error('no follower');
    const oldSid = ovsdbTs(['ctl', '-t', victim.ctl, 'cluster/sid', DB]).trim();
    await cluster.killMember(victim.index);
    rmSync(victim.db, { recursive: true, force: true });
    expect(cluster.ctl(leader.index, ['cluster/kick', DB, oldSid.slice(0, 8)])).toContain('removal');
    await until('kicked', () => servers(cluster, leader.index) === 2);
    ovsdbTs(['tool', 'join-cluster', victim.db, DB, victim.raftAddress, leader.raftAddress]);
    await cluster.start(victim.index);
    await until('rejoined as a voter', () => servers(cluster, leader.index) === 3 && !/learner/.test(cluster.ctl(leader.index, ['cluster/status', DB])));
    await until('data arrived', async () => (await names(victim.clientPort)).filter((n) => n.startsWith('before-wipe-')).length === 30);
    expect(cluster.log(victim.index)).toMatch(/installing snapshot at index \d+/);
    expect(ovsdbTs(['ctl', '-t', victim.ctl, 'cluster/sid', DB]).trim()).not.toBe(oldSid);
  }, 90_000);

  it('cluster/leave removes a member; the two others keep committing', async () => {
    const cluster = clusterOf();
    const leader = await cluster.ready(DB);
    const leaving = cluster.members.find((m) => m.index !== leader.index);
    if (leaving === undefined) throw new Error('no follower');
    cluster.ctl(leaving.index, ['cluster/leave', DB]);
    await until('left', () => servers(cluster, leader.index) === 2);
    await insert(leader.clientPort, 'after-leave');
    const other = cluster.members.find((m) => m.index !== leader.index && m.index !== leaving.index);
    if (other === undefined) throw new Error('no third member');
    await until('the remaining follower has it', async () => (await names(other.clientPort)).includes('after-leave'));
    expect(cluster.ctl(leaving.index, ['cluster/status', DB])).toMatch(/^Status: left cluster$/m);
  }, 60_000);
});
