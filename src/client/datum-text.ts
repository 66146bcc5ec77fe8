/**
 * Datums on the client side: the wire forms of RFC 7047 §5.1 (`<atom>`, `["set", …]`,
 * `["map", …]`, `["uuid", …]`) decoded against a column type, compared and printed the way
 * lib/ovsdb-data.c does (ovsdb_datum_to_string, ovsdb_datum_to_bare, ovsdb_datum_to_json), so
 * that table, list and csv output matches ovsdb-client cell for cell.
 */
import type { Json } from '../base/json.js';
import { jsonText } from '../base/json.js';
import type { AtomType, ColumnInfo } from './schema-info.js';
import { compareUtf8, formatG, formatOvsString } from './ovs-json.js';

/** An atom; an int64 beyond ±2^53 is a bigint. */
export type AtomValue = number | bigint | boolean | string;

/** A decoded datum: keys sorted, `values` parallel to `keys` for maps. */
export interface ClientDatum {
  readonly keys: readonly AtomValue[];
  readonly values: readonly AtomValue[] | undefined;
}

function decodeAtom(json: Json, type: AtomType): AtomValue {
  if (type === 'uuid') {
    if (Array.isArray(json) && json.length === 2 && (json[0] === 'uuid' || json[0] === 'named-uuid') && typeof json[1] === 'string') {
      return json[1];
    }
    throw new Error(`expected uuid, got ${jsonText(json)}`);
  }
  if (type === 'integer' || type === 'real') {
    if (typeof json === 'number') return json;
    if (typeof json === 'bigint') return type === 'real' ? Number(json) : json;
  } else if (type === 'boolean') {
    if (typeof json === 'boolean') return json;
  } else if (typeof json === 'string') return json;
  throw new Error(`expected ${type}, got ${jsonText(json)}`);
}

/** 3-way comparison of two atoms of the same type (ovsdb_atom_compare_3way). */
export function compareAtoms(a: AtomValue, b: AtomValue): number {
  if (typeof a === 'string' && typeof b === 'string') return compareUtf8(a, b);
  const numeric = (x: AtomValue): x is number | bigint => typeof x === 'number' || typeof x === 'bigint';
  // Mixed number/bigint comparisons are exact in JavaScript.
  if (numeric(a) && numeric(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

/** Decodes the wire form of a datum for `column`, sorting it as OVS stores it. */
export function decodeDatum(json: Json, column: ColumnInfo): ClientDatum {
  if (column.value !== undefined) {
    if (!(Array.isArray(json) && json[0] === 'map' && Array.isArray(json[1]))) {
      throw new Error(`expected map for column ${column.name}, got ${jsonText(json)}`);
    }
    const pairs = (json[1] as readonly Json[]).map((p): [AtomValue, AtomValue] => {
      if (!Array.isArray(p) || p.length !== 2) throw new Error(`bad map pair ${JSON.stringify(p)}`);
      return [decodeAtom(p[0] as Json, column.key), decodeAtom(p[1] as Json, column.value as AtomType)];
    });
    pairs.sort((x, y) => compareAtoms(x[0], y[0]));
    return { keys: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) };
  }
  if (Array.isArray(json) && json[0] === 'set' && Array.isArray(json[1])) {
    const keys = (json[1] as readonly Json[]).map((a) => decodeAtom(a, column.key));
    keys.sort(compareAtoms);
    return { keys, values: undefined };
  }
  return { keys: [decodeAtom(json, column.key)], values: undefined };
}

/** ovsdb_datum_compare_3way: size first, then keys, then values. */
export function compareDatums(a: ClientDatum, b: ClientDatum): number {
  if (a.keys.length !== b.keys.length) return a.keys.length < b.keys.length ? -1 : 1;
  for (let i = 0; i < a.keys.length; i++) {
    const c = compareAtoms(a.keys[i] as AtomValue, b.keys[i] as AtomValue);
    if (c !== 0) return c;
  }
  if (a.values && b.values) {
    for (let i = 0; i < a.values.length; i++) {
      const c = compareAtoms(a.values[i] as AtomValue, b.values[i] as AtomValue);
      if (c !== 0) return c;
    }
  }
  return 0;
}

const uuidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** lib/ovsdb-data.c string_needs_quotes(). */
export function stringNeedsQuotes(s: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s)) return true;
  return s === 'true' || s === 'false' || uuidRe.test(s);
}

function atomToString(atom: AtomValue, type: AtomType): string {
  switch (type) {
    case 'integer': return typeof atom === 'number' ? String(Math.trunc(atom)) : String(atom);
    case 'real': return typeof atom === 'number' ? formatG(atom, 15) : String(atom);
    case 'boolean': return atom ? 'true' : 'false';
    case 'string': return typeof atom === 'string' && stringNeedsQuotes(atom) ? formatOvsString(atom) : String(atom);
    case 'uuid': return String(atom);
  }
}

function atomToBare(atom: AtomValue, type: AtomType): string {
  return type === 'string' ? String(atom) : atomToString(atom, type);
}

/**
 * ovsdb_datum_to_string(): `[a, b]` for sets, `{k=v}` for maps, the bare atom for a scalar.
 *
 * @example datumToString({keys: ['x', 'y z'], values: undefined}, setOfStrings) === '[x, "y z"]'
 */
export function datumToString(d: ClientDatum, column: ColumnInfo): string {
  const isMap = column.value !== undefined;
  const brackets = column.max > 1 || d.keys.length === 0;
  const items = d.keys.map((k, i) => {
    const key = atomToString(k, column.key);
    return isMap ? `${key}=${atomToString(d.values?.[i] ?? '', column.value as AtomType)}` : key;
  });
  const body = items.join(', ');
  if (!brackets) return body;
  return isMap ? `{${body}}` : `[${body}]`;
}

/** ovsdb_datum_to_bare(): space-separated, strings unquoted. */
export function datumToBare(d: ClientDatum, column: ColumnInfo): string {
  const isMap = column.value !== undefined;
  return d.keys.map((k, i) => {
    const key = atomToBare(k, column.key);
    return isMap ? `${key}=${atomToBare(d.values?.[i] ?? '', column.value as AtomType)}` : key;
  }).join(' ');
}

function atomToJson(atom: AtomValue, type: AtomType): Json {
  return type === 'uuid' ? ['uuid', String(atom)] : atom;
}

/** ovsdb_datum_to_json(): maps always `["map", …]`, a one-element set as its atom. */
export function datumToJson(d: ClientDatum, column: ColumnInfo): Json {
  if (column.value !== undefined) {
    const vt = column.value;
    return ['map', d.keys.map((k, i) => [atomToJson(k, column.key), atomToJson(d.values?.[i] ?? '', vt)])];
  }
  if (d.keys.length === 1) return atomToJson(d.keys[0] as AtomValue, column.key);
  return ['set', d.keys.map((k) => atomToJson(k, column.key))];
}
