/**
 * A port of Open vSwitch's ovsdb_parser: member lookup with JSON type checks and the exact
 * "Parsing <name> failed: ..." error wording, plus the "present but not allowed" check.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import { OvsdbError, syntaxError } from './errors.js';
import { ovsShashOrder } from './ovs-order.js';

/** JSON type classes a member may have (bit set), as OP_* in ovsdb-parser.h. */
export const OP = {
  NULL: 1, FALSE: 2, TRUE: 4, OBJECT: 8, ARRAY: 16, STRING: 32, INTEGER: 64, REAL: 128,
  BOOLEAN: 6, NUMBER: 192, ANY: 255, ID: 256, OPTIONAL: 512,
} as const;

/** True if `s` is an <id>: [a-zA-Z_][a-zA-Z0-9_]* (RFC 7047 §3.1). */
export function isId(s: string): boolean {
  // A loop, not /^[A-Za-z_][A-Za-z0-9_]*$/.test(s): every operation name and table name goes
  // through here, and the regular expression was a builtin call each time.
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
    if (!letter && (i === 0 || c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

/** The OP_* class bit of a JSON value (integers are numbers with no fraction). */
export function jsonTypeBit(v: unknown): number {
  if (v === null) return OP.NULL;
  if (v === false) return OP.FALSE;
  if (v === true) return OP.TRUE;
  if (typeof v === 'string') return OP.STRING;
  // A bigint is an int64 beyond ±2^53; a parsed number that large is a real (base/json-exact.ts).
  if (typeof v === 'number') return Number.isSafeInteger(v) ? OP.INTEGER : OP.REAL;
  if (typeof v === 'bigint') return OP.INTEGER;
  if (Array.isArray(v)) return OP.ARRAY;
  if (typeof v === 'object') return OP.OBJECT;
  return 0;
}

/** Object.keys(o).length without building the array (it ran for every operation). */
function ownKeyCount(o: JsonObject): number {
  let n = 0;
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) n++;
  return n;
}

/** Parses the members of one JSON object, remembering the first error. */
export class ObjectParser {
  readonly json: JsonObject | undefined;
  error: OvsdbError | undefined;
  /**
   * Distinct members looked up and present, the first `usedCount` entries (an object has a
   * handful: an array beats a Set). Four slots to start: `[]` grows to 17 on its first push,
   * and one parser is made per operation of every transaction.
   */
  private readonly used: string[] = ['', '', '', ''];
  private usedCount = 0;

  /**
   * With `ordinal` and `count`, the name is "<name> <ordinal> of <count>" (as OVS's
   * "ovsdb operation %zu of %zu"), built only if an error needs it: most parses succeed.
   */
  constructor(json: unknown, private readonly baseName: string, private readonly ordinal?: number, private readonly count?: number) {
    this.json = isJsonObject(json) ? json : undefined;
    if (!this.json) this.raise('Object expected.');
  }

  /** The name used in error messages. */
  get name(): string {
    return this.count === undefined ? this.baseName : `${this.baseName} ${String(this.ordinal)} of ${this.count}`;
  }

  /** Returns the member, or undefined (recording an error unless optional and absent). */
  member(name: string, types: number): Json | undefined {
    if (!this.json) return undefined;
    if (!Object.prototype.hasOwnProperty.call(this.json, name)) {
      if (!(types & OP.OPTIONAL)) this.raise(`Required '${name}' member is missing.`);
      return undefined;
    }
    const value = this.json[name] as Json;
    if ((types & jsonTypeBit(value)) !== 0 || (types & OP.ID && typeof value === 'string' && isId(value))) {
      if (!this.isUsed(name)) {
        if (this.usedCount < this.used.length) this.used[this.usedCount] = name;
        else this.used.push(name);
        this.usedCount++;
      }
      return value;
    }
    this.raise(`Type mismatch for member '${name}'.`);
    return undefined;
  }

  private isUsed(name: string): boolean {
    for (let i = 0; i < this.usedCount; i++) if (this.used[i] === name) return true;
    return false;
  }

  raise(message: string): void {
    if (!this.error) this.error = syntaxError(this.json, `Parsing ${this.name} failed: ${message}`);
  }

  put(error: OvsdbError): void {
    if (!this.error) this.error = error;
  }

  /** ovsdb_parser_finish(): reports members that were never looked up. */
  finish(): OvsdbError | undefined {
    // Every used name is an own member, so equal counts mean nothing is left over.
    if (!this.error && this.json && ownKeyCount(this.json) !== this.usedCount) {
      const unused = Object.keys(this.json).filter((k) => !this.isUsed(k));
      if (unused.length > 0) {
        const n = unused.length;
        // OVS reports the first unused member in its shash iteration order.
        const name = ovsShashOrder(Object.keys(this.json)).find((k) => !this.isUsed(k)) ?? '';
        this.raise(n > 1
          ? `Member '${name}' and ${n - 1} other member${n > 2 ? 's' : ''} are present but not allowed here.`
          : `Member '${name}' is present but not allowed here.`);
      }
    }
    return this.error;
  }
}
