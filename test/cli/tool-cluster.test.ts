/**
 * The clustered `ovsdb-ts tool` commands (create-cluster, join-cluster, db-cid/db-sid/
 * db-local-address, db-* on clustered databases, cluster-to-standalone, show-log,
 * check-cluster), run in-process through commander, and compared with the real ovsdb-tool's
 * output and exit codes where it is installed.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Uuid } from '../../src/base/uuid.js';
import { readClusteredDb } from '../../src/cli/cluster-db-reader.js';
import { registerToolCommands } from '../../src/cli/tool.js';
import { BufferIo } from '../../src/cli/tool-io.js';
import { encodeTxnEntry } from '../../src/ovsdb/raft-payload.js';
import type { LogEntry, NodeId } from '../../src/raft/types.js';
import { entryId, entryIdFor, logIndex, term } from '../../src/raft/types.js';
import { RaftDiskStore } from '../../src/storage/raft-disk-store.js';
import { repoRoot } from '../helpers/build.js';
import { requireOvs } from '../helpers/ovs.js';

interface Run { code: number; out: string; err: string }

/** Runs `ovsdb-ts tool ARGS...` in this process. */
async function tool(...args: string[]): Promise<Run> {
  const io = new BufferIo();
  let code = 0;
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  registerToolCommands(program, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(['node', 'ovsdb-ts', 'tool', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  }
  return { code, out: io.out, err: io.err };
}

/** Runs the real ovsdb-tool, its program name replaced by ours and its log lines dropped. */
function real(...args: string[]): Run {
  const r = spawnSync('ovsdb-tool', args, { encoding: 'utf8' });
  const err = r.stderr.split('\n').filter((l) => !/^\d{4}-\d\d-\d\dT[\d:]+Z\|/.test(l)).join('\n');
  return { code: r.status ?? -1, out: r.stdout, err: err.replaceAll('ovsdb-tool:', 'ovsdb-ts:') };
}

/** Our run with the warning lines (ephemeral columns made persistent) dropped, for comparisons. */
function quiet(r: Run): Run {
  return { ...r, err: r.err.split('\n').filter((l) => !l.startsWith('ovsdb-ts: warning:')).join('\n') };
}

const hasOvs = requireOvs('ovsdb-tool');
const dir = mkdtempSync(join(tmpdir(), 'tool-cluster-'));
const nb = join(repoRoot, 'schemas/ovn-nb.ovsschema');
const p = (name: string): string => join(dir, name);
const UUID_LINE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$/;

const insertSwitches = JSON.stringify(['OVN_Northbound',
  { op: 'insert', table: 'Logical_Switch', row: { name: 'sw0', other_config: ['map', [['a', 'b']]] }, 'uuid-name': 's0' },
  { op: 'insert', table: 'Logical_Switch_Port', row: { name: 'p0' }, 'uuid-name': 'p0' },
  { op: 'mutate', table: 'Logical_Switch', where: [['name', '==', 'sw0']], mutations: [['ports', 'insert', ['set', [['named-uuid', 'p0']]]]] },
  { op: 'insert', table: 'Address_Set', row: { name: 'as1', addresses: ['set', ['10.0.0.1', '10.0.0.2']] } },
  { op: 'comment', comment: 'two switches' }]);
const selectAll = JSON.stringify(['OVN_Northbound',
  { op: 'select', table: 'Logical_Switch', where: [], columns: ['_uuid', 'name', 'ports', 'other_config'] },
  { op: 'select', table: 'Logical_Switch_Port', where: [], columns: ['_uuid', 'name'] },
  { op: 'select', table: 'Address_Set', where: [], columns: ['_uuid', 'name', 'addresses'] }]);

/** The rows of a standalone database (ours or an OVS file), as `tool query` prints them. */
async function rows(db: string): Promise<unknown> {
  const r = await tool('query', db, selectAll);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as unknown;
}

/** Appends to a clustered member: a noop of `t` (a new leader), then one txn entry per ops list. */
async function appendEntries(db: string, t: number, txns: readonly unknown[][], opts: { commit?: boolean } = {}): Promise<void> {
  const state = await readClusteredDb(db);
  const store = await RaftDiskStore.open(db);
  try {
    let index = Math.max(state.snapshot?.meta.index ?? 0, ...store.entries().map((e) => e.index));
    const entries: LogEntry[] = [{ term: term(t), index: logIndex(++index), id: entryIdFor(term(t), logIndex(index)), kind: 'noop', data: new Uint8Array() }];
    for (const ops of txns) {
      const outcome = state.database.transact(ops, { nowMs: 0, startedMs: 0, newUuid: () => randomUUID() as Uuid, hasLock: () => false });
      if (outcome.kind !== 'done' || outcome.recordText === undefined) throw new Error(`transaction failed: ${JSON.stringify(outcome)}`);
      state.database.applyOutcome(outcome);
      const data = encodeTxnEntry(outcome.recordText, { date: Date.UTC(2026, 0, 2, 3, 4, 5, 678), ...(outcome.comment === undefined ? {} : { comment: outcome.comment }) });
      entries.push({ term: term(t), index: logIndex(++index), id: entryId(randomUUID()), kind: 'normal', data });
    }
    const commit = opts.commit === false ? store.hardState().commit : logIndex(index);
    await new Promise<void>((resolve, reject) => {
      store.write({ entries, hardState: { term: term(t), vote: state.meta.sid as NodeId, commit } }, (err) => (err ? reject(err) : resolve()));
    });
  } finally {
    await store.close();
  }
}

const ours = p('standalone');
const ovsFile = p('real-standalone.db');

beforeAll(async () => {
  expect((await tool('create', ours, nb)).code).toBe(0);
  expect((await tool('transact', ours, insertSwitches)).out).not.toMatch(/error/);
  if (hasOvs) {
    expect(real('create', ovsFile, nb).code).toBe(0);
    expect(real('transact', ovsFile, insertSwitches).out).not.toMatch(/error/);
    // A second record, so the file holds a diff record too.
    expect(real('transact', ovsFile, JSON.stringify(['OVN_Northbound', { op: 'update', table: 'Address_Set', where: [], row: { name: 'as2' } }])).out).not.toMatch(/error/);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('create-cluster', () => {
  test('from a schema: a one-member cluster that the db-* commands describe', async () => {
    const db = p('from-schema');
    const r = await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641');
    expect(r.code, r.err).toBe(0);
    // ovsdb-tool's warning: clusters have no ephemeral columns.
    expect(r.err).toMatch(/^ovsdb-ts: warning: .*ovn-nb\.ovsschema: changed 2 columns in 'OVN_Northbound' database from ephemeral to persistent, including '\w+' column in '\w+' table, because clusters do not support ephemeral columns\n$/);
    const cid = await tool('db-cid', db);
    const sid = await tool('db-sid', db);
    expect(cid.out).toMatch(UUID_LINE);
    expect(sid.out).toMatch(UUID_LINE);
    expect(cid.out).not.toBe(sid.out);
    expect(await tool('db-local-address', db)).toEqual({ code: 0, out: 'tcp:127.0.0.1:6641\n', err: '' });
    expect((await tool('db-is-clustered', db)).code).toBe(0);
    expect((await tool('db-is-standalone', db)).code).toBe(2);
    expect(await tool('db-name', db)).toEqual({ code: 0, out: 'OVN_Northbound\n', err: '' });
    expect((await tool('db-version', db)).out).toBe((await tool('schema-version', nb)).out);
    expect((await tool('db-cksum', db)).out).toBe((await tool('schema-cksum', nb)).out);

    const store = await RaftDiskStore.open(db, { readOnly: true });
    try {
      const snap = store.snapshot();
      expect(store.meta()).toEqual({ name: 'OVN_Northbound', cid: cid.out.trim(), sid: sid.out.trim(), local: 'tcp:127.0.0.1:6641', remotes: [] });
      expect(snap?.meta).toMatchObject({ index: 1, term: 1, configIndex: 1, electionTimerMs: 1000, lastNormalId: null });
      expect(snap?.meta.config.voters).toEqual([sid.out.trim()]);
      // Where the founder listens travels in the configuration (raft/types.ts Membership).
      expect(snap?.meta.config.addresses, 'RaftDiskStore keeps Membership.addresses of the snapshot').toEqual({ [sid.out.trim()]: 'tcp:127.0.0.1:6641' });
      expect(store.hardState()).toEqual({ term: 1, vote: null, commit: 1 });
      expect(store.entries()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('from our standalone database: the same rows, uuids kept', async () => {
    const db = p('from-ours');
    expect((await tool('create-cluster', db, ours, 'ssl:10.0.0.1:6643')).code).toBe(0);
    const standalone = p('from-ours-back');
    expect(await tool('cluster-to-standalone', standalone, db)).toEqual({ code: 0, out: '', err: '' });
    expect(await rows(standalone)).toEqual(await rows(ours));
    expect((await tool('db-local-address', db)).out).toBe('ssl:10.0.0.1:6643\n');
  });

  test.runIf(hasOvs)('from an Open vSwitch standalone file (migration): the same rows as ovsdb-tool query shows', async () => {
    const db = p('from-ovs');
    expect((await tool('create-cluster', db, ovsFile, 'tcp:127.0.0.1:6641')).code).toBe(0);
    const standalone = p('from-ovs-back');
    expect((await tool('cluster-to-standalone', standalone, db)).code).toBe(0);
    const expected = JSON.parse(real('query', ovsFile, selectAll).out) as unknown;
    expect(await rows(standalone)).toEqual(expected);
    expect((await tool('db-cksum', db)).out).toBe(real('db-cksum', ovsFile).out);
  });

  test('--election-timer: stored in the snapshot; out of range is refused as ovsdb-tool refuses it', async () => {
    const db = p('timer');
    expect((await tool('--election-timer=5000', 'create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    expect((await readClusteredDb(db)).snapshot?.meta.electionTimerMs).toBe(5000);
    const after = p('timer-after');
    expect((await tool('create-cluster', '--election-timer', '250', after, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    expect((await readClusteredDb(after)).snapshot?.meta.electionTimerMs).toBe(250);
    for (const bad of ['50', '700000', 'abc', '']) {
      const args = [`--election-timer=${bad}`, 'create-cluster', p(`timer-${bad}`), nb, 'tcp:127.0.0.1:6641'];
      const r = await tool(...args);
      expect(r, bad).toEqual({ code: 1, out: '', err: 'ovsdb-ts: ovsdb error: election timer must be between 100 and 600000, in msec.\n' });
      if (hasOvs) expect(r, bad).toEqual(real(...args));
    }
  });

  test('an existing DB, a missing CONTENTS and a clustered CONTENTS fail as in ovsdb-tool', async () => {
    const db = p('twice');
    expect((await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    const again = quiet(await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641'));
    expect(again).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${db}: create failed (File exists)\n` });
    const missing = await tool('create-cluster', p('x'), p('nope.ovsschema'), 'tcp:127.0.0.1:6641');
    expect(missing).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${p('nope.ovsschema')}: open failed (No such file or directory)\n` });
    const fromCluster = await tool('create-cluster', p('y'), db, 'tcp:127.0.0.1:6641');
    expect(fromCluster).toEqual({ code: 1, out: '', err: `ovsdb-ts: ovsdb error: ${db}: cannot apply this operation to clustered database file\n` });
    if (hasOvs) {
      const file = p('twice.db');
      expect(real('create-cluster', file, nb, 'tcp:127.0.0.1:6641').code).toBe(0);
      expect(again.err.replace(db, file)).toBe(real('create-cluster', file, nb, 'tcp:127.0.0.1:6641').err);
      expect(missing).toEqual(real('create-cluster', p('x'), p('nope.ovsschema'), 'tcp:127.0.0.1:6641'));
      expect(fromCluster.err.replace(db, file)).toBe(real('create-cluster', p('y'), file, 'tcp:127.0.0.1:6641').err);
    }
  });

  test('an empty directory (made by an installer) may take the new database, as with tool create', async () => {
    const db = p('empty-dir');
    mkdirSync(db);
    expect((await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    expect((await tool('db-is-clustered', db)).code).toBe(0);
    const joiner = p('empty-dir-join');
    mkdirSync(joiner);
    expect((await tool('join-cluster', joiner, 'OVN_Northbound', 'tcp:127.0.0.1:6642', 'tcp:127.0.0.1:6641')).code).toBe(0);
    expect((await tool('db-local-address', joiner)).out).toBe('tcp:127.0.0.1:6642\n');
  });

  // Refused by both, with the same message.
  const badLocal = ['tcp:1.2.3.4', 'ptcp:6641', 'TCP:1.2.3.4:1', 'tcp:1.2.3.4:99999', 'tcp:1.2.3.4:abc', 'tcp:[::1]', 'tcp:::1:6641', 'tcp:1.2.3.4:6641:5', 'tcp:', 'ssl:[::1]x:1'];
  test.each(badLocal)('bad LOCAL %s', async (local) => {
    const db = p(`bad-${badLocal.indexOf(local)}`);
    const r = quiet(await tool('create-cluster', db, nb, local));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ovsdb-ts: ovsdb error: .*: (syntax error in address|expected "tcp" or "ssl" address)\n$/);
    if (hasOvs) expect(r).toEqual(real('create-cluster', `${db}.db`, nb, local));
    expect((await tool('db-is-clustered', db)).code).toBe(1);
  });

  test('addresses ovsdb-tool takes but our Raft transport cannot use are refused with its messages', async () => {
    expect(quiet(await tool('create-cluster', p('u'), nb, 'unix:/tmp/raft.sock')).err).toBe('ovsdb-ts: ovsdb error: unix:/tmp/raft.sock: expected "tcp" or "ssl" address\n');
    expect(quiet(await tool('create-cluster', p('u'), nb, 'tcp:1.2.3.4:')).err).toBe('ovsdb-ts: ovsdb error: tcp:1.2.3.4:: syntax error in address\n');
    for (const ok of ['tcp:[::1]:6641', 'tcp:db1.example.com:6641', 'ssl:10.1.2.3:0']) {
      expect((await tool('create-cluster', p(`ok-${ok.replace(/\W/g, '')}`), nb, ok)).code, ok).toBe(0);
    }
  });
});

describe('join-cluster', () => {
  test('a member not yet joined: sid and address known, cluster id not', async () => {
    const db = p('joiner');
    const r = await tool('join-cluster', db, 'OVN_Northbound', 'tcp:127.0.0.1:6642', 'tcp:127.0.0.1:6641', 'tcp:127.0.0.1:6643', 'tcp:127.0.0.1:6641');
    expect(r).toEqual({ code: 0, out: '', err: '' });
    expect(await tool('db-cid', db)).toEqual({ code: 2, out: '', err: `${db}: cluster ID not yet known\n` });
    expect((await tool('db-sid', db)).out).toMatch(UUID_LINE);
    expect((await tool('db-local-address', db)).out).toBe('tcp:127.0.0.1:6642\n');
    expect((await tool('db-is-clustered', db)).code).toBe(0);
    expect((await tool('db-is-standalone', db)).code).toBe(2);
    expect((await tool('db-name', db)).out).toBe('OVN_Northbound\n');
    expect((await tool('db-version', db)).err).toMatch(/has not joined its cluster yet/);
    expect((await tool('cluster-to-standalone', p('joiner-sa'), db)).err).toMatch(/has not joined its cluster yet/);
    const store = await RaftDiskStore.open(db, { readOnly: true });
    try {
      expect(store.meta()).toMatchObject({ name: 'OVN_Northbound', cid: null, local: 'tcp:127.0.0.1:6642', remotes: ['tcp:127.0.0.1:6641', 'tcp:127.0.0.1:6643'] });
      expect(store.snapshot()).toBeUndefined();
    } finally {
      await store.close();
    }
    if (hasOvs) {
      const file = p('joiner.db');
      expect(real('join-cluster', file, 'OVN_Northbound', 'tcp:127.0.0.1:6642', 'tcp:127.0.0.1:6641').code).toBe(0);
      for (const c of ['db-cid', 'db-is-clustered', 'db-is-standalone', 'db-name', 'db-local-address']) {
        const mine = await tool(c, db);
        const theirs = real(c, file);
        expect({ ...mine, err: mine.err.replace(db, file) }, c).toEqual(theirs);
        // Our reader of OVS clustered files answers the same as ovsdb-tool too.
        expect(await tool(c, file), c).toEqual(theirs);
      }
    }
  });

  test('--cid before or after the command name: db-cid prints it', async () => {
    const cid = randomUUID();
    const a = p('joiner-cid-a');
    const b = p('joiner-cid-b');
    expect((await tool(`--cid=${cid.toUpperCase()}`, 'join-cluster', a, 'N', 'tcp:127.0.0.1:1', 'tcp:127.0.0.1:2')).code).toBe(0);
    expect((await tool('join-cluster', '--cid', cid, b, 'N', 'tcp:127.0.0.1:1', 'tcp:127.0.0.1:2')).code).toBe(0);
    expect(await tool('db-cid', a)).toEqual({ code: 0, out: `${cid}\n`, err: '' });
    expect(await tool('db-cid', b)).toEqual({ code: 0, out: `${cid}\n`, err: '' });
  });

  const bad: [string, string[]][] = [
    ['LOCAL among REMOTEs', ['join-cluster', 'X', 'N', 'tcp:1.1.1.1:1', 'tcp:1.1.1.1:2', 'tcp:1.1.1.1:1']],
    ['bad NAME', ['join-cluster', 'X', 'bad name', 'tcp:1.1.1.1:1', 'tcp:1.1.1.1:2']],
    ['bad LOCAL', ['join-cluster', 'X', 'N', 'ptcp:1', 'tcp:1.1.1.1:2']],
    ['bad REMOTE', ['join-cluster', 'X', 'N', 'tcp:1.1.1.1:1', 'tcp:1.1.1.1']],
    ['bad --cid', ['--cid=xyz', 'join-cluster', 'X', 'N', 'tcp:1.1.1.1:1', 'tcp:1.1.1.1:2']],
    ['all-zero --cid', ['--cid=00000000-0000-0000-0000-000000000000', 'join-cluster', 'X', 'N', 'tcp:1.1.1.1:1', 'tcp:1.1.1.1:2']],
  ];
  test.each(bad)('%s fails as in ovsdb-tool', async (_what, args) => {
    const db = p(`join-bad-${randomUUID()}`);
    const withDb = args.map((a) => (a === 'X' ? db : a));
    const r = await tool(...withDb);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ovsdb-ts: [^\n]+\n$/);
    expect((await tool('db-is-clustered', db)).code).toBe(1);
    if (hasOvs) expect(r).toEqual(real(...args.map((a) => (a === 'X' ? `${db}.db` : a))));
  });

  test('an existing DB is refused', async () => {
    expect(await tool('join-cluster', ours, 'N', 'tcp:1.1.1.1:1', 'tcp:1.1.1.1:2')).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${ours}: create failed (File exists)\n` });
  });
});

describe('commands for standalone databases only', () => {
  const txn = JSON.stringify(['OVN_Northbound']);
  const commands: [string, (db: string) => string[]][] = [
    ['compact', (db) => ['compact', db]],
    ['convert', (db) => ['convert', db, nb]],
    ['needs-conversion', (db) => ['needs-conversion', db, nb]],
    ['query', (db) => ['query', db, txn]],
    ['transact', (db) => ['transact', db, txn]],
  ];
  test.each(commands)('%s on a clustered database: ovsdb-tool\'s message, exit 1', async (_c, args) => {
    const db = p('refuse');
    if ((await tool('db-is-clustered', db)).code !== 0) expect((await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    const r = await tool(...args(db));
    expect(r).toEqual({ code: 1, out: '', err: `ovsdb-ts: ovsdb error: ${db}: cannot apply this operation to clustered database file\n` });
    if (hasOvs) {
      const file = p('refuse.db');
      spawnSync('ovsdb-tool', ['create-cluster', file, nb, 'tcp:127.0.0.1:6641']);
      expect({ ...r, err: r.err.replace(db, file) }).toEqual(real(...args(file)));
    }
  });

  test('export-ovs on a clustered database is refused the same way', async () => {
    const db = p('refuse-export');
    expect((await tool('create-cluster', db, ours, 'tcp:127.0.0.1:6641')).code).toBe(0);
    expect(await tool('export-ovs', db, p('out.db'))).toEqual({ code: 1, out: '', err: `ovsdb-ts: ovsdb error: ${db}: cannot apply this operation to clustered database file\n` });
  });

  test('db-cid, db-sid and db-local-address on a standalone database: "not a clustered database"', async () => {
    for (const c of ['db-cid', 'db-sid', 'db-local-address']) {
      expect(await tool(c, ours), c).toEqual({ code: 1, out: '', err: `ovsdb-ts: ${ours}: not a clustered database\n` });
      if (hasOvs) expect(await tool(c, ovsFile), c).toEqual(real(c, ovsFile));
    }
    expect(await tool('db-cid', p('missing'))).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${p('missing')}: open failed (No such file or directory)\n` });
    if (hasOvs) {
      expect(await tool('db-cid', p('missing'))).toEqual(real('db-cid', p('missing')));
      expect(await tool('db-sid', nb)).toEqual(real('db-sid', nb));
    }
  });
});

describe.runIf(hasOvs)('a real Open vSwitch clustered file', () => {
  test('db-cid, db-sid, db-local-address, db-name and db-is-* answer as ovsdb-tool does', async () => {
    const file = p('real-cluster.db');
    expect(real('--election-timer=2000', 'create-cluster', file, nb, 'tcp:127.0.0.1:6641').code).toBe(0);
    for (const c of ['db-cid', 'db-sid', 'db-local-address', 'db-name', 'db-is-clustered', 'db-is-standalone', 'db-version']) {
      expect(await tool(c, file), c).toEqual(real(c, file));
    }
    // Same shape of answers for ours and theirs.
    const db = p('same-shape');
    expect((await tool('--election-timer=2000', 'create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    for (const c of ['db-cid', 'db-sid']) expect((await tool(c, db)).out).toMatch(UUID_LINE);
    for (const c of ['db-local-address', 'db-name', 'db-is-clustered', 'db-is-standalone']) expect(await tool(c, db), c).toEqual(real(c, file));
    expect(quiet(await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641')).err.replace(db, file)).toBe(real('create-cluster', file, nb, 'tcp:127.0.0.1:6641').err);
  });
});

describe('cluster-to-standalone', () => {
  test('applies the snapshot and every committed entry, and no entry beyond the commit index', async () => {
    const db = p('c2s');
    expect((await tool('create-cluster', db, ours, 'tcp:127.0.0.1:6641')).code).toBe(0);
    await appendEntries(db, 2, [
      [{ op: 'insert', table: 'Logical_Switch', row: { name: 'sw1' } }, { op: 'comment', comment: 'add sw1' }],
      [{ op: 'update', table: 'Address_Set', where: [['name', '==', 'as1']], row: { addresses: ['set', ['10.9.9.9']] } }],
      [{ op: 'delete', table: 'Logical_Switch', where: [['name', '==', 'sw0']] }],
    ]);
    await appendEntries(db, 3, [[{ op: 'insert', table: 'Logical_Switch', row: { name: 'uncommitted' } }]], { commit: false });

    const standalone = p('c2s-out');
    expect(await tool('cluster-to-standalone', standalone, db)).toEqual({ code: 0, out: '', err: '' });
    const got = JSON.stringify(await rows(standalone));
    expect(got).toContain('"sw1"');
    expect(got).toContain('10.9.9.9');
    expect(got).not.toContain('"sw0"');
    expect(got).not.toContain('uncommitted');
    expect((await tool('db-is-standalone', standalone)).code).toBe(0);
    // The round trip: the remaining rows of the original (as1, p0) keep their uuids.
    const before = JSON.stringify(await rows(ours));
    const as1 = /"_uuid":\["uuid","([0-9a-f-]{36})"\],"addresses":\["set",\["10.0.0.1","10.0.0.2"\]\]/.exec(before)?.[1];
    expect(as1).toBeDefined();
    expect(got).toContain(as1);
  });

  test('errors as in ovsdb-tool: existing STANDALONE, missing or standalone CLUSTERED', async () => {
    const db = p('c2s-err');
    expect((await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    expect(await tool('cluster-to-standalone', ours, db)).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${ours}: create failed (File exists)\n` });
    expect(await tool('cluster-to-standalone', p('c2s-x'), p('missing'))).toEqual({ code: 1, out: '', err: `ovsdb-ts: I/O error: ${p('missing')}: open failed (No such file or directory)\n` });
    expect(await tool('cluster-to-standalone', p('c2s-y'), ours)).toEqual({ code: 1, out: '', err: 'ovsdb-ts: Database is not clustered db.\n' });
    expect((await tool('db-is-standalone', p('c2s-y'))).code).toBe(1);
  });
});

describe('show-log', () => {
  test('header, then one record per entry with term, index, kind, date and comment; -m shows rows', async () => {
    const db = p('log');
    expect((await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    await appendEntries(db, 2, [[{ op: 'insert', table: 'Logical_Switch', row: { name: 'ls1' } }, { op: 'comment', comment: 'make ls1' }]]);
    const sid = (await tool('db-sid', db)).out.slice(0, 4);
    const cid = (await tool('db-cid', db)).out.slice(0, 4);
    const plain = await tool('show-log', db);
    expect(plain.code).toBe(0);
    const version = (await tool('schema-version', nb)).out.trim();
    const cksum = (await tool('schema-cksum', nb)).out.trim();
    expect(plain.out).toMatch(new RegExp([
      'record 0:',
      ' name: "OVN_Northbound\'',
      ' local address: "tcp:127.0.0.1:6641"',
      ` server_id: ${sid}`,
      ` cluster_id: ${cid}`,
      ' prev_index: 1',
      ' prev_term: 1',
      ` prev_servers: ${sid}\\("tcp:127.0.0.1:6641"\\)`,
      ' prev_election_timer: 1000',
      ` prev_schema: "OVN_Northbound", version="${version}", cksum="${cksum}"`,
      '',
      'record 1:',
      ' term: 2',
      ' index: 2',
      ' kind: noop',
      ' eid: raft:2:2',
      '',
      'record 2:',
      ' term: 2',
      ' index: 3',
      ' kind: txn',
      ' eid: [0-9a-f-]{36}',
      ' 2026-01-02 03:04:05.678 "make ls1"',
      'hard state:',
      ' term: 2',
      ` vote: ${sid}`,
      ' commit_index: 3',
      '', ''].join('\n').replaceAll('.678', '\\.678')));
    const more = await tool('-m', 'show-log', db);
    expect(more.out).toMatch(/ 2026-01-02 03:04:05\.678 "make ls1"\n {2}table Logical_Switch insert row "ls1" \([0-9a-f]{8}\):\n\n/);
    expect((await tool('show-log', '-m', '-m', db)).out).toContain('    name=ls1\n');
  });

  test.runIf(hasOvs)('the header of a fresh cluster reads as ovsdb-tool\'s, line for line where ours has the same facts', async () => {
    const db = p('log-vs');
    const file = p('log-vs.db');
    expect((await tool('create-cluster', db, nb, 'tcp:127.0.0.1:6641')).code).toBe(0);
    expect(real('create-cluster', file, nb, 'tcp:127.0.0.1:6641').code).toBe(0);
    const strip = (s: string): string[] => s.split('\n').filter((l) => !/^ (server_id|cluster_id|prev_servers|prev_eid|prev_election_timer|term|vote|commit_index): /.test(l) && l !== 'hard state:');
    const theirs = strip(real('show-log', file).out);
    expect(strip((await tool('show-log', db)).out).slice(0, theirs.length)).toEqual(theirs);
  });
});

describe('check-cluster', () => {
  /** A copy of member `src` under another server id and address: another member with the same log. */
  async function copyMember(src: string, dst: string, local: string): Promise<string> {
    cpSync(src, dst, { recursive: true });
    const store = await RaftDiskStore.open(dst);
    try {
      await store.setMeta({ ...store.meta(), sid: randomUUID(), local });
    } finally {
      await store.close();
    }
    return dst;
  }

  /** A cluster of two members: the founder, with a leader's noop and two transactions, and a copy. */
  async function twoMembers(name: string): Promise<[string, string]> {
    const a = p(`${name}-a`);
    expect((await tool('create-cluster', a, ours, 'tcp:127.0.0.1:6641')).code).toBe(0);
    await appendEntries(a, 2, [[{ op: 'insert', table: 'Logical_Switch', row: { name: 'x1' } }], [{ op: 'insert', table: 'Logical_Switch', row: { name: 'x2' } }]]);
    return [a, await copyMember(a, p(`${name}-b`), 'tcp:127.0.0.1:6642')];
  }

  test('consistent members pass with a summary line; a lagging member is consistent; a joining one is omitted', async () => {
    const [a] = await twoMembers('ok');
    const lagging = await copyMember(a, p('ok-lagging'), 'tcp:127.0.0.1:6644');
    await appendEntries(a, 3, [[{ op: 'insert', table: 'Logical_Switch', row: { name: 'x3' } }]]);
    const b = await copyMember(a, p('ok-b'), 'tcp:127.0.0.1:6642');
    const joiner = p('ok-joiner');
    expect((await tool('join-cluster', joiner, 'OVN_Northbound', 'tcp:127.0.0.1:6643', 'tcp:127.0.0.1:6641')).code).toBe(0);
    const r = await tool('check-cluster', a, b, lagging, joiner);
    expect(r).toEqual({
      code: 0, err: '',
      out: `${joiner} has not joined the cluster, omitting\n3 members of OVN_Northbound are consistent: committed up to index 6, logs up to index 6, terms up to 3, 2 elected leaders seen\n`,
    });
  });

  test('a doctored copy whose committed entry differs fails, naming both members and the index', async () => {
    const [a, b] = await twoMembers('div');
    // Rewrite b's entry 4 (committed on both) with another transaction of the same term.
    const store = await RaftDiskStore.open(b);
    try {
      const state = await readClusteredDb(a);
      const outcome = state.database.transact([{ op: 'insert', table: 'Logical_Switch', row: { name: 'evil' } }], { nowMs: 0, startedMs: 0, newUuid: () => randomUUID() as Uuid, hasLock: () => false });
      if (outcome.kind !== 'done' || outcome.recordText === undefined) throw new Error('transaction failed');
      const evil: LogEntry = { term: term(2), index: logIndex(4), id: entryId(randomUUID()), kind: 'normal', data: encodeTxnEntry(outcome.recordText) };
      await new Promise<void>((resolve, reject) => store.write({ entries: [evil] }, (err) => (err ? reject(err) : resolve())));
    } finally {
      await store.close();
    }
    const r = await tool('check-cluster', a, b);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^ovsdb-ts: (committed )?log entries with index 4 differ: ${a} has \\{.*\\} but ${b} has \\{.*\\}\\n$`));
  });

  test('a snapshot that disagrees with another member\'s committed entry fails', async () => {
    const [a, b] = await twoMembers('snap');
    const store = await RaftDiskStore.open(b);
    try {
      const snap = store.snapshot();
      if (snap === undefined) throw new Error('no snapshot');
      // b claims that index 3 (committed on a in term 2) was covered by a snapshot of term 9.
      const meta = { ...snap.meta, index: logIndex(3), term: term(9) };
      await new Promise<void>((resolve, reject) => store.write({ entries: [], snapshot: { meta, data: snap.data }, hardState: { term: term(9), vote: null, commit: logIndex(3) } }, (err) => (err ? reject(err) : resolve())));
    } finally {
      await store.close();
    }
    const r = await tool('check-cluster', a, b);
    expect(r).toEqual({ code: 1, out: '', err: `ovsdb-ts: committed states with index 3 differ: ${b} has a snapshot of term 9 but ${a} has term 2 there\n` });
  });

  test('two leaders in one term fail', async () => {
    const [a, b] = await twoMembers('leaders');
    // b claims a second election in term 3 at a different index than a's.
    await appendEntries(a, 3, [[{ op: 'insert', table: 'Logical_Switch', row: { name: 'a3' } }]], { commit: false });
    await appendEntries(b, 3, [], { commit: false });
    const store = await RaftDiskStore.open(b);
    try {
      const last = store.entries().at(-1);
      const extra: LogEntry = { term: term(3), index: logIndex((last?.index ?? 0) + 1), id: entryIdFor(term(3), logIndex((last?.index ?? 0) + 1)), kind: 'noop', data: new Uint8Array() };
      await new Promise<void>((resolve, reject) => store.write({ entries: [extra] }, (err) => (err ? reject(err) : resolve())));
    } finally {
      await store.close();
    }
    const r = await tool('check-cluster', a, b);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ovsdb-ts: term 3 has two different leaders: .*\n$/);
  });

  test('members of different clusters, duplicate server ids, and non-members fail as in ovsdb-tool', async () => {
    const [a] = await twoMembers('mixed');
    const other = p('mixed-other');
    expect((await tool('create-cluster', other, nb, 'tcp:127.0.0.1:6645')).code).toBe(0);
    expect((await tool('check-cluster', a, other)).err).toMatch(new RegExp(`^ovsdb-ts: ${a} has cluster ID [0-9a-f]{4} but ${other} has cluster ID [0-9a-f]{4}\\n$`));
    expect((await tool('check-cluster', a, a)).err).toMatch(/^ovsdb-ts: Duplicate server ID [0-9a-f]{4} in .* and .*\.\n$/);
    expect(await tool('check-cluster', ours)).toEqual({ code: 1, out: '', err: `ovsdb-ts: ovsdb error: ${ours}: cannot identify file type\n` });
    const joiner = p('mixed-joiner');
    expect((await tool('join-cluster', joiner, 'OVN_Northbound', 'tcp:127.0.0.1:6643', 'tcp:127.0.0.1:6641')).code).toBe(0);
    const alone = await tool('check-cluster', joiner);
    expect(alone).toEqual({ code: 1, out: `${joiner} has not joined the cluster, omitting\n`, err: 'ovsdb-ts: all logs are empty\n' });
    if (hasOvs) {
      const file = p('mixed-joiner.db');
      expect(real('join-cluster', file, 'OVN_Northbound', 'tcp:127.0.0.1:6643', 'tcp:127.0.0.1:6641').code).toBe(0);
      const theirs = real('check-cluster', file);
      expect({ ...alone, out: alone.out.replace(joiner, file) }).toEqual(theirs);
    }
  });
});

describe('command line', () => {
  test.each(['create-cluster', 'join-cluster', 'cluster-to-standalone', 'check-cluster', 'db-cid', 'db-sid', 'db-local-address'])('%s --help', async (c) => {
    const r = await tool(c, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: ovsdb-ts tool ${c} `));
  });

  test('missing arguments are one ovsdb-ts line', async () => {
    for (const args of [['create-cluster', 'a', 'b'], ['join-cluster', 'a', 'b', 'c'], ['db-cid'], ['check-cluster'], ['cluster-to-standalone', 'a']]) {
      const r = await tool(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(/^ovsdb-ts: [^\n]+\n$/);
    }
  });
});
