/**
 * The committed rows of one table, by uuid: the rows in one dense array, found through a Map
 * keyed by a 30-bit number computed from the uuid (a small integer to V8) whose entry is the
 * row's position or, for the rare uuids whose numbers collide, a list of positions.
 *
 * Why not Map<Uuid, Row>: inserting into a Map of a few hundred thousand string keys was the
 * largest single cost of a small insert that is ours (6-7 % of the server's CPU on the write-16
 * load), and `perf annotate` put more than half of it on one instruction: reading the type of
 * each string key met while walking the bucket's chain, a cache miss per key, since every key is
 * a separate heap object. A small-integer key is compared where it lies. The uuid is still
 * compared in full on a match, so collisions only cost a short array walk.
 *
 * Iteration walks the array: insertion order until a delete moves the last row into the freed
 * place. Like OVS's hash order, nobody may rely on it. As with a Map, the table must not be
 * changed while it is being iterated (the engine changes committed rows only in apply()).
 *
 * @example
 * const t = new RowTable();
 * t.set(row.uuid, row);
 * t.get(row.uuid) === row; // true
 */
import type { Uuid } from '../base/uuid.js';
import type { Row } from './types.js';

/** Where rows with one key number are: a position in the row array, or several. */
type Entry = number | number[];

/**
 * A 30-bit mix of a uuid's characters. Random (version 4) uuids differ everywhere, but clients
 * may choose uuids that differ only in a few digits, so every character counts. FNV-1a style;
 * the final shifts spread the low bits V8's own integer hash then uses.
 */
export function uuidKey(uuid: string): number {
  let h = 0x811c9dc5 | 0;
  const n = uuid.length;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ uuid.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return h & 0x3fffffff;
}

export class RowTable implements ReadonlyMap<Uuid, Row> {
  /** Every row, densely: iteration walks this array (a Map iterator over entries was 2× slower for scans). */
  readonly #rows: Row[] = [];
  readonly #byKey = new Map<number, Entry>();

  get size(): number {
    return this.#rows.length;
  }

  /** Position of `uuid` in #rows, or -1. */
  #find(e: Entry | undefined, uuid: Uuid): number {
    if (e === undefined) return -1;
    if (typeof e === 'number') return (this.#rows[e] as Row).uuid === uuid ? e : -1;
    for (let i = 0; i < e.length; i++) {
      const p = e[i] as number;
      if ((this.#rows[p] as Row).uuid === uuid) return p;
    }
    return -1;
  }

  get(uuid: Uuid): Row | undefined {
    const p = this.#find(this.#byKey.get(uuidKey(uuid)), uuid);
    return p < 0 ? undefined : this.#rows[p];
  }

  has(uuid: Uuid): boolean {
    return this.#find(this.#byKey.get(uuidKey(uuid)), uuid) >= 0;
  }

  /** Adds or replaces the row stored under `uuid` (which must be `row.uuid`). */
  set(uuid: Uuid, row: Row): this {
    const k = uuidKey(uuid);
    const e = this.#byKey.get(k);
    const p = this.#find(e, uuid);
    if (p >= 0) {
      this.#rows[p] = row;
      return this;
    }
    const at = this.#rows.length;
    this.#rows.push(row);
    if (e === undefined) this.#byKey.set(k, at);
    else if (typeof e === 'number') this.#byKey.set(k, [e, at]);
    else e.push(at);
    return this;
  }

  delete(uuid: Uuid): boolean {
    const k = uuidKey(uuid);
    const e = this.#byKey.get(k);
    const p = this.#find(e, uuid);
    if (p < 0 || e === undefined) return false;
    this.#unlink(k, e, p);
    // The last row takes the freed place, so the array stays dense.
    const last = this.#rows.length - 1;
    if (p !== last) {
      const moved = this.#rows[last] as Row;
      this.#rows[p] = moved;
      const mk = uuidKey(moved.uuid);
      const me = this.#byKey.get(mk) as Entry;
      if (typeof me === 'number') this.#byKey.set(mk, p);
      else me[me.indexOf(last)] = p;
    }
    this.#rows.pop();
    return true;
  }

  /** Drops position `p` from key `k`'s entry `e`. */
  #unlink(k: number, e: Entry, p: number): void {
    if (typeof e === 'number') {
      this.#byKey.delete(k);
      return;
    }
    e.splice(e.indexOf(p), 1);
    if (e.length === 1) this.#byKey.set(k, e[0] as number);
  }

  /**
   * The rows themselves, for scans: a for-of over an array is what V8 optimizes best (a scan
   * through values() ran at 3/4 of the speed inside the engine). Read-only, and valid until
   * the next change.
   */
  rowArray(): readonly Row[] {
    return this.#rows;
  }

  values(): ArrayIterator<Row> {
    return this.#rows.values();
  }

  *keys(): MapIterator<Uuid> {
    for (const row of this.#rows) yield row.uuid;
  }

  *entries(): MapIterator<[Uuid, Row]> {
    for (const row of this.#rows) yield [row.uuid, row];
  }

  [Symbol.iterator](): MapIterator<[Uuid, Row]> {
    return this.entries();
  }

  forEach(fn: (row: Row, uuid: Uuid, table: ReadonlyMap<Uuid, Row>) => void, thisArg?: unknown): void {
    for (const row of this.#rows) fn.call(thisArg, row, row.uuid, this);
  }
}
