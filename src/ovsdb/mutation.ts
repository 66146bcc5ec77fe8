/**
 * Mutations (RFC 7047 §5.1 <mutation>): += -= *= /= %= on integer/real scalars and sets, and
 * insert/delete on sets and maps, with ovsdb-server's "domain error"/"range error"/
 * "constraint violation" results (ovsdb/mutation.c).
 */
import { OvsdbError, syntaxError } from './errors.js';
import type { SymbolTable } from './atom.js';
import { checkAtomConstraints, compareAtoms, isInt64, normalInteger } from './atom.js';
import {
  datumFromJson, datumSubtract, datumUnion, isMapType, isScalarType, isSetType, typeToEnglish,
} from './datum.js';
import { getColumn } from './schema/parse-schema.js';
import type { Atom, ColumnSchema, ColumnType, Datum, TableSchema } from './types.js';

export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete';
const MUTATORS: readonly string[] = ['+=', '-=', '*=', '/=', '%=', 'insert', 'delete'];

function isMutator(s: string): s is Mutator {
  return MUTATORS.includes(s);
}

/** One parsed mutation. */
export interface Mutation {
  readonly column: ColumnSchema;
  readonly mutator: Mutator;
  readonly arg: Datum;
}

function typeMismatch(m: Mutator, column: ColumnSchema, json: unknown): OvsdbError {
  return syntaxError(json, `Type mismatch: "${m}" operator may not be applied to column ${column.name} of type ${typeToEnglish(column.type)}.`);
}

function parseMutation(table: TableSchema, json: unknown, symtab?: SymbolTable): Mutation {
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError(json, 'Parse error in mutation.');
  }
  const name = json[0] as string;
  const column = getColumn(table, name);
  if (!column) throw syntaxError(json, `No column ${name} in table ${table.name}.`, 'unknown column');
  if (!column.mutable) {
    throw syntaxError(json, `Cannot mutate immutable column ${name} in table ${table.name}.`, 'constraint violation');
  }
  const mname = json[1] as string;
  const mutator = isMutator(mname) ? mname : undefined;
  if (!mutator) throw new OvsdbError('unknown mutator', `No mutator named ${mname}.`);
  const t = column.type;
  if (mutator === 'insert' || mutator === 'delete') {
    if (!isSetType(t) && !isMapType(t)) throw typeMismatch(mutator, column, json);
    const argType: ColumnType = { ...t, min: 0, max: mutator === 'delete' ? Infinity : t.max };
    try {
      return { column, mutator, arg: datumFromJson(argType, json[2], symtab) };
    } catch (e) {
      // "delete" on a map also accepts a set of keys.
      if (!(e instanceof OvsdbError) || mutator !== 'delete' || !isMapType(t)) throw e;
      return { column, mutator, arg: datumFromJson({ ...argType, value: undefined }, json[2], symtab) };
    }
  }
  if ((!isScalarType(t) && !isSetType(t)) || (t.key.type !== 'integer' && t.key.type !== 'real') ||
      (mutator === '%=' && t.key.type === 'real')) {
    throw typeMismatch(mutator, column, json);
  }
  return { column, mutator, arg: datumFromJson(t.key.type === 'integer' ? INTEGER_ARG : REAL_ARG, json[2], symtab) };
}

/** Argument types of the arithmetic mutators: a bare number without the column's constraints. */
const INTEGER_ARG: ColumnType = { key: { type: 'integer' }, value: undefined, min: 1, max: 1 };
const REAL_ARG: ColumnType = { key: { type: 'real' }, value: undefined, min: 1, max: 1 };

/** Parses a <mutations> array (ovsdb_mutation_set_from_json). Throws OvsdbError. */
export function parseMutations(table: TableSchema, json: unknown, symtab?: SymbolTable): Mutation[] {
  if (!Array.isArray(json)) throw syntaxError(json, 'Parse error in mutation.');
  return json.map((m) => parseMutation(table, m, symtab));
}

