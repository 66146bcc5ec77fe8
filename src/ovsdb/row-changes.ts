/**
 * The RowChanges of a transaction applied from its own rows (Database.applyOutcome), built only
 * when someone reads them. A commit's changes go to the monitors and the transaction history;
 * with no monitor on the changed tables nobody reads them unless a client later asks for
 * history, and building two Maps per commit for that was 7 % of the bytes allocated on the
 * write-16 load. A transaction's row entries already carry `old` and `new`, so they serve as
 * the RowChange values.
 *
 * @example
 * const changes = new LazyRowChanges(rows); // nothing built yet
 * changes.get('Item')?.get(uuid)?.new;      // the Maps are built here, once
 */
import type { Uuid } from '../base/uuid.js';
import type { TxnRow } from './transaction.js';
import type { RowChange, RowChanges } from './types.js';

type TableChanges = ReadonlyMap<Uuid, RowChange>;

/** Records `change` of row `uuid` of `table` in `out` (rows neither before nor after are left out). */
export function addChange(out: Map<string, Map<Uuid, RowChange>>, table: string, uuid: Uuid, change: RowChange): void {
  if (!change.new && !change.old) return;
  let m = out.get(table);
  if (!m) out.set(table, (m = new Map()));
  m.set(uuid, change);
}

/** Per table, per row, as Database.apply() reports them: rows that existed before or after. */
export function changesOf(rows: readonly TxnRow[]): Map<string, Map<Uuid, RowChange>> {
  const out = new Map<string, Map<Uuid, RowChange>>();
  for (const tr of rows) addChange(out, tr.table, tr.uuid, tr);
  return out;
}

export class LazyRowChanges implements RowChanges {
  #rows: readonly TxnRow[] | undefined;
  #map: Map<string, Map<Uuid, RowChange>> | undefined;

  constructor(rows: readonly TxnRow[]) {
    this.#rows = rows;
  }

  #built(): Map<string, Map<Uuid, RowChange>> {
    if (this.#map === undefined) {
      this.#map = changesOf(this.#rows ?? []);
      this.#rows = undefined;
    }
    return this.#map;
  }

  get size(): number {
    return this.#built().size;
  }

  get(table: string): TableChanges | undefined {
    return this.#built().get(table);
  }

  has(table: string): boolean {
    return this.#built().has(table);
  }

  forEach(fn: (value: TableChanges, key: string, map: RowChanges) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#built()) fn.call(thisArg, v, k, this);
  }

  entries(): MapIterator<[string, TableChanges]> {
    return this.#built().entries();
  }

  keys(): MapIterator<string> {
    return this.#built().keys();
  }

  values(): MapIterator<TableChanges> {
    return this.#built().values();
  }

  [Symbol.iterator](): MapIterator<[string, TableChanges]> {
    return this.#built()[Symbol.iterator]();
  }
}
