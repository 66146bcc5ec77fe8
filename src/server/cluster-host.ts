/**
 * A clustered database: the OVSDB engine driven by a Raft log (database-backend.ts explains the
 * contract this implements). Every member applies every committed entry, in order, to its
 * `committed` engine; monitors, `rows()` and read-only transactions see only that state.
 *
 * Writes run on the leader, in the leader's order, whatever member the client used:
 *
 *   client ─► member ──(not leader: forward the ops, with a request id)──► leader
 *                                                                            │ run against `spec`
 *                                                                            │ (committed + own
 *                                                                            │  uncommitted entries)
 *                                                                            ▼
 *                                                       propose entry {header: rid, results; record}
 *                                                                            │ Raft: on disk on a majority
 *   every member applies the entry to `committed` ◄──────────────────────────┘
 *     └─ the member that holds the request (found by entry id or rid) replies, after its own
 *        monitors got the commit's updates
 *
 * The leader keeps many entries in flight: each transaction runs against `spec`, which already
 * holds the effects of every entry it proposed, and entries proposed in one turn of the event
 * loop leave in one append (the core batches). Real OVS runs one clustered transaction at a time
 * (prereq chaining), which bounds it to one round trip and one fsync per transaction.
 *
 * If leadership is lost, `spec` is dropped (it may hold entries that will never commit) and
 * rebuilt from `committed` by the next leader, once every entry of earlier terms is applied.
 * A transaction whose entry is definitely not committed (lost, dropped, stale) is re-run; one
 * whose fate is unknown gets a "cluster error" reply. Nothing uncommitted is ever visible to a
 * reader: a read-only transaction on the leader that arrives while entries are in flight is
 * answered only once they are applied, so a client still reads its own earlier writes.
 *
 * Exactly once (Raft thesis §6.3): a forwarded transaction carries a request id (rid) that is
 * written into its entry's header with the results, and remembered in the replicated state
 * (and snapshots); a retry of a rid the leader already logged is not run again.
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import type { Clock } from '../base/clock.js';
import type { Uuid } from '../base/uuid.js';
import { Database, convertDatabase, parseSchema } from '../ovsdb/index.js';
import {
  decodeEntry, decodeSnapshot, encodeConvertEntry, encodeLockEntry, encodeTxnEntry, parseRecordText, PayloadError, snapshotPieces, concatBytes,
} from '../ovsdb/raft-payload.js';
import type { CommitRecord, DatabaseSchema, Row, RowChanges } from '../ovsdb/types.js';
import type { TxnRow } from '../ovsdb/transaction.js';
import {
  entryId, RaftHost, type EntryId, type LogEntry, type NodeId, type ProposalResult, type RaftConfig, type RaftMessage, type Snapshot,
} from '../raft/index.js';
import { decodeMembership, logIndex, nodeId, type Membership } from '../raft/index.js';
import type {
  AppliedCommit, BackendStats, BackendStatus, DatabaseBackend, TxnRequest, TxnTicket,
} from './database-backend.js';
import type { ClusterFrame, ClusterMeta, ClusterNet, ClusterStore, PeerRef } from './cluster-ports.js';
import { decodeAppMessage, type AppMessage } from './cluster-messages.js';
import { ReadBarrier } from './cluster-reads.js';
import { LockTable, parseLockOp, type LockOp, type OwnerChange } from './cluster-lock-table.js';
import type { Logger, UuidSource } from './ports.js';
import { TxnHistory } from './txn-history.js';
import { BlockedTxns } from './blocked-txns.js';

export interface ClusteredHostOptions {
  readonly store: ClusterStore;
  readonly net: ClusterNet;
  readonly clock: Clock;
  readonly newUuid: UuidSource;
  readonly logger: Logger;
  /** Storage failed: stop the process rather than diverge. */
  readonly onFatal: (error: Error) => void;
  /** Runs a function once the current turn's I/O callbacks have run (setImmediate); see TimerPort.defer. */
  readonly defer?: (fn: () => void) => void;
  /** Raft tick length (default 20 ms). */
  readonly tickMs?: number;
  /**
   * Raft settings beyond the defaults: the simulator's swarm picks them (pre-vote, limits,
   * seeds, test faults); production leaves this unset.
   */
  readonly raft?: Omit<RaftConfig, 'id' | 'clusterId' | 'tickMs' | 'bootstrapVoters'>;
  /** Commits kept for monitor_cond_since (default 100). */
  readonly historySize?: number;
  /** Take a snapshot once this many entries follow the last one (default 20,000; false: never on its own). */
  readonly snapshotEveryEntries?: number | false;
}

interface Pending {
  readonly req: TxnRequest;
  /** No operation writes: run against committed state after a read barrier (§6.4). */
  readonly readOnly: boolean;
  readonly done: (results: readonly Json[]) => void;
  readonly startedMs: number;
  retryAtMs: number | undefined;
  cancelTimer: (() => void) | undefined;
  /** Forwarded from another member: its rid and where to answer. */
  readonly remote: { readonly rid: string; readonly address: string } | undefined;
  /** A write that changed nothing waited for a read barrier and runs again (see #run). */
  barrierPassed?: boolean;
}

/** A write this member forwarded to the leader, waiting for its entry (by rid) to be applied. */
interface Forwarded {
  readonly p: Pending;
  readonly rid: string;
  sentAtMs: number;
  sentTo: string | undefined;
  /** The leader answered without an entry (read-only or failed): reply once applied this far. */
  waitIndex: number | undefined;
  results: readonly Json[] | undefined;
}

const FINISHED: TxnTicket = { cancel: () => false };

/** What the cluster-wide lock service (cluster-locks.ts) learns from the host. */
export interface LockListener {
  /** A lock entry was applied (on every member, in log order); `mine`: proposed here. */
  applied(op: LockOp, changes: readonly OwnerChange[], mine: boolean): void;
  /** Contact with a leader was lost (false) or regained (true). */
  contact(live: boolean): void;
  /** Owner-key prefix of this process (`SID:BOOT:`): what a restart releases is the rest of `SID:`. */
  readonly ownPrefix: string;
}
const ZERO_UUID = '00000000-0000-0000-0000-000000000000' as Uuid;
/** Request ids remembered in the replicated state (a retry older than this many writes is run again). */
const RIDS_MAX = 20_000;
const FORWARD_RETRY_MS = 1000;
const JOIN_RETRY_MS = 1000;

function clusterError(details: string): Json[] {
  return [{ error: 'cluster error', details }];
}

