/**
 * The real Open vSwitch / OVN clients driven against a TestCluster: `ovn-nbctl`/`ovn-sbctl`
 * (default leader-only), `ovsdb-client`, `ovn-northd` and the Python IDL (`import ovs.db.idl`
 * under Debian's /usr/bin/python3), each given one member or the list of all members.
 *
 * The Python IDL runs as a long-lived child speaking a line protocol on stdin/stdout, so a test
 * can kill a member between two of its transactions and see how its own reconnect logic copes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianPython, requireOvs } from '../helpers/ovs.js';
import { run } from '../helpers/servers.js';
import type { TestCluster } from './harness.js';

/** True if the Debian Python can import the OVS IDL; under REQUIRE_OVS=1 its absence throws. */
export function pythonIdlAvailable(): boolean {
  if (!requireOvs(debianPython)) return false;
  try {
    execFileSync(debianPython, ['-c', 'import ovs.db.idl'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env['REQUIRE_OVS'] === '1') throw new Error('REQUIRE_OVS=1 but /usr/bin/python3 cannot import ovs.db.idl (python3-openvswitch)');
    return false;
  }
}

/** Runs a real OVS/OVN tool; resolves with stdout, rejects (with its output) on failure. */
export async function tool(cmd: string, args: readonly string[], timeoutMs = 25_000): Promise<string> {
  return (await run(cmd, args, { timeoutMs })).stdout;
}

/** `ovn-nbctl --db=DB ARGS` (leader-only, as by default), with its own `--timeout`. */
export function nbctl(db: string, ...args: string[]): Promise<string> {
  return tool('ovn-nbctl', [`--db=${db}`, '--timeout=20', ...args]);
}

export function sbctl(db: string, ...args: string[]): Promise<string> {
  return tool('ovn-sbctl', [`--db=${db}`, '--timeout=20', ...args]);
}

/** Polls `fn` until `ok` holds for its value; throws with the last value after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    let err: unknown;
    try {
      v = await fn();
      if (ok(v)) return v;
    } catch (e) {
      err = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last ${err === undefined ? JSON.stringify(v) : String(err)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The member (index) a client's `tcp:127.0.0.1:PORT: connected` log line names, last one wins. */
export function connectedMember(cluster: TestCluster, log: string): number | undefined {
  let found: number | undefined;
  for (const m of log.matchAll(/tcp:127\.0\.0\.1:(\d+): connected/g)) {
    const port = Number(m[1]);
    found = cluster.members.find((x) => x.clientPort === port)?.index;
  }
  return found;
}

/** `ovs-appctl -t CTL ARGS` (the real one: much quicker than spawning `ovsdb-ts ctl`). */
export function appctl(ctl: string, ...args: string[]): Promise<string> {
  return tool('ovs-appctl', ['-t', ctl, ...args], 10_000);
}

/** The running member whose cluster/status for `db` says `Role: leader`, if one does now. */
export async function raftLeader(cluster: TestCluster, db: string): Promise<number | undefined> {
  const roles = await Promise.all(cluster.running().map(async (m) => {
    try {
      return /^Role: leader$/m.test(await appctl(m.ctl, 'cluster/status', db)) ? m.index : undefined;
    } catch {
      return undefined;
    }
  }));
  return roles.find((r) => r !== undefined);
}

/**
 * Makes member `i` the Raft leader of `db` (cluster/transfer-leadership through ovs-appctl) and
 * waits until every running member serves it again.
 */
export async function makeLeader(cluster: TestCluster, db: string, i: number): Promise<void> {
  const current = await eventually(`a leader of ${db}`, () => raftLeader(cluster, db), (x) => x !== undefined, 15_000);
  if (current !== i && current !== undefined) {
    const sid = (await appctl(cluster.member(i).ctl, 'cluster/sid', db)).trim();
    await appctl(cluster.member(current).ctl, 'cluster/transfer-leadership', db, sid);
    await eventually(`member ${i} to lead ${db}`, () => raftLeader(cluster, db), (x) => x === i, 15_000);
  }
  for (const m of cluster.running()) await eventually(`member ${m.index} to serve ${db}`, () => cluster.serves(m, db), (x) => x, 15_000);
}

const PYTHON_DRIVER = String.raw`
import os, sys, time, json
import ovs.db.idl, ovs.poller, ovs.vlog

# The IDL's own log (reconnects, "not cluster leader; trying another server"...) on stderr.
ovs.vlog.Vlog.init()
ovs.vlog.Vlog.set_level('any', 'console', os.environ.get('IDL_VLOG_LEVEL', 'info'))

remote, schema_path = sys.argv[1], sys.argv[2]
helper = ovs.db.idl.SchemaHelper(schema_path)
helper.register_all()
idl = ovs.db.idl.Idl(remote, helper)

def out(*a):
    print(*a, flush=True)

def run_until(pred, timeout):
    deadline = time.time() + timeout
    while True:
        idl.run()
        if pred():
            return True
        if time.time() > deadline:
            return False
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(50)
        poller.block()

def names():
    return sorted(r.name for r in idl.tables['Logical_Switch'].rows.values())

def where():
    return idl._session.get_name() if idl._session.is_connected() else '-'

if not run_until(lambda: idl.has_ever_connected(), 20):
    out('error never connected')
    sys.exit(1)
out('connected', where())

for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    cmd = words[0]
    if cmd == 'insert':
        # What an IDL application does: on TRY_AGAIN, look at the (resynced) replica again and
        # redo the change only if it is still needed.
        name, tries, deadline, status, seen = words[1], 0, time.time() + 20, None, []
        while time.time() < deadline:
            run_until(lambda: idl._session.is_connected(), 1)
            if name in names():
                status = 'present'
                break
            tries += 1
            txn = ovs.db.idl.Transaction(idl)
            row = txn.insert(idl.tables['Logical_Switch'])
            row.name = name
            s = txn.commit_block()
            status = ovs.db.idl.Transaction.status_to_string(s)
            seen.append(status.replace(' ', '-'))
            if s == ovs.db.idl.Transaction.SUCCESS:
                break
            if s != ovs.db.idl.Transaction.TRY_AGAIN:
                status = status + ':' + str(txn.get_error())
                break
            time.sleep(0.05)
        out('insert', name, status, tries, where(), ','.join(seen) or '-')
    elif cmd == 'wait':
        ok = run_until(lambda: all(n in names() for n in words[1:]), 20)
        out('wait', 'ok' if ok else 'timeout', where())
    elif cmd == 'names':
        idl.run()
        out('names', json.dumps(names()))
    elif cmd == 'where':
        idl.run()
        out('where', where())
    elif cmd == 'quit':
        break
idl.close()
out('bye')
`;

/** One Python IDL (Logical_Switch of OVN_Northbound) driven line by line. */
export class PythonIdl {
  static #started = 0;
  readonly #proc: ChildProcess;
  #out = '';
  #err = '';
  #consumed = 0;

  private constructor(proc: ChildProcess) {
    this.#proc = proc;
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => (this.#out += d));
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#err = (this.#err + d).slice(-20_000)));
  }

  /** Starts an IDL on `remote` (one member or a comma-separated list) and waits until it connects. */
  static async start(dir: string, remote: string, schemaPath: string): Promise<{ idl: PythonIdl; remote: string }> {
    // One file per instance: several may start at once.
    const script = join(dir, `idl-driver-${process.pid}-${PythonIdl.#started++}.py`);
    writeFileSync(script, PYTHON_DRIVER);
    const idl = new PythonIdl(spawn(debianPython, [script, remote, schemaPath], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const line = await idl.#next('connected', 25_000);
    return { idl, remote: line.split(' ')[1] ?? '' };
  }

  /** The first not yet consumed stdout line that starts with `word`. */
  async #next(word: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.#out.slice(this.#consumed).split('\n');
      let offset = this.#consumed;
      for (const l of lines.slice(0, -1)) {
        offset += l.length + 1;
        if (l.startsWith(`${word} `) || l === word) {
          this.#consumed = offset;
          return l;
        }
        if (l.startsWith('error')) throw new Error(`python IDL: ${l}\n${this.#err}`);
      }
      if (this.#proc.exitCode !== null || Date.now() > deadline) throw new Error(`python IDL: no "${word}" line (exit ${String(this.#proc.exitCode)})\n${this.#out}\n${this.#err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async #ask(cmd: string, word: string, timeoutMs = 30_000): Promise<string[]> {
    this.#proc.stdin?.write(`${cmd}\n`);
    return (await this.#next(word, timeoutMs)).split(' ').slice(1);
  }

  /** Inserts a switch, retrying on "try again" as an IDL application does. */
  async insert(name: string): Promise<{ status: string; tries: number; remote: string; statuses: string }> {
    const [, status, tries, remote, statuses] = await this.#ask(`insert ${name}`, 'insert');
    return { status: status ?? '', tries: Number(tries), remote: remote ?? '', statuses: statuses ?? '' };
  }

  /** Runs the IDL until every name is in its replica; false after 20 s. */
  async waitFor(...names: string[]): Promise<boolean> {
    return (await this.#ask(`wait ${names.join(' ')}`, 'wait'))[0] === 'ok';
  }

  async names(): Promise<string[]> {
    const parsed: unknown = JSON.parse((await this.#ask('names', 'names')).join(' '));
    if (!Array.isArray(parsed)) throw new Error('python IDL: bad names line');
    return parsed.map(String);
  }

  /** The remote the IDL is connected to now, or '-'. */
  async where(): Promise<string> {
    return (await this.#ask('where', 'where'))[0] ?? '-';
  }

  stderr(): string {
    return this.#err;
  }

  async stop(): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.#proc.once('exit', () => r()));
    this.#proc.stdin?.end('quit\n');
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** Reads a file, or '' if it is not there (yet). */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
