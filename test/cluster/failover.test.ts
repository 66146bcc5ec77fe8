/**
 * SIGKILL of the leader under concurrent writes, again and again: no acknowledged write is lost,
 * none is applied twice, and every member ends with the same contents.
 */
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { useCluster, TestCluster, type Member } from './harness.js';

const DB = 'OVN_Northbound';
const ROUNDS = Number(process.env['FAILOVER_ROUNDS'] ?? 10);

/** A writer that inserts uniquely named switches through any running member, reconnecting as needed. */
class Writer {
  readonly acked: string[] = [];
  readonly failed: string[] = [];
  #client: RawClient | undefined;
  #n = 0;
  #stop = false;
  readonly #done: Promise<void>;

  constructor(readonly id: number, readonly cluster: TestCluster) {
    this.#done = this.#loop();
  }

  async #connect(): Promise<RawClient> {
    for (;;) {
      const live = this.cluster.running();
      const m: Member | undefined = live[(this.id + this.#n) % Math.max(1, live.length)];
      if (m !== undefined) {
        try {
          return await RawClient.connect({ port: m.clientPort });
        } catch { /* dying */ }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async #loop(): Promise<void> {
    while (!this.#stop) {
      const name = `w${this.id}-${this.#n++}`;
      try {
        this.#client ??= await this.#connect();
        const r = await this.#client.request('transact', [DB, { op: 'insert', table: 'Logical_Switch', row: { name } }], 5000) as { error: unknown; result: unknown[] };
        const ok = r.error === null && r.result.every((x) => typeof x !== 'object' || x === null || !('error' in x));
        (ok ? this.acked : this.failed).push(name);
      } catch {
        this.failed.push(name);
        const c = this.#client;
        this.#client = undefined;
        await c?.close().catch(() => undefined);
      }
    }
    await this.#client?.close();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}

async function dump(port: number): Promise<string[]> {
  const c = await RawClient.connect({ port });
  try {
    const r = await c.request('transact', [DB, { op: 'select', table: 'Logical_Switch', where: [], columns: ['_uuid', 'name'] }], 10_000) as { result: [{ rows: { _uuid: [string, string]; name: string }[] }] };
    return r.result[0].rows.map((x) => `${x.name} ${x._uuid[1]}`).sort();
  } finally {
    await c.close();
  }
}

describe('leader SIGKILL under concurrent writes', () => {
  const clusterOf = useCluster(3, DB);

  it(`loses no acknowledged write over ${ROUNDS} leader kills`, async () => {
    const cluster = clusterOf();
    const writers = [0, 1, 2, 3].map((i) => new Writer(i, cluster));
    const gaps: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const leader = await cluster.leader(DB, 20_000);
      const before = writers.reduce((n, w) => n + w.acked.length, 0);
      await new Promise((r) => setTimeout(r, 300));
      const killedAt = Date.now();
      await cluster.killMember(leader.index);
      // The failover gap: until some writer gets a new acknowledgement.
      const base = writers.reduce((n, w) => n + w.acked.length, 0);
      while (writers.reduce((n, w) => n + w.acked.length, 0) === base && Date.now() - killedAt < 20_000) await new Promise((r) => setTimeout(r, 5));
      gaps.push(Date.now() - killedAt);
      if (process.env['FAILOVER_DEBUG'] !== undefined && (gaps.at(-1) ?? 0) > 500) {
        for (const m of cluster.running()) console.log(`--- member ${m.index} after a ${gaps.at(-1) ?? 0} ms gap (killed ${leader.index})\n${cluster.log(m.index).split('\n').slice(-25).join('\n')}`);
      }
      expect(writers.reduce((n, w) => n + w.acked.length, 0)).toBeGreaterThan(before);
      await cluster.start(leader.index);
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const w of writers) await w.stop();
    const acked = writers.flatMap((w) => w.acked);
    // Every member converges to the same contents, holding every acknowledged write once.
    const dumps: string[][] = [];
    for (const m of cluster.members) {
      const deadline = Date.now() + 20_000;
      let d = await dump(m.clientPort);
      while (acked.some((a) => !d.some((row) => row.startsWith(`${a} `))) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        d = await dump(m.clientPort);
      }
      dumps.push(d);
    }
    const names = (dumps[0] ?? []).map((row) => row.split(' ')[0] ?? '');
    expect(new Set(names).size).toBe(names.length); // nothing applied twice
    for (const a of acked) expect(names).toContain(a);
    for (const d of dumps.slice(1)) expect(d).toEqual(dumps[0]);
    console.log(`failover: ${ROUNDS} kills, ${acked.length} acknowledged writes, gaps ms ${gaps.join(' ')}`);
  }, 300_000);
});
