/**
 * Datums (RFC 7047 §5.1 <value>): a sorted, duplicate-free array of keys (plus parallel values
 * for maps). JSON forms: a bare atom is a one-element set, ["set", [...]], ["map", [[k, v], ...]].
 */
import type { Json } from '../base/json.js';
import { jsonText } from '../base/json.js';
import { OvsdbError, syntaxError } from './errors.js';
import {
  atomFromJson, atomToJson, atomToString, checkAtomConstraints, compareAtoms, defaultAtom,
} from './atom.js';
import type { SymbolTable } from './atom.js';
import type { Atom, ColumnType, Datum } from './types.js';

const UINT_MAX = 4294967295;

/** Builds a datum; callers guarantee the canonical form (sorted, unique). */
export function makeDatum(keys: readonly Atom[], values?: readonly Atom[]): Datum {
  return { keys, values };
}

/** Scalar: exactly one key, no value (RFC 7047 §3.2 <type> with min = max = 1). */
export function isScalarType(t: ColumnType): boolean {
  return t.value === undefined && t.min === 1 && t.max === 1;
}
/** min 0, max 1, no value. */
export function isOptionalScalarType(t: ColumnType): boolean {
  return t.value === undefined && t.min === 0 && t.max === 1;
}
export function isMapType(t: ColumnType): boolean {
  return t.value !== undefined;
}
export function isSetType(t: ColumnType): boolean {
  return t.value === undefined && !(t.min === 1 && t.max === 1);
}

function maxText(max: number): number {
  return Number.isFinite(max) ? max : UINT_MAX;
}

/** ovsdb_type_to_english(), e.g. "set of up to 2 integers". */
export function typeToEnglish(t: ColumnType): string {
  if (isScalarType(t)) return t.key.type;
  let s = t.value === undefined ? 'set' : 'map';
  if (!Number.isFinite(t.max)) s += t.min ? ` of ${t.min} or more` : ' of';
  else if (t.min) s += ` of ${t.min} to ${t.max}`;
  else s += ` of up to ${t.max}`;
  return t.value === undefined ? `${s} ${t.key.type}s` : `${s} (${t.key.type}, ${t.value.type}) pairs`;
}

/** The default datum: empty when min = 0, else one default atom (pair for maps). */
export function defaultDatum(t: ColumnType): Datum {
  if (t.min === 0) return EMPTY[t.value === undefined ? 0 : 1];
  return { keys: [defaultAtom(t.key.type)], values: t.value ? [defaultAtom(t.value.type)] : undefined };
}
const EMPTY: readonly [Datum, Datum] = [{ keys: [], values: undefined }, { keys: [], values: [] }];

/** True if `d` equals defaultDatum(t). */
export function isDefaultDatum(t: ColumnType, d: Datum): boolean {
  if (t.min === 0) return d.keys.length === 0;
  if (d.keys.length !== 1) return false;
  if (d.keys[0] !== defaultAtom(t.key.type)) return false;
  return t.value === undefined || d.values?.[0] === defaultAtom(t.value.type);
}

/** Sorts pairs and reports duplicates as ovsdb_datum_sort() does. */
function sortDatum(keys: Atom[], values: Atom[] | undefined): Datum {
  if (keys.length < 2) return { keys, values };
  const idx = keys.map((_, i) => i);
  idx.sort((a, b) => compareAtoms(keys[a] as Atom, keys[b] as Atom));
  const k = idx.map((i) => keys[i] as Atom);
  const v = values ? idx.map((i) => values[i] as Atom) : undefined;
  for (let i = 0; i + 1 < k.length; i++) {
    if (compareAtoms(k[i] as Atom, k[i + 1] as Atom) === 0) {
      throw new OvsdbError('ovsdb error', values ? 'map contains duplicate key' : 'set contains duplicate');
    }
  }
  return { keys: k, values: v };
}

/**
 * Parses `json` as a datum of type `t` (ovsdb_datum_from_json), checking atom constraints and
 * the member count. Named uuids are accepted when `symtab` is given. Throws OvsdbError.
 */
