/**
 * TLS material for ssl:/pssl: methods, named as OVS's --private-key, --certificate, --ca-cert.
 *
 * OVS semantics (lib/stream-ssl.c): both sides present a certificate and verify the peer's
 * against the CA certificate; host names are not checked (the peer is identified by its CA-signed
 * certificate, not by DNS). So a server requests and requires a client certificate, and a client
 * skips the host-name check but keeps the chain check.
 */
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  /** PEM private key (--private-key). */
  readonly privateKeyPath: string;
  /** PEM certificate matching the key (--certificate). */
  readonly certificatePath: string;
  /** PEM CA certificate that signs peers' certificates (--ca-cert). */
  readonly caCertPath: string;
  /** --ssl-protocols: enabled versions, e.g. "TLSv1.2,TLSv1.3" (default: Node's). */
  readonly protocols?: string | undefined;
  /** --ssl-ciphers: an OpenSSL cipher list (default: Node's). */
  readonly ciphers?: string | undefined;
}

/** The loaded PEM texts. */
export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly ca: Buffer;
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  readonly ciphers?: string;
}

type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * The version range of an --ssl-protocols list (comma or space separated, as OVS takes it).
 * Node enables a contiguous range, so a list with a gap enables the versions between too.
 */
export function parseTlsProtocols(list: string): { minVersion: TlsVersion; maxVersion: TlsVersion } {
  const ranks: number[] = [];
  for (const word of list.split(/[\s,]+/).filter((w) => w !== '')) {
    const rank = TLS_VERSIONS.indexOf(word as TlsVersion);
    if (rank < 0) throw new Error(`${word}: SSL protocol not recognized`);
    ranks.push(rank);
  }
  if (ranks.length === 0) throw new Error('at least one SSL protocol must be enabled');
  return { minVersion: TLS_VERSIONS[Math.min(...ranks)] ?? 'TLSv1.2', maxVersion: TLS_VERSIONS[Math.max(...ranks)] ?? 'TLSv1.3' };
}

/** Reads the three files; throws a plain Error naming the file that failed. */
export function loadTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`cannot read ${what} "${path}": ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return {
    key: read(files.privateKeyPath, 'private key'),
    cert: read(files.certificatePath, 'certificate'),
    ca: read(files.caCertPath, 'CA certificate'),
    ...(files.protocols !== undefined ? parseTlsProtocols(files.protocols) : {}),
    ...(files.ciphers !== undefined ? { ciphers: files.ciphers } : {}),
  };
}
