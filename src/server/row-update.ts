/**
 * The JSON of one row in monitor notifications: RFC 7047 §4.1.6 <row-update> ("old"/"new") for
 * `update`, and the Open vSwitch <row-update2> ("initial"/"insert"/"delete"/"modify") for
 * `update2` and `update3` (ovsdb-server(7)).
 *
 * Rules taken from ovsdb-server 3.1, checked against it:
 *  - update v1 "new" carries every monitored column, defaults included; on modify "old" carries
 *    only the columns that changed.
 *  - update2 "initial"/"insert" leave out columns whose value is the type's default.
 *  - update2 "modify" carries, per changed column, a diff: the new value for a scalar, the
 *    symmetric difference for a set, and for a map the removed pairs (old value), the added
 *    pairs and the changed pairs (new value).
 */
import type { Json } from '../base/json.js';
import { compareAtoms } from '../ovsdb/atom.js';
import { datumToJson, isDefaultStored, storedEquals, storedToDatum, storedToJson, type StoredValue } from '../ovsdb/datum.js';
import { columnValue } from '../ovsdb/row.js';
import type { Atom, ColumnSchema, Datum, Row } from '../ovsdb/types.js';

/**
 * The value of a column as the row stores it (a one-key value may be its bare atom: every row
 * of every monitor's updates is encoded through here, and building a Datum per column for that
 * cost ~10 % of monitor fan-out throughput).
 */
function valueOf(row: Row, column: ColumnSchema): StoredValue {
  return columnValue(row, column.name);
}

/** The value of a column as a Datum, `_uuid` and `_version` included. */
function cellOf(row: Row, column: ColumnSchema): Datum {
  return storedToDatum(valueOf(row, column));
}

/** All listed columns (v1 rows, deletes, initial of update). */
export function rowJsonAll(row: Row, columns: readonly ColumnSchema[]): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const c of columns) out[c.name] = storedToJson(c.type, valueOf(row, c));
  return out;
}

/** Listed columns whose value is not the default (update2 initial/insert). */
export function rowJsonNonDefault(row: Row, columns: readonly ColumnSchema[]): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const c of columns) {
    const v = valueOf(row, c);
    if (!isDefaultStored(c.type, v)) out[c.name] = storedToJson(c.type, v);
  }
  return out;
}

/** The columns among `columns` whose value differs between `a` and `b`. */
export function changedColumns(a: Row, b: Row, columns: readonly ColumnSchema[]): ColumnSchema[] {
  const out: ColumnSchema[] = [];
  for (const c of columns) {
    if (!storedEquals(valueOf(a, c), valueOf(b, c))) out.push(c);
  }
  return out;
}

/** ovsdb_datum_diff(): what a client applies to `old` to get `new` (see the file comment). */
export function datumDiff(column: ColumnSchema, old: Datum, neu: Datum): Datum {
  const t = column.type;
  // ovsdb_datum_diff(): a non-composite type (n_max <= 1, maps included) diffs to its new value.
  if (t.max <= 1) return neu;
  const keys: Atom[] = [];
  const values: Atom[] | undefined = t.value === undefined ? undefined : [];
  const ov = old.values ?? [];
  const nv = neu.values ?? [];
  let i = 0;
  let j = 0;
  while (i < old.keys.length || j < neu.keys.length) {
    const ok = old.keys[i];
    const nk = neu.keys[j];
    const cmp = ok === undefined ? 1 : nk === undefined ? -1 : compareAtoms(ok, nk);
    if (cmp < 0 && ok !== undefined) {
      keys.push(ok);
      values?.push(ov[i] as Atom);
      i++;
    } else if (cmp > 0 && nk !== undefined) {
      keys.push(nk);
      values?.push(nv[j] as Atom);
      j++;
    } else {
      if (values !== undefined && ok !== undefined && ov[i] !== nv[j]) {
        keys.push(ok);
        values.push(nv[j] as Atom);
      }
      i++;
      j++;
    }
  }
  return { keys, values };
}

/** update2 "modify" contents: diffs of the changed columns. */
export function rowJsonDiff(old: Row, neu: Row, changed: readonly ColumnSchema[]): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const c of changed) out[c.name] = datumToJson(c.type, datumDiff(c, cellOf(old, c), cellOf(neu, c)));
  return out;
}
