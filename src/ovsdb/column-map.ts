/**
 * A row's column values as a Map<string, Datum> that stores them in an array, in the table's
 * column order, with the names and their positions shared by every row of the table.
 *
 * A JavaScript Map per row was about a third of a row's memory: a 2-column row's Map was 184
 * bytes (the Map object and its hash table) of the ~600 a row took, and every inserted row
 * survives, so it is copied by the young-generation collector and then marked by the old one.
 * This takes ~104 bytes (object, array, its storage) and builds a new row by copying an array.
 *
 * A value with exactly one key and no map values (every scalar column, and sets of one element)
 * is stored as that bare atom, and get() builds its Datum when asked. A stored Datum costs three
 * heap objects (the datum, its key array and the array's storage) that live as long as the row:
 * in a table of scalar columns they were half of a row's objects, and every one of them is
 * copied twice by the young-generation collector before it settles in the old generation, while
 * clients wait. A Datum built on read dies young, which costs the collector nothing.
 *
 * It is a complete Map<string, Datum>, so code that reads rows needs no change. Setting a name
 * that is not a column of the table throws: a row only ever holds its table's columns. get()
 * returns an equal Datum each time, not necessarily the same object.
 *
 * @example
 * const layout = new ColumnLayout(['name', 'n']);
 * const cols = ColumnMap.of(layout, [nameDatum, nDatum]);
 * cols.get('n'); // nDatum
 */
import { AssertionError } from '../base/assert.js';
import { datumToStored as pack, storedToDatum as unpack, type StoredValue } from './datum.js';
import type { Datum } from './types.js';

/** A column's slot: its stored value (datum.ts), undefined where the column holds none. */
type Slot = StoredValue | undefined;

/** The column names of one table and where each one's value sits in a ColumnMap. */
export class ColumnLayout {
  readonly index: ReadonlyMap<string, number>;

  constructor(readonly names: readonly string[]) {
    this.index = new Map(names.map((n, i) => [n, i]));
  }
}

export class ColumnMap implements Map<string, Datum> {
  readonly #layout: ColumnLayout;
  /** One slot per column of the layout; undefined where the column holds no value. */
  readonly #values: Slot[];
  #size: number;

  private constructor(layout: ColumnLayout, values: Slot[], size: number) {
    this.#layout = layout;
    this.#values = values;
    this.#size = size;
  }

  /** A map holding `values` (one per column of `layout`, in its order), copied. */
  static of(layout: ColumnLayout, values: readonly Datum[]): ColumnMap {
    if (values.length !== layout.names.length) throw new AssertionError('column values do not match the layout');
    return new ColumnMap(layout, values.map(pack), values.length);
  }

  /** An independent copy. */
  copy(): ColumnMap {
    return new ColumnMap(this.#layout, this.#values.slice(), this.#size);
  }

  get size(): number {
    return this.#size;
  }

  get(name: string): Datum | undefined {
    const i = this.#layout.index.get(name);
    if (i === undefined) return undefined;
    const v = this.#values[i];
    return v === undefined ? undefined : unpack(v);
  }

  /**
   * The stored value without building a Datum: the bare atom of a one-key datum without values,
   * else the Datum (undefined if the column holds none). For hot readers (monitor updates).
   */
  slot(name: string): StoredValue | undefined {
    const i = this.#layout.index.get(name);
    return i === undefined ? undefined : this.#values[i];
  }

  has(name: string): boolean {
    const i = this.#layout.index.get(name);
    return i !== undefined && this.#values[i] !== undefined;
  }

  set(name: string, value: Datum): this {
    const i = this.#layout.index.get(name);
    if (i === undefined) throw new AssertionError(`no column ${name} in this row`);
    if (this.#values[i] === undefined) this.#size++;
    this.#values[i] = pack(value);
    return this;
  }

  delete(name: string): boolean {
    const i = this.#layout.index.get(name);
    if (i === undefined || this.#values[i] === undefined) return false;
    this.#values[i] = undefined;
    this.#size--;
    return true;
  }

  clear(): void {
    this.#values.fill(undefined);
    this.#size = 0;
  }

  forEach(fn: (value: Datum, name: string, map: Map<string, Datum>) => void, thisArg?: unknown): void {
    const names = this.#layout.names;
    for (let i = 0; i < names.length; i++) {
      const v = this.#values[i];
      if (v !== undefined) fn.call(thisArg, unpack(v), names[i] as string, this);
    }
  }

  *entries(): MapIterator<[string, Datum]> {
    const names = this.#layout.names;
    for (let i = 0; i < names.length; i++) {
      const v = this.#values[i];
      if (v !== undefined) yield [names[i] as string, unpack(v)];
    }
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<Datum> {
    for (const v of this.#values) if (v !== undefined) yield unpack(v);
  }

  [Symbol.iterator](): MapIterator<[string, Datum]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }
}
