/**
 * The arguments of `tool create-cluster` and `tool join-cluster`, checked as ovsdb-tool checks
 * them (ovsdb/raft-private.c raft_address_validate(), lib/socket-util.c inet_parse_active(),
 * ovsdb-tool.c parse_options()), with the same error texts:
 *
 *   tcp:1.2.3.4           ovsdb error: tcp:1.2.3.4: syntax error in address
 *   ptcp:6641             ovsdb error: ptcp:6641: expected "tcp" or "ssl" address
 *   --election-timer=50   ovsdb error: election timer must be between 100 and 600000, in msec.
 *   --cid=xyz             xyz: not a valid UUID
 *
 * Stricter than OVS where our Raft transport is: OVS also accepts `unix:PATH` (its own tests run
 * clusters on Unix sockets), an empty host or port (`tcp::6641`, `tcp:10.0.0.1:`) and a port
 * written with a sign or leading blanks; our transport listens and connects on TCP only, so
 * those get the same errors as other addresses of the wrong kind or shape. Host names are
 * accepted, resolvable or not, as in OVS.
 */
import { isUuid } from '../base/uuid.js';
import { ToolError } from './tool-io.js';

/** ovsdb-tool's default election timer (RAFT_ELECTION_BASE_MSEC), and its bounds. */
export const ELECTION_TIMER_DEFAULT_MS = 1000;
export const ELECTION_TIMER_MIN_MS = 100;
export const ELECTION_TIMER_MAX_MS = 600000;

/** The shape the Raft transport and RaftDiskStore take: a host or [IPv6], and a port. */
const STRICT_ADDRESS = /^(tcp|ssl):(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):[0-9]{1,5}$/;

/** strtol(s, 10) over the whole string, as OVS's str_to_int(): whitespace and sign allowed. */
function strToInt(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(s);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Whether HOST:PORT (after "tcp:"/"ssl:") is shaped as inet_parse_active() wants, port required. */
function inetActiveOk(target: string): boolean {
  let rest: string;
  if (target.startsWith('[')) {
    const close = target.indexOf(']');
    if (close < 0) return false;
    rest = target.slice(close + 1);
    if (rest === '') return false; // "port must be specified"
    if (!rest.startsWith(':')) return false;
    rest = rest.slice(1);
  } else {
    const colon = target.indexOf(':');
    if (colon < 0) return false; // "port must be specified"
    rest = target.slice(colon + 1);
  }
  if (rest.includes(':')) return false;
  // An empty port passes in OVS 3.1 (it then defaults at connect time); anything else is a number.
  if (rest === '') return true;
  const port = strToInt(rest);
  return port !== undefined && port >= 0 && port <= 65535;
}

/**
 * Checks a Raft server address (LOCAL or REMOTE) as raft_address_validate() does; throws the
 * ToolError ovsdb-tool would print.
 *
 * @example validateRaftAddress('tcp:10.0.0.1:6643') // ok
 */
export function validateRaftAddress(address: string): void {
  if (address.startsWith('tcp:') || address.startsWith('ssl:')) {
    if (!inetActiveOk(address.slice(4)) || !STRICT_ADDRESS.test(address)) throw new ToolError(`ovsdb error: ${address}: syntax error in address`);
    return;
  }
  throw new ToolError(`ovsdb error: ${address}: expected "tcp" or "ssl" address`);
}

/** --election-timer=MS as ovsdb-tool reads it (atoi(), then the range check), in ms. */
export function parseElectionTimer(text: string | undefined): number {
  if (text === undefined) return ELECTION_TIMER_DEFAULT_MS;
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(text);
  const ms = m?.[1] === undefined ? 0 : Number(m[1]);
  if (!(ms >= ELECTION_TIMER_MIN_MS && ms <= ELECTION_TIMER_MAX_MS)) {
    throw new ToolError(`ovsdb error: election timer must be between ${ELECTION_TIMER_MIN_MS} and ${ELECTION_TIMER_MAX_MS}, in msec.`);
  }
  return ms;
}

/** --cid=UUID: a UUID (any case, stored lowercase) other than all zeros, or undefined if absent. */
export function parseClusterId(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!isUuid(text) || /^[0-]+$/.test(text)) throw new ToolError(`${text}: not a valid UUID`);
  return text.toLowerCase();
}

/** join-cluster's NAME check (ovsdb_parser_is_id()). */
export function validateSchemaName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ToolError(`${name}: not a valid schema name (use "schema-name" command to find the correct name)`);
  }
}
