/**
 * One simulated server of the OVSDB workload: the production clustered backend
 * (src/server/cluster-host.ts `ClusteredHost`, the same code `ovsdb-ts server` runs for a
 * clustered database) over the simulator's ports (sim-cluster-ports.ts), plus the client side
 * of a counter on a one-table schema. A crash drops the host; a restart builds a new one over
 * the same (crash-truncated) store, as a restarted process would.
 *
 * A client increment is one OVSDB transaction sent to whichever member the client picked,
 * leader or not (the host forwards writes to the leader):
 *
 *   [comment "sim C:S", mutate Counter{name==k} value += 1, select value]    → the new value
 *
 * and, when the mutate matched no row (the first increment of a key), an insert of value 1
 * instead; an insert refused for a duplicate name (another client inserted first) goes back to
 * the mutate. The comment travels in the entry's header, so every applied entry names the
 * client operation it carries (the oracle for "applied at most once" and "acknowledged means
 * applied"). A read is one select, on any member (ReadIndex, cluster-reads.ts).
 *
 * What the checkers see: every applied entry, in order (safety checkers), the canonical dump of
 * the engine at each applied index (replica equality), each answer (linearizability: an
 * increment as fetch-and-add, a read as get; a mutate that matched no row is also recorded, as
 * a read of "absent").
 */
import { Prng } from '../../src/base/prng.js';
import { isJsonObject, type Json } from '../../src/base/json.js';
import { uuidFromRandom } from '../../src/base/uuid.js';
import { Database } from '../../src/ovsdb/database.js';
import { decodeEntry, encodeSnapshot } from '../../src/ovsdb/raft-payload.js';
import { parseSchema } from '../../src/ovsdb/schema/parse-schema.js';
import type { DatabaseSchema } from '../../src/ovsdb/types.js';
import type { RaftCore } from '../../src/raft/core.js';
import type { RaftHost } from '../../src/raft/host.js';
import { logIndex, nodeId, term, type HardState, type Snapshot } from '../../src/raft/types.js';
import { ClusteredHost, type ClusteredHostOptions } from '../../src/server/cluster-host.js';
import type { ClusterFrame } from '../../src/server/cluster-ports.js';
import type { Logger } from '../../src/server/ports.js';
import type { NodeClock } from './sim-clock.js';
import { SimClusterNet, type NetFaults, type SimClusterStore } from './sim-cluster-ports.js';
import type { NodeHooks, SimServer } from './sim-server.js';
import type { ClientRequest } from './workload.js';

export const simSchemaJson = {
  name: 'Sim',
  version: '1.0.0',
  tables: {
    Counter: {
      columns: { name: { type: 'string' }, value: { type: 'integer' } },
      indexes: [['name']],
      isRoot: true,
    },
  },
};

let cachedSchema: DatabaseSchema | undefined;
function simSchema(): DatabaseSchema {
  cachedSchema ??= parseSchema(simSchemaJson);
  return cachedSchema;
}

/**
 * What create-cluster (src/cli/tool-cluster.ts initialSnapshot) writes, for all founding
 * members at once: the empty database at index 1, term 1, with every founder a voter at the
 * address that is its node id.
 */
export function initialClusterState(voters: readonly string[], electionTimerMs: number): { snapshot: Snapshot; hardState: HardState } {
  const meta = {
    index: logIndex(1), term: term(1),
    config: { voters: voters.map(nodeId), learners: [], addresses: Object.fromEntries(voters.map((v) => [v, v])) },
    configIndex: logIndex(1), electionTimerMs, lastNormalId: null,
  };
  return { snapshot: { meta, data: encodeSnapshot(new Database(simSchema())) }, hardState: { term: term(1), vote: null, commit: logIndex(1) } };
}

/** Settings of one OVSDB server. */
export interface OvsdbNodeSettings {
  readonly tickMs: number;
  readonly seed: number;
  readonly raft: NonNullable<ClusteredHostOptions['raft']>;
  /** The host's own automatic snapshots (besides the world's random compactions). */
  readonly snapshotEveryEntries: number | false;
  readonly netFaults: NetFaults;
}

/** Inserts an increment may try before it gives up (each lost to a concurrent insert). */
const incrementRunsMax = 8;

/** A running incarnation of one OVSDB server. */
export class OvsdbNode implements SimServer {
  readonly server: ClusteredHost;
  readonly #net: SimClusterNet;
  /** Last applied index reported to the checkers, and the last whose state was. */
  #reported: number;
  #stateReported = 0;
  #stopped = false;
  /** True while the host is being built (it replays the log, out of sight of its listeners). */
  #building = true;

