/**
 * A client history against a 3-member cluster of real processes, checked for linearizability
 * (issue 12, "Tests"). Six clients, two per member, run a mixed workload through every member
 * while the Raft leader is SIGKILLed and restarted twice:
 * - registers in a small KV schema: `inc` (mutate `+= 1` and select in one transaction), `get`
 *   (select), `put` (update) and `cas` (update where value == expected, answered by its count);
 * - inserts of uniquely named items.
 * Every operation's invocation and response are stamped from one event counter (all clients run
 * in this process, so its order is the real-time order). The register history goes through the
 * Wing–Gong checker of test/sim/checkers; an operation whose outcome the client never learned
 * (connection lost, timeout, error reply) stays pending: it may or may not have taken effect.
 * After healing: every acknowledged insert is present exactly once, no item appears twice, and
 * every member holds identical contents.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { RawClient } from '../helpers/raw-client.js';
import { checkLinearizable, type HistoryOp, type KvOp, type KvResult } from '../sim/checkers/linearizability.js';
import { TestCluster, type Member } from './harness.js';

const DB = 'KV';
const KEYS = ['a', 'b', 'c'] as const;
const CLIENTS = 6;
const REQUEST_TIMEOUT_MS = 4000;
const SEED = Number(process.env['LIN_SEED'] ?? Date.now() % 1_000_000);

const SCHEMA = {
  name: DB,
  version: '1.0.0',
  tables: {
    Register: { columns: { name: { type: 'string' }, value: { type: 'integer' } }, isRoot: true, indexes: [['name']] },
    Item: { columns: { name: { type: 'string' }, client: { type: 'integer' } }, isRoot: true, indexes: [['name']] },
  },
};

/** The one event counter: invocations and responses in the order this process saw them. */
let clock = 0;
const now = (): number => ++clock;

