import { describe, expect, it } from 'vitest';
import { InactivityProbe, PendingCalls } from '../../src/jsonrpc/session.js';

describe('PendingCalls', () => {
  it('hands out distinct ids and settles each once', () => {
    const calls = new PendingCalls<string>();
    const a = calls.add('a');
    const b = calls.add('b');
    expect(a).not.toBe(b);
    expect(calls.size).toBe(2);
    expect(calls.settle(b)).toBe('b');
    expect(calls.settle(b)).toBeUndefined();
    expect(calls.settle('0')).toBeUndefined();
    expect(calls.settle(null)).toBeUndefined();
    expect(calls.drain()).toEqual(['a']);
    expect(calls.size).toBe(0);
  });
});

describe('InactivityProbe (OVS reconnect.c)', () => {
  it('probes after one interval of silence and disconnects after a second', () => {
    const p = new InactivityProbe(1000, 0);
    expect(p.nextDeadlineMs()).toBe(1000);
    expect(p.poll(999)).toBe('none');
    expect(p.poll(1000)).toBe('send-echo');
    expect(p.poll(1500)).toBe('none');
    expect(p.nextDeadlineMs()).toBe(2000);
    expect(p.poll(2000)).toBe('disconnect');
  });

  it('activity resets both phases', () => {
    const p = new InactivityProbe(1000, 0);
    expect(p.poll(1200)).toBe('send-echo');
    p.noteActivity(1300);
    expect(p.poll(2200)).toBe('none');
    expect(p.poll(2300)).toBe('send-echo');
  });

  it('interval 0 disables probing', () => {
    const p = new InactivityProbe(0, 0);
    expect(p.poll(1e9)).toBe('none');
    expect(p.nextDeadlineMs()).toBeUndefined();
  });
});