  constructor(
    readonly id: string,
    readonly store: SimClusterStore,
    readonly clock: NodeClock,
    settings: OvsdbNodeSettings,
    private readonly hooks: NodeHooks,
    incarnation: number,
  ) {
    this.#net = new SimClusterNet(id, (to, frame) => hooks.send(id, to, frame), settings.netFaults);
    const uuids = new Prng((settings.seed * 31 + incarnation * 7919 + hashId(id) * 13) >>> 0);
    const logger: Logger = { log: (level, module, message) => hooks.trace(`${id} ${level} ${module}: ${message}`) };
    // Report what the host applied before a write can compact it away.
    store.beforeWrite = () => this.settle();
    this.#reported = store.snapshot()?.meta.index ?? 0;
    hooks.reset(id, this.#reported, undefined);
    this.server = new ClusteredHost({
      store,
      net: this.#net,
      clock,
      newUuid: () => uuidFromRandom(() => uuids.nextU32()),
      logger,
      onFatal: (e) => {
        hooks.trace(`${id} fatal ${e.message}`);
        hooks.fatal(id);
      },
      tickMs: settings.tickMs,
      raft: settings.raft,
      snapshotEveryEntries: settings.snapshotEveryEntries,
    });
    this.server.onCommit((c) => this.#committed(c.txnId));
    this.server.onConvert(() => this.#installed());
    this.#building = false;
    this.settle();
  }

  get host(): RaftHost {
    const raft = this.server.raft;
    if (raft === undefined) throw new Error(`${this.id}: the clustered host has no Raft (every simulated member knows its cluster id)`);
    return raft;
  }

  get core(): RaftCore {
    return this.host.core;
  }

  get appliedIndex(): number {
    return this.server.appliedIndex;
  }

  tick(): void {
    this.clock.fireDue();
  }

  receive(frame: ClusterFrame, from: string): void {
    this.#net.deliver(frame, from);
  }

  peerLost(from: string): void {
    this.#net.peerLost(from);
  }

  compact(): boolean {
    const before = this.core.firstIndex;
    void this.server.compact();
    return this.core.firstIndex > before;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#net.kill();
    this.server.raft?.stop();
    this.store.beforeWrite = undefined;
  }

  settle(): void {
    if (this.#stopped || this.#building) return;
    const applied = this.server.appliedIndex;
    if (applied > this.#reported) this.#report(applied);
    if (applied > this.#stateReported) {
      // Once per step at most (a dump per applied entry would cost more than the host itself).
      this.#stateReported = applied;
      this.hooks.state(this.id, applied, this.server.engine.canonicalDump());
    }
  }

  /** Reports entries up to `index` (read from the disk: applied entries are durable here). */
  #report(index: number): void {
    const disk = this.store.disk.logical;
    if (this.#reported + 1 < disk.firstIndex && index >= disk.firstIndex - 1) {
      // The host compacted entries it applied while it was being built (replaying its log):
      // carry on from its snapshot.
      this.#reported = disk.firstIndex - 1;
      this.hooks.reset(this.id, this.#reported, undefined);
    }
    for (let i = this.#reported + 1; i <= index; i++) {
      const e = disk.entry(i);
      if (e === undefined) throw new Error(`sim: ${this.id} applied index ${i} but its log does not hold it (first ${disk.firstIndex})`);
      this.hooks.applied(this.id, e, undefined);
    }
    this.#reported = index;
  }

  /** The host applied a transaction entry (its listeners run before it replies to anyone). */
  #committed(txnId: string): void {
    // The entry being applied is the one after the applied index (set once it is done).
    const index = this.server.appliedIndex + 1;
    const e = this.store.disk.logical.entry(index);
    if (e === undefined || e.id !== txnId) throw new Error(`sim: ${this.id} committed ${txnId}, but index ${index} holds ${e?.id ?? 'nothing'}`);
    this.#report(index);
    const tag = parseTag(decodeEntry(e.data).comment);
    if (tag === undefined) return;
    const value = counterValue(this.server.engine, tag.key);
    if (value === undefined) throw new Error(`sim: ${this.id} applied ${tag.key} for c${tag.clientId}:${tag.seq} but holds no such counter`);
    this.hooks.opApplied(this.id, tag.clientId, tag.seq, e.id, index, value);
  }

  /** A snapshot from the leader replaced the state. */
  #installed(): void {
    this.#reported = this.server.appliedIndex;
    this.#stateReported = this.#reported;
    this.hooks.reset(this.id, this.#reported, () => this.server.engine.canonicalDump());
    this.hooks.trace(`${this.id} install ${this.#reported}`);
  }

  request(req: ClientRequest): void {
    if (!this.server.status().connected) {
      // What a real client reads in _Server.Database (ovsdb-idl with leader-only=false): this
      // member is not serving (cut off, removed, not yet joined), so it tries another.
      const leader = this.server.raft?.core.leader;
      this.hooks.respond({ clientId: req.clientId, seq: req.seq, kind: 'retry', leaderHint: leader === null || leader === undefined ? undefined : leader });
      return;
    }
    if (req.op.kind === 'get') this.#read(req);
    else if (req.op.kind === 'inc') this.#increment(req, 1, false);
    else throw new Error(`the OVSDB workload has no ${req.op.kind}`);
  }

  #read(req: ClientRequest): void {
    const key = req.op.key;
    const select = { op: 'select', table: 'Counter', where: [['name', '==', key]], columns: ['value'] };
    this.server.transact({ ops: [select], hasLock: noLocks }, (results) => {
      const error = firstError(results);
      if (error !== undefined) {
        this.hooks.trace(`${this.id} c${req.clientId}:${req.seq} read failed: ${error}`);
        return;
      }
      const value = selectedValue(results[0]);
      this.hooks.respond({ clientId: req.clientId, seq: req.seq, kind: 'result', result: { kind: 'get', value: value === undefined ? null : String(value) } });
    });
  }

  /** One run of an increment: a mutate (or, once none matched, an insert), then a select. */
  #increment(req: ClientRequest, run: number, insert: boolean): void {
    const key = req.op.key;
    const where = [['name', '==', key]];
    const ops: Json[] = [
      { op: 'comment', comment: `sim ${req.clientId}:${req.seq} ${key}` },
      insert
        ? { op: 'insert', table: 'Counter', row: { name: key, value: 1 } }
        : { op: 'mutate', table: 'Counter', where, mutations: [['value', '+=', 1]] },
      { op: 'select', table: 'Counter', where, columns: ['value'] },
    ];
    // A mutate that matches no row observes "no such counter": recorded as a read of it.
    const observed = insert ? undefined : this.hooks.observe(req.clientId, { kind: 'get', key });
    this.server.transact({ ops, hasLock: noLocks }, (results) => {
      if (this.#stopped) return;
      const error = firstError(results);
      if (error !== undefined) {
        if (insert && error.startsWith('constraint violation') && run < incrementRunsMax) {
          this.#increment(req, run + 1, false);
          return;
        }
        // "cluster error": the fate is unknown, so the client gets no answer (it may not retry).
        this.hooks.trace(`${this.id} c${req.clientId}:${req.seq} no answer: ${error}`);
        return;
      }
      if (!insert && mutatedCount(results[1]) === 0) {
        observed?.({ kind: 'get', value: null });
        if (run < incrementRunsMax) this.#increment(req, run + 1, true);
        return;
      }
      const value = selectedValue(results[2]);
      if (value === undefined) throw new Error(`sim: ${this.id} increment of ${key} answered ${JSON.stringify(results)}`);
      this.hooks.opAnswered(this.id, req.clientId, req.seq, value);
      this.hooks.respond({ clientId: req.clientId, seq: req.seq, kind: 'result', result: { kind: 'inc', value: String(value) } });
    });
  }
}

const noLocks = (): boolean => false;

/** `sim C:S KEY` → the client operation an entry carries. */
function parseTag(comment: string | undefined): { clientId: number; seq: number; key: string } | undefined {
  const m = comment === undefined ? null : /^sim (\d+):(\d+) (\S+)$/.exec(comment);
  if (m === null) return undefined;
  return { clientId: Number(m[1]), seq: Number(m[2]), key: m[3] ?? '' };
}

/** The value of counter `key`, if it exists. */
export function counterValue(db: Database, key: string): number | undefined {
  for (const row of db.table('Counter')?.values() ?? []) {
    if (row.columns.get('name')?.keys[0] === key) {
      const v = row.columns.get('value')?.keys[0];
      return typeof v === 'number' ? v : undefined;
    }
  }
  return undefined;
}

function firstError(results: readonly Json[]): string | undefined {
  for (const r of results) {
    if (isJsonObject(r) && typeof r['error'] === 'string') {
      return `${r['error']}${typeof r['details'] === 'string' ? `: ${r['details']}` : ''}`;
    }
  }
  return undefined;
}

function mutatedCount(result: Json | undefined): number | undefined {
  if (!isJsonObject(result)) return undefined;
  const count = result['count'];
  return typeof count === 'number' ? count : undefined;
}

function selectedValue(result: Json | undefined): number | undefined {
  if (!isJsonObject(result)) return undefined;
  const rows = result['rows'];
  if (!Array.isArray(rows)) return undefined;
  const row: Json | undefined = rows[0];
  if (!isJsonObject(row)) return undefined;
  const value = row['value'];
  return typeof value === 'number' ? value : undefined;
}

export function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
