/**
 * The Python IDL (Debian's `ovs.db.idl`, leader-only by default) against a 3-member cluster
 * (issues 11 and 12, "Tests"):
 * - one IDL on each single member: each commits a row, and each replica sees every row, since
 *   every caught-up member reports `leader: true`;
 * - IDLs given the list of all members keep working across a SIGKILL of the Raft leader: the one
 *   on the killed member reconnects elsewhere, its next transaction commits (after the "try
 *   again" its own logic handles), the one on a surviving member sees it, and nothing is
 *   applied twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { nbSchemaPath, TestCluster } from './harness.js';
import { requireOvs } from '../helpers/ovs.js';
import { eventually, makeLeader, PythonIdl, pythonIdlAvailable } from './real-clients.js';

const NB = 'OVN_Northbound';

async function switchNames(port: number): Promise<string[]> {
  const c = await RawClient.connect({ port });
  try {
    const r = await c.request('transact', [NB, { op: 'select', table: 'Logical_Switch', where: [], columns: ['name'] }], 10_000) as { result: [{ rows: { name: string }[] }] };
    return r.result[0].rows.map((x) => x.name).sort();
  } finally {
    await c.close();
  }
}

describe.runIf(pythonIdlAvailable() && requireOvs('ovs-appctl'))('the Python IDL against a 3-member cluster', () => {
  let cluster: TestCluster;
  const idls: PythonIdl[] = [];

  beforeAll(async () => {
    cluster = await TestCluster.create(3);
    await cluster.startAll();
    await cluster.ready(NB);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(idls.map((i) => i.stop()));
    await cluster?.destroy();
  });

  const startIdl = async (remote: string): Promise<{ idl: PythonIdl; remote: string }> => {
    const r = await PythonIdl.start(cluster.root, remote, nbSchemaPath);
    idls.push(r.idl);
    return r;
  };

  it('an IDL on each single member commits, and every replica sees every row', async () => {
    const own = await Promise.all(cluster.members.map((m) => startIdl(m.remote)));
    own.forEach((o, i) => expect(o.remote).toBe(cluster.member(i).remote));
    for (const [i, o] of own.entries()) {
      const r = await o.idl.insert(`idl-${i}`);
      expect(r.status).toBe('success');
      expect(r.remote).toBe(cluster.member(i).remote);
      // Read-after-write across members: a linearizable select through the next member.
      expect(await switchNames(cluster.member((i + 1) % own.length).clientPort)).toContain(`idl-${i}`);
    }
    for (const o of own) {
      expect(await o.idl.waitFor('idl-0', 'idl-1', 'idl-2')).toBe(true);
      expect(await o.idl.names()).toEqual(['idl-0', 'idl-1', 'idl-2']);
    }
    await Promise.all(own.map((o) => o.idl.stop()));
  }, 60_000);

  it('IDLs given every member keep working across a SIGKILL of the leader', async () => {
    const all = cluster.remotes();
    const doomed = await startIdl(all);
    const doomedAt = cluster.members.findIndex((m) => m.remote === doomed.remote);
    expect(doomedAt).toBeGreaterThanOrEqual(0);
    // A second IDL on a surviving member (the IDL shuffles the list; retry until it differs).
    let other: { idl: PythonIdl; remote: string } | undefined;
    for (let attempt = 0; attempt < 20 && other === undefined; attempt++) {
      const o = await startIdl(all);
      if (o.remote !== doomed.remote) other = o;
      else await o.idl.stop();
    }
    if (other === undefined) throw new Error('the IDL never chose another member in 20 tries');
    await makeLeader(cluster, NB, doomedAt);
    const before = await doomed.idl.insert('before-kill');
    expect(before.status, `${JSON.stringify(before)}\n${doomed.idl.stderr()}`).toBe('success');
    expect(await other.idl.waitFor('before-kill')).toBe(true);

    const killedAt = Date.now();
    await cluster.killMember(doomedAt);
    const r = await doomed.idl.insert('after-kill');
    const commitMs = Date.now() - killedAt;
    console.log(`Python IDL after SIGKILL of its member (the leader, ${doomedAt}): "${r.status}" after ${r.tries} attempt(s) (${r.statuses}) in ${commitMs} ms, now on ${r.remote}`);
    if (process.env['IDL_VLOG_LEVEL'] !== undefined) console.log(doomed.idl.stderr());
    expect(['success', 'present']).toContain(r.status);
    expect(r.remote).not.toBe(doomed.remote);
    expect(commitMs).toBeLessThan(15_000);
    expect(await other.idl.waitFor('after-kill')).toBe(true);
    expect((await other.idl.insert('from-other')).status).toBe('success');
    expect(await doomed.idl.waitFor('from-other')).toBe(true);

    // Restart the killed member; everything was applied exactly once, on every member.
    const everything = ['after-kill', 'before-kill', 'from-other', 'idl-0', 'idl-1', 'idl-2'];
    await cluster.start(doomedAt);
    await cluster.ready(NB);
    for (const m of cluster.members) {
      const names = await eventually(`member ${m.index} to hold every row`, () => switchNames(m.clientPort), (n) => n.includes('from-other'));
      expect(names).toEqual(everything);
    }
    expect(await doomed.idl.names()).toEqual(everything);
  }, 60_000);
});
