/**
 * Test PKI made with the openssl CLI: a CA, a server and a client certificate it signed, and a
 * second, unrelated CA whose certificate must not be accepted.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TlsFiles } from '../../src/transport/tls-files.js';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}-cert.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}

function makeLeaf(dir: string, ca: string, name: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}-cert.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial', '-out', `${name}-cert.pem`, '-days', '2']);
}

export interface TestPki {
  readonly server: TlsFiles;
  readonly client: TlsFiles;
  /** A client whose certificate was signed by another CA (and which trusts that CA only). */
  readonly rogue: TlsFiles;
}

/** Creates the PKI in `dir`; takes well under a second (EC keys). */
export function makeTestPki(dir: string): TestPki {
  makeCa(dir, 'ca');
  makeCa(dir, 'otherca');
  makeLeaf(dir, 'ca', 'server');
  makeLeaf(dir, 'ca', 'client');
  makeLeaf(dir, 'otherca', 'rogue');
  const files = (leaf: string, ca: string): TlsFiles => ({
    privateKeyPath: join(dir, `${leaf}-key.pem`),
    certificatePath: join(dir, `${leaf}-cert.pem`),
    caCertPath: join(dir, `${ca}-cert.pem`),
  });
  return { server: files('server', 'ca'), client: files('client', 'ca'), rogue: files('rogue', 'otherca') };
}
