/**
 * The Python IDL as Debian ships it (`import ovs.db.idl` under /usr/bin/python3) against our
 * server (issue 3): two IDLs keep replicas; one commits a transaction, the other sees the row
 * with the same UUID; then the second modifies it and the first sees that; then both contend
 * for a lock, which moves to the second when the first goes away. The IDL reads the
 * _Server database at connect time and uses monitor_cond_since/update3 when offered.
 * Runs against the real ovsdb-server first, then ours.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { debianPython, requireOvs } from '../helpers/ovs.js';
import { repoRoot } from '../helpers/build.js';
import { run, serverKinds, startServer, type ServerHandle } from '../helpers/servers.js';

function pythonIdlAvailable(): boolean {
  if (!requireOvs('ovsdb-server', 'ovsdb-tool', debianPython)) return false;
  try {
    execFileSync(debianPython, ['-c', 'import ovs.db.idl'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env['REQUIRE_OVS'] === '1') throw new Error('REQUIRE_OVS=1 but /usr/bin/python3 cannot import ovs.db.idl (python3-openvswitch)');
    return false;
  }
}

const SCRIPT = String.raw`
import sys, time
import ovs.db.idl, ovs.poller

remote, schema_path = sys.argv[1], sys.argv[2]

def make():
    helper = ovs.db.idl.SchemaHelper(schema_path)
    helper.register_all()
    return ovs.db.idl.Idl(remote, helper)

def run_until(idls, pred, what, timeout=15):
    deadline = time.time() + timeout
    while True:
        for idl in idls:
            idl.run()
        if pred():
            return
        if time.time() > deadline:
            sys.exit("timed out waiting for " + what)
        poller = ovs.poller.Poller()
        for idl in idls:
            idl.wait(poller)
        poller.timer_wait(100)
        poller.block()

def switches(idl):
    return {r.name: r for r in idl.tables['Logical_Switch'].rows.values()}

a, b = make(), make()
run_until([a, b], lambda: a.has_ever_connected() and b.has_ever_connected(), "connect")

txn = ovs.db.idl.Transaction(a)
row = txn.insert(a.tables['Logical_Switch'])
row.name = 'from-idl-a'
row.external_ids = {'owner': 'a'}
status = txn.commit_block()
print("commit-a", ovs.db.idl.Transaction.status_to_string(status))
new_uuid = txn.get_insert_uuid(row.uuid)
print("uuid-a", new_uuid)

run_until([a, b], lambda: 'from-idl-a' in switches(b), "b to see a's row")
seen = switches(b)['from-idl-a']
print("b-sees", seen.uuid, dict(seen.external_ids))

txn = ovs.db.idl.Transaction(b)
seen = switches(b)['from-idl-a']
seen.external_ids = {'owner': 'b'}
status = txn.commit_block()
print("commit-b", ovs.db.idl.Transaction.status_to_string(status))
run_until([a, b], lambda: dict(switches(a)['from-idl-a'].external_ids) == {'owner': 'b'}, "a to see b's change")
print("a-sees", dict(switches(a)['from-idl-a'].external_ids))
a.set_lock("py_lock")
run_until([a, b], lambda: a.has_lock, "a to get the lock")
b.set_lock("py_lock")
run_until([a, b], lambda: b.is_lock_contended, "b to see the lock contended")
print("lock", a.has_lock, b.has_lock, b.is_lock_contended)
a.close()
run_until([b], lambda: b.has_lock, "b to get the lock after a closed")
print("lock-moved", b.has_lock)
b.close()
print("done")
`;

describe.skipIf(!pythonIdlAvailable()).each(serverKinds())('Python IDL against %s server', (kind) => {
  let srv: ServerHandle | undefined;

  beforeAll(async () => {
    srv = await startServer(kind, { schemas: ['schemas/ovn-nb.ovsschema'] });
  }, 60_000);

  afterAll(async () => {
    await srv?.stop();
  });

  test('a transaction committed through one IDL appears in a second IDL, and back', async () => {
    if (srv === undefined) throw new Error('server not started');
    const script = join(srv.dir, 'idl.py');
    writeFileSync(script, SCRIPT);
    const { stdout } = await run(debianPython, [script, srv.remote, join(repoRoot, 'schemas/ovn-nb.ovsschema')], { timeoutMs: 40_000 });
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('commit-a success');
    expect(lines).toContain('commit-b success');
    const uuid = /^uuid-a ([0-9a-f-]{36})$/m.exec(stdout)?.[1];
    expect(uuid).toBeDefined();
    expect(stdout).toContain(`b-sees ${uuid ?? ''} {'owner': 'a'}`);
    expect(lines).toContain("a-sees {'owner': 'b'}");
    expect(lines).toContain('lock True False True');
    expect(lines).toContain('lock-moved True');
    expect(lines.at(-1)).toBe('done');
  }, 60_000);
});
