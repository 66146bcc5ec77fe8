/**
 * Real clusters for tests: N member directories (created with the real `ovsdb-ts tool
 * create-cluster` / `join-cluster` when available, else through the store), each served by its
 * own `ovsdb-ts server` process on loopback, with a control socket per member. A cluster may
 * hold several databases (one Raft cluster each, with its own Raft address per member), all
 * served by the member's one process, as `ovsdb-ts cluster up` does.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, ensureBuilt } from '../helpers/build.js';
import { freePort, shortTempDir } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { kill, spawnServer, type Proc } from '../server/process.js';

export const nbSchemaPath = join(import.meta.dirname, '../../schemas/ovn-nb.ovsschema');
export const sbSchemaPath = join(import.meta.dirname, '../../schemas/ovn-sb.ovsschema');

/** One clustered database on one member. */
export interface MemberDb {
  /** The database name (from its schema). */
  readonly name: string;
  readonly path: string;
  readonly raftAddress: string;
}

export interface Member {
  readonly index: number;
  readonly dir: string;
  /** The first database's directory and Raft address (`dbs[0]`). */
  readonly db: string;
  readonly raftAddress: string;
  /** Every database the member serves, in the order given to `create`. */
  readonly dbs: readonly MemberDb[];
  readonly clientPort: number;
  /** `tcp:127.0.0.1:PORT`, the member's client remote. */
  readonly remote: string;
  readonly ctl: string;
  proc: Proc | undefined;
}