export function datumFromJson(t: ColumnType, json: unknown, symtab?: SymbolTable): Datum {
  const isMap = t.value !== undefined;
  if (isMap || (Array.isArray(json) && json.length > 0 && json[0] === 'set')) {
    const cls = isMap ? 'map' : 'set';
    if (!(Array.isArray(json) && json.length === 2 && json[0] === cls && Array.isArray(json[1]))) {
      throw syntaxError(json, `expected ["${cls}", <array>]`);
    }
    const inner = json[1] as readonly unknown[];
    const n = inner.length;
    if (n < t.min || n > t.max) {
      throw syntaxError(json, t.min === 1 && t.max === 1
        ? `${cls} must have exactly one member but ${n} are present`
        : `${cls} must have ${t.min} to ${maxText(t.max)} members but ${n} are present`);
    }
    const keys: Atom[] = [];
    const values: Atom[] | undefined = isMap ? [] : undefined;
    for (const element of inner) {
      if (t.value !== undefined && values) {
        if (!Array.isArray(element) || element.length !== 2) throw syntaxError(element, 'expected 2-element array');
        keys.push(atomFromJson(t.key, element[0], symtab));
        values.push(atomFromJson(t.value, element[1], symtab));
      } else {
        keys.push(atomFromJson(t.key, element, symtab));
      }
    }
    return sortDatum(keys, values);
  }
  return { keys: [atomFromJson(t.key, json, symtab)], values: undefined };
}

/** JSON of a datum: maps as ["map", ...], one-element sets and scalars bare, else ["set", ...]. */
export function datumToJson(t: ColumnType, d: Datum): Json {
  if (t.value !== undefined) {
    const vt = t.value.type;
    const vs = d.values ?? [];
    return ['map', d.keys.map((k, i) => [atomToJson(t.key.type, k), atomToJson(vt, vs[i] as Atom)])];
  }
  if (d.keys.length === 1) return atomToJson(t.key.type, d.keys[0] as Atom);
  return ['set', d.keys.map((k) => atomToJson(t.key.type, k))];
}

/**
 * A column value as a row stores it (ColumnMap): a Datum, or the bare atom that stands for a
 * datum of that one key and no map values. Readers that only encode, compare or test a value
 * for the default take it in this form and build no Datum.
 */
export type StoredValue = Datum | Atom;

/** datumToJson() of a stored value. */
export function storedToJson(t: ColumnType, v: StoredValue): Json {
  return typeof v === 'object' ? datumToJson(t, v) : atomToJson(t.key.type, v);
}

/** isDefaultDatum() of a stored value. */
export function isDefaultStored(t: ColumnType, v: StoredValue): boolean {
  if (typeof v === 'object') return isDefaultDatum(t, v);
  return t.min !== 0 && t.value === undefined && v === defaultAtom(t.key.type);
}

/** datumEquals() of two stored values. */
export function storedEquals(a: StoredValue, b: StoredValue): boolean {
  if (typeof a !== 'object') return typeof b !== 'object' ? a === b : b.values === undefined && b.keys.length === 1 && b.keys[0] === a;
  if (typeof b !== 'object') return a.values === undefined && a.keys.length === 1 && a.keys[0] === b;
  return datumEquals(a, b);
}

/** The atom of a stored value with exactly one key (a bare atom, or a Datum of one key). */
export function storedSingleAtom(v: StoredValue): Atom | undefined {
  if (typeof v !== 'object') return v;
  return v.keys.length === 1 ? v.keys[0] : undefined;
}

/** The Datum a stored value stands for. */
export function storedToDatum(v: StoredValue): Datum {
  return typeof v === 'object' ? v : { keys: [v], values: undefined };
}

/** The form a row stores `d` in: its atom if it has one key and no map values, else `d`. */
export function datumToStored(d: Datum): StoredValue {
  return d.values === undefined && d.keys.length === 1 ? (d.keys[0] as Atom) : d;
}

/** Structural equality of two canonical datums. */
export function datumEquals(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  const n = a.keys.length;
  if (n !== b.keys.length) return false;
  for (let i = 0; i < n; i++) if (a.keys[i] !== b.keys[i]) return false;
  if (a.values && b.values) {
    for (let i = 0; i < n; i++) if (a.values[i] !== b.values[i]) return false;
  }
  return true;
}