function rangeError(m: Mutator): OvsdbError {
  return new OvsdbError('range error', `Result of "${m}" operation is out of range.`);
}

/** A real mutation (mutation.c add_double etc.): a non-finite result is a range error. */
function realOp(m: Mutator, x: number, y: number): number | OvsdbError {
  let r: number;
  switch (m) {
    case '+=': r = x + y; break;
    case '-=': r = x - y; break;
    case '*=': r = x * y; break;
    case '/=':
      if (y === 0) return new OvsdbError('domain error', 'Division by zero.');
      r = x / y;
      break;
    case '%=': return new OvsdbError('ovsdb error', 'Operation not supported.');
    default: return rangeError(m);
  }
  return Number.isFinite(r) ? r : rangeError(m);
}

/**
 * An int64 mutation, exact (mutation.c add_int etc.): a result outside int64 is a range error,
 * including INT64_MIN / -1 and INT64_MIN % -1 (C leaves both undefined; OVS refuses them).
 * Division truncates toward zero and the remainder takes the dividend's sign, as in C.
 */
function integerOp(m: Mutator, x: number | bigint, y: number | bigint): number | bigint | OvsdbError {
  // Safe operands whose double result is a safe integer were computed exactly: the common case.
  if (typeof x === 'number' && typeof y === 'number' && m !== '/=' && m !== '%=') {
    const r = m === '+=' ? x + y : m === '-=' ? x - y : x * y;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  const a = BigInt(x);
  const b = BigInt(y);
  let r: bigint;
  switch (m) {
    case '+=': r = a + b; break;
    case '-=': r = a - b; break;
    case '*=': r = a * b; break;
    case '/=':
      if (b === 0n) return new OvsdbError('domain error', 'Division by zero.');
      r = a / b;
      break;
    case '%=':
      if (b === 0n) return new OvsdbError('domain error', 'Division by zero.');
      if (b === -1n && !isInt64(-a)) return rangeError(m);
      r = a % b;
      break;
    default: return rangeError(m);
  }
  return normalInteger(r) ?? rangeError(m);
}

function checkCount(t: ColumnType, d: Datum): OvsdbError | undefined {
  if (d.keys.length < t.min || d.keys.length > t.max) {
    return new OvsdbError('constraint violation', `Attempted to store ${d.keys.length} elements in ${typeToEnglish(t)}.`);
  }
  return undefined;
}

/**
 * Applies one mutation to a column value (ovsdb_mutation_set_execute for one column).
 * Returns the new datum or an error value.
 */
export function applyMutation(m: Mutation, dst: Datum): Datum | OvsdbError {
  const t = m.column.type;
  if (m.mutator === 'insert') {
    const d = datumUnion(dst, m.arg);
    return checkCount(t, d) ?? d;
  }
  if (m.mutator === 'delete') {
    const d = datumSubtract(dst, m.arg);
    return checkCount(t, d) ?? d;
  }
  const y = m.arg.keys[0];
  const isInt = t.key.type === 'integer';
  const keys: Atom[] = [];
  for (const k of dst.keys) {
    const r = isInt
      ? integerOp(m.mutator, k as number | bigint, y as number | bigint)
      : realOp(m.mutator, k as number, y as number);
    if (r instanceof OvsdbError) return r;
    keys.push(r);
  }
  for (const k of keys) {
    const e = checkAtomConstraints(k, t.key);
    if (e) return e;
  }
  // One key (a scalar column, the usual case) is sorted already.
  const sorted: Atom[] = keys.length < 2 ? keys : [...keys].sort(compareAtoms);
  for (let i = 0; i + 1 < sorted.length; i++) {
    if (sorted[i] === sorted[i + 1]) {
      return new OvsdbError('constraint violation', `Result of "${m.mutator}" operation contains duplicates.`);
    }
  }
  return { keys: sorted, values: undefined };
}
