/**
 * Issue 2's durability promise: a transaction is acknowledged only once its record has been
 * handed to the OS, so SIGKILL at any moment loses no acknowledged transaction, and the
 * restarted server needs no manual step. Durable commits share fsyncs (group commit).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { RawClient } from '../helpers/raw-client.js';
import { call, startInProcess, TEST_SCHEMA } from './harness.js';
import { createDb, kill, spawnServer, tempDir, type Proc } from './process.js';

const dir = tempDir();
const procs: Proc[] = [];
beforeAll(() => ensureBuilt(), 180_000);
afterAll(async () => {
  for (const p of procs) await kill(p);
  rmSync(dir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('finds every acknowledged transaction after SIGKILL during 8 committing clients', async () => {
    const db = await createDb(join(dir, 'db'), TEST_SCHEMA);
    const sock = join(dir, 'db.sock');
    const first = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${join(dir, 'ctl1')}`, db], sock);
    procs.push(first);
    const acked: string[] = [];
    let stop = false;
    const writer = async (i: number): Promise<void> => {
      const c = await RawClient.connect({ path: sock });
      for (let k = 0; !stop && k < 100_000; k++) {
        const name = `w${i}-${k}`;
        const durable = k % 4 === 0;
        const ops = [{ op: 'insert', table: 'A', row: { name, n: k } }, ...(durable ? [{ op: 'commit', durable: true }] : [])];
        try {
          const r = (await c.request('transact', ['T', ...ops], 3000)) as { result?: unknown };
          if (Array.isArray(r.result) && r.result.length > 0 && JSON.stringify(r.result[0]).includes('uuid')) acked.push(name);
        } catch {
          break; // the server died mid-request: that one is not acknowledged
        }
      }
      await c.close();
    };
    const writers = Array.from({ length: 8 }, (_, i) => writer(i));
    await new Promise((r) => setTimeout(r, 700));
    first.proc.kill('SIGKILL');
    stop = true;
    await first.exited();
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThan(50);

    const second = await spawnServer([`--remote=punix:${sock}`, `--unixctl=${join(dir, 'ctl2')}`, db], sock);
    procs.push(second);
    const c = await RawClient.connect({ path: sock });
    const r = (await call(c, 'transact', ['T', { op: 'select', table: 'A', where: [], columns: ['name'] }])) as [{ rows: { name: string }[] }];
    const present = new Set(r[0].rows.map((row) => row.name));
    const lost = acked.filter((n) => !present.has(n));
    expect(lost).toEqual([]);
    await c.close();
    second.proc.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
  }, 30_000);
});

describe('durable group commit', () => {
  it('acknowledges 32 concurrent durable commits with fewer fsyncs than commits', async () => {
    const srv = await startInProcess();
    try {
      const clients = await Promise.all(Array.from({ length: 8 }, () => srv.connect()));
      const before = srv.hosts[0]?.stats().diskSyncs ?? 0;
      await Promise.all(clients.map(async (c, i) => {
        for (let k = 0; k < 4; k++) {
          const r = await call(c, 'transact', ['T', { op: 'insert', table: 'A', row: { name: `d${i}-${k}` } }, { op: 'commit', durable: true }]);
          expect(JSON.stringify(r)).toContain('uuid');
        }
      }));
      const syncs = (srv.hosts[0]?.stats().diskSyncs ?? 0) - before;
      expect(syncs).toBeGreaterThan(0);
      expect(syncs).toBeLessThan(32);
    } finally {
      await srv.stop();
    }
  });
});
