/**
 * Connection method strings, as Open vSwitch spells them (ovsdb-server(1) "Active/Passive
 * Database Connection Methods"):
 *
 *   active   tcp:IP[:PORT]   ssl:IP[:PORT]   unix:PATH            (a client may take "A,B,C")
 *   passive  ptcp:[PORT][:IP]   pssl:[PORT][:IP]   punix:PATH     (server --remote)
 *
 * IPv6 addresses go in brackets: `tcp:[::1]:6640`, `ptcp:6640:[::1]`. The port defaults to 6640
 * (the IANA OVSDB port); a passive port of 0 asks the OS for one. A passive IP defaults to
 * 0.0.0.0, as in OVS. Host names are accepted for active methods.
 *
 * @example
 * parseActiveAddress('tcp:[::1]:6641')   // { kind: 'tcp', host: '::1', port: 6641 }
 * parsePassiveAddress('ptcp:0:127.0.0.1') // { kind: 'ptcp', host: '127.0.0.1', port: 0 }
 * formatAddress({ kind: 'unix', path: '/run/db.sock' }) // 'unix:/run/db.sock'
 */
import { isIP } from 'node:net';

/** The IANA-assigned OVSDB port (RFC 7047 §6). */
export const OVSDB_DEFAULT_PORT = 6640;

export type ActiveAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'ssl'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export type PassiveAddress =
  | { readonly kind: 'ptcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'pssl'; readonly host: string; readonly port: number }
  | { readonly kind: 'punix'; readonly path: string };

export type Address = ActiveAddress | PassiveAddress;

/** A malformed connection method string; the message says what is wrong. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
}

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function parsePort(text: string, whole: string, allowZero: boolean): number {
  if (text === '') return OVSDB_DEFAULT_PORT;
  if (!/^[0-9]{1,5}$/.test(text)) throw new AddressError(`${whole}: bad port number "${text}"`);
  const port = Number(text);
  if (port > 65535 || (!allowZero && port === 0)) throw new AddressError(`${whole}: port ${port} out of range`);
  return port;
}

/** Splits "HOST[:PORT]" or "[V6][:PORT]"; returns [host, portText]. */
function splitHostPort(rest: string, whole: string): [string, string] {
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new AddressError(`${whole}: missing "]" after IPv6 address`);
    const host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new AddressError(`${whole}: unexpected "${after}" after IPv6 address`);
    if (isIP(host) !== 6) throw new AddressError(`${whole}: "${host}" is not a valid IPv6 address`);
    return [host, after.slice(1)];
  }
  const colon = rest.indexOf(':');
  const host = colon < 0 ? rest : rest.slice(0, colon);
  const port = colon < 0 ? '' : rest.slice(colon + 1);
  if (port.includes(':')) throw new AddressError(`${whole}: IPv6 addresses must be in brackets, as in tcp:[::1]:6640`);
  return [host, port];
}

function checkHost(host: string, whole: string, allowName: boolean): void {
  if (host === '') throw new AddressError(`${whole}: missing host`);
  if (isIP(host) !== 0) return;
  if (allowName && HOSTNAME_RE.test(host) && !/^[0-9.]+$/.test(host)) return;
  throw new AddressError(`${whole}: "${host}" is not a valid IP address`);
}

function methodOf(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon < 0) throw new AddressError(`${text}: missing connection method (expected e.g. tcp:IP:PORT or unix:PATH)`);
  return [text.slice(0, colon), text.slice(colon + 1)];
}

/** Parses one active method: `tcp:`, `ssl:` or `unix:`. Throws AddressError. */
export function parseActiveAddress(text: string): ActiveAddress {
  const whole = text.trim();
  const [method, rest] = methodOf(whole);
  switch (method) {
    case 'tcp':
    case 'ssl': {
      const [host, portText] = splitHostPort(rest, whole);
      checkHost(host, whole, true);
      return { kind: method, host, port: parsePort(portText, whole, false) };
    }
    case 'unix':
      if (rest === '') throw new AddressError(`${whole}: missing socket path`);
      return { kind: 'unix', path: rest };
    case 'ptcp':
    case 'pssl':
    case 'punix':
      throw new AddressError(`${whole}: "${method}" is a passive method; an active one (tcp:, ssl:, unix:) is needed here`);
    default:
      throw new AddressError(`${whole}: unknown connection method "${method}" (expected tcp:, ssl: or unix:)`);
  }
}

/** Parses a comma-separated list of active methods ("tcp:A:1,tcp:B:2"), at least one. */
export function parseActiveAddressList(text: string): ActiveAddress[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new AddressError(`${text}: empty entry in address list`);
  return parts.map(parseActiveAddress);
}

/** Parses one passive method: `ptcp:`, `pssl:` or `punix:`. Throws AddressError. */
export function parsePassiveAddress(text: string): PassiveAddress {
  const whole = text.trim();
  const [method, rest] = methodOf(whole);
  switch (method) {
    case 'ptcp':
    case 'pssl': {
      // PORT[:IP], where IP may be "[v6]" or a bare v4 address.
      const colon = rest.indexOf(':');
      const portText = colon < 0 ? rest : rest.slice(0, colon);
      let host = colon < 0 ? '0.0.0.0' : rest.slice(colon + 1);
      if (host.startsWith('[')) {
        if (!host.endsWith(']')) throw new AddressError(`${whole}: missing "]" after IPv6 address`);
        host = host.slice(1, -1);
        if (isIP(host) !== 6) throw new AddressError(`${whole}: "${host}" is not a valid IPv6 address`);
      } else if (host.includes(':')) {
        throw new AddressError(`${whole}: IPv6 addresses must be in brackets, as in ptcp:6640:[::1]`);
      } else {
        checkHost(host, whole, false);
      }
      return { kind: method, host, port: parsePort(portText, whole, true) };
    }
    case 'punix':
      if (rest === '') throw new AddressError(`${whole}: missing socket path`);
      return { kind: 'punix', path: rest };
    case 'tcp':
    case 'ssl':
    case 'unix':
      throw new AddressError(`${whole}: "${method}" is an active method; a passive one (ptcp:, pssl:, punix:) is needed here`);
    default:
      throw new AddressError(`${whole}: unknown connection method "${method}" (expected ptcp:, pssl: or punix:)`);
  }
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The canonical text of an address (round-trips through the parsers). */
export function formatAddress(a: Address): string {
  switch (a.kind) {
    case 'tcp':
    case 'ssl':
      return `${a.kind}:${bracket(a.host)}:${a.port}`;
    case 'ptcp':
    case 'pssl':
      return `${a.kind}:${a.port}:${bracket(a.host)}`;
    case 'unix':
    case 'punix':
      return `${a.kind}:${a.path}`;
  }
}

/** True for ssl:/pssl: addresses, which need TLS files. */
export function isTlsAddress(a: Address): boolean {
  return a.kind === 'ssl' || a.kind === 'pssl';
}
