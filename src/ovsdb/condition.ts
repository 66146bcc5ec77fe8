/**
 * Conditions (RFC 7047 §5.1 <condition>): clauses [column, function, value] with the functions
 * < <= == != >= > includes excludes, plus the Open vSwitch boolean clauses `true` / `false`
 * used by monitor_cond. A transact `where` matches when every clause holds (evaluate); a
 * monitor_cond condition matches when any clause holds (evaluateAny, ovsdb-server(7)).
 */
import { OvsdbError, syntaxError } from './errors.js';
import type { SymbolTable } from './atom.js';
import { compareAtoms } from './atom.js';
import {
  datumEquals, datumFromJson, datumKey, excludesAll, includesAll, isOptionalScalarType, isScalarType, storedSingleAtom, typeToEnglish,
} from './datum.js';
import { columnDatum, columnValue } from './row.js';
import { getColumn } from './schema/parse-schema.js';
import type { Atom, ColumnSchema, ColumnType, Datum, Row, TableSchema } from './types.js';

export type ConditionFunction = '<' | '<=' | '==' | '!=' | '>=' | '>' | 'includes' | 'excludes';
const FUNCTIONS: readonly string[] = ['<', '<=', '==', '!=', '>=', '>', 'includes', 'excludes'];

function isConditionFunction(s: string): s is ConditionFunction {
  return FUNCTIONS.includes(s);
}

/** One parsed clause. */
export type Clause =
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'compare'; readonly column: ColumnSchema; readonly fn: ConditionFunction; readonly arg: Datum };

/** A parsed condition: a list of clauses. */
export interface Condition {
  readonly clauses: readonly Clause[];
}

function parseClause(table: TableSchema, json: unknown, symtab?: SymbolTable): Clause {
  if (json === true || json === false) return { kind: 'bool', value: json };
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError(json, 'Parse error in condition.');
  }
  const columnName = json[0] as string;
  const column = getColumn(table, columnName);
  if (!column) throw syntaxError(json, `No column ${columnName} in table ${table.name}.`, 'unknown column');
  const fnName = json[1] as string;
  const fn = isConditionFunction(fnName) ? fnName : undefined;
  if (!fn) throw new OvsdbError('unknown function', `No function named ${fnName}.`);
  let type: ColumnType = column.type;
  switch (fn) {
    case '<': case '<=': case '>': case '>=':
      if (!(isScalarType(type) || isOptionalScalarType(type)) || (type.key.type !== 'integer' && type.key.type !== 'real')) {
        throw syntaxError(json, `Type mismatch: "${fn}" operator may not be applied to column ${column.name} of type ${typeToEnglish(type)}.`);
      }
      type = { ...type, min: 1 };
      break;
    case 'excludes':
      if (!isScalarType(type)) type = { ...type, min: 0, max: Infinity };
      break;
    case 'includes':
      if (!isScalarType(type)) type = { ...type, min: 0 };
      break;
    default:
      break;
  }
  return { kind: 'compare', column, fn, arg: datumFromJson(type, json[2], symtab) };
}

/**
 * Parses a <condition> array for `table` (ovsdb_condition_from_json). Throws OvsdbError.
 * Named uuids are accepted when `symtab` is given (transact only).
 */
export function parseConditions(table: TableSchema, json: unknown, symtab?: SymbolTable): Condition {
  if (!Array.isArray(json)) throw syntaxError(json, 'Parse error in condition.');
  return { clauses: json.map((c) => parseClause(table, c, symtab)) };
}

/**
 * The single atom of a scalar or optional-scalar column's value, `undefined` when empty or when
 * the column is not scalar-like. Reads the row directly, without building a Datum, since this
 * runs once per row and clause in table scans and monitor filtering.
 */
function scalarField(row: Row, name: string): Atom | undefined {
  return storedSingleAtom(columnValue(row, name));
}

/** A function applied to one atom against one atom, given their comparison (RFC 7047 §5.1). */
function orderResult(fn: ConditionFunction, cmp: number): boolean {
  switch (fn) {
    case '<': return cmp < 0;
    case '<=': return cmp <= 0;
    case '==': case 'includes': return cmp === 0;
    case '!=': case 'excludes': return cmp !== 0;
    case '>=': return cmp >= 0;
    case '>': return cmp > 0;
  }
}