function schemaName(schemaPath: string): string {
  const parsed: unknown = JSON.parse(readFileSync(schemaPath, 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string') return parsed.name;
  throw new Error(`schema ${schemaPath} has no name`);
}

/** Runs `ovsdb-ts ARGS` and returns stdout. */
export function ovsdbTs(args: readonly string[]): string {
  ensureBuilt();
  return execFileSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class TestCluster {
  readonly members: Member[] = [];
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /**
   * Creates `n` members of a cluster of `schemaPath` (member 0 founds it, the rest join). Given
   * several schemas, each becomes its own clustered database on every member.
   */
  static async create(n: number, schemaPath: string | readonly string[] = nbSchemaPath, electionTimerMs = 1000): Promise<TestCluster> {
    const schemas = typeof schemaPath === 'string' ? [schemaPath] : schemaPath;
    const names = schemas.map(schemaName);
    const c = new TestCluster(shortTempDir('clu-'));
    for (let i = 0; i < n; i++) {
      const dbs: MemberDb[] = [];
      for (const [d, name] of names.entries()) dbs.push({ name, path: join(c.root, d === 0 ? `db${i}` : `db${i}-${d}`), raftAddress: `tcp:127.0.0.1:${await freePort()}` });
      const first = dbs[0];
      if (first === undefined) throw new Error('a cluster needs a database');
      const clientPort = await freePort();
      c.members.push({
        index: i, dir: join(c.root, `m${i}`), db: first.path, raftAddress: first.raftAddress, dbs, clientPort,
        remote: `tcp:127.0.0.1:${clientPort}`, ctl: join(c.root, `m${i}.ctl`), proc: undefined,
      });
    }
    const [founder, ...joiners] = c.members;
    if (founder === undefined) throw new Error('a cluster needs a member');
    for (const [d, schema] of schemas.entries()) {
      const db = founder.dbs[d];
      if (db === undefined) throw new Error('database missing');
      ovsdbTs(['tool', `--election-timer=${electionTimerMs}`, 'create-cluster', db.path, schema, db.raftAddress]);
      for (const m of joiners) {
        const mdb = m.dbs[d];
        if (mdb === undefined) throw new Error('database missing');
        ovsdbTs(['tool', 'join-cluster', mdb.path, mdb.name, mdb.raftAddress, db.raftAddress]);
      }
    }
    return c;
  }

  /** Every member's client remote, comma-separated: the `--db=` string of OVS tools. */
  remotes(): string {
    return this.members.map((m) => m.remote).join(',');
  }

  /** Starts member `i`'s server (waits for its control socket). */
  async start(i: number, extra: readonly string[] = []): Promise<void> {
    const m = this.member(i);
    m.proc = await spawnServer([
      `--remote=ptcp:${m.clientPort}:127.0.0.1`, `--unixctl=${m.ctl}`, `--log-file=${join(this.root, `m${i}.log`)}`, '-vconsole:off', ...extra, ...m.dbs.map((d) => d.path),
    ], m.ctl);
    // The control socket comes first (OVS order); wait for the client listener too.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await (await RawClient.connect({ port: m.clientPort })).close();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async startAll(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) await this.start(i);
  }

  member(i: number): Member {
    const m = this.members[i];
    if (m === undefined) throw new Error(`no member ${i}`);
    return m;
  }

  log(i: number): string {
    try {
      return readFileSync(join(this.root, `m${i}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** `ovsdb-ts ctl -t CTL ARGS` against member i. */
  ctl(i: number, args: readonly string[]): string {
    return ovsdbTs(['ctl', '-t', this.member(i).ctl, ...args]);
  }

  running(): Member[] {
    return this.members.filter((m) => m.proc !== undefined && m.proc.proc.exitCode === null && m.proc.proc.signalCode === null);
  }

  /** The member whose cluster/status says `Role: leader`, once one does. */
  async leader(dbName: string, timeoutMs = 15_000): Promise<Member> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of this.running()) {
        try {
          if (/^Role: leader$/m.test(this.ctl(m.index, ['cluster/status', dbName])) && await this.serves(m, dbName)) return m;
        } catch { /* starting or stopping */ }
      }
      if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms\n${this.members.map((m) => this.log(m.index)).join('\n----\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until every running member reports itself a full entry point for `dbName`. */
  async ready(dbName: string, timeoutMs = 30_000): Promise<Member> {
    const leader = await this.leader(dbName, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (const m of this.running()) {
      while (!(await this.serves(m, dbName).catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`member ${m.index} not serving ${dbName}\n${this.log(m.index)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return leader;
  }

  /** True if member m's _Server row for dbName says leader: true. */
  async serves(m: Member, dbName: string): Promise<boolean> {
    const c = await RawClient.connect({ port: m.clientPort });
    try {
      const r = await c.request('transact', ['_Server', { op: 'select', table: 'Database', where: [['name', '==', dbName]], columns: ['leader'] }]) as { result: [{ rows: { leader: boolean }[] }] };
      return r.result[0].rows[0]?.leader === true;
    } finally {
      await c.close();
    }
  }

  /** SIGTERM: a clean stop (a leader hands over first). Resolves with the exit status. */
  async stopMember(i: number): Promise<number | string> {
    const m = this.member(i);
    const p = m.proc;
    m.proc = undefined;
    if (p === undefined) return 0;
    p.proc.kill('SIGTERM');
    return p.exited(15_000);
  }

  async killMember(i: number): Promise<void> {
    const m = this.member(i);
    if (m.proc) await kill(m.proc);
    m.proc = undefined;
  }

  async stopAll(): Promise<void> {
    for (const m of this.members) {
      if (m.proc) await kill(m.proc);
      m.proc = undefined;
    }
  }

  /** Stops every member and removes the directory (kept, for its logs, under KEEP_CLUSTER=1). */
  async destroy(): Promise<void> {
    await this.stopAll();
    if (process.env['KEEP_CLUSTER'] === '1') {
      console.log(`KEEP_CLUSTER=1: cluster directory kept at ${this.root}`);
      return;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Registers beforeAll/afterAll for a cluster of `n` members, started and ready to serve `db`;
 * returns a getter for it (use inside tests).
 */
export function useCluster(n = 3, db = 'OVN_Northbound'): () => TestCluster {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await TestCluster.create(n);
    await cluster.startAll();
    await cluster.ready(db);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (cluster === undefined) throw new Error('the cluster did not start (see beforeAll)');
    return cluster;
  };
}
