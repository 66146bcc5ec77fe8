/**
 * The OVSDB workload: every server holds a real src/ovsdb Database over a one-table schema of
 * named counters. A client increment is run as an OVSDB transaction on the receiving server's
 * own replica (mutate or insert, then select), and the resulting CommitRecord is proposed with
 * a conditional append whose prereq is the id of the last normal entry this replica applied, as
 * clustered ovsdb-server does. A stale prereq means the replica was behind: the transaction is
 * re-run on fresher data, never applied twice. The answer (the counter's new value) is
 * checked for linearizability as a fetch-and-increment, and replicas are compared as canonical
 * dumps at equal applied index.
 */
import { Prng } from '../../src/base/prng.js';
import { uuidFromRandom } from '../../src/base/uuid.js';
import { Database } from '../../src/ovsdb/database.js';
import { parseSchema } from '../../src/ovsdb/schema/parse-schema.js';
import type { CommitRecord, DatabaseSchema } from '../../src/ovsdb/types.js';
import { entryId, type EntryId, type LogEntry, type ProposalResult, type Snapshot } from '../../src/raft/types.js';
import type { App, AppHost } from './app.js';
import type { ClientRequest } from './workload.js';

const schemaJson = {
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
function schema(): DatabaseSchema {
  cachedSchema ??= parseSchema(schemaJson);
  return cachedSchema;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const rerunsMax = 5;

interface PendingTxn {
  readonly req: ClientRequest;
  runs: number;
  /** Re-run once the replica has applied past this index (after a stale prereq). */
  rerunAfter: number | undefined;
}

/** One OVSDB replica and the server side of its transactions. */
export class OvsdbApp implements App {
  db = new Database(schema());
  appliedIndex = 0;
  lastNormalId: EntryId | null = null;
  #uuids: Prng;
  #pending = new Map<string, PendingTxn>();
  #proposals = new Map<string, { tag: string; value: number }>();

  /**
   * @param noPrereq a deliberately broken server (for proving the checkers bite) that proposes
   *   without a prereq, so a transaction computed on stale data can commit: a lost update.
   */
  constructor(
    private readonly host: AppHost,
    seed: number,
    private readonly noPrereq = false,
  ) {
    this.#uuids = new Prng(seed);
  }

  load(snapshot: Snapshot | undefined): void {
    this.db = new Database(schema());
    this.appliedIndex = snapshot?.meta.index ?? 0;
    this.lastNormalId = snapshot?.meta.lastNormalId ?? null;
    if (snapshot === undefined || snapshot.data.length === 0) return;
    const parsed = JSON.parse(decoder.decode(snapshot.data)) as { record: CommitRecord };
    if (Object.keys(parsed.record).length > 0) this.db.apply(parsed.record);
  }

  apply(e: LogEntry): void {
    if (e.kind === 'normal') {
      const parsed = JSON.parse(decoder.decode(e.data)) as { record: CommitRecord };
      this.db.apply(parsed.record);
      this.lastNormalId = e.id;
    }
    this.appliedIndex = e.index;
  }

  encode(): Uint8Array {
    return encoder.encode(JSON.stringify({ record: this.db.snapshotRecord() }));
  }

  stateJson(): string {
    return this.db.canonicalDump();
  }

  read(key: string): string | null {
    const value = this.#value(key);
    return value === undefined ? null : String(value);
  }

  #value(key: string): number | undefined {
    for (const row of this.db.table('Counter')?.values() ?? []) {
      if (row.columns.get('name')?.keys[0] === key) {
        const v = row.columns.get('value')?.keys[0];
        return typeof v === 'number' ? v : undefined;
      }
    }
    return undefined;
  }

  write(req: ClientRequest): void {
    const tag = `${req.clientId}:${req.seq}:${req.attempt}`;
    this.#pending.set(tag, { req, runs: 0, rerunAfter: undefined });
    this.#run(tag);
  }

  /** Re-runs transactions whose prereq was stale once the replica has moved on. */
  poll(): void {
    for (const [tag, p] of this.#pending) {
      if (p.rerunAfter !== undefined && this.appliedIndex > p.rerunAfter) this.#run(tag);
    }
  }

  #run(tag: string): void {
    const p = this.#pending.get(tag);
    if (p === undefined) return;
    p.runs += 1;
    p.rerunAfter = undefined;
    const key = p.req.op.key;
    const where = [['name', '==', key]];
    const exists = this.#value(key) !== undefined;
    const ops = [
      exists
        ? { op: 'mutate', table: 'Counter', where, mutations: [['value', '+=', 1]] }
        : { op: 'insert', table: 'Counter', row: { name: key, value: 1 } },
      { op: 'select', table: 'Counter', where, columns: ['value'] },
    ];
    const now = this.host.nowMs();
    const out = this.db.transact(ops, { nowMs: now, startedMs: now, newUuid: () => uuidFromRandom(() => this.#uuids.nextU32()), hasLock: () => false });
    const value = out.kind === 'done' ? selectedValue(out.results[1]) : undefined;
    if (out.kind !== 'done' || out.record === undefined || value === undefined) {
      throw new Error(`ovsdb workload transaction failed: ${JSON.stringify(out)}`);
    }
    const id = `o:${tag}:${p.runs}`;
    this.#proposals.set(id, { tag, value });
    this.host.proposed(id, p.req.clientId, p.req.seq, { kind: 'inc', value: String(value) });
    const data = encoder.encode(JSON.stringify({ record: out.record }));
    this.host.propose(this.noPrereq ? { id: entryId(id), data } : { id: entryId(id), data, prereq: this.lastNormalId });
  }

  proposalResult(pr: ProposalResult): void {
    const prop = this.#proposals.get(pr.id);
    if (prop === undefined) return;
    this.#proposals.delete(pr.id);
    const p = this.#pending.get(prop.tag);
    if (p === undefined) return;
    const { clientId, seq } = p.req;
    switch (pr.outcome) {
      case 'committed':
        this.#pending.delete(prop.tag);
        if (pr.index !== undefined) this.host.acked(pr.id, pr.index);
        this.host.reply(clientId, seq, { kind: 'inc', value: String(prop.value) });
        return;
      case 'stale':
        // Computed on old data: re-run after the next apply (OVS re-runs the trigger).
        if (p.runs < rerunsMax) p.rerunAfter = this.appliedIndex;
        else {
          this.#pending.delete(prop.tag);
          this.host.retry(clientId, seq);
        }
        return;
      case 'dropped':
      case 'lost':
        // Definitely not committed: the client may safely try again.
        this.#pending.delete(prop.tag);
        this.host.retry(clientId, seq);
        return;
      case 'unknown':
        // It may have committed: no answer, as when a connection drops mid-transaction.
        this.#pending.delete(prop.tag);
        return;
    }
  }
}

function selectedValue(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null || !('rows' in result) || !Array.isArray(result.rows)) return undefined;
  const row: unknown = result.rows[0];
  if (typeof row !== 'object' || row === null || !('value' in row)) return undefined;
  return typeof row.value === 'number' ? row.value : undefined;
}
