/**
 * Hostile and broken input against a real server process: random bytes, truncated and deeply
 * nested JSON, an oversize message, invalid UTF-8, and well-formed requests with parameters of
 * the wrong types. Afterwards the server still answers and the data is unchanged.
 */
import { rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { ensureBuilt } from '../helpers/build.js';
import { RawClient } from '../helpers/raw-client.js';
import { call } from './harness.js';
import { TEST_SCHEMA } from './harness.js';
import { createDb, kill, spawnServer, tempDir, type Proc } from './process.js';

const dir = tempDir();
const sock = join(dir, 'db.sock');
let server: Proc;
let snapshot: string;

async function dump(): Promise<string> {
  const c = await RawClient.connect({ path: sock });
  const r = await call(c, 'transact', ['T', { op: 'select', table: 'A', where: [], columns: ['_uuid', 'name', 'n', 's', 'm'] }]);
  await c.close();
  return JSON.stringify((r as [{ rows: { name: string }[] }])[0].rows.sort((a, b) => (a.name < b.name ? -1 : 1)));
}

/** Writes raw bytes on a fresh connection and resolves when the server closes it (or after waitMs). */
function sendRaw(bytes: Buffer | string, waitMs = 3000): Promise<{ closed: boolean; reply: string }> {
  return new Promise((resolve) => {
    const s = createConnection(sock);
    let reply = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ closed: false, reply });
    }, waitMs);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (reply += d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, reply });
    });
    s.on('connect', () => s.write(bytes));
  });
}

beforeAll(async () => {
  ensureBuilt();
  const db = await createDb(join(dir, 'db'), TEST_SCHEMA);
  server = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${join(dir, 'ctl')}`, db], sock);
  const c = await RawClient.connect({ path: sock });
  for (let i = 0; i < 5; i++) {
    await call(c, 'transact', ['T', { op: 'insert', table: 'A', row: { name: `row${i}`, n: i, s: ['set', ['a', 'b']], m: ['map', [['k', `v${i}`]]] } }]);
  }
  await c.close();
  snapshot = await dump();
}, 180_000);

afterAll(async () => {
  await kill(server);
  rmSync(dir, { recursive: true, force: true });
});

describe('bad input', () => {
  it('drops connections that send random bytes', async () => {
    const prng = new Prng(7);
    for (let round = 0; round < 5; round++) {
      const bytes = Buffer.from(Array.from({ length: 4096 }, () => prng.int(0, 255)));
      bytes[0] = 0x7d; // '}' first: never a valid start, so the framer must reject it
      const r = await sendRaw(bytes);
      expect(r.closed).toBe(true);
    }
  });

  it('survives truncated JSON, deep nesting, invalid UTF-8 and an oversize message', async () => {
    // Truncated: the peer goes away mid-message.
    const truncated = createConnection(sock);
    await new Promise<void>((r) => truncated.on('connect', () => r()));
    truncated.write('{"id":1,"method":"transact","params":["T",{"op":"insert","table":"A","row":{"name":"tr');
    truncated.destroy();
    expect((await sendRaw('['.repeat(200_000))).closed).toBe(true);
    expect((await sendRaw(Buffer.concat([Buffer.from('{"id":1,"method":"echo","params":["'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"]}')]))).reply).not.toContain('"result":["');
    expect((await sendRaw('{"id":1,"method":"echo","params":[1] garbage}')).closed).toBe(true);
    expect((await sendRaw('{"id":1,"method":"echo","params":"x"}')).closed).toBe(true);
    const big = `{"id":1,"method":"echo","params":["${'x'.repeat(65 * 1024 * 1024)}"]}`;
    const r = await sendRaw(big, 10_000);
    expect(r.closed).toBe(true);
    expect(r.reply).toBe('');
  }, 30_000);

  it('answers wrong parameter types with errors and keeps the connection', async () => {
    const c = await RawClient.connect({ path: sock });
    const bad: [string, unknown][] = [
      ['transact', [null]], ['transact', ['T', 5]], ['transact', ['T', { op: 'insert', table: 5 }]],
      ['transact', ['T', { op: 'insert', table: 'A', row: { n: 'x' } }]], ['transact', ['T', { op: 'update', table: 'A', where: 'x', row: {} }]],
      ['transact', ['T', { op: 'delete', table: 'A', where: [['name', '~', 1]] }]], ['transact', ['T', { op: 'mutate', table: 'A', where: [], mutations: [['n', '/=', 0]] }]],
      ['monitor', ['T', 1, 'x']], ['monitor_cond', ['T', 1, { A: [{ where: [['n', '<', 'x']] }] }]], ['monitor_cond', ['T', 1, { A: 7 }]],
      ['monitor_cond_change', [1]], ['lock', [{}]], ['steal', []], ['unlock', [null]], ['get_schema', [[]]], ['set_db_change_aware', ['yes']],
      ['convert', ['T', 5]], ['monitor_cancel', [1, 2]], ['list_dbs', [{ a: 1 }]],
    ];
    for (const [method, params] of bad) {
      const r = (await c.request(method, params)) as { error?: unknown; result?: unknown };
      const failed = (r.error !== null && r.error !== undefined) || (Array.isArray(r.result) && JSON.stringify(r.result).includes('"error"')) || method === 'list_dbs';
      expect(failed, `${method} ${JSON.stringify(params)} -> ${JSON.stringify(r)}`).toBe(true);
    }
    expect(c.closed).toBe(false);
    expect(await call(c, 'list_dbs', [])).toEqual(['T', '_Server']);
    await c.close();
  });

  it('still serves and the data is unchanged', async () => {
    expect(await dump()).toBe(snapshot);
    expect(server.proc.exitCode).toBeNull();
  });
});
