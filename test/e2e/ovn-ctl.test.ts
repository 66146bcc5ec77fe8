/**
 * The real OVN packaging script runs ovsdb-ts unchanged (issue 13): with `ovsdb-ts
 * ovs-compat-dir` first on PATH and OVN_RUNDIR/OVN_LOGDIR/OVN_DBDIR in a temp dir, `ovn-ctl`
 * creates the NB and SB databases with our tool, starts our servers (--detach --monitor,
 * pidfile, log file, db: remotes and SSL references, an insecure ptcp: remote on 127.0.0.1 at
 * a free port), reports them running, starts the real ovn-northd against them (which turns an
 * `ovn-nbctl ls-add` into an SB Datapath_Binding) and stops everything. Then the same with
 * ovn-ctl's clustered options (one-member clusters made by our `tool create-cluster`).
 *
 * Every process it starts is found again by pid (pidfiles, and /proc for anything still
 * naming the temp dir) and killed in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt } from '../helpers/build.js';
import { requireOvs } from '../helpers/ovs.js';
import { freePort, run, shortTempDir } from '../helpers/servers.js';

const OVN_CTL = '/usr/share/ovn/scripts/ovn-ctl';
const haveOvn = existsSync(OVN_CTL) && requireOvs('ovn-nbctl', 'ovn-sbctl', 'ovn-northd', 'ovs-appctl', 'ovn-appctl');

interface Layout {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly nbPort: number;
  readonly sbPort: number;
}

/** Pids of processes whose command line or cwd mention `root` (our servers, their monitors, northd). */
function pidsUnder(root: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(root)) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

