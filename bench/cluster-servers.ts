/**
 * Clusters for the cluster benchmark: N members of ours or of the real Open vSwitch, each its own
 * server process on loopback, created the way an operator creates them.
 *
 *   ours: ovsdb-ts tool --election-timer=MS create-cluster db0 SCHEMA tcp:127.0.0.1:R0
 *         ovsdb-ts tool join-cluster dbI Bench tcp:127.0.0.1:RI tcp:127.0.0.1:R0
 *         ovsdb-ts server --remote=ptcp:PI:127.0.0.1 --unixctl=mI.ctl dbI
 *   real: ovsdb-tool --election-timer=MS create-cluster / join-cluster (same arguments)
 *         ovsdb-server --remote=ptcp:PI:127.0.0.1 --unixctl=mI.ctl dbI
 *
 * Control goes through `ovs-appctl -t mI.ctl` for both sides: our control socket speaks OVS's
 * JSON-RPC (SPEC "ovsdb-ts server"), and ovs-appctl costs a few ms of CPU where a Node-based
 * `ovsdb-ts ctl` costs a hundred, which matters while the other cluster is being measured.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { OvsdbClient } from '../src/client/index.js';
import { SERVER_NODE_OPTIONS } from '../src/cli/node-options.js';
import { cliMain, type Side } from './servers.js';

/** One member: its database, addresses and (while running) its process. */
export interface ClusterMember {
  readonly index: number;
  readonly dbPath: string;
  readonly raftAddress: string;
  /** The client remote, `tcp:127.0.0.1:PORT`. */
  readonly remote: string;
  readonly ctl: string;
  readonly log: string;
  child: ChildProcess | undefined;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `ovs-appctl -t CTL ARGS`, asynchronously (the event loop keeps serving the load meanwhile). */
export function appctl(ctl: string, args: readonly string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ovs-appctl', ['-T', String(Math.ceil(timeoutMs / 1000)), '-t', ctl, ...args], { encoding: 'utf8', timeout: timeoutMs + 1000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ovs-appctl -t ${ctl} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export interface ClusterOptions {
  readonly side: Side;
  /** A fresh directory for this cluster's databases, sockets and logs. */
  readonly dir: string;
  readonly schemaPath: string;
  readonly database: string;
  readonly size: number;
  readonly electionTimerMs: number;
}

/** A running cluster of one side. */
export class BenchCluster {
  readonly members: ClusterMember[] = [];
  #nextIndex = 0;

  private constructor(readonly opts: ClusterOptions) {}

  get side(): Side {
    return this.opts.side;
  }

  /** Creates the members' databases, starts every server and waits for a leader. */
  static async create(opts: ClusterOptions): Promise<BenchCluster> {
    mkdirSync(opts.dir, { recursive: true });
    const c = new BenchCluster(opts);
    try {
      for (let i = 0; i < opts.size; i++) {
        const m = await c.#newMember();
        if (i === 0) c.#tool(['--election-timer=' + String(opts.electionTimerMs), 'create-cluster', m.dbPath, opts.schemaPath, m.raftAddress]);
        else c.#join(m);
      }
      // The founder first, so that the others' join requests find it.
      for (const m of c.members) await c.start(m);
      await c.waitHealthy(60_000);
    } catch (err) {
      await c.destroy();
      throw err;
    }
    return c;
  }

  async #newMember(): Promise<ClusterMember> {
    const i = this.#nextIndex++;
    const m: ClusterMember = {
      index: i,
      dbPath: join(this.opts.dir, `db${i}`),
      raftAddress: `tcp:127.0.0.1:${await freePort()}`,
      remote: `tcp:127.0.0.1:${await freePort()}`,
      ctl: join(this.opts.dir, `m${i}.ctl`),
      log: join(this.opts.dir, `m${i}.log`),
      child: undefined,
    };
    this.members.push(m);
    return m;
  }