type Reply = { ok: true; result: unknown[] } | { ok: false; why: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One `transact` on a connection; any failure (error reply, op error, lost connection) is `ok: false`. */
async function transact(c: RawClient, ops: readonly unknown[]): Promise<Reply> {
  const from = c.received.length;
  const id = c.nextId();
  c.send({ id, method: 'transact', params: [DB, ...ops] });
  let reply: unknown;
  try {
    reply = await c.waitFor((m) => isObject(m) && m['id'] === id && m['method'] === undefined, REQUEST_TIMEOUT_MS, from);
  } catch (e) {
    return { ok: false, why: e instanceof Error ? e.message : String(e) };
  }
  if (!isObject(reply)) return { ok: false, why: 'bad reply' };
  if (reply['error'] !== null && reply['error'] !== undefined) return { ok: false, why: `error reply ${JSON.stringify(reply['error'])}` };
  const result = reply['result'];
  if (!Array.isArray(result)) return { ok: false, why: 'no result' };
  const failed = result.find((r) => isObject(r) && 'error' in r);
  if (failed !== undefined) return { ok: false, why: `op error ${JSON.stringify(failed)}` };
  return { ok: true, result };
}

function countOf(r: unknown): number | undefined {
  return isObject(r) && typeof r['count'] === 'number' ? r['count'] : undefined;
}

function valueOf(r: unknown): string | undefined {
  if (!isObject(r) || !Array.isArray(r['rows'])) return undefined;
  const row: unknown = r['rows'][0];
  return isObject(row) && typeof row['value'] === 'number' ? String(row['value']) : undefined;
}

const where = (key: string): unknown[] => [['name', '==', key]];
const selectValue = (key: string): unknown => ({ op: 'select', table: 'Register', where: where(key), columns: ['value'] });

/** The transaction for a register operation, and how to read its result. */
function registerTxn(op: KvOp): { ops: unknown[]; parse: (result: unknown[]) => KvResult | undefined } {
  switch (op.kind) {
    case 'get':
      return { ops: [selectValue(op.key)], parse: (r) => ({ kind: 'get', value: valueOf(r[0]) ?? null }) };
    case 'put':
      return { ops: [{ op: 'update', table: 'Register', where: where(op.key), row: { value: Number(op.value) } }], parse: (r) => (countOf(r[0]) === 1 ? { kind: 'put' } : undefined) };
    case 'cas':
      return {
        ops: [{ op: 'update', table: 'Register', where: [...where(op.key), ['value', '==', Number(op.expected)]], row: { value: Number(op.value) } }],
        parse: (r) => {
          const n = countOf(r[0]);
          return n === undefined || n > 1 ? undefined : { kind: 'cas', ok: n === 1 };
        },
      };
    case 'inc':
      return {
        ops: [{ op: 'mutate', table: 'Register', where: where(op.key), mutations: [['value', '+=', 1]] }, selectValue(op.key)],
        parse: (r) => {
          const v = valueOf(r[1]);
          return countOf(r[0]) === 1 && v !== undefined ? { kind: 'inc', value: v } : undefined;
        },
      };
  }
}

class Client {
  readonly history: HistoryOp[] = [];
  readonly ackedItems: string[] = [];
  readonly unknownItems: string[] = [];
  readonly failures = new Map<string, number>();
  readonly perMember = [0, 0, 0];
  #conn: { client: RawClient; member: Member } | undefined;
  #seq = 0;
  #stop = false;
  readonly #rng: Prng;
  readonly #lastSeen = new Map<string, string>();
  readonly #done: Promise<void>;

  constructor(readonly id: number, readonly cluster: TestCluster) {
    this.#rng = new Prng(SEED * 31 + id);
    this.#done = this.#loop();
  }

  /** Its home member if it runs, else the next running one. */
  async #connect(): Promise<{ client: RawClient; member: Member }> {
    const n = this.cluster.members.length;
    for (let attempt = 0; ; attempt++) {
      const m = this.cluster.member((this.id + attempt) % n);
      if (this.cluster.running().includes(m)) {
        try {
          return { client: await RawClient.connect({ port: m.clientPort }, { timeoutMs: 1000 }), member: m };
        } catch { /* dying or starting */ }
      }
      if (attempt % n === n - 1) await new Promise((r) => setTimeout(r, 50));
    }
  }

  #fail(why: string): void {
    const kind = why.replace(/\d+/g, 'N').slice(0, 160);
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }

  #nextOp(): KvOp | { kind: 'insert'; name: string } {
    const seq = this.#seq++;
    const key = this.#rng.pick(KEYS);
    const unique = String((this.id + 1) * 1_000_000 + seq);
    const p = this.#rng.nextFloat();
    if (p < 0.35) return { kind: 'inc', key };
    if (p < 0.6) return { kind: 'get', key };
    if (p < 0.7) return { kind: 'put', key, value: unique };
    if (p < 0.8) return { kind: 'cas', key, expected: this.#lastSeen.get(key) ?? '0', value: unique };
    return { kind: 'insert', name: `c${this.id}-${seq}` };
  }

  async #loop(): Promise<void> {
    while (!this.#stop) {
      this.#conn ??= await this.#connect();
      const { client, member } = this.#conn;
      const op = this.#nextOp();
      if (op.kind === 'insert') {
        const r = await transact(client, [{ op: 'insert', table: 'Item', row: { name: op.name, client: this.id } }]);
        if (r.ok) this.ackedItems.push(op.name);
        else {
          this.unknownItems.push(op.name);
          this.#fail(r.why);
        }
        if (!r.ok) await this.#reset();
      } else {
        const txn = registerTxn(op);
        const invokeTime = now();
        const r = await transact(client, txn.ops);
        const result = r.ok ? txn.parse(r.result) : undefined;
        if (result !== undefined) {
          this.history.push({ clientId: this.id, seq: this.#seq, op, invokeTime, returnTime: now(), result });
          this.perMember[member.index] = (this.perMember[member.index] ?? 0) + 1;
          if (result.kind === 'get' && result.value !== null) this.#lastSeen.set(op.key, result.value);
          if (result.kind === 'inc') this.#lastSeen.set(op.key, result.value);
        } else {
          // Outcome unknown: pending forever (the checker may place it anywhere after its call).
          this.history.push({ clientId: this.id, seq: this.#seq, op, invokeTime, returnTime: undefined, result: undefined });
          this.#fail(r.ok ? `unexpected result ${JSON.stringify(r.result)}` : r.why);
          await this.#reset();
        }
      }
      await new Promise((res) => setTimeout(res, this.#rng.int(2, 12)));
    }
    await this.#conn?.client.close().catch(() => undefined);
  }

  async #reset(): Promise<void> {
    const c = this.#conn;
    this.#conn = undefined;
    await c?.client.close().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}

async function selectAll(m: Member): Promise<string> {
  const c = await RawClient.connect({ port: m.clientPort });
  try {
    const r = await transact(c, [
      { op: 'select', table: 'Register', where: [], columns: ['_uuid', 'name', 'value'] },
      { op: 'select', table: 'Item', where: [], columns: ['_uuid', 'name', 'client'] },
    ]);
    if (!r.ok) throw new Error(`select on member ${m.index}: ${r.why}`);
    const rows = (x: unknown): string[] => (isObject(x) && Array.isArray(x['rows']) ? x['rows'].map((row) => JSON.stringify(row)).sort() : []);
    return JSON.stringify({ registers: rows(r.result[0]), items: rows(r.result[1]) });
  } finally {
    await c.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a client history across leader kills is linearizable', () => {
  let cluster: TestCluster;
  let schemaDir: string;

  beforeAll(async () => {
    schemaDir = mkdtempSync(join(tmpdir(), 'kv-schema-'));
    const schemaPath = join(schemaDir, 'kv.ovsschema');
    writeFileSync(schemaPath, JSON.stringify(SCHEMA));
    cluster = await TestCluster.create(3, schemaPath);
    await cluster.startAll();
    await cluster.ready(DB);
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
    if (schemaDir !== undefined) rmSync(schemaDir, { recursive: true, force: true });
  });

  it('registers, inserts and reads through every member while the leader is killed and restarted', async () => {
    // Every register starts at 0, written (and acknowledged) before any client starts.
    const setup = await RawClient.connect({ port: (await cluster.leader(DB)).clientPort });
    const init = await transact(setup, KEYS.map((name) => ({ op: 'insert', table: 'Register', row: { name, value: 0 } })));
    await setup.close();
    expect(init).toMatchObject({ ok: true });
    const initial: HistoryOp[] = KEYS.map((key) => ({ clientId: -1, op: { kind: 'put', key, value: '0' }, invokeTime: now(), returnTime: now(), result: { kind: 'put' } }));

    const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(i, cluster));
    const kills: string[] = [];
    await sleep(1500);
    for (let round = 0; round < 2; round++) {
      const leader = await cluster.leader(DB, 20_000);
      const t0 = Date.now();
      await cluster.killMember(leader.index);
      await sleep(1500);
      await cluster.start(leader.index);
      await cluster.ready(DB);
      kills.push(`member ${leader.index} (back serving after ${Date.now() - t0} ms)`);
      await sleep(1500);
    }
    await Promise.all(clients.map((c) => c.stop()));

    // Healed: one final read of every register through every member joins the history.
    const finals: HistoryOp[] = [];
    for (const m of cluster.members) {
      const c = await RawClient.connect({ port: m.clientPort });
      for (const key of KEYS) {
        const invokeTime = now();
        const r = await transact(c, [selectValue(key)]);
        if (!r.ok) throw new Error(`final read on member ${m.index}: ${r.why}`);
        finals.push({ clientId: 100 + m.index, op: { kind: 'get', key }, invokeTime, returnTime: now(), result: { kind: 'get', value: valueOf(r.result[0]) ?? null } });
      }
      await c.close();
    }

    const history = [...initial, ...clients.flatMap((c) => c.history), ...finals];
    const completed = history.filter((h) => h.returnTime !== undefined).length;
    const failures = new Map<string, number>();
    for (const c of clients) for (const [k, v] of c.failures) failures.set(k, (failures.get(k) ?? 0) + v);
    const perMember = clients.reduce((acc, c) => acc.map((x, i) => x + (c.perMember[i] ?? 0)), [0, 0, 0]);
    console.log(`linearizability (seed ${SEED}): ${history.length} register ops (${completed} completed, ${history.length - completed} outcome unknown; completed per member ${perMember.join('/')}), ` +
      `${clients.reduce((n, c) => n + c.ackedItems.length, 0)} inserts acknowledged, ${clients.reduce((n, c) => n + c.unknownItems.length, 0)} unknown; leader kills: ${kills.join(', ')}`);
    if (failures.size > 0) console.log(`client-side failures: ${[...failures].map(([k, v]) => `${v}× ${k}`).join('; ')}`);

    const started = performance.now();
    const verdict = checkLinearizable(history, 5_000_000);
    console.log(`checker: ${verdict.kind} in ${Math.round(performance.now() - started)} ms`);
    if (verdict.kind === 'violation') {
      const path = join(tmpdir(), `lin-violation-${SEED}.json`);
      writeFileSync(path, JSON.stringify(verdict.ops, null, 1));
      console.log(`violation on key ${verdict.key}; its ops are in ${path}`);
    }
    expect(verdict.kind).toBe('ok');
    // The checker bites on this very history: an increment answered twice with the same value
    // (applied once but reported twice, or a stale read of the counter) is a violation.
    const inc = history.find((h) => h.op.kind === 'inc' && h.returnTime !== undefined);
    if (inc === undefined) throw new Error('no completed increment in the history');
    const replayed: HistoryOp = { ...inc, clientId: 999, invokeTime: now(), returnTime: now() };
    expect(checkLinearizable([...history, replayed], 5_000_000).kind).toBe('violation');
    for (const n of perMember) expect(n).toBeGreaterThan(0);

    // No acknowledged insert lost, none applied twice, identical contents on every member.
    const dumps = await Promise.all(cluster.members.map(selectAll));
    for (const d of dumps.slice(1)) expect(d).toBe(dumps[0]);
    const items = (JSON.parse(dumps[0] ?? '{}') as { items: string[] }).items.map((row) => (JSON.parse(row) as { name: string }).name);
    expect(new Set(items).size).toBe(items.length);
    const issued = new Set(clients.flatMap((c) => [...c.ackedItems, ...c.unknownItems]));
    for (const name of items) expect(issued.has(name)).toBe(true);
    const present = new Set(items);
    for (const c of clients) for (const name of c.ackedItems) expect(present.has(name), `acknowledged insert ${name} lost`).toBe(true);
  }, 90_000);
});
