/**
 * The replica's update rules on hand-made updates: version-1 old/new rows, version-2
 * initial/insert/modify/delete with set and map diffs (ovsdb_datum_apply_diff), and bad input.
 */
import { describe, expect, it } from 'vitest';
import { Replica } from '../../src/client/replica.js';
import { Monitor } from '../../src/client/monitor.js';
import { parseSchemaInfo } from '../../src/client/schema-info.js';

const schema = parseSchemaInfo({
  name: 'S',
  tables: {
    T: {
      columns: {
        n: { type: 'integer' },
        s: { type: { key: 'string', min: 0, max: 'unlimited' } },
        m: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
        o: { type: { key: 'string', min: 0, max: 1 } },
      },
    },
  },
});
const U = '11111111-2222-3333-4444-555555555555';

describe('Replica', () => {
  it('applies version-1 updates (modify keeps unchanged columns)', () => {
    const r = new Replica(schema);
    expect(r.apply({ T: { [U]: { new: { n: 1, s: ['set', []] } } } }, 1, true)).toMatchObject([{ kind: 'initial', uuid: U }]);
    expect(r.apply({ T: { [U]: { old: { n: 1 }, new: { n: 2 } } } }, 1)).toMatchObject([{ kind: 'modify', old: { n: 1 }, new: { n: 2, s: ['set', []] } }]);
    expect(r.apply({ T: { [U]: { old: { n: 2 } } } }, 1)).toMatchObject([{ kind: 'delete' }]);
    expect(r.rows('T').size).toBe(0);
  });

  it('applies version-2 diffs to sets and maps and replaces scalars and optional values', () => {
    const r = new Replica(schema);
    r.apply({ T: { [U]: { insert: { n: 1, s: ['set', ['a', 'b']], m: ['map', [['k', 'v'], ['x', 'y']]], o: 'p' } } } }, 2);
    r.apply({ T: { [U]: { modify: { n: 5, s: ['set', ['a', 'c']], m: ['map', [['k', 'v'], ['x', 'z'], ['new', '1']]], o: ['set', []] } } } }, 2);
    expect(r.get('T', U)).toEqual({ n: 5, s: ['set', ['b', 'c']], m: ['map', [['new', '1'], ['x', 'z']]], o: ['set', []] });
    // A one-element diff arrives as a bare atom.
    r.apply({ T: { [U]: { modify: { s: 'b' } } } }, 2);
    expect(r.get('T', U)?.['s']).toBe('c');
    r.apply({ T: { [U]: { delete: null } } }, 2);
    expect(r.get('T', U)).toBeUndefined();
  });

  it('rejects malformed updates with a message', () => {
    const r = new Replica(schema);
    expect(() => r.apply([], 2)).toThrow('table-updates is not an object');
    expect(() => r.apply({ T: 3 }, 2)).toThrow(/table-update for T/);
    expect(() => r.apply({ T: { [U]: 'x' } }, 2)).toThrow(/row-update/);
    expect(() => r.apply({ T: { [U]: { insert: 4 } } }, 2)).toThrow(/"insert" is not an object/);
    expect(() => r.apply({ T: { [U]: { new: [] } } }, 1)).toThrow(/"new" is not an object/);
    r.apply({ T: { [U]: { insert: { s: ['set', ['a']] } } } }, 2);
    expect(() => r.apply({ T: { [U]: { modify: { s: 7 } } } }, 2)).toThrow(/expected string/);
  });

  it('refuses malformed monitor_cond_since replies', () => {
    const m = new Monitor('m', 'S', {}, 3, schema, undefined, async () => undefined, async () => undefined);
    expect(() => m.applyReply([true])).toThrow(/not \[found, last-txn-id, updates\]/);
    expect(() => m.applyReply({})).toThrow(/not \[found/);
    expect(() => m.applyReply([true, 3, {}])).toThrow(/not \[found/);
    expect(m.applyReply([true, 'abc', {}])).toBe(true);
    expect(m.lastTxnId).toBe('abc');
    m.applyNotification('update3', [null, 'def', { T: { [U]: { insert: { n: 1 } } } }]);
    expect(m.lastTxnId).toBe('def');
    expect(m.replica.get('T', U)).toEqual({ n: 1 });
  });
});
