/**
 * Runs the LogStore contract (log-store.contract.ts) against every implementation: the in-memory
 * store (synced at once, and synced by hand), the simulator's disk, and RaftDiskStore on a real
 * LevelDB in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { MemoryLogStore } from '../../src/raft/memory-log-store.js';
import type { LogStore } from '../../src/raft/ports.js';
import { RaftDiskStore } from '../../src/storage/raft-disk-store.js';
import { SimDisk } from '../sim/sim-disk.js';
import { logStoreContract, type LogStoreSubject } from './log-store.contract.js';

logStoreContract({
  name: 'MemoryLogStore (autoSync)',
  crashes: true,
  reopens: false,
  create: async () => {
    const store = new MemoryLogStore({ autoSync: true });
    return { store, pump: () => undefined, crash: async () => { store.crash(); return store; }, dispose: async () => undefined };
  },
});

logStoreContract({
  name: 'MemoryLogStore (manual sync)',
  crashes: true,
  reopens: false,
  create: async () => {
    const store = new MemoryLogStore();
    return { store, pump: () => store.syncOne(), crash: async () => { store.crash(); return store; }, dispose: async () => undefined };
  },
});

logStoreContract({
  name: 'SimDisk',
  crashes: true,
  reopens: false,
  create: async () => {
    const disk = new SimDisk({ latencyTicksMin: 0, latencyTicksMax: 3, slowProbability: 0.2, slowTicksMax: 5, crashSurvivalProbability: 0.5 }, new Prng(11));
    let now = 0;
    return { store: disk, pump: () => disk.tick(now++), crash: async () => { disk.crash(); return disk; }, dispose: async () => undefined };
  },
});

const root = mkdtempSync(join(tmpdir(), 'raft-disk-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const meta = { name: 'db', cid: null, sid: '0f9a1c4e-2b3d-4e5f-8a9b-0c1d2e3f4a5b', local: 'tcp:127.0.0.1:6641', remotes: ['tcp:127.0.0.1:6642'] };

logStoreContract({
  name: 'RaftDiskStore',
  crashes: false,
  reopens: true,
  create: async () => {
    const dir = join(root, `db${dirs++}`);
    await RaftDiskStore.create(dir, meta);
    let store = await RaftDiskStore.open(dir);
    const subject: LogStoreSubject = {
      get store(): LogStore { return store; },
      pump: () => undefined,
      reopen: async () => {
        await store.close();
        store = await RaftDiskStore.open(dir);
        return store;
      },
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return subject;
  },
});