/** ovsdb_clause_evaluate(). */
export function evaluateClause(clause: Clause, row: Row): boolean {
  if (clause.kind === 'bool') return clause.value;
  const type = clause.column.type;
  const arg = clause.arg;
  const fn = clause.fn;
  const scalarLike = type.value === undefined && type.max === 1 && (type.min === 1 || type.min === 0);
  if (scalarLike && arg.keys.length === 1) {
    // Fast path: one atom against one atom (the common `col == value` where clause).
    const a = scalarField(row, clause.column.name);
    if (a !== undefined) {
      const b = arg.keys[0] as Atom;
      return orderResult(fn, a === b ? 0 : compareAtoms(a, b));
    }
  }
  const field = columnDatum(row, clause.column.name);
  const ordered = fn === '<' || fn === '<=' || fn === '>' || fn === '>=';
  if (isOptionalScalarType(type) && field.keys.length === 0 && ordered) return false;
  if ((isScalarType(type) || isOptionalScalarType(type)) && field.keys.length === 1 && arg.keys.length === 1) {
    return orderResult(fn, compareAtoms(field.keys[0] as Atom, arg.keys[0] as Atom));
  }
  switch (fn) {
    case '==': return datumEquals(field, arg);
    case '!=': return !datumEquals(field, arg);
    case 'includes': return includesAll(arg, field);
    case 'excludes': return excludesAll(arg, field);
    default: return false;
  }
}

/** True if every clause holds (transact `where`; an empty condition matches every row). */
export function evaluate(cond: Condition, row: Row): boolean {
  for (const c of cond.clauses) if (!evaluateClause(c, row)) return false;
  return true;
}

/** True if any clause holds, or the condition is empty (monitor_cond semantics). */
export function evaluateAny(cond: Condition, row: Row): boolean {
  if (cond.clauses.length === 0) return true;
  for (const c of cond.clauses) if (evaluateClause(c, row)) return true;
  return false;
}

/** A clause or condition compiled to a row predicate (see compileCondition). */
export type RowPredicate = (row: Row) => boolean;

/**
 * One clause as a predicate. Equality on a scalar-like column (the usual `col == value` of
 * selects and monitor conditions) reads the atom straight from the row's column map and
 * compares it without building a Datum; any other shape goes through evaluateClause.
 */
function compileClause(clause: Clause): RowPredicate {
  if (clause.kind === 'bool') return clause.value ? () => true : () => false;
  const type = clause.column.type;
  const name = clause.column.name;
  const scalarLike = type.value === undefined && type.max === 1 && (type.min === 1 || type.min === 0);
  if (!scalarLike || clause.arg.keys.length !== 1 || name === '_uuid' || name === '_version') {
    return (row) => evaluateClause(clause, row);
  }
  if (clause.fn !== '==' && clause.fn !== 'includes' && clause.fn !== '!=' && clause.fn !== 'excludes') {
    return (row) => evaluateClause(clause, row);
  }
  const b = clause.arg.keys[0] as Atom;
  const negate = clause.fn === '!=' || clause.fn === 'excludes';
  return (row) => {
    const a = storedSingleAtom(columnValue(row, name));
    if (a === undefined) return evaluateClause(clause, row);
    // Strings compare equal only when identical (compareAtoms orders by UTF-8 bytes).
    const eq = a === b || (typeof a !== 'string' && compareAtoms(a, b) === 0);
    return eq !== negate;
  };
}

const compiledAll = new WeakMap<Condition, RowPredicate>();
const compiledAny = new WeakMap<Condition, RowPredicate>();

/**
 * `evaluate` (mode 'all', transact `where`) or `evaluateAny` (mode 'any', monitor_cond) as a
 * predicate compiled once per parsed condition and cached, for loops over many rows.
 */
export function compileCondition(cond: Condition, mode: 'all' | 'any'): RowPredicate {
  const cache = mode === 'all' ? compiledAll : compiledAny;
  let fn = cache.get(cond);
  if (fn) return fn;
  const preds = cond.clauses.map(compileClause);
  if (preds.length === 0) fn = () => true;
  else if (preds.length === 1) fn = preds[0] as RowPredicate;
  else if (mode === 'all') fn = (row) => { for (const p of preds) if (!p(row)) return false; return true; };
  else fn = (row) => { for (const p of preds) if (p(row)) return true; return false; };
  cache.set(cond, fn);
  return fn;
}

/**
 * If `==` clauses pin every column of one of `indexes`, that index's number and the canonical
 * key (as row.ts rowKey builds it), so a query can use the index instead of a table scan.
 */
export function indexEqualityTarget(cond: Condition, indexes: readonly (readonly string[])[]): { index: number; key: string } | undefined {
  const pinned = new Map<string, Datum>();
  for (const c of cond.clauses) {
    if (c.kind === 'compare' && c.fn === '==') pinned.set(c.column.name, c.arg);
  }
  if (pinned.size === 0) return undefined;
  for (let i = 0; i < indexes.length; i++) {
    const cols = indexes[i] ?? [];
    if (!cols.every((n) => pinned.has(n))) continue;
    let key = '';
    for (const n of cols) key += datumKey(pinned.get(n) ?? { keys: [], values: undefined }) + '\u0001';
    return { index: i, key };
  }
  return undefined;
}

/** If the condition pins `_uuid ==` a value, that uuid (lets queries skip a table scan). */
export function uuidEqualityTarget(cond: Condition): string | undefined {
  for (const c of cond.clauses) {
    if (c.kind === 'compare' && c.column.name === '_uuid' && c.fn === '==' && c.arg.keys.length === 1) {
      return c.arg.keys[0] as string;
    }
  }
  return undefined;
}