export class ClusteredHost implements DatabaseBackend {
  readonly #o: ClusteredHostOptions;
  #meta: ClusterMeta;
  #raft: RaftHost | undefined;
  #db: Database;
  /** Leader only: committed state plus this leader's uncommitted entries. */
  #spec: Database | undefined;
  #specLastId: EntryId | null = null;
  /** The term `spec` was built in: it is valid only while this member leads that term. */
  #specTerm = 0;
  #appliedIndex = 0;
  #lastNormalId: EntryId | null = null;
  readonly #history: TxnHistory;
  /** Leader: local transactions by entry id, waiting for their entry to apply. */
  readonly #proposed = new Map<string, {
    readonly p: Pending; readonly results: readonly Json[]; readonly record: CommitRecord | undefined;
    /** The transaction's row changes: the committed state applies them as they are (Database.applyTxnRows). */
    rows: readonly TxnRow[] | undefined;
  }>();
  /** Leader: replies of read-only/failed transactions held until entry `afterId` applies. */
  #held: { readonly afterId: string; readonly p: Pending; readonly results: readonly Json[] }[] = [];
  /** Rids applied (rid → index), oldest first. */
  readonly #rids = new Map<string, number>();
  readonly #forwarded = new Map<string, Forwarded>();
  /**
   * Leader: rids of forwarded writes taken here and not yet answered. A resend of one (the
   * follower's retry timer, or a reconnect) must not run it again: both entries would commit,
   * and `#rids` only knows rids already applied. (Found by the simulator, seed 13.)
   */
  readonly #ridsInFlight = new Set<string>();
  #ridCounter = 0;
  readonly #ridPrefix: string;
  readonly #blocked: BlockedTxns<Pending>;
  /** Writes that arrived before this (joining) member had any contents. */
  #beforeContents: Pending[] = [];
  readonly #listeners = new Set<(c: AppliedCommit) => void>();
  readonly #convertListeners = new Set<() => void>();
  readonly #statusListeners = new Set<() => void>();
  #statusKey = '';
  #statusIndex = 0;
  #statusIndexMs = 0;
  #closed = false;
  #cancelPoll: (() => void) | undefined;
  #lastJoinMs = -Infinity;
  #lastSnapshotIndex = 0;
  #lastSnapshotBytes = 0;
  #progressLoggedMs = -Infinity;
  /** Longest gap between two polls beyond their period: how long the event loop stalled. */
  #maxStallMs = 0;
  #lastPollMs: number | undefined;
  #snapshotting = false;
  readonly #ctx: {
    nowMs: number; startedMs: number; newUuid: UuidSource; hasLock: (name: string) => boolean;
    readOnly: boolean; rbac: { readonly role: string; readonly id: string | undefined } | undefined;
  };
  readonly #knownAddresses = new Map<string, string>();
  readonly #counters = { proposed: 0, forwardedOut: 0, forwardedIn: 0, rerun: 0, elections: 0 };
  /** The replicated lock table (cluster-lock-table.ts), applied from the log like the database. */
  readonly lockTable = new LockTable();
  #lockListener: LockListener | undefined;
  readonly #lockWaiters = new Map<string, (committed: boolean) => void>();
  /** When a frame last came from each member (sid), for releasing a dead member's locks. */
  readonly #lastHeard = new Map<string, number>();
  #lastLeaderContactMs = 0;
  #leaderSinceMs = 0;
  #contactLive = false;
  /** Contact with a leader was established once (the first "lost contact" is worth a log line). */
  #everLive = false;
  /** When this member last knew a leader (the `connected` grace, see status()). */
  #lastHadLeaderMs = -Infinity;
  /** Writes that reached this member while it leads but before its `spec` is built. */
  #awaitingSpec: Pending[] = [];
  #bootReleasing = false;
  readonly #releasing = new Set<string>();
  #lastConfig: Membership | undefined;
  /** The leader said this member was removed: it no longer takes part (cluster/status "left cluster"). */
  #left = false;
  readonly #reads: ReadBarrier;

  constructor(opts: ClusteredHostOptions) {
    this.#o = opts;
    this.#meta = opts.store.meta();
    this.#ctx = { nowMs: 0, startedMs: 0, newUuid: opts.newUuid, hasLock: () => false, readOnly: false, rbac: undefined };
    this.#ridPrefix = `${this.#meta.sid.slice(0, 8)}-${opts.newUuid().slice(0, 8)}`;
    const snap = opts.store.snapshot();
    this.#db = snap === undefined ? new Database(parseSchema(placeholderSchema(this.#meta.name))) : this.#loadSnapshot(snap);
    this.#history = new TxnHistory(this.#historyBase(), opts.historySize ?? 100);
    this.#blocked = new BlockedTxns<Pending>(opts.clock, (p) => this.#run(p));
    this.#reads = new ReadBarrier({
      readIndex: (id) => {
        if (this.#raft !== undefined) this.#raft.readIndex(id);
        else opts.clock.setTimer(0, () => this.#reads.onReadState({ requestId: id, ok: false, index: logIndex(0) }));
      },
      appliedIndex: () => this.#appliedIndex,
      setTimer: (ms, fn) => opts.clock.setTimer(ms, fn),
    }, `read-${this.#meta.sid.slice(0, 8)}`);
    opts.net.onFrame((f, from) => this.#onFrame(f, from));
    opts.net.onPeerLost((from) => this.#onPeerLost(from));
    if (this.#meta.cid !== null) this.#startRaft(this.#meta.cid);
    this.#poll();
  }

  // ---- DatabaseBackend ----------------------------------------------------------------------

  get name(): string {
    return this.#meta.name;
  }

  /** The engine checks read-only sessions and RBAC roles itself (see #run). */
  readonly honorsReadOnly = true;

  /** The member's identity (cluster/cid, cluster/sid, cluster/status). */
  get meta(): ClusterMeta {
    return this.#meta;
  }

  /** True once the leader told this member it was removed (cluster/leave, cluster/kick). */
  get left(): boolean {
    return this.#left;
  }

  /** The Raft host (cluster/* commands); undefined while a joining member waits for its cid. */
  get raft(): RaftHost | undefined {
    return this.#raft;
  }

  /** The committed engine (tests). */
  get engine(): Database {
    return this.#db;
  }

  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  schema(): DatabaseSchema {
    return this.#db.schema;
  }

  status(): BackendStatus {
    const core = this.#raft?.core;
    const joined = core !== undefined && core.isMember && !this.#left && this.#hasContents();
    // An election is not an outage: a member that had a leader within the last election timeout
    // keeps saying so (it holds requests meanwhile), as OVS keeps `connected` until an election
    // has failed. Flipping at once made every IDL on the survivors drop its session at each
    // leader change, and a client given all members found none to use.
    const hasLeader = core !== undefined && (core.leader !== null || this.#nowMs() - this.#lastHadLeaderMs < core.electionTimerMs);
    return {
      model: 'clustered',
      connected: joined && hasLeader,
      // Every member with a live leader is a full entry point (writes are forwarded, reads go
      // through ReadIndex), so default leader-only clients may use any of them; cluster/status
      // still shows the true Raft role.
      leader: joined && hasLeader,
      index: this.#appliedIndex,
      cid: (this.#meta.cid ?? undefined) as Uuid | undefined,
      sid: this.#meta.sid as Uuid,
    };
  }

  rows(table: string): Iterable<Row> {
    return this.#db.table(table)?.values() ?? [];
  }

  transact(req: TxnRequest, done: (results: readonly Json[]) => void): TxnTicket {
    if (this.#closed) return FINISHED;
    const p: Pending = { req, readOnly: isReadOnly(req.ops), done, startedMs: this.#nowMs(), retryAtMs: undefined, cancelTimer: undefined, remote: undefined };
    if (p.readOnly) {
      // Linearizable on every member: run once this member has applied everything committed
      // before the request arrived. A blocked `wait` then re-runs on later commits as usual.
      let cancelled = false;
      this.#reads.wait(() => {
        if (cancelled || this.#closed) return;
        if (!this.#run(p)) this.#blocked.add(p);
      });
      return {
        cancel: () => {
          if (!this.#blocked.cancel(p)) cancelled = true;
          return true;
        },
      };
    }
    if (!this.#hasContents()) {
      // A member still joining has no database yet: hold writes until the snapshot arrives.
      this.#beforeContents.push(p);
      return FINISHED;
    }
    if (this.#run(p)) return FINISHED;
    return this.#blocked.add(p);
  }

  /** Runs `action` once this member's state is linearizable (monitor initial dumps). */
  readBarrier(action: () => void): void {
    this.#reads.wait(action);
  }

  afterPending(action: () => void): void {
    // Everything applied here is committed (on disk on a majority): nothing to wait for.
    action();
  }

  onCommit(listener: (commit: AppliedCommit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onConvert(listener: () => void): () => void {
    this.#convertListeners.add(listener);
    return () => this.#convertListeners.delete(listener);
  }

  onStatusChange(listener: () => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  lastTxnId(): Uuid {
    return this.#history.lastTxnId;
  }

  changesSince(txnId: Uuid): RowChanges[] | undefined {
    return this.#history.since(txnId);
  }

  async convert(schema: DatabaseSchema): Promise<void> {
    const spec = this.#spec;
    const raft = this.#raft;
    if (spec === undefined || raft === undefined) throw new Error('not leader: convert the database through the cluster leader');
    const converted = convertDatabase(spec, schema); // throws OvsdbError if the data does not fit
    const id = entryId(this.#o.newUuid());
    const data = encodeConvertEntry(schema.json, converted, { date: this.#o.clock.wallMs() });
    await new Promise<void>((resolve, reject) => {
      this.#convertWaiters.set(id, { resolve, reject });
      this.#specLastId = id;
      this.#spec = converted;
      raft.propose({ id, data });
    });
  }

  readonly #convertWaiters = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();

  async compact(): Promise<void> {
    this.#snapshot(true);
  }

  stats(): BackendStats {
    let rows = 0;
    let cells = 0;
    for (const t of this.#db.schema.tables.values()) {
      const n = this.#db.table(t.name)?.size ?? 0;
      rows += n;
      cells += n * t.columns.size;
    }
    const st = this.#o.store.stats();
    return { rows, cells, blockedTxns: this.#blocked.size, historyTxns: this.#history.size, diskWrites: st.writes, diskSyncs: st.syncs };
  }

  /** Raft counters for memory/show and cluster/status. */
  raftStats(): Record<string, number> {
    const core = this.#raft?.core;
    return {
      'raft-term': core?.term ?? 0, 'raft-commit': core?.commitIndex ?? 0, 'raft-applied': this.#appliedIndex,
      'raft-log': this.#o.store.stats().entries, 'raft-in-flight': this.#proposed.size, 'raft-forwarded': this.#forwarded.size,
      'raft-elections-won': this.#counters.elections, 'raft-reruns': this.#counters.rerun,
      'raft-reads': this.#reads.rounds, 'raft-max-stall-ms': Math.round(this.#maxStallMs),
    };
  }

  /**
   * Stops serving. A leader first hands leadership over (bounded by `handoverMs`), so a
   * rolling restart fails no client request.
   */
  async close(handoverMs = 1000): Promise<void> {
    if (this.#closed) return;
    const raft = this.#raft;
    if (raft !== undefined && raft.core.role === 'leader' && raft.core.config.voters.length > 1) {
      const r = raft.transferLeadership();
      if (r.ok) {
        this.#o.logger.log('INFO', 'raft', `${this.name}: transferring leadership before exiting`);
        const deadline = this.#o.clock.nowMs() + handoverMs;
        while (raft.core.role === 'leader' && this.#o.clock.nowMs() < deadline) {
          await new Promise<void>((resolve) => this.#o.clock.setTimer(10, resolve));
        }
      }
    }
    this.#closed = true;
    this.#cancelPoll?.();
    this.#reads.stop();
    raft?.stop();
    this.#blocked.takeAll();
    await this.#o.net.close();
    await this.#o.store.close();
  }

  // ---- cluster administration (cluster/* commands) -----------------------------------------

  /** Asks the leader to remove this member (cluster/leave). */
  leave(): string | undefined {
    const raft = this.#raft;
    if (raft === undefined) return 'not yet part of a cluster';
    const me = nodeId(this.#meta.sid);
    if (raft.core.role === 'leader') {
      const r = raft.proposeConfChange({ type: 'remove', node: me });
      return r.ok ? undefined : r.error;
    }
    const leader = this.#leaderAddress();
    if (leader === undefined) return 'no leader';
    this.#o.net.send(leader, { kind: 'app', body: { t: 'leave', sid: this.#meta.sid } });
    return undefined;
  }

  /** Removes `sid` (cluster/kick), through the leader. */
  kick(sid: string): string | undefined {
    const raft = this.#raft;
    if (raft === undefined) return 'not yet part of a cluster';
    if (raft.core.role === 'leader') {
      const r = raft.proposeConfChange({ type: 'remove', node: nodeId(sid) });
      return r.ok ? undefined : r.error;
    }
    const leader = this.#leaderAddress();
    if (leader === undefined) return 'no leader';
    this.#o.net.send(leader, { kind: 'app', body: { t: 'leave', sid } });
    return undefined;
  }

  // ---- cluster-wide locks ------------------------------------------------------------------

  /** The lock service that owns this database's replicated lock table (one per server). */
  setLockListener(listener: LockListener): void {
    this.#lockListener = listener;
  }

  /**
   * Proposes a lock operation from this member (the core forwards it to the leader). `done`
   * learns whether it was committed (then it has been applied here) or not (retry). False if
   * there is no Raft yet (a joining member).
   */
  proposeLock(op: LockOp, done: (committed: boolean) => void): boolean {
    const raft = this.#raft;
    if (raft === undefined || this.#closed) return false;
    const id = entryId(this.#o.newUuid());
    this.#lockWaiters.set(id, done);
    raft.propose({ id, data: encodeLockEntry(op as unknown as Json) });
    // A proposal forwarded to a leader that just died gets no answer at all: give up on it after
    // an election timeout and let the caller propose again. Lock operations are idempotent, so
    // if the first copy commits after all, applying the second changes nothing.
    this.#o.clock.setTimer(raft.core.electionTimerMs, () => {
      if (!this.#lockWaiters.delete(id)) return;
      done(false);
    });
    return true;
  }

  #applyLock(e: LogEntry, raw: Json): void {
    const op = parseLockOp(raw);
    const waiter = this.#lockWaiters.get(e.id);
    this.#lockWaiters.delete(e.id);
    if (op === undefined) {
      this.#o.logger.log('WARN', 'raft', `${this.name}: ignoring malformed lock entry at index ${e.index}`);
      waiter?.(true);
      return;
    }
    const changes = this.lockTable.apply(op);
    this.#lockListener?.applied(op, changes, waiter !== undefined);
    waiter?.(true);
  }

  /**
   * Lock leases (cluster-locks.ts has the timeline): tell the lock service when contact with a
   * leader is lost or regained; as leader, release the locks of members not heard from for
   * two election timeouts; after a restart, release what the previous incarnation held.
   */
  #lockPoll(now: number): void {
    const core = this.#raft?.core;
    const listener = this.#lockListener;
    if (core === undefined || listener === undefined) return;
    const timer = core.electionTimerMs;
    // The lease runs for one election timeout from the last frame of a leader (or from the last
    // moment this member led), whatever elections happen meanwhile: a quick failover keeps it.
    if (core.role === 'leader') this.#lastLeaderContactMs = now;
    const live = now - this.#lastLeaderContactMs <= timer;
    if (live !== this.#contactLive) {
      this.#contactLive = live;
      if (live || this.#everLive) {
        this.#o.logger.log(live ? 'INFO' : 'WARN', 'raft', `${this.name}: ${live ? 'in contact with the leader' : 'lost contact with the leader for an election timeout: local lock holders are told their locks are stolen'}`);
      }
      if (live) this.#everLive = true;
      listener.contact(live);
    }
    // What a previous incarnation of this member held is released as soon as this member sees
    // it in the replicated table (checked on every poll, not once: a restarted member may only
    // learn of those owners once it has caught up with the log; the leader never releases them
    // itself, since this member is alive).
    if (!this.#bootReleasing && core.leader !== null) {
      const sidPrefix = `${this.#meta.sid}:`;
      if (this.lockTable.entries().some(([, q]) => q.some((o) => o.startsWith(sidPrefix) && !o.startsWith(listener.ownPrefix)))) {
        this.#bootReleasing = true;
        this.proposeLock({ op: 'release', prefix: sidPrefix, keep: listener.ownPrefix }, () => {
          this.#bootReleasing = false;
        });
      }
    }
    if (core.role !== 'leader' || this.#spec === undefined) return;
    for (const [, queue] of this.lockTable.entries()) {
      for (const owner of queue) {
        const sid = owner.slice(0, owner.indexOf(':'));
        if (sid === this.#meta.sid || this.#releasing.has(sid)) continue;
        const last = Math.max(this.#lastHeard.get(sid) ?? 0, this.#leaderSinceMs);
        if (now - last <= 2 * timer) continue;
        this.#releasing.add(sid);
        this.#o.logger.log('INFO', 'raft', `${this.name}: releasing the locks of ${sid.slice(0, 4)}, not heard from for ${Math.round(now - last)} ms`);
        this.proposeLock({ op: 'release', prefix: `${sid}:` }, () => this.#releasing.delete(sid));
      }
    }
  }

  // ---- transactions ------------------------------------------------------------------------

  #nowMs(): number {
    return Math.floor(this.#o.clock.nowMs());
  }

  /** Runs one transaction; false if it is blocked on a `wait`. */
  #run(p: Pending): boolean {
    if (!p.readOnly && this.#spec !== undefined) {
      // A member that lost leadership since #checkRole last ran must not run a write on `spec`:
      // the core would forward the entry to the new leader, which appends it as it is, computed
      // on a state that misses that leader's entries (a lost update; without a prereq nothing
      // refuses it). Found by the simulator, seed 410.
      const core = this.#raft?.core;
      if (core === undefined || core.role !== 'leader' || core.term !== this.#specTerm) this.#dropSpec();
    }
    const spec = p.readOnly ? undefined : this.#spec;
    const ctx = this.#ctx;
    ctx.nowMs = this.#nowMs();
    ctx.startedMs = p.startedMs;
    ctx.hasLock = p.req.hasLock;
    // A read-only remote's session and RBAC roles are checked by the engine where the
    // transaction runs: here for reads and refused writes, on the leader for forwarded writes.
    ctx.readOnly = p.req.readOnly ?? false;
    ctx.rbac = p.req.rbac;
    const outcome = (spec ?? this.#db).transact(p.req.ops, ctx);
    if (outcome.kind === 'blocked') {
      p.retryAtMs = outcome.retryAtMs;
      return false;
    }
    const text = outcome.recordText;
    if (text === undefined && outcome.record === undefined) {
      // Read-only or failed: answered from committed state (see the file comment).
      if (spec !== undefined && this.#specLastId !== null && this.#proposed.size > 0) {
        this.#held.push({ afterId: this.#specLastId, p, results: outcome.results });
      } else if (p.readOnly || p.barrierPassed === true) {
        this.#reply(p, outcome.results, this.#appliedIndex);
      } else {
        // A write that changed nothing (a mutate that matched no row, a failed constraint) still
        // read the state, and this member's committed state may be stale (a follower behind, a
        // deposed leader): run it again once that state is proven current, as a read (§6.4).
        // (Found by the simulator, seed 69: a follower answered "mutate count 0" for a row
        // inserted and acknowledged before the transaction began.)
        p.barrierPassed = true;
        this.#reads.wait(() => {
          if (!this.#closed && !this.#run(p)) this.#blocked.add(p);
        });
      }
      return true;
    }
    if (spec === undefined && this.#raft?.core.role === 'leader' && !p.readOnly) {
      // Elected, but earlier terms' entries are not all applied yet: run it once `spec` exists
      // (tens of milliseconds) rather than bounce it through the network to ourselves.
      this.#awaitingSpec.push(p);
      return true;
    }
    if (spec === undefined || this.#raft === undefined) {
      if (p.readOnly) throw new Error('a read-only transaction produced a commit record');
      if (p.remote !== undefined) this.#answerRetry(p.remote);
      else this.#forward(p);
      return true;
    }
    const id = entryId(this.#o.newUuid());
    const recordText = text ?? JSON.stringify(outcome.record);
    const record = text !== undefined ? undefined : outcome.record;
    const rows = Database.rowsOf(outcome);
    spec.applyOutcome(outcome);
    const meta = {
      date: this.#o.clock.wallMs(),
      ...(outcome.comment !== undefined ? { comment: outcome.comment } : {}),
      ...(p.remote !== undefined ? { rid: p.remote.rid } : {}),
    };
    const data = encodeTxnEntry(recordText, meta, p.remote !== undefined ? outcome.results : undefined);
    this.#proposed.set(id, { p, results: outcome.results, record, rows });
    this.#counters.proposed++;
    // No prereq: the leader appends at once, after every entry `spec` already holds, and lock
    // entries that followers forward in between change no table.
    this.#specLastId = id;
    this.#raft.propose({ id, data });
    return true;
  }

  #reply(p: Pending, results: readonly Json[], index: number): void {
    if (p.remote !== undefined) {
      this.#ridsInFlight.delete(p.remote.rid);
      this.#o.net.send(p.remote.address, { kind: 'app', body: { t: 'txnReply', rid: p.remote.rid, index, results } });
      return;
    }
    p.done(results);
  }

  #answerRetry(remote: { readonly rid: string; readonly address: string }): void {
    this.#ridsInFlight.delete(remote.rid);
    this.#o.net.send(remote.address, { kind: 'app', body: { t: 'txnReply', rid: remote.rid, retry: true } });
  }

  // ---- forwarding (follower side) -----------------------------------------------------------

  #forward(p: Pending): void {
    const rid = `${this.#ridPrefix}-${++this.#ridCounter}`;
    const f: Forwarded = { p, rid, sentAtMs: 0, sentTo: undefined, waitIndex: undefined, results: undefined };
    this.#forwarded.set(rid, f);
    this.#counters.forwardedOut++;
    this.#sendForward(f);
  }

  #sendForward(f: Forwarded): void {
    const leader = this.#leaderAddress();
    f.sentAtMs = this.#nowMs();
    f.sentTo = leader;
    if (leader === undefined) return; // resent by #poll once a leader is known
    const rbac = f.p.req.rbac;
    this.#o.net.send(leader, { kind: 'app', body: { t: 'txn', rid: f.rid, ops: f.p.req.ops, locks: heldLocks(f.p.req), ...(rbac !== undefined ? { rbac: { role: rbac.role, ...(rbac.id !== undefined ? { id: rbac.id } : {}) } } : {}) } });
  }

  #leaderAddress(): string | undefined {
    const leader = this.#raft?.core.leader;
    if (leader === null || leader === undefined) return undefined;
    return this.#addressOf(leader);
  }

  #addressOf(id: string): string | undefined {
    return this.#raft?.core.config.addresses?.[id] ?? this.#knownAddresses.get(id);
  }

  // ---- Raft ----------------------------------------------------------------------------------

  #startRaft(cid: string): void {
    this.#o.net.setClusterId(cid);
    const clock = this.#o.clock;
    const timers = { setTimer: (ms: number, fn: () => void) => clock.setTimer(ms, fn), nowMs: () => clock.nowMs(), ...(this.#o.defer !== undefined ? { defer: this.#o.defer } : {}) };
    const host: RaftHost = new RaftHost({
      // Lease reads (thesis §6.4.1): a leader that a quorum acknowledged within an election
      // timeout (less a 10 % clock-drift margin) answers ReadIndex at once, without a heartbeat
      // round; time is elapsed time, so a stalled leader's lease expires with the stall.
      config: { leaseReads: true, ...this.#o.raft, id: nodeId(this.#meta.sid), clusterId: cid, tickMs: this.#o.tickMs ?? 20 },
      store: this.#o.store,
      transport: { send: (m) => this.#sendRaft(m) },
      timers,
      events: {
        onApply: (entries) => this.#apply(entries),
        onSnapshot: (s) => this.#installSnapshot(s),
        onProposalResult: (r) => this.#proposalResult(r),
        onReadState: (r) => this.#reads.onReadState(r),
        onFatal: (e) => this.#o.onFatal(e),
      },
    });
    this.#raft = host;
    this.#appliedIndex = host.core.appliedIndex;
    this.#lastConfig = host.core.config;
    // The only voter need not wait out an election timeout to lead (ovn-ctl's first command
    // after starting a one-member cluster would otherwise find no leader).
    const voters = host.core.config.voters;
    if (voters.length === 1 && voters[0] === this.#meta.sid) host.campaign();
    host.start();
    // Connect to every member now (a hello each): a restarted member is seen at once, rather
    // than when the leader's reconnect backoff next tries it.
    for (const [id, address] of Object.entries(host.core.config.addresses ?? {})) {
      if (id !== this.#meta.sid) this.#o.net.send(address, { kind: 'app', body: { t: 'hello' } });
    }
  }

  #sendRaft(m: RaftMessage): void {
    if (m.to === this.#meta.sid) {
      this.#raft?.receive(m);
      return;
    }
    const address = this.#addressOf(m.to);
    if (address === undefined) return;
    this.#o.net.send(address, { kind: 'raft', msg: m });
  }

  #onFrame(f: ClusterFrame, from: PeerRef): void {
    if (this.#closed) return;
    this.#knownAddresses.set(from.sid, from.address);
    const now = this.#nowMs();
    this.#lastHeard.set(from.sid, now);
    if (from.sid === this.#raft?.core.leader) this.#lastLeaderContactMs = now;
    if (f.kind === 'raft') {
      this.#raft?.receive(f.msg);
      return;
    }
    const msg = decodeAppMessage(f.body);
    if (msg === undefined) {
      this.#o.logger.log('WARN', 'raft', `${from.address}: dropped malformed cluster message`);
      return;
    }
    this.#onApp(msg, from);
  }

  #onPeerLost(from: PeerRef): void {
    const raft = this.#raft as (RaftHost & { peerLost?: (n: NodeId) => void }) | undefined;
    raft?.peerLost?.(nodeId(from.sid));
  }

  #onApp(msg: AppMessage, from: PeerRef): void {
    switch (msg.t) {
      case 'txn': {
        this.#counters.forwardedIn++;
        const applied = this.#rids.get(msg.rid);
        if (applied !== undefined) {
          this.#o.net.send(from.address, { kind: 'app', body: { t: 'txnReply', rid: msg.rid, index: applied, duplicate: true } });
          return;
        }
        if (this.#ridsInFlight.has(msg.rid)) return; // answered when its entry applies, or with a retry
        if (this.#spec === undefined) {
          this.#answerRetry({ rid: msg.rid, address: from.address });
          return;
        }
        this.#ridsInFlight.add(msg.rid);
        const locks = new Set(msg.locks);
        const p: Pending = {
          req: { ops: msg.ops, hasLock: (name) => locks.has(name), ...(msg.rbac !== undefined ? { rbac: msg.rbac } : {}) }, readOnly: false, done: () => undefined,
          startedMs: this.#nowMs(), retryAtMs: undefined, cancelTimer: undefined, remote: { rid: msg.rid, address: from.address },
        };
        if (!this.#run(p)) this.#blocked.add(p);
        return;
      }
      case 'txnReply': {
        const f = this.#forwarded.get(msg.rid);
        if (f === undefined) return;
        if (msg.retry) {
          f.sentTo = undefined; // resent by #poll, to whoever leads by then
          f.sentAtMs = this.#nowMs() - FORWARD_RETRY_MS + 100;
          return;
        }
        if (msg.duplicate && msg.index <= this.#appliedIndex) {
          this.#forwarded.delete(msg.rid);
          f.p.done(clusterError('the transaction committed, but its results were not kept; check the database before retrying'));
          return;
        }
        f.waitIndex = msg.index;
        f.results = msg.results;
        this.#releaseForwarded();
        return;
      }
      case 'hello': return;
      case 'removed': {
        const raft = this.#raft;
        if (raft === undefined || msg.sid !== this.#meta.sid || from.sid !== raft.core.leader) return;
        this.#left = true;
        raft.stop();
        this.#reads.stop();
        this.#o.logger.log('INFO', 'raft', `${this.name}: left the cluster (removed by ${from.sid.slice(0, 4)}); this database is no longer served`);
        this.#checkRole();
        return;
      }
      case 'join': this.#onJoin(msg, from); return;
      case 'joinReply': this.#onJoinReply(msg); return;
      case 'leave': {
        const raft = this.#raft;
        if (raft === undefined) return;
        if (raft.core.role === 'leader') {
          const r = raft.proposeConfChange({ type: 'remove', node: nodeId(msg.sid) });
          this.#o.logger.log('INFO', 'raft', `${this.name}: removing ${msg.sid.slice(0, 4)}: ${r.ok ? 'proposed' : r.error}`);
        } else {
          const leader = this.#leaderAddress();
          if (leader !== undefined) this.#o.net.send(leader, { kind: 'app', body: msg });
        }
        return;
      }
    }
  }

  #releaseForwarded(): void {
    for (const [rid, f] of this.#forwarded) {
      if (f.waitIndex !== undefined && f.results !== undefined && f.waitIndex <= this.#appliedIndex) {
        this.#forwarded.delete(rid);
        f.p.done(f.results);
      }
    }
  }

  // ---- membership: join ---------------------------------------------------------------------

  #onJoin(msg: Extract<AppMessage, { t: 'join' }>, from: PeerRef): void {
    const raft = this.#raft;
    const cid = this.#meta.cid;
    if (raft === undefined || cid === null) return;
    if (msg.name !== this.name) {
      this.#o.net.send(msg.address, { kind: 'app', body: { t: 'joinReply', cid, ok: false, error: `this cluster serves database ${this.name}, not ${msg.name}` } });
      return;
    }
    if (raft.core.role !== 'leader') {
      const leader = this.#leaderAddress();
      if (leader !== undefined && leader !== from.address) this.#o.net.send(leader, { kind: 'app', body: msg });
      this.#o.net.send(msg.address, { kind: 'app', body: { t: 'joinReply', cid, ok: false, error: 'not leader' } });
      return;
    }
    this.#knownAddresses.set(msg.sid, msg.address);
    const r = raft.proposeConfChange({ type: 'addVoter', node: nodeId(msg.sid), address: msg.address });
    if (r.ok) this.#o.logger.log('INFO', 'raft', `${this.name}: adding ${msg.sid.slice(0, 4)} (${msg.address}) to the cluster`);
    this.#o.net.send(msg.address, { kind: 'app', body: { t: 'joinReply', cid, ok: r.ok, ...(r.ok ? {} : { error: r.error }) } });
  }

  #onJoinReply(msg: Extract<AppMessage, { t: 'joinReply' }>): void {
    if (this.#meta.cid === null) {
      const meta = { ...this.#meta, cid: msg.cid };
      this.#meta = meta;
      this.#o.store.setMeta(meta).then(
        () => this.#o.logger.log('INFO', 'raft', `${this.name}: learned cluster id ${msg.cid}`),
        (e: unknown) => this.#o.onFatal(e instanceof Error ? e : new Error(String(e))),
      );
      this.#startRaft(msg.cid);
    }
  }

  #joining(): boolean {
    return this.#meta.remotes.length > 0;
  }

  #joinStep(): void {
    const raft = this.#raft;
    if (raft !== undefined && raft.core.isVoter) {
      const meta = { ...this.#meta, remotes: [] };
      this.#meta = meta;
      this.#o.logger.log('INFO', 'raft', `${this.name}: joined the cluster ${meta.cid ?? ''} as ${meta.sid.slice(0, 4)}`);
      this.#o.store.setMeta(meta).catch((e: unknown) => this.#o.onFatal(e instanceof Error ? e : new Error(String(e))));
      return;
    }
    const now = this.#nowMs();
    if (now - this.#lastJoinMs < JOIN_RETRY_MS) return;
    this.#lastJoinMs = now;
    const targets = new Set(this.#meta.remotes);
    const leader = this.#leaderAddress();
    if (leader !== undefined) targets.add(leader);
    for (const address of targets) {
      this.#o.net.send(address, { kind: 'app', body: { t: 'join', sid: this.#meta.sid, address: this.#meta.local, name: this.#meta.name } });
    }
  }

  // ---- applying committed entries ------------------------------------------------------------

  #apply(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      if (e.kind === 'normal') this.#applyNormal(e);
      else if (e.kind === 'config') this.#applyConfig(e);
      this.#appliedIndex = e.index;
    }
    this.#checkRole();
    this.#releaseForwarded();
    this.#reads.onApplied();
    this.#releaseBeforeContents();
    this.#blocked.retryAll();
    this.#maybeSnapshot();
  }

  /**
   * A committed membership change. A removed member never receives the entry that removes it
   * (the leader stops replicating to it), so the leader tells it, as OVS's leader answers a
   * leaving server: it then stops taking part and reports "left cluster".
   */
  #applyConfig(e: LogEntry): void {
    const next = decodeMembership(e.data);
    const prev = this.#lastConfig;
    if (next === undefined) return;
    this.#lastConfig = next;
    if (prev === undefined || this.#raft?.core.role !== 'leader') return;
    for (const id of [...prev.voters, ...prev.learners]) {
      if (next.voters.includes(id) || next.learners.includes(id) || id === this.#meta.sid) continue;
      const address = prev.addresses?.[id];
      this.#o.logger.log('INFO', 'raft', `${this.name}: ${id.slice(0, 4)} removed from the cluster`);
      if (address !== undefined) this.#o.net.send(address, { kind: 'app', body: { t: 'removed', sid: id } });
    }
  }

  #applyNormal(e: LogEntry): void {
    let entry;
    try {
      entry = decodeEntry(e.data);
    } catch (err) {
      // Crashing beats diverging (TigerBeetle): every member would meet the same entry.
      const why = err instanceof PayloadError ? err.message : String(err);
      this.#o.onFatal(new Error(`${this.name}: Raft log entry ${e.index} is not an OVSDB transaction (${why})`));
      return;
    }
    this.#lastNormalId = e.id;
    if (entry.rid !== undefined) this.#rememberRid(entry.rid, e.index);
    if (entry.kind === 'lock') {
      this.#applyLock(e, entry.op);
      return;
    }
    if (entry.kind === 'convert') {
      const db = new Database(parseSchema(entry.schema));
      for (const r of entry.records) db.apply(r);
      this.#db = db;
      // The rebuilt state has new row objects: later entries of ours apply from their records.
      for (const v of this.#proposed.values()) v.rows = undefined;
      this.#history.reset(e.id as string as Uuid);
      if (this.#spec !== undefined && this.#specLastId === e.id) this.#spec = db.clone();
      for (const l of this.#convertListeners) l();
      const w = this.#convertWaiters.get(e.id);
      this.#convertWaiters.delete(e.id);
      w?.resolve();
      return;
    }
    const mine = this.#proposed.get(e.id);
    // This leader's own entry: the committed state is now exactly the state the transaction
    // ran against in `spec`, so its rows apply as they are, with no record parsed.
    const changes = mine?.rows !== undefined
      ? this.#db.applyTxnRows(mine.rows)
      : this.#db.apply(mine?.record ?? parseRecordText(entry.recordText));
    const commit: AppliedCommit = { txnId: e.id as string as Uuid, changes };
    this.#history.addEntry(commit);
    for (const l of this.#listeners) l(commit);
    if (mine !== undefined) {
      this.#proposed.delete(e.id);
      this.#reply(mine.p, mine.results, e.index);
    }
    if (entry.rid !== undefined) {
      const f = this.#forwarded.get(entry.rid);
      if (f !== undefined) {
        this.#forwarded.delete(entry.rid);
        f.p.done(entry.results ?? clusterError('committed without results'));
      }
    }
    if (this.#held.length > 0) this.#releaseHeld(e.id);
  }

  #releaseBeforeContents(): void {
    if (this.#beforeContents.length === 0 || !this.#hasContents()) return;
    for (const p of this.#beforeContents.splice(0)) if (!this.#run(p)) this.#blocked.add(p);
  }

  #releaseHeld(applied: string): void {
    const i = this.#held.findIndex((h) => h.afterId === applied);
    if (i < 0) return;
    const ready = this.#held.splice(0, i + 1).filter((h, k) => k <= i);
    // Entries are applied in proposal order: everything held behind an earlier id is due too.
    for (const h of ready) this.#reply(h.p, h.results, this.#appliedIndex);
  }

  #rememberRid(rid: string, index: number): void {
    this.#rids.set(rid, index);
    if (this.#rids.size > RIDS_MAX) {
      const oldest = this.#rids.keys().next().value;
      if (oldest !== undefined) this.#rids.delete(oldest);
    }
  }

  #proposalResult(r: ProposalResult): void {
    if (r.outcome === 'committed') return; // replied when applied
    const w = this.#convertWaiters.get(r.id);
    if (w !== undefined) {
      this.#convertWaiters.delete(r.id);
      w.reject(new Error(`schema conversion not committed (${r.outcome})`));
      this.#dropSpec();
      return;
    }
    const lockWaiter = this.#lockWaiters.get(r.id);
    if (lockWaiter !== undefined) {
      this.#lockWaiters.delete(r.id);
      lockWaiter(false);
      return;
    }
    const mine = this.#proposed.get(r.id);
    if (mine === undefined) return;
    this.#proposed.delete(r.id);
    // Every later speculative entry depended on this one: start again from committed state.
    this.#dropSpec();
    if (r.outcome === 'unknown') {
      this.#reply(mine.p, clusterError('leadership changed; the transaction may or may not have committed'), this.#appliedIndex);
      return;
    }
    this.#counters.rerun++;
    if (mine.p.remote !== undefined) this.#answerRetry(mine.p.remote);
    else if (!this.#run(mine.p)) this.#blocked.add(mine.p);
  }

  /** Forgets the speculative state; in-flight proposals keep waiting for their outcome. */
  #dropSpec(): void {
    if (this.#spec === undefined) return;
    this.#spec = undefined;
    this.#specLastId = null;
    for (const h of this.#held.splice(0)) {
      if (h.p.remote !== undefined) this.#answerRetry(h.p.remote);
      else if (!this.#run(h.p)) this.#blocked.add(h.p);
    }
  }

  /** Leader bookkeeping: build `spec` once this leader's log is applied; drop it on losing leadership. */
  #checkRole(): void {
    const core = this.#raft?.core;
    if (core === undefined) return;
    if (core.leader !== null) this.#lastHadLeaderMs = this.#nowMs();
    if (core.role !== 'leader' || (this.#spec !== undefined && core.term !== this.#specTerm)) {
      this.#dropSpec();
    } else if (this.#spec === undefined && this.#proposed.size === 0 && core.appliedIndex === core.commitIndex && this.#appliedTerm(core) === core.term) {
      // An entry of this term (the new leader's no-op at least) and everything before it are
      // applied. Entries after the commit index are this leader's own: lock and configuration
      // entries (no table changes) and transactions (tracked in #proposed, which is empty). So
      // committed == latest for the tables. (Waiting for applied == last index instead could wait
      // forever while lock entries keep arriving.)
      this.#spec = this.#db.clone();
      this.#specLastId = this.#lastNormalId;
      this.#specTerm = core.term;
      this.#leaderSinceMs = this.#nowMs();
      this.#counters.elections++;
      this.#o.logger.log('INFO', 'raft', `${this.name}: leader in term ${core.term}, serving writes at index ${core.appliedIndex}`);
      this.#blocked.retryAll();
    }
    // Writes held while this member led without a `spec`: run them now that it has one, or
    // (no longer leader) forward them.
    if (this.#awaitingSpec.length > 0 && (this.#spec !== undefined || core.role !== 'leader')) {
      for (const p of this.#awaitingSpec.splice(0)) if (!this.#run(p)) this.#blocked.add(p);
    }
    // _Server is rewritten (and every IDL monitoring it notified) when the role, leader or
    // connection changes at once; the applied index alone is published at most once a second.
    const st = this.status();
    const key = `${st.connected} ${st.leader} ${st.cid ?? ''}`;
    const now = this.#nowMs();
    if (key !== this.#statusKey || (st.index !== this.#statusIndex && now - this.#statusIndexMs >= 1000)) {
      this.#statusKey = key;
      this.#statusIndex = st.index ?? 0;
      this.#statusIndexMs = now;
      for (const l of this.#statusListeners) l();
    }
  }

  /** Term of the last applied entry (the snapshot's term if it was just compacted; 0 if none). */
  #appliedTerm(core: RaftHost['core']): number {
    return core.termAt(core.appliedIndex) ?? 0;
  }

  /** Periodic work: role changes, join retries, forwarded retries. */
  #poll(): void {
    if (this.#closed) return;
    this.#cancelPoll = this.#o.clock.setTimer(50, () => this.#poll());
    const pollAt = this.#o.clock.nowMs();
    if (this.#lastPollMs !== undefined) this.#maxStallMs = Math.max(this.#maxStallMs, pollAt - this.#lastPollMs - 50);
    this.#lastPollMs = pollAt;
    this.#checkRole();
    this.#lockPoll(this.#nowMs());
    this.#snapshotProgress();
    if (this.#joining()) this.#joinStep();
    if (this.#forwarded.size > 0) {
      const now = this.#nowMs();
      const leader = this.#leaderAddress();
      for (const f of this.#forwarded.values()) {
        if (f.waitIndex !== undefined) continue;
        if (f.sentTo === undefined || (f.sentTo !== leader && leader !== undefined) || now - f.sentAtMs >= FORWARD_RETRY_MS) this.#sendForward(f);
      }
    }
  }

  // ---- snapshots -----------------------------------------------------------------------------

  /** Logs, about once a second, how much of a snapshot from the leader has arrived (a joining or lagging member). */
  #snapshotProgress(): void {
    const inc = this.#raft?.core.incomingSnapshot();
    if (inc === undefined || inc.total === 0) return;
    const now = this.#nowMs();
    if (now - this.#progressLoggedMs < 1000) return;
    this.#progressLoggedMs = now;
    this.#o.logger.log('INFO', 'raft', `${this.name}: receiving snapshot at index ${inc.index} from the leader: ${inc.received} of ${inc.total} bytes (${Math.floor((100 * inc.received) / inc.total)}%)`);
  }

  #hasContents(): boolean {
    return this.#o.store.snapshot() !== undefined || this.#appliedIndex > 0;
  }

  #historyBase(): Uuid {
    const id = this.#o.store.snapshot()?.meta.lastNormalId;
    return id !== undefined && id !== null && !id.startsWith('raft:') ? (id as string as Uuid) : ZERO_UUID;
  }

  #loadSnapshot(s: Snapshot): Database {
    const decoded = decodeSnapshot(s.data);
    const db = new Database(parseSchema(decoded.schema));
    for (const r of decoded.records()) db.apply(r);
    const rids = decoded.header['rids'];
    if (Array.isArray(rids)) {
      for (const x of rids) if (Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number') this.#rids.set(x[0], x[1]);
    }
    this.lockTable.load(decoded.header['locks']);
    this.#lastNormalId = s.meta.lastNormalId;
    this.#appliedIndex = s.meta.index;
    this.#lastSnapshotIndex = s.meta.index;
    return db;
  }

  #installSnapshot(s: Snapshot): void {
    this.#o.logger.log('INFO', 'raft', `${this.name}: installing snapshot at index ${s.meta.index} (${s.data.length} bytes) from the leader`);
    this.#rids.clear();
    this.#db = this.#loadSnapshot(s);
    this.#dropSpec();
    this.#history.reset(this.#historyBase());
    // Monitors must start again from the new state (its schema may differ too), as after a convert.
    for (const l of this.#convertListeners) l();
  }

  #maybeSnapshot(): void {
    const every = this.#o.snapshotEveryEntries ?? 20_000;
    if (every === false || this.#snapshotting) return;
    const entries = this.#appliedIndex - this.#lastSnapshotIndex;
    // By count, or by size as OVS does (a log past 16 MiB and twice the last snapshot), so a
    // bulk load of large transactions is compacted too.
    const bytes = this.#o.store.stats().logBytes;
    if (entries >= every || (entries >= 100 && bytes >= Math.max(16 << 20, 2 * this.#lastSnapshotBytes))) this.#snapshot(false);
  }

  /**
   * Takes a snapshot of the committed state at the applied index without stalling the event
   * loop: the state is cloned at once (rows are shared, O(rows) array copies), then encoded a
   * few milliseconds at a time between other work (heartbeats, clients), then handed to Raft,
   * whose store writes it in bounded pieces. OVS had to move compaction to a thread for this.
   */
  #snapshot(force: boolean): void {
    const raft = this.#raft;
    if (raft === undefined || this.#snapshotting) return;
    const index = raft.core.appliedIndex;
    if (index <= this.#lastSnapshotIndex) return;
    this.#snapshotting = true;
    const startedMs = this.#o.clock.nowMs();
    const extra: JsonObject = { rids: [...this.#rids].map(([rid, i]) => [rid, i]), locks: this.lockTable.toJson() };
    const pieces = snapshotPieces(this.#db.clone(), extra);
    const out: Uint8Array[] = [];
    let bytes = 0;
    const step = (): void => {
      if (this.#closed) return;
      const sliceEnd = this.#o.clock.nowMs() + 10;
      for (;;) {
        const r = pieces.next();
        if (r.done === true) break;
        out.push(r.value);
        bytes += r.value.length;
        if (this.#o.clock.nowMs() >= sliceEnd) {
          this.#o.clock.setTimer(0, step);
          return;
        }
      }
      const data = concatBytes(out);
      this.#snapshotting = false;
      const r = raft.compact(index, data);
      if (r.ok) {
        this.#lastSnapshotIndex = index;
        this.#lastSnapshotBytes = bytes;
        this.#o.logger.log('INFO', 'raft', `${this.name}: snapshot at index ${index} (${bytes} bytes) taken in ${Math.round(this.#o.clock.nowMs() - startedMs)} ms${force ? ' (on request)' : ''}`);
      } else {
        this.#o.logger.log('WARN', 'raft', `${this.name}: snapshot at ${index} not taken: ${r.error}`);
      }
    };
    step();
  }
}

const WRITE_OPS = new Set(['insert', 'update', 'mutate', 'delete']);

/** True if no operation can write (select, wait, assert, comment, commit, abort). */
export function isReadOnly(ops: readonly Json[]): boolean {
  for (const op of ops) {
    if (!isJsonObject(op)) return false;
    const name = op['op'];
    if (typeof name !== 'string' || WRITE_OPS.has(name) || !READ_OPS.has(name)) return false;
  }
  return true;
}
const READ_OPS = new Set(['select', 'wait', 'assert', 'comment', 'commit', 'abort']);

/** The lock names a session holds that its `assert` operations name (for forwarding). */
function heldLocks(req: TxnRequest): string[] {
  const out: string[] = [];
  for (const op of req.ops) {
    if (!isJsonObject(op) || op['op'] !== 'assert') continue;
    const lock = op['lock'];
    if (typeof lock === 'string' && req.hasLock(lock)) out.push(lock);
  }
  return out;
}

/** A joining member serves an empty database of this name until the snapshot arrives. */
function placeholderSchema(name: string): JsonObject {
  return { name, version: '0.0.0', tables: {} };
}
