/**
 * Protocol details where ovsdb-server 3.1 differs from a plain reading of RFC 7047, each found
 * by the differential suite (test/diff) and checked against the real server by hand:
 * cancel sends no reply, lock names are <id>s, "locked" goes to the owner after every unlock
 * that leaves a queue, stray replies and mismatched brackets drop the connection, per-column
 * select in an array of monitor requests, the update2 diff of an optional column, and convert
 * errors without a location prefix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawClient } from '../helpers/raw-client.js';
import { call, callError, isNotification, startInProcess, type InProcessServer } from './harness.js';

let srv: InProcessServer;
beforeAll(async () => {
  srv = await startInProcess();
});
afterAll(async () => {
  await srv.stop();
});

/** Messages received after a round trip that every earlier message must precede. */
async function settle(c: RawClient): Promise<unknown[]> {
  await call(c, 'echo', ['barrier']);
  return c.received.filter((m) => !(typeof m === 'object' && m !== null && JSON.stringify((m as { result?: unknown }).result) === '["barrier"]'));
}

describe('ovsdb-server compatibility', () => {
  it('cancel drops a blocked transaction without replying to it', async () => {
    const c = await srv.connect();
    c.send({ id: 'w1', method: 'transact', params: ['T', { op: 'wait', table: 'A', where: [['name', '==', 'cw']], columns: ['n'], until: '==', rows: [{ n: 1 }] }] });
    c.send({ id: null, method: 'cancel', params: ['w1'] });
    const other = await srv.connect();
    await call(other, 'transact', ['T', { op: 'insert', table: 'A', row: { name: 'cw', n: 1 } }]);
    const got = await settle(c);
    expect(got.filter((m) => (m as { id?: unknown }).id === 'w1')).toEqual([]);
    expect(c.closed).toBe(false);
  });

  it('lock, steal and unlock require an <id> name', async () => {
    const c = await srv.connect();
    expect(await callError(c, 'lock', ['with-dash'])).toEqual({ error: 'syntax error', details: 'lock request params must be <id>', syntax: '["with-dash"]' });
    expect(await callError(c, 'lock', ['9x'])).toMatchObject({ details: 'lock request params must be <id>' });
    expect(await callError(c, 'steal', [''])).toEqual({ error: 'syntax error', details: 'steal request params must be <id>', syntax: '[""]' });
    expect(await callError(c, 'unlock', ['a.b'])).toEqual({ error: 'syntax error', details: 'unlock request params must be <id>', syntax: '["a.b"]' });
    expect(await call(c, 'lock', ['_ok9'])).toEqual({ locked: true });
  });

  it('a waiter withdrawing makes the unchanged owner hear "locked" again', async () => {
    const a = await srv.connect();
    const b = await srv.connect();
    expect(await call(a, 'lock', ['W1'])).toEqual({ locked: true });
    expect(await call(b, 'lock', ['W1'])).toEqual({ locked: false });
    expect(await call(b, 'unlock', ['W1'])).toEqual({});
    expect((await settle(a)).filter(isNotification('locked'))).toEqual([{ id: null, method: 'locked', params: ['W1'] }]);
    expect((await settle(b)).filter(isNotification('locked'))).toEqual([]);
  });

  it('the robbed owner unlocking makes the thief hear "locked"', async () => {
    const a = await srv.connect();
    const b = await srv.connect();
    expect(await call(a, 'lock', ['W2'])).toEqual({ locked: true });
    expect(await call(b, 'steal', ['W2'])).toEqual({ locked: true });
    await a.waitFor(isNotification('stolen'));
    expect(await call(a, 'unlock', ['W2'])).toEqual({});
    await b.waitFor(isNotification('locked'), 2000);
  });

  it('a reply to no request closes the connection, except id "echo"', async () => {
    const c = await srv.connect();
    c.send({ id: 'echo', result: [], error: null });
    expect(await call(c, 'echo', ['still'])).toEqual(['still']);
    c.send({ id: 99, result: [], error: null });
    await c.waitClosed(3000);
    const d = await srv.connect();
    d.send({ id: 98, result: null, error: 'x' });
    await d.waitClosed(3000);
  });

  it('mismatched brackets close the connection at once', async () => {
    const c = await srv.connect();
    c.send('{"id":1,"method":"echo","params":[}');
    await c.waitClosed(3000);
    expect(c.received).toEqual([]);
  });

  it('an array of monitor requests reports each column only for its own select', async () => {
    const w = await srv.connect();
    const pre = ((await call(w, 'transact', ['T', { op: 'insert', table: 'A', row: { name: 'ma', n: 7 } }])) as [{ uuid: [string, string] }])[0].uuid[1];
    const c = await srv.connect();
    const initial = (await call(c, 'monitor', ['T', 'm', { A: [{ columns: ['n'] }, { columns: ['name'], select: { initial: false, modify: false } }] }])) as { A: Record<string, unknown> };
    expect(initial.A[pre]).toEqual({ new: { n: 7 } });
    await call(w, 'transact', ['T', { op: 'update', table: 'A', where: [['name', '==', 'ma']], row: { name: 'mb', n: 8 } }]);
    const upd = (await c.waitFor(isNotification('update'))) as { params: [string, { A: Record<string, unknown> }] };
    expect(upd.params[1].A[pre]).toEqual({ old: { n: 7 }, new: { n: 8 } });
    await call(w, 'transact', ['T', { op: 'delete', table: 'A', where: [['name', '==', 'mb']] }]);
    const del = (await c.waitFor(isNotification('update'), 5000, c.received.indexOf(upd) + 1)) as { params: [string, { A: Record<string, unknown> }] };
    expect(del.params[1].A[pre]).toEqual({ old: { n: 8, name: 'mb' } });
  });

  it('a change only to columns without "modify" still sends an (empty) row update', async () => {
    const w = await srv.connect();
    const uuid = ((await call(w, 'transact', ['T', { op: 'insert', table: 'A', row: { name: 'em', n: 1 } }])) as [{ uuid: [string, string] }])[0].uuid[1];
    const v2 = await srv.connect();
    const v1 = await srv.connect();
    const where = [['_uuid', '==', ['uuid', uuid]]];
    await call(v2, 'monitor_cond', ['T', 'e2', { A: [{ columns: ['n'], where }, { columns: ['name'], select: { modify: false } }] }]);
    await call(v1, 'monitor', ['T', 'e1', { A: [{ columns: ['n'] }, { columns: ['name'], select: { modify: false } }] }]);
    await call(w, 'transact', ['T', { op: 'update', table: 'A', where, row: { name: 'em2' } }]);
    const u2 = (await v2.waitFor(isNotification('update2'))) as { params: [string, { A: Record<string, unknown> }] };
    expect(u2.params[1].A[uuid]).toEqual({ modify: {} });
    const u1 = (await v1.waitFor((m) => isNotification('update')(m) && JSON.stringify(m).includes(uuid))) as { params: [string, { A: Record<string, unknown> }] };
    expect(u1.params[1].A[uuid]).toEqual({ old: {}, new: { n: 1 } });
  });

  it('update2 sends the new value of an optional column, ["set",[]] when emptied', async () => {
    const w = await srv.connect();
    const uuid = ((await call(w, 'transact', ['T', { op: 'insert', table: 'A', row: { name: 'opt', o: 'x' } }])) as [{ uuid: [string, string] }])[0].uuid[1];
    const c = await srv.connect();
    await call(c, 'monitor_cond', ['T', 'm2', { A: [{ columns: ['o', 's'], where: [['name', '==', 'opt']] }] }]);
    await call(w, 'transact', ['T', { op: 'update', table: 'A', where: [['name', '==', 'opt']], row: { o: ['set', []], s: 'p' } }]);
    const u1 = (await c.waitFor(isNotification('update2'))) as { params: [string, { A: Record<string, unknown> }] };
    expect(u1.params[1].A[uuid]).toEqual({ modify: { o: ['set', []], s: 'p' } });
    await call(w, 'transact', ['T', { op: 'update', table: 'A', where: [['name', '==', 'opt']], row: { o: 'y' } }]);
    const u2 = (await c.waitFor(isNotification('update2'), 5000, c.received.indexOf(u1) + 1)) as { params: [string, { A: Record<string, unknown> }] };
    expect(u2.params[1].A[uuid]).toEqual({ modify: { o: 'y' } });
  });

  it('a convert data error has the bare parse error as details', async () => {
    const c = await srv.connect();
    await call(c, 'transact', ['T', { op: 'insert', table: 'A', row: { name: 'cv', n: 30 } }]);
    const schema = (await call(c, 'get_schema', ['T'])) as { tables: { A: { columns: Record<string, unknown> } } };
    schema.tables.A.columns['n'] = { type: { key: { type: 'integer', maxInteger: 10 } } };
    expect(await callError(c, 'convert', ['T', schema])).toEqual({ error: 'constraint violation', details: '30 is greater than maximum allowed value 10' });
  });
});
