/**
 * Connectors for active methods: tcp:, ssl:, unix: (see address.ts), and a list form that tries
 * members in order until one accepts, as OVS clients do with "tcp:A,tcp:B".
 *
 * @example
 * const { socket, address } = await connectAny(parseActiveAddressList('tcp:127.0.0.1:6641,unix:/run/db.sock'));
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { formatAddress, parseActiveAddressList, type ActiveAddress } from './address.js';
import { JsonRpcConnection, type JsonRpcConnectionOptions } from './jsonrpc-connection.js';
import { describePeer } from './listen.js';
import { connectWithInput } from './socket-input.js';
import { loadTlsFiles, type TlsFiles } from './tls-files.js';

export interface ConnectOptions {
  /** Required for ssl:. */
  readonly tls?: TlsFiles | undefined;
  /** Give up on one address after this long (default 10 s). */
  readonly timeoutMs?: number | undefined;
}

export interface Connected {
  readonly socket: net.Socket;
  readonly address: ActiveAddress;
  /** Peer text for logs, e.g. "tcp:127.0.0.1:6641". */
  readonly peer: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Opens one stream; resolves when connected (and, for ssl:, after the handshake and CA check). */
export function connect(address: ActiveAddress, options: ConnectOptions = {}): Promise<Connected> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const text = formatAddress(address);
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    let readyEvent: 'connect' | 'secureConnect' = 'connect';
    switch (address.kind) {
      case 'tcp':
        socket = connectWithInput({ host: address.host, port: address.port });
        break;
      case 'unix':
        socket = connectWithInput({ path: address.path });
        break;
      case 'ssl': {
        if (!options.tls) {
          reject(new Error(`${text}: SSL needs --private-key, --certificate and --ca-cert`));
          return;
        }
        let material;
        try {
          material = loadTlsFiles(options.tls);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        // OVS checks the chain against the CA but not the host name (lib/stream-ssl.c).
        socket = tls.connect({ host: address.host, port: address.port, ...material, rejectUnauthorized: true, checkServerIdentity: () => undefined });
        readyEvent = 'secureConnect';
        break;
      }
    }
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${text}: connection timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${text}: connection failed: ${e.message}`));
    });
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      const kind = address.kind;
      resolve({ socket, address, peer: kind === 'unix' ? `unix:${address.path}` : describePeer(socket, kind) });
    });
  });
}

/** Tries each address in order; resolves with the first that connects, or rejects with every failure. */
export async function connectAny(addresses: readonly ActiveAddress[], options: ConnectOptions = {}): Promise<Connected> {
  const failures: string[] = [];
  for (const a of addresses) {
    try {
      return await connect(a, options);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new Error(failures.length === 0 ? 'no address to connect to' : failures.join('; '));
}

/**
 * Connects to the first reachable member of `remote` ("tcp:A:1,unix:/x" or parsed addresses)
 * and wraps the stream in a JsonRpcConnection (reading starts at its first onMessage call).
 *
 * @example
 * const conn = await connectJsonRpc('unix:/run/db.sock', { answerEcho: true });
 * conn.onMessage(handleNotification);
 * console.log(await conn.request('list_dbs', []));
 */
export async function connectJsonRpc(
  remote: string | readonly ActiveAddress[],
  options: ConnectOptions & JsonRpcConnectionOptions = {},
): Promise<JsonRpcConnection> {
  const addresses = typeof remote === 'string' ? parseActiveAddressList(remote) : remote;
  const { socket, peer } = await connectAny(addresses, options);
  return new JsonRpcConnection(socket, { ...options, peer: options.peer ?? peer });
}
