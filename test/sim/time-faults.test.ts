/**
 * The simulator's time faults (event-loop stalls, clock jumps) and connection resets, and the
 * core behaviour they exist to exercise: Raft time follows the clock, not the number of timer
 * callbacks (a stalled leader's lease does not outlive the stall), and a reset connection from
 * a dead leader elects a new one without waiting for an election timeout.
 */
import { describe, expect, test } from 'vitest';
import { NodeClock, SimClock } from './sim-clock.js';
import { Scenario, calmOptions } from './scenario.js';

describe('sim clock time faults', () => {
  test('a stalled clock fires nothing; afterwards the overdue timer fires once and reads the real time', () => {
    const world = new SimClock(10);
    const clock = new NodeClock(world, 0, 0);
    const seen: number[] = [];
    const loop = (): void => {
      seen.push(clock.nowMs());
      clock.setTimer(10, loop);
    };
    clock.setTimer(10, loop);
    world.advance();
    clock.fireDue();
    clock.stall(50);
    for (let i = 0; i < 49; i++) {
      world.advance();
      expect(clock.stalled).toBe(true);
      clock.fireDue();
    }
    expect(seen).toEqual([10]);
    world.advance();
    expect(clock.stalled).toBe(false);
    clock.fireDue();
    expect(seen).toEqual([10, 510]);
    world.advance();
    clock.fireDue();
    expect(seen).toEqual([10, 510, 520]);
  });

  test('a clock jump moves the node time at once; overdue timers fire once, late', () => {
    const world = new SimClock(10);
    const clock = new NodeClock(world, 0, 0);
    let fired = 0;
    const loop = (): void => {
      fired++;
      clock.setTimer(10, loop);
    };
    clock.setTimer(10, loop);
    clock.jump(1000);
    expect(clock.nowMs()).toBe(1000);
    clock.fireDue();
    expect(fired).toBe(1);
  });
});

describe('time faults against the real host', () => {
  test('a leader stalled past its lease serves no stale read, even before its timer runs (§6.4.1)', () => {
    const options = calmOptions(3, 0, { leaseReads: true, checkQuorum: true });
    const violation = Scenario.run(options, undefined, (s) => {
      s.node('n1').host.campaign();
      s.until('n1 leads', () => s.isLeader('n1'), 300);
      s.until('everyone applied the no-op', () => ['n1', 'n2', 'n3'].every((id) => s.node(id).appliedIndex >= 2), 300);
      const w1 = s.request('n1', { kind: 'put', key: 'k1', value: 'a' });
      s.until('the first write', w1, 100);
      // n1's event loop stalls for three election timeouts: it still believes it leads.
      const clock = s.cluster.clocks.get('n1');
      if (clock === undefined) throw new Error('no clock');
      clock.stall(300);
      s.until('a new leader', () => s.isLeader('n2') || s.isLeader('n3'), 290);
      const w2 = s.request(s.isLeader('n2') ? 'n2' : 'n3', { kind: 'put', key: 'k1', value: 'b' });
      s.until('the second write', w2, 100);
      expect(s.isLeader('n1')).toBe(true);
      // The stall ends and a read reaches n1 before any of its timers fired: the host brings the
      // core's time up to the clock first, so the lease is seen to have expired.
      clock.unstall();
      s.request('n1', { kind: 'get', key: 'k1' });
      s.ticks(100);
      s.checkHistory();
    });
    expect(violation).toBeUndefined();
  });

  test('the peers of a crashed leader see the reset and elect a new leader well within an election timeout', () => {
    const options = calmOptions(3, 1, { resetSeenProbability: 1 });
    const electionTicks = options.electionTimerMs / options.tickMs;
    let gap = Number.POSITIVE_INFINITY;
    Scenario.run(options, undefined, (s) => {
      s.node('n1').host.campaign();
      s.until('n1 leads', () => s.isLeader('n1'), 300);
      s.ticks(20);
      const crashedAt = s.cluster.clock.tick;
      s.cluster.crash('n1', 1_000_000);
      s.until('a new leader', () => s.isLeader('n2') || s.isLeader('n3'), 3 * electionTicks);
      gap = s.cluster.clock.tick - crashedAt;
    });
    expect(gap).toBeLessThan(electionTicks / 4);
  });

  test('without the reset, the followers wait out their election timeout', () => {
    const options = calmOptions(3, 1);
    const electionTicks = options.electionTimerMs / options.tickMs;
    let gap = 0;
    Scenario.run(options, undefined, (s) => {
      s.node('n1').host.campaign();
      s.until('n1 leads', () => s.isLeader('n1'), 300);
      s.ticks(20);
      const crashedAt = s.cluster.clock.tick;
      s.cluster.crash('n1', 1_000_000);
      s.until('a new leader', () => s.isLeader('n2') || s.isLeader('n3'), 3 * electionTicks);
      gap = s.cluster.clock.tick - crashedAt;
    });
    expect(gap).toBeGreaterThanOrEqual(electionTicks);
  });
});
