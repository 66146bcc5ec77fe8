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
}

/** The loaded PEM texts. */
export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly ca: Buffer;
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
  };
}
