/**
 * The same scripted session sent to the real ovsdb-server and to ours; every message each one
 * sends back (replies and monitor notifications, in order) must match once row and version
 * uuids are renamed by first appearance and object keys sorted. Covers update, update2, select
 * flags, conditions, monitor_cond_change, monitor_cancel, locks and their errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, type Json } from '../../src/base/json.js';
import { requireOvs } from '../helpers/ovs.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, type ServerHandle } from '../helpers/servers.js';
import { startInProcess, TEST_SCHEMA, type InProcessServer } from './harness.js';

type Step = readonly [client: 0 | 1, method: string, params: Json];

const A = (row: Json): Json => ['T', { op: 'insert', table: 'A', row }];
const SCRIPT: readonly Step[] = [
  [0, 'transact', A({ name: 'r1', n: 1, s: ['set', ['a', 'b']], m: ['map', [['k', 'v']]] })],
  [0, 'transact', A({ name: 'r2', n: 0 })],
  [0, 'monitor', ['T', null, { A: { columns: ['n', 'name', 's', 'm', 'o'] } }]],
  [0, 'monitor_cond', ['T', 'c', { A: [{ columns: ['n', 's', 'm', 'o'], where: [['n', '>', 0]] }] }]],
  [1, 'monitor_cond', ['T', ['x', 1], { A: [{ columns: ['name'], select: { initial: false, modify: false } }] }]],
  [0, 'transact', ['T', { op: 'update', table: 'A', where: [['name', '==', 'r1']], row: { n: 5, s: ['set', ['b', 'c']], m: ['map', [['k', 'w'], ['k2', 'x']]], o: 'z' } }]],
  [0, 'transact', ['T', { op: 'update', table: 'A', where: [['name', '==', 'r2']], row: { n: 3 } }]],
  [0, 'transact', ['T', { op: 'update', table: 'A', where: [['name', '==', 'r1']], row: { n: 0 } }]],
  [0, 'monitor_cond_change', ['c', 'c2', { A: [{ where: [['name', '==', 'r1']] }] }]],
  [0, 'transact', ['T', { op: 'mutate', table: 'A', where: [['name', '==', 'r1']], mutations: [['s', 'delete', 'b'], ['m', 'delete', ['set', ['k']]]] }]],
  [1, 'transact', A({ name: 'r3', n: 7, o: 'q' })],
  [0, 'monitor_cancel', [null]],
  [0, 'transact', ['T', { op: 'delete', table: 'A', where: [['name', '==', 'r1']] }]],
  [0, 'lock', ['L']],
  [1, 'lock', ['L']],
  [1, 'steal', ['L']],
  [0, 'unlock', ['L']],
  [1, 'unlock', ['L']],
  [1, 'unlock', ['L']],
  [0, 'monitor_cond_change', ['nope', 'nope', {}]],
  [0, 'monitor', ['T', 'bad', { A: { columns: ['n', 'n'] } }]],
  [0, 'transact', ['T', { op: 'select', table: 'A', where: [], columns: ['name', 'n', 'o'], sort: ['name'] }]],
];

/** Renames uuids by order of first appearance; drops OVS-irrelevant member differences. */
function normalize(messages: readonly unknown[]): string[] {
  const names = new Map<string, string>();
  const rename = (s: string): string => {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) return s;
    let n = names.get(s);
    if (n === undefined) names.set(s, (n = `uuid${names.size}`));
    return n;
  };
  const walk = (v: unknown): Json => {
    if (typeof v === 'string') return rename(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: { [k: string]: Json } = {};
      for (const k of Object.keys(v).sort()) out[rename(k)] = walk((v as Record<string, unknown>)[k]);
      return out;
    }
    return v as Json;
  };
  return messages.map((m) => {
    const copy = { ...(m as Record<string, unknown>) };
    // Error replies: OVS omits "result", we send null; both mean the same to JSON-RPC 1.0.
    if (copy['error'] !== null && copy['error'] !== undefined && copy['result'] === null) delete copy['result'];
    return canonicalJson(walk(copy));
  });
}

async function runScript(connect: () => Promise<RawClient>): Promise<string[][]> {
  const clients = [await connect(), await connect()];
  for (const [who, method, params] of SCRIPT) {
    const c = clients[who];
    if (!c) throw new Error('no client');
    await c.request(method, params);
    await new Promise((r) => setTimeout(r, 20)); // let notifications to the other client arrive
  }
  await new Promise((r) => setTimeout(r, 100));
  const out = clients.map((c) => normalize(c.received));
  await Promise.all(clients.map((c) => c.close()));
  return out;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('monitors and locks, ours against the real ovsdb-server', () => {
  it.runIf(requireOvs('ovsdb-server', 'ovsdb-tool'))('produces the same transcript', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovs-diff-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const schemaPath = join(dir, 't.ovsschema');
    writeFileSync(schemaPath, JSON.stringify(TEST_SCHEMA));
    const real: ServerHandle = await startServer('real', { schemas: [schemaPath] });
    cleanups.push(() => real.stop());
    const ours: InProcessServer = await startInProcess();
    cleanups.push(() => ours.stop());
    const theirs = await runScript(() => RawClient.connect({ path: real.sockPath }));
    const mine = await runScript(() => ours.connect());
    expect(mine[0]?.length).toBeGreaterThan(SCRIPT.length / 2);
    if (process.env["SHOW_DIFF"]) console.log(JSON.stringify(theirs, null, 1));
    expect(mine).toEqual(theirs);
  }, 30_000);
});
