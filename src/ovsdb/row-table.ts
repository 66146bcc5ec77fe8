/**
 * The committed rows of one table, by uuid: the rows in one dense array, found through an
 * open-addressing hash index kept in two typed arrays (a 30-bit number computed from the uuid,
 * and the row's position), probed linearly.
 *
 * Why not Map<Uuid, Row>: inserting into a Map of a few hundred thousand string keys was the
 * largest single cost of a small insert that is ours (6-7 % of the server's CPU on the write-16
 * load), and `perf annotate` put more than half of it on one instruction: reading the type of
 * each string key met while walking the bucket's chain, a cache miss per key, since every key is
 * a separate heap object. Here a probe reads two integers from typed arrays, usually in one
 * cache line, and the row's uuid is compared only when the numbers match. (A Map keyed by the
 * same numbers removed the string reads but kept two dependent loads per lookup, its bucket
 * and its entry: 3.6 % of the CPU instead of 6-7 %.) Growing the index rehashes integers, with
 * no object read at all.
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

/** Empty slot in the index. */
const FREE = 0;
/** Slot of a deleted row: probing goes on past it. */
const GONE = -1;
const MIN_SLOTS = 16;

export class RowTable implements ReadonlyMap<Uuid, Row> {
  /** Every row, densely: iteration walks this array. */
  readonly #rows: Row[] = [];
  /** Per slot: FREE, GONE or the row's uuidKey + 1. Power-of-two length. */
  #keys = new Int32Array(MIN_SLOTS);
  /** Per slot in use: the row's position in #rows. */
  #pos = new Int32Array(MIN_SLOTS);
  /** Slots that are not FREE (rows and GONE marks): kept at most half the slots. */
  #used = 0;

  get size(): number {
    return this.#rows.length;
  }

  /** An independent copy sharing the (immutable) row objects: arrays copied, nothing rehashed. */
  clone(): RowTable {
    const t = new RowTable();
    const rows = this.#rows;
    for (let i = 0; i < rows.length; i++) t.#rows.push(rows[i] as Row);
    t.#keys = this.#keys.slice();
    t.#pos = this.#pos.slice();
    t.#used = this.#used;
    return t;
  }

  /** The slot holding `uuid`, or -1. */
  #slotOf(uuid: Uuid, k: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let i = k & mask; ; i = (i + 1) & mask) {
      const x = keys[i] as number;
      if (x === FREE) return -1;
      if (x === k && (this.#rows[this.#pos[i] as number] as Row).uuid === uuid) return i;
    }
  }

  get(uuid: Uuid): Row | undefined {
    const i = this.#slotOf(uuid, uuidKey(uuid) + 1);
    return i < 0 ? undefined : this.#rows[this.#pos[i] as number];
  }

  has(uuid: Uuid): boolean {
    return this.#slotOf(uuid, uuidKey(uuid) + 1) >= 0;
  }

  /** Adds or replaces the row stored under `uuid` (which must be `row.uuid`). */
  set(uuid: Uuid, row: Row): this {
    const k = uuidKey(uuid) + 1;
    const i = this.#slotOf(uuid, k);
    if (i >= 0) {
      this.#rows[this.#pos[i] as number] = row;
      return this;
    }
    if ((this.#used + 1) * 2 > this.#keys.length) this.#rehash();
    const keys = this.#keys;
    const mask = keys.length - 1;
    let j = k & mask;
    while (keys[j] !== FREE && keys[j] !== GONE) j = (j + 1) & mask;
    if (keys[j] === FREE) this.#used++;
    keys[j] = k;
    this.#pos[j] = this.#rows.length;
    this.#rows.push(row);
    return this;
  }

  delete(uuid: Uuid): boolean {
    const i = this.#slotOf(uuid, uuidKey(uuid) + 1);
    if (i < 0) return false;
    const p = this.#pos[i] as number;
    this.#keys[i] = GONE;
    // The last row takes the freed place, so the array stays dense.
    const last = this.#rows.length - 1;
    if (p !== last) {
      const moved = this.#rows[last] as Row;
      this.#rows[p] = moved;
      this.#pos[this.#slotOf(moved.uuid, uuidKey(moved.uuid) + 1)] = p;
    }
    this.#rows.pop();
    return true;
  }

  /** A fresh index for the rows there are, at most a quarter full, without GONE marks. */
  #rehash(): void {
    let n = MIN_SLOTS;
    while (n < (this.#rows.length + 1) * 4) n *= 2;
    const oldKeys = this.#keys;
    const oldPos = this.#pos;
    const keys = new Int32Array(n);
    const pos = new Int32Array(n);
    const mask = n - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i] as number;
      if (k === FREE || k === GONE) continue;
      let j = k & mask;
      while (keys[j] !== FREE) j = (j + 1) & mask;
      keys[j] = k;
      pos[j] = oldPos[i] as number;
    }
    this.#keys = keys;
    this.#pos = pos;
    this.#used = this.#rows.length;
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
