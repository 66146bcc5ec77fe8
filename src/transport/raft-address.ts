/**
 * Raft addresses: 'tcp:IP:PORT' or 'ssl:IP:PORT' (IPv6 in brackets), as OVS spells a cluster
 * member's address. Unlike OVSDB remotes, the port is required: a Raft port has no default
 * worth guessing.
 *
 * @example
 * parseRaftAddress('ssl:[::1]:6644')          // { kind: 'ssl', host: '::1', port: 6644 }
 * parseRaftAddress('tcp:127.0.0.1:0', true)   // our own listen address, any free port
 */
import { parseActiveAddress, parsePassiveAddress, type ActiveAddress } from './address.js';

/** A parsed Raft address. */
export type RaftAddress = Extract<ActiveAddress, { kind: 'tcp' | 'ssl' }>;

/**
 * Parses a Raft address; throws an Error saying what is wrong. `allowPortZero` is for our own
 * listen address, which must then be an IP (we bind exactly there).
 */
export function parseRaftAddress(text: string, allowPortZero = false): RaftAddress {
  const bad = (): Error => new Error(`${text}: a Raft address must be tcp:IP:PORT or ssl:IP:PORT`);
  const m = /^(tcp|ssl):(.+):([0-9]+)$/.exec(text.trim());
  if (m === null) throw bad();
  const [, kind = '', host = '', port = ''] = m;
  if (allowPortZero && Number(port) === 0) {
    // Checked as a passive address, which allows port 0 and requires an IP.
    const p = parsePassiveAddress(`p${kind}:${port}:${host}`);
    if (p.kind === 'punix') throw bad();
    return { kind: p.kind === 'pssl' ? 'ssl' : 'tcp', host: p.host, port: p.port };
  }
  const a = parseActiveAddress(text);
  if (a.kind === 'unix') throw bad();
  return a;
}
