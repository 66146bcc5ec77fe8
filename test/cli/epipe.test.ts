/**
 * `ovsdb-ts tool query DB TXN | head` (and any command whose reader goes away) ends quietly
 * with the status a shell gives a SIGPIPE death, as the OVS tools do, never with an unhandled
 * EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferIo } from '../../src/cli/tool-io.js';
import { runTransaction } from '../../src/cli/tool-txn.js';
import { cliPath, ensureBuilt } from '../helpers/build.js';
import { TEST_SCHEMA } from '../server/harness.js';
import { createDb, tempDir } from '../server/process.js';

const dir = tempDir('ovs-epipe-');
let db = '';
beforeAll(async () => {
  ensureBuilt();
  db = await createDb(join(dir, 'db'), TEST_SCHEMA);
  const rows = Array.from({ length: 2000 }, (_, i) => ({ op: 'insert', table: 'A', row: { name: `${'x'.repeat(200)}${i}` } }));
  expect(await runTransaction(db, JSON.stringify(['T', ...rows]), true, new BufferIo())).toBe(0);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI, closes our end of its stdout after the first chunk, returns status and stderr. */
function runAndCloseEarly(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that goes away', () => {
  it('tool query | head ends without a stack trace', async () => {
    const txn = JSON.stringify(['T', { op: 'select', table: 'A', where: [] }]);
    const r = await runAndCloseEarly(['tool', 'query', db, txn]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
  }, 30_000);
});
