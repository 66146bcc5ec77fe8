/**
 * The --remote set of a running server, changed at run time by `ovsdb-server/add-remote` and
 * `remove-remote` and listed by `list-remotes`, as ovsdb-server keeps it: each passive remote
 * is a listener plus the sessions it accepted, so removing a remote also drops its clients, and
 * `ovsdb-server/reconnect` drops every client (they reconnect).
 *
 * `db:DB,TABLE,COLUMN` remotes (ovn-ctl's `db:OVN_Northbound,NB_Global,connections`) follow the
 * rows they name (src/server/db-remotes.ts): after every commit to a referenced database the
 * wanted targets are re-read and listeners opened or closed to match; a Connection row's
 * `read_only` and `role` go onto the sessions accepted through it, its `inactivity_probe` sets
 * their probe interval; `is_connected` and `status` are written back as ovsdb-server does, at
 * once after a change and every 2.5 s (not for clustered databases, whose members would
 * overwrite each other's, as ovsdb-server 3.1 also skips them).
 *
 *   configured:  punix:/run/ovn/ovnnb_db.sock   db:OVN_Northbound,NB_Global,connections
 *                        │                              │ (re-read on commit)
 *   listening:   punix:/run/ovn/ovnnb_db.sock   ptcp:6641:0.0.0.0 {readOnly, role, probe}
 */
import { TLSSocket } from 'node:tls';
import type { Clock } from '../base/clock.js';
import type { Uuid } from '../base/uuid.js';
import type { DatabaseBackend } from '../server/database-backend.js';
import { parseDbColumnRef, passiveStatus, readDbRemotes, statusOps, type DbRemote } from '../server/db-remotes.js';
import type { OvsdbServer } from '../server/server.js';
import type { Logger } from '../server/ports.js';
import type { Session } from '../server/session.js';
import { formatAddress, parsePassiveAddress } from '../transport/address.js';
import { JsonRpcConnection } from '../transport/jsonrpc-connection.js';
import { listen, type Listener } from '../transport/listen.js';
import type { TlsFiles } from '../transport/tls-files.js';

/** OVS probes idle TCP/SSL peers every 5 s (lib/reconnect.h); unix sockets are not probed. */
const PROBE_INTERVAL_MS = 5000;
/** ovsdb-server refreshes the Connection rows' status this often. */
export const STATUS_INTERVAL_MS = 2500;

/** How sessions accepted on one target are set up. */
interface TargetOptions {
  readonly readOnly: boolean;
  readonly role: string;
  readonly probeIntervalMs: number | undefined;
  /** Where its status is written; undefined for a --remote given as such. */
  readonly row: DbRemote['row'];
  /** From a db: remote: listen failures are logged, not thrown. */
  readonly fromDb: boolean;
}

interface Listening {
  readonly listener: Listener;
  readonly sessions: Set<Session>;
  options: TargetOptions;
}

const PLAIN: TargetOptions = { readOnly: false, role: '', probeIntervalMs: undefined, row: undefined, fromDb: false };

export class RemoteSet {
  /** The remotes as configured (--remote, add-remote), in order. */
  readonly #configured: string[] = [];
  /** Open listeners by target. */
  readonly #listening = new Map<string, Listening>();
  readonly #subscribed = new Map<DatabaseBackend, () => void>();
  /** Targets from rows whose listen failed, so that the failure is logged once. */
  readonly #failed = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #refreshQueued = false;
  #cancelStatusTimer: (() => void) | undefined;
  #stopped = false;

  constructor(
    private readonly server: OvsdbServer,
    private readonly logger: Logger,
    private readonly tls: () => TlsFiles | undefined,
    private readonly clock: Pick<Clock, 'setTimer'>,
  ) {}

