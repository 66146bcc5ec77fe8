/**
 * A rolling restart (SIGTERM each member in turn, leader included, and start it again) while
 * clients write through the other members: no request of theirs fails, and nothing is lost.
 */
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useCluster, TestCluster } from './harness.js';

const DB = 'OVN_Northbound';

describe('rolling restart', () => {
  const clusterOf = useCluster(3, DB);

  it('SIGTERM of each member in turn fails no request made through the others', async () => {
    const cluster = clusterOf();
    const acked: string[] = [];
    const failures: string[] = [];
    for (let round = 0; round < 3; round++) {
      const leader = await cluster.leader(DB, 20_000);
      // Stop the leader first, then the others, one per round.
      const victim = round === 0 ? leader : cluster.members.find((m) => m.index !== leader.index && m.index !== (round === 1 ? -1 : 0)) ?? leader;
      const others = cluster.members.filter((m) => m.index !== victim.index);
      const clients = await Promise.all(others.map((m) => RawClient.connect({ port: m.clientPort })));
      let stop = false;
      let n = 0;
      const writers = clients.map(async (c, k) => {
        while (!stop) {
          const name = `r${round}-c${k}-${n++}`;
          try {
            const r = await c.request('transact', [DB, { op: 'insert', table: 'Logical_Switch', row: { name } }], 10_000) as { error: unknown; result: unknown[] };
            const bad = r.error !== null || r.result.some((x) => typeof x === 'object' && x !== null && 'error' in x);
            (bad ? failures : acked).push(bad ? `${name}: ${JSON.stringify(r)}` : name);
          } catch (e) {
            failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      });
      await new Promise((r) => setTimeout(r, 300));
      const status = await cluster.stopMember(victim.index);
      expect(status).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      await cluster.start(victim.index);
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(writers);
      await Promise.all(clients.map((c) => c.close()));
    }
    expect(failures).toEqual([]);
    expect(acked.length).toBeGreaterThan(30);
    const leader = await cluster.leader(DB);
    const c = await RawClient.connect({ port: leader.clientPort });
    const r = await c.request('transact', [DB, { op: 'select', table: 'Logical_Switch', where: [], columns: ['name'] }]) as { result: [{ rows: { name: string }[] }] };
    await c.close();
    const names = r.result[0].rows.map((x) => x.name);
    for (const a of acked) expect(names).toContain(a);
    expect(new Set(names).size).toBe(names.length);
  }, 120_000);
});
