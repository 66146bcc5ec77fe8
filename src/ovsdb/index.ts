/**
 * Public API of the pure OVSDB engine. Hosts (src/server, src/storage, the CLI) import from here.
 */
export type * from './types.js';
export { Database, fnv1a64 } from './database.js';
export { convertDatabase } from './convert.js';
export { OvsdbError, syntaxError, ovsJsonText, wrapError, errorToString } from './errors.js';
export type { OvsdbErrorTag } from './errors.js';
export { parseSchema, tryParseSchema, schemaToJson, getColumn } from './schema/parse-schema.js';
export { parseColumnType, parseBaseType, columnTypeToJson } from './schema/parse-type.js';
export {
  datumFromJson, datumToJson, datumEquals, defaultDatum, isDefaultDatum, compareDatums, datumKey,
  datumToString, typeToEnglish, checkDatumConstraints,
} from './datum.js';
export { atomFromJson, atomToJson, compareAtoms, defaultAtom, ZERO_UUID } from './atom.js';
export type { SymbolTable } from './atom.js';
export { parseConditions, evaluate, evaluateAny, evaluateClause } from './condition.js';
export type { Condition, Clause, ConditionFunction } from './condition.js';
export { parseMutations, applyMutation } from './mutation.js';
export type { Mutation, Mutator } from './mutation.js';
export { rowToJson, columnDatum, allColumns } from './row.js';
export { insertJson } from './record.js';
export { ObjectParser, OP, isId } from './parser.js';
export { ovsShashOrder, ovsHashString } from './ovs-order.js';
export { indexEqualityTarget, uuidEqualityTarget } from './condition.js';
