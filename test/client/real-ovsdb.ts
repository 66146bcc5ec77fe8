/**
 * Starts a real ovsdb-server (Open vSwitch) on a unix socket under a fresh temp dir, for tests
 * of the client library and commands. Standalone or one-member clustered (127.0.0.1 only).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const testSchema = {
  name: 'T',
  version: '1.2.3',
  tables: {
    Simple: {
      columns: {
        name: { type: 'string' },
        n: { type: 'integer' },
        r: { type: 'real' },
        b: { type: 'boolean' },
        s: { type: { key: 'string', min: 0, max: 'unlimited' } },
        m: { type: { key: 'string', value: 'integer', min: 0, max: 'unlimited' } },
        ref: { type: { key: { type: 'uuid', refTable: 'Other' }, min: 0, max: 1 } },
      },
      indexes: [['name']],
      isRoot: true,
    },
    Other: { columns: { v: { type: 'integer' } }, isRoot: true },
  },
};

export interface RealOvsdb {
  readonly dir: string;
  readonly sock: string;
  readonly remote: string;
  readonly ctl: string;
  readonly schemaPath: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates the database and starts ovsdb-server on it. */
export async function startRealOvsdb(options: { clustered?: boolean; schema?: object } = {}): Promise<RealOvsdb> {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-client-'));
  const schemaPath = join(dir, 'schema.ovsschema');
  writeFileSync(schemaPath, JSON.stringify(options.schema ?? testSchema));
  const db = join(dir, 'db');
  if (options.clustered) {
    const port = await freePort();
    execFileSync('ovsdb-tool', ['create-cluster', db, schemaPath, `tcp:127.0.0.1:${port}`]);
  } else {
    execFileSync('ovsdb-tool', ['create', db, schemaPath]);
  }
  const sock = join(dir, 'db.sock');
  const ctl = join(dir, 'ctl');
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    rmSync(sock, { force: true });
    child = spawn('ovsdb-server', [`--remote=punix:${sock}`, `--unixctl=${ctl}`, '--no-chdir', `--log-file=${join(dir, 'log')}`, db], { stdio: 'ignore' });
    await waitFor(() => existsSync(sock) && existsSync(ctl), 10_000, 'ovsdb-server socket');
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    dir, sock, remote: `unix:${sock}`, ctl, schemaPath,
    stop,
    restart: async () => { await stop(); await start(); },
    cleanup: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