  /** Starts serving `remote` (no-op if it is already in the set). Rejects with a clear reason. */
  async add(remote: string): Promise<void> {
    if (this.#configured.includes(remote)) return;
    if (remote.startsWith('db:')) {
      const ref = parseDbColumnRef(remote);
      if (typeof ref === 'string') throw new Error(ref);
    } else {
      parsePassiveAddress(remote);
    }
    this.#configured.push(remote);
    try {
      await this.refresh();
    } catch (e) {
      this.#configured.splice(this.#configured.indexOf(remote), 1);
      throw e;
    }
    if (remote.startsWith('db:')) this.#scheduleStatus();
  }

  /** Stops serving `remote` and drops its clients; false if it is not in the set. */
  remove(remote: string): boolean {
    const i = this.#configured.indexOf(remote);
    if (i < 0) return false;
    this.#configured.splice(i, 1);
    void this.refresh().catch((e: unknown) => this.logger.log('WARN', 'server', `${remote}: ${e instanceof Error ? e.message : String(e)}`));
    return true;
  }

  /** The remotes, sorted (list-remotes). */
  list(): string[] {
    return [...this.#configured].sort();
  }

  /** The addresses bound, in the order opened (ptcp:0 shows the port chosen). */
  boundAddresses(): string[] {
    return [...this.#listening.values()].map((l) => formatAddress(l.listener.address));
  }

  /** Drops every client connection (ovsdb-server/reconnect); listeners stay. */
  reconnect(): void {
    for (const l of this.#listening.values()) for (const s of [...l.sessions]) s.close();
  }

  /**
   * Stops accepting on every remote, at once, and stops following the database. Does not wait
   * for connected clients to leave (net.Server's close callback would): the caller closes the
   * sessions.
   */
  stopListening(): void {
    this.#stopped = true;
    this.#cancelStatusTimer?.();
    for (const off of this.#subscribed.values()) off();
    this.#subscribed.clear();
    for (const l of this.#listening.values()) void l.listener.close();
    this.#listening.clear();
  }

  /**
   * Brings the listeners in line with the configuration and the rows it names. Runs one at a
   * time; rejects if a --remote given as such cannot listen (a row's target only logs).
   */
  refresh(): Promise<void> {
    const run = this.#queue.then(() => this.#reconcile());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** After a commit: one refresh, however many commits arrive before it runs. */
  #refreshSoon(): void {
    if (this.#refreshQueued || this.#stopped) return;
    this.#refreshQueued = true;
    void this.#queue.then(() => {
      this.#refreshQueued = false;
      return this.refresh();
    }).catch((e: unknown) => this.logger.log('WARN', 'server', e instanceof Error ? e.message : String(e)));
  }

  async #reconcile(): Promise<void> {
    if (this.#stopped) return;
    const wanted = this.#wanted();
    for (const [target, l] of [...this.#listening]) {
      if (wanted.has(target)) continue;
      this.#listening.delete(target);
      void l.listener.close();
      for (const s of [...l.sessions]) s.close();
      this.logger.log('INFO', 'server', `${target}: remote deconfigured`);
    }
    for (const [target, options] of wanted) {
      const open = this.#listening.get(target);
      if (open) {
        open.options = options;
        continue;
      }
      try {
        await this.#open(target, options);
        this.#failed.delete(target);
      } catch (e) {
        if (!options.fromDb) throw e;
        if (!this.#failed.has(target)) this.logger.log('WARN', 'server', `${target}: ${e instanceof Error ? e.message : String(e)}`);
        this.#failed.add(target);
      }
    }
    for (const t of [...this.#failed]) if (!wanted.has(t)) this.#failed.delete(t);
    this.#writeStatus();
  }

  /** Every target to listen on now, with its options (a row's options win over a plain --remote's). */
  #wanted(): Map<string, TargetOptions> {
    const wanted = new Map<string, TargetOptions>();
    const lookup = (name: string): DatabaseBackend | undefined => this.server.database(name);
    for (const remote of this.#configured) {
      if (!remote.startsWith('db:')) {
        if (!wanted.has(remote)) wanted.set(remote, PLAIN);
        continue;
      }
      const ref = parseDbColumnRef(remote);
      if (typeof ref === 'string') continue;
      const db = lookup(ref.db);
      if (db && !this.#subscribed.has(db)) this.#subscribed.set(db, db.onCommit(() => this.#refreshSoon()));
      const { remotes, error } = readDbRemotes(lookup, ref);
      if (error !== undefined) this.#warnOnce(error);
      for (const r of remotes) {
        if (!/^p(tcp|ssl|unix):/.test(r.target)) {
          this.#warnOnce(`${r.target}: active remotes (the server connecting out) are not supported; ignored`);
          continue;
        }
        try {
          parsePassiveAddress(r.target);
        } catch (e) {
          this.#warnOnce(`${r.target}: ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
        wanted.set(r.target, { readOnly: r.readOnly, role: r.role, probeIntervalMs: r.inactivityProbeMs, row: r.row, fromDb: true });
      }
    }
    return wanted;
  }

  readonly #warned = new Set<string>();
  #warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.logger.log('WARN', 'server', message);
  }

  async #open(target: string, options: TargetOptions): Promise<void> {
    const address = parsePassiveAddress(target);
    const sessions = new Set<Session>();
    const defaultProbeMs = address.kind === 'punix' ? 0 : PROBE_INTERVAL_MS;
    // The entry is filled in once listen() resolves; a connection cannot arrive before that.
    let entry: Listening | undefined;
    const listener = await listen(address, (socket, peer) => {
      const o = entry?.options ?? options;
      const session = this.server.attach(new JsonRpcConnection(socket, { peer, probeIntervalMs: o.probeIntervalMs ?? defaultProbeMs }));
      session.readOnly = o.readOnly;
      session.role = o.role;
      // RBAC's client id: the CN of an SSL peer's certificate (OVS's stream_get_peer_id()).
      if (socket instanceof TLSSocket) {
        const cn = socket.getPeerCertificate().subject?.CN;
        if (typeof cn === 'string' && cn !== '') session.clientId = cn;
      }
      sessions.add(session);
      session.channel.onClose(() => sessions.delete(session));
    }, { tls: this.tls(), onError: (e) => this.logger.log('WARN', 'server', `${target}: ${e.message}`) });
    if (this.#stopped) {
      void listener.close();
      return;
    }
    entry = { listener, sessions, options };
    this.#listening.set(target, entry);
    this.logger.log('INFO', 'server', `listening on ${formatAddress(listener.address)}`);
  }

  /** Writes is_connected/status of every row-backed remote whose values changed. */
  #writeStatus(): void {
    const byDb = new Map<string, Map<string, { table: string; uuid: Uuid; isConnected: boolean; status: [string, string][] }>>();
    for (const l of this.#listening.values()) {
      const row = l.options.row;
      if (!row) continue;
      const a = l.listener.address;
      const st = passiveStatus({ sessions: l.sessions.size, boundPort: a.kind === 'punix' ? undefined : a.port });
      let m = byDb.get(row.db);
      if (!m) byDb.set(row.db, (m = new Map()));
      m.set(row.uuid, { table: row.table, uuid: row.uuid, ...st });
    }
    for (const [name, statuses] of byDb) {
      const db = this.server.database(name);
      if (!db || db.status().model === 'clustered') continue;
      const ops = statusOps(db, statuses);
      if (ops.length === 0) continue;
      db.transact({ ops, hasLock: () => false }, (results) => {
        const failed = results.find((r) => r !== null && typeof r === 'object' && !Array.isArray(r) && 'error' in r);
        if (failed !== undefined) this.logger.log('DBG', 'server', `${name}: remote status not written: ${JSON.stringify(failed)}`);
      });
    }
  }

  #scheduleStatus(): void {
    if (this.#cancelStatusTimer !== undefined || this.#stopped) return;
    const tick = (): void => {
      if (this.#stopped) return;
      this.#writeStatus();
      this.#cancelStatusTimer = this.clock.setTimer(STATUS_INTERVAL_MS, tick);
    };
    this.#cancelStatusTimer = this.clock.setTimer(STATUS_INTERVAL_MS, tick);
  }
}