  #tool(args: readonly string[]): void {
    if (this.side === 'real') execFileSync('ovsdb-tool', args, { stdio: 'pipe' });
    else execFileSync(process.execPath, [cliMain, 'tool', ...args], { stdio: 'pipe' });
  }

  #join(m: ClusterMember): void {
    const founder = this.members[0];
    if (founder === undefined) throw new Error('no founder');
    this.#tool(['join-cluster', m.dbPath, this.opts.database, m.raftAddress, founder.raftAddress]);
  }

  /** Members whose process runs. */
  running(): ClusterMember[] {
    return this.members.filter((m) => m.child !== undefined && m.child.exitCode === null && m.child.signalCode === null);
  }

  /** The comma-separated client remotes of every member (running or not). */
  remoteList(first?: ClusterMember): string {
    const ms = first ? [first, ...this.members.filter((m) => m !== first)] : this.members;
    return ms.map((m) => m.remote).join(',');
  }

  /** Spawns member m's server; resolves once its control socket exists (not yet serving). */
  async start(m: ClusterMember): Promise<void> {
    rmSync(m.ctl, { force: true });
    const port = m.remote.slice(m.remote.lastIndexOf(':') + 1);
    const common = [`--remote=ptcp:${port}:127.0.0.1`, `--unixctl=${m.ctl}`, `--log-file=${m.log}`];
    // BENCH_OURS_NODE_ARGS (space-separated) adds node options to our members, as in the
    // standalone benchmark, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
    const extraNodeArgs = (process.env['BENCH_OURS_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
    const child = this.side === 'real'
      ? spawn('ovsdb-server', [...common, '--no-chdir', '-vconsole:off', m.dbPath], { stdio: 'ignore' })
      : spawn(process.execPath, [...SERVER_NODE_OPTIONS, ...extraNodeArgs, cliMain, 'server', ...common, '-vconsole:off', m.dbPath], { stdio: 'ignore' });
    m.child = child;
    const t0 = performance.now();
    while (!existsSync(m.ctl)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.side} member ${m.index} exited (${child.exitCode ?? child.signalCode}); see ${m.log}`);
      if (performance.now() - t0 > 60_000) throw new Error(`${this.side} member ${m.index} did not create ${m.ctl}`);
      await sleep(5);
    }
  }

  /** Stops member m: SIGTERM (SIGKILL after 15 s), or SIGKILL at once. */
  async stop(m: ClusterMember, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const c = m.child;
    m.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((res) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      c.once('exit', () => { clearTimeout(timer); res(); });
      c.kill(signal);
    });
  }

  /** The member whose `cluster/status` says `Role: leader`. */
  async leader(timeoutMs = 30_000): Promise<ClusterMember> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      for (const m of this.running()) {
        try {
          if (/^Role: leader$/m.test(await appctl(m.ctl, ['cluster/status', this.opts.database]))) return m;
        } catch { /* starting, or gone */ }
      }
      if (performance.now() > end) throw new Error(`${this.side}: no leader within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** The running members other than the leader. */
  async followers(): Promise<ClusterMember[]> {
    const l = await this.leader();
    return this.running().filter((m) => m !== l);
  }

  /**
   * Waits until there is a leader and every running member is a cluster member that knows it
   * and has applied everything committed (a select on each member sees a row written last).
   */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const end = performance.now() + timeoutMs;
    const leader = await this.leader(timeoutMs);
    for (const m of this.running()) {
      for (;;) {
        const s = await appctl(m.ctl, ['cluster/status', this.opts.database]).catch(() => '');
        if (/^Status: cluster member$/m.test(s) && /^Leader: (?!unknown)/m.test(s)) break;
        if (performance.now() > end) throw new Error(`${this.side} member ${m.index} did not join the cluster within ${timeoutMs} ms:\n${s}`);
        await sleep(50);
      }
    }
    const marker = await writeMarker(leader.remote, this.opts.database, Math.max(1000, end - performance.now()));
    for (const m of this.running()) await waitForMarker(m.remote, this.opts.database, marker, Math.max(1000, end - performance.now()));
  }

  /** Prepares a new member with join-cluster (not started). */
  async addMember(): Promise<ClusterMember> {
    const m = await this.#newMember();
    this.#join(m);
    return m;
  }

  /** Takes member m out of the cluster (`cluster/leave`) and stops it; kicks it if leaving fails. */
  async remove(m: ClusterMember): Promise<void> {
    const sid = (await appctl(m.ctl, ['cluster/sid', this.opts.database]).catch(() => '')).trim();
    await appctl(m.ctl, ['cluster/leave', this.opts.database]).catch(() => '');
    const end = performance.now() + 20_000;
    const short = sid.slice(0, 4);
    for (;;) {
      const leader = await this.leader().catch(() => undefined);
      const s = leader && leader !== m ? await appctl(leader.ctl, ['cluster/status', this.opts.database]).catch(() => '') : '';
      if (s !== '' && short !== '' && !new RegExp(`^\\s+${short} `, 'm').test(s.slice(s.indexOf('Servers:')))) break;
      if (performance.now() > end) {
        if (leader && leader !== m && sid !== '') await appctl(leader.ctl, ['cluster/kick', this.opts.database, sid]).catch(() => '');
        break;
      }
      await sleep(100);
    }
    await this.stop(m, 'SIGKILL');
    const i = this.members.indexOf(m);
    if (i >= 0) this.members.splice(i, 1);
    rmSync(m.dbPath, { recursive: true, force: true });
  }

  async destroy(): Promise<void> {
    for (const m of this.members) await this.stop(m);
  }
}

let markerSerial = 0;

/** Inserts a fresh row into `Marker` through `remote`; returns its name. */
export async function writeMarker(remote: string, database: string, timeoutMs: number): Promise<string> {
  const name = `marker-${process.pid}-${markerSerial++}`;
  const end = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < end) {
    try {
      const c = await OvsdbClient.connect(remote, { connectTimeoutMs: 2000, requestTimeoutMs: Math.max(1000, end - performance.now()) });
      try {
        const [r] = await c.transact(database, [{ op: 'insert', table: 'Marker', row: { name } }]);
        if (r !== null && typeof r === 'object' && !Array.isArray(r) && 'uuid' in r) return name;
        last = JSON.stringify(r);
      } finally {
        c.close();
      }
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(50);
  }
  throw new Error(`could not write a marker through ${remote}: ${last}`);
}

/** True once `select` on `remote` sees the marker row. */
export async function hasMarker(c: OvsdbClient, database: string, marker: string): Promise<boolean> {
  const [r] = await c.transact(database, [{ op: 'select', table: 'Marker', where: [['name', '==', marker]], columns: ['name'] }]);
  const rows = r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as { rows?: unknown }).rows : undefined;
  return Array.isArray(rows) && rows.length === 1;
}

/**
 * Polls `remote` (connecting anew after any failure) until a select there returns the marker;
 * resolves with the time at which it did.
 */
export async function waitForMarker(remote: string, database: string, marker: string, timeoutMs: number, pollMs = 10): Promise<number> {
  const end = performance.now() + timeoutMs;
  let c: OvsdbClient | undefined;
  let last = '';
  try {
    for (;;) {
      try {
        c ??= await OvsdbClient.connect(remote, { connectTimeoutMs: 1000, requestTimeoutMs: 5000 });
        if (await hasMarker(c, database, marker)) return performance.now();
        last = 'marker not there yet';
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
        c?.close();
        c = undefined;
      }
      if (performance.now() > end) throw new Error(`${remote} did not show ${marker} within ${timeoutMs} ms (${last})`);
      await sleep(pollMs);
    }
  } finally {
    c?.close();
  }
}
