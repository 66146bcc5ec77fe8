import { describe, expect, it } from 'vitest';
import { LockTable, parseLockOp } from '../../src/server/cluster-lock-table.js';

describe('the replicated lock table', () => {
  it('queues, steals, unlocks and releases as ovsdb-server does, reporting owner changes', () => {
    const t = new LockTable();
    expect(t.apply({ op: 'lock', name: 'L', owner: 'a:1:1' })).toEqual([{ name: 'L', owner: 'a:1:1', previous: undefined }]);
    expect(t.apply({ op: 'lock', name: 'L', owner: 'b:1:1' })).toEqual([]);
    expect(t.owner('L')).toBe('a:1:1');
    // A thief goes to the head; the robbed owner stays queued behind it.
    expect(t.apply({ op: 'steal', name: 'L', owner: 'c:1:1' })).toEqual([{ name: 'L', owner: 'c:1:1', previous: 'a:1:1' }]);
    expect(t.entries()).toEqual([['L', ['c:1:1', 'a:1:1', 'b:1:1']]]);
    expect(t.apply({ op: 'unlock', name: 'L', owner: 'c:1:1' })).toEqual([{ name: 'L', owner: 'a:1:1', previous: 'c:1:1' }]);
    // Releasing a member (all incarnations but one) by prefix.
    t.apply({ op: 'lock', name: 'M', owner: 'a:2:9' });
    expect(t.apply({ op: 'release', prefix: 'a:', keep: 'a:2:' })).toEqual([{ name: 'L', owner: 'b:1:1', previous: 'a:1:1' }]);
    expect(t.owner('M')).toBe('a:2:9');
    expect(t.apply({ op: 'release', prefix: 'a:' })).toEqual([{ name: 'M', owner: undefined, previous: 'a:2:9' }]);
    expect(t.size).toBe(1);
    // Idempotent: a retried lock or unlock changes nothing.
    expect(t.apply({ op: 'lock', name: 'L', owner: 'b:1:1' })).toEqual([]);
    expect(t.apply({ op: 'unlock', name: 'L', owner: 'zz' })).toEqual([]);
  });

  it('survives a snapshot round trip and rejects malformed operations', () => {
    const t = new LockTable();
    t.apply({ op: 'lock', name: 'L', owner: 'a:1:1' });
    t.apply({ op: 'lock', name: 'L', owner: 'b:1:1' });
    const u = new LockTable();
    u.load(JSON.parse(JSON.stringify(t.toJson())));
    expect(u.entries()).toEqual(t.entries());
    u.load('garbage');
    expect(u.size).toBe(0);
    for (const bad of [null, 1, 'x', [], {}, { op: 'lock' }, { op: 'lock', name: '', owner: 'a' }, { op: 'release' }, { op: 'release', prefix: 'a', keep: 3 }, { op: 'zap', name: 'L', owner: 'a' }]) {
      expect(parseLockOp(bad)).toBeUndefined();
    }
    expect(parseLockOp({ op: 'steal', name: 'L', owner: 'a' })).toEqual({ op: 'steal', name: 'L', owner: 'a' });
  });
});