function killAll(root: string): void {
  for (const pid of pidsUnder(root)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

describe.runIf(haveOvn)('ovn-ctl runs ovsdb-ts through ovs-compat-dir', () => {
  let compatDir = '';
  const roots: string[] = [];

  beforeAll(() => {
    ensureBuilt();
    compatDir = execFileSync(process.execPath, [cliPath, 'ovs-compat-dir'], { encoding: 'utf8' }).trim();
  });

  afterAll(() => {
    for (const root of roots) {
      killAll(root);
      rmSync(root, { recursive: true, force: true });
    }
  });

  async function layout(prefix: string): Promise<Layout> {
    const root = shortTempDir(prefix);
    roots.push(root);
    // Created beforehand: ovn-ctl's `install -d -o root` then has nothing to do (no root needed).
    for (const d of ['run', 'log', 'db', 'etc/ovn']) mkdirSync(join(root, d), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${compatDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      OVN_RUNDIR: join(root, 'run'),
      OVS_RUNDIR: join(root, 'run'),
      OVN_LOGDIR: join(root, 'log'),
      OVN_DBDIR: join(root, 'db'),
      OVN_SYSCONFDIR: join(root, 'etc'),
    };
    return { root, env, nbPort: await freePort(), sbPort: await freePort() };
  }

  const ovnCtl = async (l: Layout, extra: readonly string[], command: string): Promise<string> => {
    const args = [
      '--db-nb-create-insecure-remote=yes', '--db-nb-addr=127.0.0.1', `--db-nb-port=${l.nbPort}`,
      '--db-sb-create-insecure-remote=yes', '--db-sb-addr=127.0.0.1', `--db-sb-port=${l.sbPort}`,
      ...extra, command,
    ];
    const r = await run(OVN_CTL, args, { env: l.env, timeoutMs: 60_000, cwd: l.root });
    return r.stdout + r.stderr;
  };

  const pidOf = (l: Layout, name: string): number => Number(readFileSync(join(l.root, 'run', `${name}.pid`), 'utf8').trim());
  const comm = (pid: number): string => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

  async function northdRoundTrip(l: Layout, extra: readonly string[]): Promise<void> {
    expect(await ovnCtl(l, extra, 'start_northd')).toContain('Starting ovn-northd');
    await run('ovn-nbctl', [`--db=tcp:127.0.0.1:${l.nbPort}`, '--timeout=20', 'ls-add', 'sw0']);
    // ovn-northd, connected to our NB and SB, writes the switch's datapath.
    const deadline = Date.now() + 20_000;
    let rows = '';
    while (!rows.includes('name=sw0')) {
      if (Date.now() > deadline) throw new Error(`no Datapath_Binding for sw0:\n${rows}`);
      await new Promise((r) => setTimeout(r, 200));
      rows = (await run('ovn-sbctl', [`--db=tcp:127.0.0.1:${l.sbPort}`, '--timeout=10', '--columns=external_ids', 'list', 'Datapath_Binding'])).stdout;
    }
    expect(rows).toContain('name=sw0');
  }

  async function stopAll(l: Layout, extra: readonly string[]): Promise<void> {
    const servers = [pidOf(l, 'ovnnb_db'), pidOf(l, 'ovnsb_db')];
    await ovnCtl(l, extra, 'stop_northd');
    const out = await ovnCtl(l, extra, 'stop_ovsdb');
    expect(out).toMatch(/ovnnb_db|OVN/);
    for (const pid of servers) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(pidsUnder(l.root)).toEqual([]);
    expect(existsSync(join(l.root, 'run', 'ovnnb_db.pid'))).toBe(false);
  }

  it('start_nb_ovsdb, start_sb_ovsdb, status_ovsdb, start_northd, stop_northd, stop_ovsdb with standalone databases', async () => {
    const l = await layout('ovnctl-');
    expect(await ovnCtl(l, [], 'start_nb_ovsdb')).toContain('Starting ovsdb-nb');
    expect(await ovnCtl(l, [], 'start_sb_ovsdb')).toContain('Starting ovsdb-sb');
    // Our server under OVS's name: ovn-ctl's pidfile_is_running reads /proc/PID/comm.
    expect(comm(pidOf(l, 'ovnnb_db'))).toBe('ovsdb-server');
    expect(readFileSync(join(l.root, 'log', 'ovsdb-server-nb.log'), 'utf8')).toContain('ovsdb-server (ovsdb-ts)');
    expect(await ovnCtl(l, [], 'status_ovsdb')).toBe('OVN Northbound DB is running.\nOVN Southbound DB is running.\n');
    // ovn-ctl's --remote=db:...,NB_Global,connections is followed.
    expect((await run('ovs-appctl', ['-t', join(l.root, 'run', 'ovnnb_db.ctl'), 'ovsdb-server/list-remotes'])).stdout)
      .toBe(`db:OVN_Northbound,NB_Global,connections\nptcp:${l.nbPort}:127.0.0.1\npunix:${join(l.root, 'run', 'ovnnb_db.sock')}\n`);
    await northdRoundTrip(l, []);
    await stopAll(l, []);
    expect(await ovnCtl(l, [], 'status_ovsdb')).toBe('OVN Northbound DB is not running.\nOVN Southbound DB is not running.\n');
  }, 90_000);

  it('builds one-member clusters with --db-nb-cluster-local-addr and --db-sb-cluster-local-addr', async () => {
    const l = await layout('ovnctlc-');
    const extra = [
      '--db-nb-cluster-local-addr=127.0.0.1', `--db-nb-cluster-local-port=${await freePort()}`,
      '--db-sb-cluster-local-addr=127.0.0.1', `--db-sb-cluster-local-port=${await freePort()}`,
    ];
    const out = await ovnCtl(l, extra, 'start_ovsdb');
    expect(out).toContain('Creating cluster database');
    const status = (await run('ovs-appctl', ['-t', join(l.root, 'run', 'ovnnb_db.ctl'), 'cluster/status', 'OVN_Northbound'])).stdout;
    expect(status).toContain('Role: leader');
    await northdRoundTrip(l, extra);
    await stopAll(l, extra);
    // After the servers are gone, our tool reads what ovn-ctl made: a clustered database (exit 0).
    expect(execFileSync(process.execPath, [cliPath, 'tool', 'db-is-clustered', join(l.root, 'db', 'ovnnb_db.db')]).length).toBe(0);
  }, 90_000);
});
