/**
 * Listeners for passive methods: ptcp:, punix:, pssl: (see address.ts). Each accepted stream is
 * handed over as a net.Socket (a tls.TLSSocket for pssl:, after the handshake and the peer
 * certificate check against the CA, as OVS requires for SSL). It is not reading yet: read it
 * with readInput (socket-input.ts), which for ptcp: and punix: reads through one shared buffer.
 *
 * @example
 * const l = await listen(parsePassiveAddress('ptcp:0:127.0.0.1'), (socket, peer) => {
 *   const conn = new JsonRpcConnection(socket, { peer });
 * });
 * console.log(formatAddress(l.address)); // ptcp:41234:127.0.0.1 (the bound port)
 * await l.close();
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { formatAddress, type PassiveAddress } from './address.js';
import { adoptAccepted } from './socket-input.js';
import { loadTlsFiles, type TlsFiles } from './tls-files.js';

export interface ListenOptions {
  /** Required for pssl:. */
  readonly tls?: TlsFiles | undefined;
  /**
   * Called for failed TLS handshakes and accept errors; the listener keeps running. For a failed
   * handshake, `tlsSocket` is the refused connection (its `authorizationError` says why a peer
   * certificate was refused, where `error` only says "socket hang up").
   */
  readonly onError?: ((error: Error, tlsSocket?: tls.TLSSocket) => void) | undefined;
}

export interface Listener {
  /** The bound address; for ptcp:0/pssl:0 it carries the port the OS picked. */
  readonly address: PassiveAddress;
  /** Stops accepting (open connections stay open) and removes a punix: socket file. */
  close(): Promise<void>;
}

/** Peer text of an accepted or connected socket, like OVS's stream names. */
export function describePeer(socket: net.Socket, kind: 'tcp' | 'ssl' | 'unix', unixPath?: string): string {
  if (kind === 'unix') return `unix:${unixPath ?? ''}`;
  const host = socket.remoteAddress ?? '?';
  return `${kind}:${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
}

/** Starts listening on `address`; resolves once bound. Rejects with the OS error otherwise. */
export function listen(
  address: PassiveAddress,
  onConnection: (socket: net.Socket, peer: string) => void,
  options: ListenOptions = {},
): Promise<Listener> {
  const onError = options.onError ?? (() => undefined);
  let server: net.Server;
  switch (address.kind) {
    case 'ptcp':
      // The peer's address first: adoptAccepted moves the handle it is read from.
      server = net.createServer({ pauseOnConnect: true }, (s) => {
        const peer = describePeer(s, 'tcp');
        onConnection(adoptAccepted(s), peer);
      });
      break;
    case 'punix':
      server = net.createServer({ pauseOnConnect: true }, (s) => onConnection(adoptAccepted(s), describePeer(s, 'unix', address.path)));
      // A socket file left by a previous process would make bind fail with EADDRINUSE (OVS
      // unlinks it first too). Refuse to remove anything that is not a socket.
      if (existsSync(address.path) && lstatSync(address.path).isSocket()) unlinkSync(address.path);
      break;
    case 'pssl': {
      if (!options.tls) return Promise.reject(new Error(`${formatAddress(address)}: SSL needs --private-key, --certificate and --ca-cert`));
      let material;
      try {
        material = loadTlsFiles(options.tls);
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      server = tls.createServer({ ...material, requestCert: true, rejectUnauthorized: true }, (s) => onConnection(s, describePeer(s, 'ssl')));
      server.on('tlsClientError', (e, s) => onError(e, s));
      break;
    }
  }
  return new Promise((resolve, reject) => {
    const failBind = (e: Error): void => reject(new Error(`${formatAddress(address)}: listen failed: ${e.message}`));
    server.once('error', failBind);
    const ready = (): void => {
      server.off('error', failBind);
      server.on('error', (e) => onError(e));
      let bound: PassiveAddress = address;
      const info = server.address();
      if (address.kind !== 'punix' && info !== null && typeof info === 'object') bound = { ...address, port: info.port };
      resolve({
        address: bound,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    };
    if (address.kind === 'punix') server.listen(address.path, ready);
    else server.listen(address.port, address.host, ready);
  });
}
