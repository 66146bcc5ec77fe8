import { describe, expect, test } from 'vitest';
import { Prng } from '../../src/base/prng.js';
import { entryId, logIndex, term, type LogEntry } from '../../src/raft/types.js';
import { NodeClock, SimClock } from './sim-clock.js';
import { SimDisk } from './sim-disk.js';
import { SimNetwork } from './sim-network.js';

describe('sim clock', () => {
  test('a periodic timer on a drifting clock runs at exactly the drifted rate', () => {
    for (const driftPpm of [-50_000, 0, 20_000]) {
      const world = new SimClock(10);
      const clock = new NodeClock(world, driftPpm, 77);
      let fired = 0;
      const loop = (): void => {
        clock.setTimer(10, loop);
        fired++;
      };
      clock.setTimer(10, loop);
      for (let i = 0; i < 10_000; i++) {
        world.advance();
        clock.fireDue();
      }
      expect(Math.abs(fired - 10_000 * (1 + driftPpm / 1e6))).toBeLessThanOrEqual(2);
    }
  });

  test('cancelled and reset timers never fire', () => {
    const world = new SimClock(10);
    const clock = new NodeClock(world, 0, 0);
    let fired = 0;
    const cancel = clock.setTimer(10, () => fired++);
    clock.setTimer(10, () => fired++);
    cancel();
    clock.reset();
    world.advance();
    clock.fireDue();
    expect(fired).toBe(0);
  });
});

describe('sim network', () => {
  const opts = { delayTicksMin: 1, delayTicksMax: 5, lossProbability: 0, duplicateProbability: 0, reorder: false, capacityPackets: 100 };

  test('FIFO links keep order; partitions drop, asymmetrically', () => {
    const net = new SimNetwork<number>(opts, new Prng(1));
    for (let i = 0; i < 50; i++) net.send(0, 'a', 'b', i);
    net.block('b', 'a');
    net.send(0, 'b', 'a', 999);
    const got: number[] = [];
    for (let t = 0; t <= 10; t++) for (const p of net.deliver(t)) got.push(p.msg);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(net.stats.blocked).toBe(1);
  });

  test('loss, duplication and reordering follow the seed', () => {
    const run = (seed: number): number[] => {
      const net = new SimNetwork<number>({ ...opts, lossProbability: 0.2, duplicateProbability: 0.2, reorder: true }, new Prng(seed));
      for (let i = 0; i < 60; i++) net.send(0, 'a', 'b', i);
      const got: number[] = [];
      for (let t = 0; t <= 10; t++) for (const p of net.deliver(t)) got.push(p.msg);
      return got;
    };
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(new Set(a).size).toBeLessThan(60);
    expect(a.length).toBeGreaterThan(new Set(a).size);
    expect(a).not.toEqual([...a].sort((x, y) => x - y));
  });
});

describe('sim disk', () => {
  const entry = (i: number, t = 1): LogEntry => ({ term: term(t), index: logIndex(i), id: entryId(`e${i}.${t}`), kind: 'normal', data: new Uint8Array(0) });

  test('writes complete in order on later ticks; a crash loses what was not durable', () => {
    const disk = new SimDisk({ latencyTicksMin: 1, latencyTicksMax: 3, slowProbability: 0, slowTicksMax: 1, crashSurvivalProbability: 0 }, new Prng(3));
    const done: number[] = [];
    disk.write({ entries: [entry(1)] }, () => done.push(1));
    disk.write({ entries: [entry(2)] }, () => done.push(2));
    expect(done).toEqual([]);
    for (let t = 1; t <= 6; t++) disk.tick(t);
    expect(done).toEqual([1, 2]);
    expect(disk.entries().map((e) => e.index)).toEqual([1, 2]);
    disk.write({ entries: [entry(2, 2), entry(3, 2)] }, () => done.push(3));
    expect(disk.logical.lastIndex).toBe(3);
    disk.crash();
    disk.tick(100);
    expect(done).toEqual([1, 2]);
    expect(disk.entries().map((e) => e.id)).toEqual(['e1.1', 'e2.1']);
  });

  test('a snapshot drops the entries it covers, or the whole log if it does not match', () => {
    const disk = new SimDisk({ latencyTicksMin: 0, latencyTicksMax: 0, slowProbability: 0, slowTicksMax: 1, crashSurvivalProbability: 0 }, new Prng(3));
    disk.write({ entries: [entry(1), entry(2), entry(3)] }, () => undefined);
    const meta = { index: logIndex(2), term: term(1), config: { voters: [], learners: [] }, configIndex: logIndex(0), electionTimerMs: 1000, lastNormalId: null };
    disk.write({ entries: [], snapshot: { meta, data: new Uint8Array(0) } }, () => undefined);
    disk.tick(0);
    expect(disk.entries().map((e) => e.index)).toEqual([3]);
    disk.write({ entries: [], snapshot: { meta: { ...meta, index: logIndex(5), term: term(3) }, data: new Uint8Array(0) } }, () => undefined);
    disk.tick(1);
    expect(disk.entries()).toEqual([]);
    expect(disk.durable.lastIndex).toBe(5);
  });
});
