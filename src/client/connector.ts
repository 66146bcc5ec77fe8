/**
 * The default Connector: opens tcp:/unix:/ssl: remotes through src/transport and adapts the
 * transport's JsonRpcConnection to the client's RpcChannel (RpcError for error replies, echo
 * requests answered, notifications and close reported to the handlers).
 */
import type { Json } from '../base/json.js';
import { JsonRpcRemoteError } from '../jsonrpc/channel.js';
import { parseActiveAddress } from '../transport/address.js';
import { connect } from '../transport/connect.js';
import type { TlsFiles } from '../transport/tls-files.js';
import { JsonRpcConnection } from '../transport/jsonrpc-connection.js';
import { RpcError } from './channel.js';
import type { ChannelHandlers, Connector, RpcChannel } from './channel.js';

const errnoText: { readonly [code: string]: string } = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
};

/** `failed to connect to "REMOTE" (REASON)`, as OVS words it. */
function connectFailure(remote: string, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  const code = /\b(E[A-Z]+)\b/.exec(msg)?.[1];
  const reason = code !== undefined ? (errnoText[code] ?? code) : msg;
  return new Error(`failed to connect to "${remote}" (${reason})`);
}

class TransportChannel implements RpcChannel {
  constructor(readonly name: string, private readonly conn: JsonRpcConnection) {}

  async request(method: string, params: readonly Json[]): Promise<Json> {
    try {
      return await this.conn.request(method, params);
    } catch (err) {
      if (err instanceof JsonRpcRemoteError) throw new RpcError(err.error, method);
      throw err;
    }
  }

  notify(method: string, params: readonly Json[]): void {
    this.conn.notify(method, params);
  }

  close(): void {
    this.conn.close();
  }
}

/** Options for {@link makeConnector}. */
export interface ConnectorOptions {
  /** Private key, certificate and CA certificate for ssl: remotes. */
  readonly tls?: TlsFiles;
  /** Per-attempt connect timeout (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * A Connector over the transport layer.
 *
 * @example OvsdbClient.connect('ssl:127.0.0.1:6641', { connector: makeConnector({ tls }) })
 */
export function makeConnector(options: ConnectorOptions = {}): Connector {
  return async (remote: string, handlers: ChannelHandlers): Promise<RpcChannel> => {
    const address = parseActiveAddress(remote);
    let connected;
    try {
      connected = await connect(address, { tls: options.tls, timeoutMs: options.timeoutMs });
    } catch (err) {
      throw connectFailure(remote, err);
    }
    const conn = new JsonRpcConnection(connected.socket, { peer: connected.peer });
    conn.onMessage((m) => {
      if (m.kind === 'notification') handlers.onNotification(m.method, m.params);
      else if (m.kind === 'request') conn.respond(m.id, handlers.onRequest(m.method, m.params));
    });
    conn.onClose((info) => handlers.onClose(info.error ?? (info.protocolError !== undefined ? new Error(info.protocolError) : undefined)));
    return new TransportChannel(remote, conn);
  };
}

/** tcp:/unix: remotes with default options. */
export const defaultConnector: Connector = makeConnector();
