/**
 * Every OVSDB method over a real unix socket against the in-process server, with the replies
 * ovsdb-server 3.1 gives for the same requests (recorded from it by hand; the differential
 * suite compares live).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawClient } from '../helpers/raw-client.js';
import { call, callError, isNotification, startInProcess, TEST_SCHEMA, type InProcessServer } from './harness.js';

let srv: InProcessServer;
beforeAll(async () => {
  srv = await startInProcess();
});
afterAll(async () => {
  await srv.stop();
});

async function insert(c: RawClient, row: Record<string, unknown>): Promise<string> {
  const r = (await call(c, 'transact', ['T', { op: 'insert', table: 'A', row }])) as [{ uuid: [string, string] }];
  return r[0].uuid[1];
}

describe('basic methods', () => {
  it('list_dbs, get_schema (extra params ignored), get_server_id, echo', async () => {
    const c = await srv.connect();
    expect(await call(c, 'list_dbs', [])).toEqual(['T', '_Server']);
    const schema = (await call(c, 'get_schema', ['T', 'extra', 3])) as { name: string; tables: Record<string, unknown> };
    expect(schema.name).toBe('T');
    expect(Object.keys(schema.tables)).toEqual(['A']);
    const id1 = await call(c, 'get_server_id', []);
    expect(id1).toMatch(/^[0-9a-f-]{36}$/);
    expect(await call(c, 'get_server_id', [])).toBe(id1);
    expect(await call(c, 'echo', ['a', 1, { b: [] }])).toEqual(['a', 1, { b: [] }]);
  });

  it('answers bad params and unknown names with ovsdb-server errors', async () => {
    const c = await srv.connect();
    expect(await callError(c, 'foo', [])).toBe('unknown method');
    expect(await callError(c, 'get_schema', ['Nope'])).toEqual({
      error: 'unknown database', details: 'get_schema request specifies unknown database Nope', syntax: '["Nope"]',
    });
    expect(await callError(c, 'transact', [1])).toEqual({
      error: 'syntax error', details: 'transact request params must begin with <db-name>', syntax: '[1]',
    });
    expect(await callError(c, 'monitor_cond_since', ['T', 's', { A: [{}] }])).toMatchObject({ error: 'syntax error', details: 'invalid parameters' });
    expect(await callError(c, 'monitor_cond_since', ['T', 's', { A: [{}] }, 'zz'])).toEqual({
      error: 'syntax error', details: 'last-txn-id must be UUID format.', syntax: '"zz"',
    });
    expect(await callError(c, 'monitor', ['T', 'x', { B: {} }])).toEqual({ error: 'syntax error', details: 'no table named B' });
    expect(await callError(c, 'monitor', ['T', 'x', { A: { columns: ['zz'] } }])).toEqual({
      error: 'syntax error', details: 'zz is not a valid column name', syntax: '["zz"]',
    });
    expect(await callError(c, 'monitor', ['T', 'x', { A: { where: [] } }])).toMatchObject({
      details: "Parsing table A failed: Member 'where' is present but not allowed here.",
    });
    expect(await callError(c, 'monitor_cancel', ['none'])).toBe('unknown monitor');
    expect(await callError(c, 'monitor_cancel', [])).toBe('invalid parameters');
    expect(await callError(c, 'monitor_cond_change', ['zz', 'zz', {}])).toEqual({
      error: 'syntax error', details: 'unknown monitor session', syntax: '"zz"',
    });
    expect(await callError(c, 'lock', [3])).toEqual({ error: 'syntax error', details: 'lock request params must be <id>', syntax: '[3]' });
    expect(await callError(c, 'set_db_change_aware', [])).toMatchObject({ details: 'set_db_change_aware: true or false parameter expected' });
    expect(await callError(c, 'convert', ['T', { name: 'X', tables: {} }])).toEqual({
      error: 'invalid parameters', details: 'new schema name (X) does not match database name (T)',
    });
    expect(await call(c, 'list_dbs', [])).toEqual(['T', '_Server']);
  });

  it('refuses writes to _Server and lets clients read it', async () => {
    const c = await srv.connect();
    const r = await call(c, 'transact', ['_Server', { op: 'insert', table: 'Database', row: { name: 'x', model: 'standalone' } }]);
    expect(r).toEqual([{ error: 'not allowed', details: 'insert operation not allowed on table in reserved database _Server' }]);
    const rows = (await call(c, 'transact', ['_Server', { op: 'select', table: 'Database', where: [], columns: ['name', 'model', 'leader', 'connected'] }])) as [{ rows: unknown[] }];
    expect(rows[0].rows).toEqual(expect.arrayContaining([
      { name: 'T', model: 'standalone', leader: true, connected: true },
      { name: '_Server', model: 'standalone', leader: true, connected: true },
    ]));
  });
});

describe('transact, wait and cancel', () => {
  it('blocks a wait until another session commits, and times out waits', async () => {
    const a = await srv.connect();
    const b = await srv.connect();
    const id = a.nextId();
    a.send({ id, method: 'transact', params: ['T', { op: 'wait', table: 'A', where: [['name', '==', 'w1']], columns: ['n'], until: '!=', rows: [] }] });
    await new Promise((r) => setTimeout(r, 50));
    expect(a.received.some((m) => (m as { id?: unknown }).id === id)).toBe(false);
    await insert(b, { name: 'w1', n: 5 });
    expect(await a.waitReply(id)).toMatchObject({ result: [{}], error: null });
    const t0 = Date.now();
    const timed = await call(a, 'transact', ['T', { op: 'wait', table: 'A', where: [['name', '==', 'nobody']], columns: ['n'], until: '!=', rows: [], timeout: 100 }]);
    // OVS prints the elapsed time in whole ms; a loaded machine fires the timer a little late.
    expect(timed).toEqual([{ error: 'timed out', details: expect.stringMatching(/^"wait" timed out after 1\d\d ms$/) }]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
  });

  it('cancels a blocked transaction without replying to it, as ovsdb-server 3.1 does', async () => {
    const a = await srv.connect();
    const id = a.nextId();
    a.send({ id, method: 'transact', params: ['T', { op: 'wait', table: 'A', where: [['name', '==', 'never']], columns: ['n'], until: '!=', rows: [] }] });
    await new Promise((r) => setTimeout(r, 30));
    a.send({ id: null, method: 'cancel', params: [id] });
    expect(await callError(a, 'cancel', [id])).toBe('unknown method');
    expect(a.received.filter((m) => (m as { id?: unknown }).id === id)).toEqual([]);
  });
});

describe('monitors', () => {
  it('monitor (update v1): initial with defaults, modify with old values, delete; updates before the reply', async () => {
    const c = await srv.connect();
    const u = await insert(c, { name: 'm1', n: 0 });
    const initial = (await call(c, 'monitor', ['T', null, { A: { columns: ['n', 'name', 's'] } }])) as { A: Record<string, unknown> };
    expect(initial.A[u]).toEqual({ new: { n: 0, name: 'm1', s: ['set', []] } });
    const id = c.nextId();
    const from = c.received.length;
    c.send({ id, method: 'transact', params: ['T', { op: 'update', table: 'A', where: [['name', '==', 'm1']], row: { n: 7 } }] });
    await c.waitReply(id);
    const after = c.received.slice(from);
    const updateIndex = after.findIndex(isNotification('update'));
    const replyIndex = after.findIndex((m) => (m as { id?: unknown }).id === id);
    expect(updateIndex).toBeGreaterThanOrEqual(0);
    expect(updateIndex).toBeLessThan(replyIndex);
    expect(after[updateIndex]).toMatchObject({ params: [null, { A: { [u]: { old: { n: 0 }, new: { n: 7, name: 'm1', s: ['set', []] } } } }] });
    await call(c, 'transact', ['T', { op: 'delete', table: 'A', where: [['name', '==', 'm1']] }]);
    const del = await c.waitFor((m) => isNotification('update')(m) && JSON.stringify(m).includes('"old"') && !JSON.stringify(m).includes('"new"'), 2000, from);
    expect(del).toMatchObject({ params: [null, { A: { [u]: { old: { n: 7, name: 'm1' } } } }] });
    await call(c, 'monitor_cancel', [null]);
  });

  it('monitor_cond (update2): defaults left out, diffs for sets, maps and optional scalars', async () => {
    const c = await srv.connect();
    await call(c, 'monitor_cond', ['T', 'mc', { A: [{ columns: ['n', 's', 'm', 'o', 'name'], where: [['name', '==', 'd1']] }] }]);
    const from = c.received.length;
    const u = await insert(c, { name: 'd1', n: 0, s: ['set', ['x', 'y']], m: ['map', [['k', 'v'], ['gone', '1']]] });
    expect(c.received.slice(from).find(isNotification('update2'))).toEqual({
      id: null, method: 'update2', params: ['mc', { A: { [u]: { insert: { name: 'd1', s: ['set', ['x', 'y']], m: ['map', [['gone', '1'], ['k', 'v']]] } } } }],
    });
    const from2 = c.received.length;
    await call(c, 'transact', ['T', { op: 'update', table: 'A', where: [['_uuid', '==', ['uuid', u]]], row: { n: 3, s: ['set', ['y', 'z']], m: ['map', [['k', 'w'], ['new', '2']]], o: 'x' } }]);
    expect(c.received.slice(from2).find(isNotification('update2'))).toEqual({
      id: null, method: 'update2', params: ['mc', { A: { [u]: { modify: { n: 3, s: ['set', ['x', 'z']], m: ['map', [['gone', '1'], ['k', 'w'], ['new', '2']]], o: 'x' } } } }],
    });
    const from3 = c.received.length;
    await call(c, 'transact', ['T', { op: 'update', table: 'A', where: [['_uuid', '==', ['uuid', u]]], row: { o: 'q' } }]);
    expect(c.received.slice(from3).find(isNotification('update2'))).toMatchObject({ params: ['mc', { A: { [u]: { modify: { o: 'q' } } } }] });
    // A row that does not match the condition produces nothing.
    const from4 = c.received.length;
    await insert(c, { name: 'other' });
    expect(c.received.slice(from4).find(isNotification('update2'))).toBeUndefined();
  });

  it('monitor_cond_change inserts rows entering and deletes rows leaving the condition', async () => {
    const c = await srv.connect();
    const u1 = await insert(c, { name: 'cc1', n: 1 });
    const u2 = await insert(c, { name: 'cc2', n: 2 });
    const initial = (await call(c, 'monitor_cond', ['T', 'cc', { A: [{ columns: ['n'], where: [['name', '==', 'cc1']] }] }])) as { A: Record<string, unknown> };
    expect(initial).toEqual({ A: { [u1]: { initial: { n: 1 } } } });
    const id = c.nextId();
    const from = c.received.length;
    c.send({ id, method: 'monitor_cond_change', params: ['cc', 'cc2', { A: [{ where: [['name', '==', 'cc2']] }] }] });
    await c.waitReply(id);
    const note = c.received.slice(from).find(isNotification('update2'));
    expect(note).toEqual({ id: null, method: 'update2', params: ['cc2', { A: { [u1]: { delete: null }, [u2]: { insert: { n: 2 } } } }] });
    expect(await callError(c, 'monitor_cond_change', ['cc2', 'cc2', { A: [{ columns: ['n'] }] }])).toMatchObject({ details: 'changing columns is unsupported' });
    expect(await callError(c, 'monitor_cond', ['T', 'cc2', { A: [{}] }])).toMatchObject({ details: 'duplicate monitor ID' });
  });

  it('monitor_cond_since resumes from a known txn id and starts over from an unknown one', async () => {
    const c = await srv.connect();
    const first = (await call(c, 'monitor_cond_since', ['T', 's1', { A: [{ columns: ['n'], where: [['name', '==', 'since1']] }] }, '00000000-0000-0000-0000-000000000000'])) as [boolean, string, unknown];
    expect(first[0]).toBe(false);
    const u = await insert(c, { name: 'since1', n: 4 });
    const up = (await c.waitFor(isNotification('update3'))) as { params: [string, string, unknown] };
    expect(up.params[2]).toEqual({ A: { [u]: { insert: { n: 4 } } } });
    const lastSeen = up.params[1];
    const d = await srv.connect();
    await call(d, 'transact', ['T', { op: 'update', table: 'A', where: [['name', '==', 'since1']], row: { n: 5 } }]);
    const resumed = (await call(d, 'monitor_cond_since', ['T', 's2', { A: [{ columns: ['n'], where: [['name', '==', 'since1']] }] }, lastSeen])) as [boolean, string, unknown];
    expect(resumed[0]).toBe(true);
    expect(resumed[2]).toEqual({ A: { [u]: { modify: { n: 5 } } } });
    const fresh = (await call(d, 'monitor_cond_since', ['T', 's3', { A: [{ columns: ['n'], where: [['name', '==', 'since1']] }] }, '11111111-1111-1111-1111-111111111111'])) as [boolean, string, unknown];
    expect(fresh[0]).toBe(false);
    expect(fresh[2]).toEqual({ A: { [u]: { initial: { n: 5 } } } });
    expect(fresh[1]).toBe(resumed[1]);
  });

  it('monitor_cancel stops updates', async () => {
    const c = await srv.connect();
    await call(c, 'monitor_cond', ['T', 'x', { A: [{ columns: ['n'] }] }]);
    expect(await call(c, 'monitor_cancel', ['x'])).toEqual({});
    const from = c.received.length;
    await insert(c, { name: 'after-cancel', n: 1 });
    expect(c.received.slice(from).find(isNotification('update2'))).toBeUndefined();
  });

  it('sends the same update to every session with an identical monitor', async () => {
    const clients = await Promise.all([srv.connect(), srv.connect(), srv.connect()]);
    for (const [i, c] of clients.entries()) await call(c, 'monitor_cond', ['T', i === 2 ? 'other-id' : 'same', { A: [{ columns: ['n'], where: [['name', '==', 'fan']] }] }]);
    const u = await insert(clients[0] as RawClient, { name: 'fan', n: 8 });
    for (const [i, c] of clients.entries()) {
      const note = await c.waitFor(isNotification('update2'));
      expect(note).toEqual({ id: null, method: 'update2', params: [i === 2 ? 'other-id' : 'same', { A: { [u]: { insert: { n: 8 } } } }] });
    }
  });

  it('monitors _Server', async () => {
    const c = await srv.connect();
    const r = (await call(c, 'monitor_cond', ['_Server', 'srv', { Database: [{ columns: ['name', 'model', 'leader'] }] }])) as { Database: Record<string, { initial: unknown }> };
    expect(Object.values(r.Database).map((x) => x.initial)).toEqual(expect.arrayContaining([{ name: 'T', model: 'standalone', leader: true }]));
  });
});

describe('locks', () => {
  it('lock, wait, unlock hands over with "locked"; steal notifies "stolen"; assert checks ownership', async () => {
    const a = await srv.connect();
    const b = await srv.connect();
    expect(await call(a, 'lock', ['L'])).toEqual({ locked: true });
    expect(await call(b, 'lock', ['L'])).toEqual({ locked: false });
    expect(await callError(a, 'lock', ['L'])).toMatchObject({ details: 'must issue "unlock" before new "lock"' });
    const ok = await call(a, 'transact', ['T', { op: 'assert', lock: 'L' }]);
    expect(ok).toEqual([{}]);
    expect(await call(b, 'transact', ['T', { op: 'assert', lock: 'L' }])).toEqual([{ error: 'not owner', details: 'Asserted lock L not held.' }]);
    expect(await call(a, 'unlock', ['L'])).toEqual({});
    await b.waitFor((m) => isNotification('locked')(m) && JSON.stringify((m as { params: unknown }).params) === '["L"]');
    expect(await call(a, 'steal', ['L'])).toEqual({ locked: true });
    await b.waitFor((m) => isNotification('stolen')(m));
    expect(await callError(b, 'unlock', ['nope'])).toMatchObject({ details: 'unlock: "unlock" without "lock" or "steal"' });
    // Closing the thief's session hands the lock back to b.
    const from = b.received.length;
    await a.close();
    await b.waitFor(isNotification('locked'), 2000, from);
  });
});

describe('convert', () => {
  it('replaces the schema: change-aware sessions get monitor_canceled, others are disconnected', async () => {
    const aware = await srv.connect();
    const unaware = await srv.connect();
    await call(aware, 'set_db_change_aware', [true]);
    await call(aware, 'monitor_cond', ['T', 'mon', { A: [{ columns: ['n'] }] }]);
    await call(aware, 'monitor_cond', ['_Server', 'srv', { Database: [{ columns: ['name', 'schema'] }] }]);
    await call(unaware, 'monitor_cond', ['T', 'mon', { A: [{ columns: ['n'] }] }]);
    const tables = TEST_SCHEMA['tables'] as { A: { columns: Record<string, unknown> } };
    const next = { ...TEST_SCHEMA, version: '1.1.0', tables: { A: { ...tables.A, columns: { ...tables.A.columns, extra: { type: 'integer' } } } } };
    const conv = await srv.connect();
    await call(conv, 'set_db_change_aware', [true]);
    expect(await call(conv, 'convert', ['T', next])).toEqual({});
    await aware.waitFor((m) => isNotification('monitor_canceled')(m) && JSON.stringify(m).includes('"mon"'));
    await unaware.waitClosed(2000);
    const schema = (await call(aware, 'get_schema', ['T'])) as { version: string; tables: { A: { columns: Record<string, unknown> } } };
    expect(schema.version).toBe('1.1.0');
    expect(Object.keys(schema.tables.A.columns)).toContain('extra');
    await aware.waitFor((m) => isNotification('update2')(m) && JSON.stringify(m).includes('1.1.0'));
    const rows = (await call(aware, 'transact', ['T', { op: 'select', table: 'A', where: [['name', '==', 'd1']], columns: ['n', 'extra'] }])) as [{ rows: unknown[] }];
    expect(rows[0].rows).toEqual([{ n: 3, extra: 0 }]);
  });
});
