/**
 * The --remote set of a running server, changed at run time by `ovsdb-server/add-remote` and
 * `remove-remote` and listed by `list-remotes`, as ovsdb-server keeps it: each passive remote
 * is a listener plus the sessions it accepted, so removing a remote also drops its clients, and
 * `ovsdb-server/reconnect` drops every client (they reconnect).
 *
 * `db:DB,TABLE,COLUMN` remotes (OVN's Connection rows) are listed but not yet followed; they
 * are logged as such at start.
 */
import type { OvsdbServer } from '../server/server.js';
import type { Logger } from '../server/ports.js';
import type { Session } from '../server/session.js';
import { formatAddress, parsePassiveAddress } from '../transport/address.js';
import { JsonRpcConnection } from '../transport/jsonrpc-connection.js';
import { listen, type Listener } from '../transport/listen.js';
import type { TlsFiles } from '../transport/tls-files.js';

/** OVS probes idle TCP/SSL peers every 5 s (lib/reconnect.h); unix sockets are not probed. */
const PROBE_INTERVAL_MS = 5000;

interface Remote {
  readonly listener: Listener | undefined;
  readonly sessions: Set<Session>;
}

export class RemoteSet {
  readonly #remotes = new Map<string, Remote>();

  constructor(
    private readonly server: OvsdbServer,
    private readonly logger: Logger,
    private readonly tls: () => TlsFiles | undefined,
  ) {}

  /** Starts serving `remote` (no-op if it is already in the set). Rejects with a clear reason. */
  async add(remote: string): Promise<void> {
    if (this.#remotes.has(remote)) return;
    if (remote.startsWith('db:')) {
      this.#remotes.set(remote, { listener: undefined, sessions: new Set() });
      this.logger.log('WARN', 'server', `${remote}: remotes taken from database rows are not supported yet; ignored`);
      return;
    }
    const address = parsePassiveAddress(remote);
    const sessions = new Set<Session>();
    const probeIntervalMs = address.kind === 'punix' ? 0 : PROBE_INTERVAL_MS;
    const listener = await listen(address, (socket, peer) => {
      const session = this.server.attach(new JsonRpcConnection(socket, { peer, probeIntervalMs }));
      sessions.add(session);
      session.channel.onClose(() => sessions.delete(session));
    }, { tls: this.tls(), onError: (e) => this.logger.log('WARN', 'server', `${remote}: ${e.message}`) });
    this.#remotes.set(remote, { listener, sessions });
    this.logger.log('INFO', 'server', `listening on ${formatAddress(listener.address)}`);
  }

  /** Stops serving `remote` and drops its clients; false if it is not in the set. */
  remove(remote: string): boolean {
    const r = this.#remotes.get(remote);
    if (!r) return false;
    this.#remotes.delete(remote);
    void r.listener?.close();
    for (const s of [...r.sessions]) s.close();
    this.logger.log('INFO', 'server', `${remote}: remote deconfigured`);
    return true;
  }

  /** The remotes, sorted (list-remotes). */
  list(): string[] {
    return [...this.#remotes.keys()].sort();
  }

  /** The addresses bound, in the order added (ptcp:0 shows the port chosen). */
  boundAddresses(): string[] {
    return [...this.#remotes.values()].flatMap((r) => (r.listener ? [formatAddress(r.listener.address)] : []));
  }

  /** Drops every client connection (ovsdb-server/reconnect); listeners stay. */
  reconnect(): void {
    for (const r of this.#remotes.values()) for (const s of [...r.sessions]) s.close();
  }

  /**
   * Stops accepting on every remote, at once. Does not wait for connected clients to leave
   * (net.Server's close callback would): the caller closes the sessions.
   */
  stopListening(): void {
    for (const r of this.#remotes.values()) void r.listener?.close();
  }
}