/** ovsdb_datum_compare_3way(): by size, then keys, then values. */
export function compareDatums(a: Datum, b: Datum): number {
  if (a.keys.length !== b.keys.length) return a.keys.length < b.keys.length ? -1 : 1;
  for (let i = 0; i < a.keys.length; i++) {
    const c = compareAtoms(a.keys[i] as Atom, b.keys[i] as Atom);
    if (c) return c;
  }
  if (a.values && b.values) {
    for (let i = 0; i < a.values.length; i++) {
      const c = compareAtoms(a.values[i] as Atom, b.values[i] as Atom);
      if (c) return c;
    }
  }
  return 0;
}

/** A string that is equal for equal datums, for Map keys (indexes, row hashes). */
export function datumKey(d: Datum): string {
  return d.values ? jsonText([d.keys, d.values]) : jsonText(d.keys);
}

/** Index of `key` in sorted `keys`, or -1. */
export function findKey(keys: readonly Atom[], key: Atom): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareAtoms(keys[mid] as Atom, key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/** True if every element (pair for maps) of `a` is in `b` (ovsdb_datum_includes_all). */
export function includesAll(a: Datum, b: Datum): boolean {
  for (let i = 0; i < a.keys.length; i++) {
    const j = findKey(b.keys, a.keys[i] as Atom);
    if (j < 0) return false;
    if (a.values && b.values && a.values[i] !== b.values[j]) return false;
  }
  return true;
}

/** True if no element (pair for maps) of `a` is in `b` (ovsdb_datum_excludes_all). */
export function excludesAll(a: Datum, b: Datum): boolean {
  for (let i = 0; i < a.keys.length; i++) {
    const j = findKey(b.keys, a.keys[i] as Atom);
    if (j >= 0 && (!a.values || !b.values || a.values[i] === b.values[j])) return false;
  }
  return true;
}

/** a ∪ b; for maps a key already in `a` keeps a's value (ovsdb_datum_union). */
export function datumUnion(a: Datum, b: Datum): Datum {
  const keys = [...a.keys];
  const values = a.values ? [...a.values] : undefined;
  let added = false;
  for (let i = 0; i < b.keys.length; i++) {
    const k = b.keys[i] as Atom;
    if (findKey(a.keys, k) < 0) {
      keys.push(k);
      if (values) values.push((b.values ?? [])[i] as Atom);
      added = true;
    }
  }
  return added ? sortDatum(keys, values) : a;
}

/**
 * a − b (ovsdb_datum_subtract). When `b` has values (a map argument), a pair is removed only
 * if both key and value match; otherwise `b`'s keys are removed.
 */
export function datumSubtract(a: Datum, b: Datum): Datum {
  const keys: Atom[] = [];
  const values: Atom[] | undefined = a.values ? [] : undefined;
  for (let i = 0; i < a.keys.length; i++) {
    const k = a.keys[i] as Atom;
    const j = findKey(b.keys, k);
    const remove = j >= 0 && (!b.values || !a.values || b.values[j] === a.values[i]);
    if (!remove) {
      keys.push(k);
      if (values && a.values) values.push(a.values[i] as Atom);
    }
  }
  return keys.length === a.keys.length ? a : { keys, values };
}

/** Checks every atom against the type's constraints (ovsdb_datum_check_constraints). */
export function checkDatumConstraints(t: ColumnType, d: Datum): OvsdbError | undefined {
  for (const k of d.keys) {
    const e = checkAtomConstraints(k, t.key);
    if (e) return e;
  }
  if (t.value && d.values) {
    for (const v of d.values) {
      const e = checkAtomConstraints(v, t.value);
      if (e) return e;
    }
  }
  return undefined;
}

/** ovsdb_datum_to_string(): "[a, b]", "{k=v}", or a bare atom when max = 1. */
export function datumToString(t: ColumnType, d: Datum): string {
  const isMap = t.value !== undefined;
  const parts = d.keys.map((k, i) => {
    const s = atomToString(t.key.type, k);
    return isMap && t.value ? `${s}=${atomToString(t.value.type, (d.values ?? [])[i] as Atom)}` : s;
  });
  if (t.max > 1 || d.keys.length === 0) return isMap ? `{${parts.join(', ')}}` : `[${parts.join(', ')}]`;
  return parts.join(', ');
}
