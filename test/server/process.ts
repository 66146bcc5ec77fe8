/**
 * Starting our server as a real process (dist/src/cli/main.js server) on database directories
 * the test keeps, so it can kill and restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../src/base/json.js';
import { StandaloneStore } from '../../src/storage/standalone-db-store.js';
import { cliPath, ensureBuilt } from '../helpers/build.js';
import { waitForSocket } from '../helpers/servers.js';

export function tempDir(prefix = 'ovs-p-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Creates a database directory directly with the store. */
export async function createDb(dir: string, schema: JsonObject): Promise<string> {
  await (await StandaloneStore.create(dir, schema)).close();
  return dir;
}

export interface Proc {
  readonly proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited(timeoutMs?: number): Promise<number | string>;
}

/** Spawns `ovsdb-ts server ARGS` and waits for `waitFor` (a unix socket) to accept. */
export async function spawnServer(args: readonly string[], waitFor: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Proc> {
  ensureBuilt();
  const proc = spawn(process.execPath, [...(process.env['OVSDB_TS_TEST_NODE_ARGS'] ?? '').split(' ').filter(Boolean), cliPath, 'server', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const p: Proc = {
    proc,
    output: () => out,
    exited: (timeoutMs = 10_000) => Promise.race([exit, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`server did not exit within ${timeoutMs} ms\n${out}`)), timeoutMs))]),
  };
  if (waitFor !== undefined) {
    try {
      await waitForSocket(waitFor, 20_000, proc);
    } catch (e) {
      proc.kill('SIGKILL');
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${out}`);
    }
  }
  return p;
}

/** SIGKILLs a process if it still runs, and waits for it. */
export async function kill(p: Proc): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill('SIGKILL');
  await p.exited();
}
