/**
 * Tests that start real server processes run the compiled CLI (dist/src/cli/main.js). This
 * builds it once per test run when any source file is newer than the build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const cliPath = join(repoRoot, 'dist/src/cli/main.js');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  return existsSync(cliPath) && statSync(cliPath).mtimeMs >= newestMtimeMs(join(repoRoot, 'src'));
}

const lockDir = join(repoRoot, 'dist.build-lock');

/**
 * Builds dist/ if it is missing or older than src/. Workers that call this at once take turns
 * through a lock directory (mkdir is atomic), so no process loads a half-written build.
 */
export function ensureBuilt(): void {
  if (isFresh()) return;
  const deadlineMs = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // Another worker is building; a lock older than five minutes belongs to a dead process.
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 300_000) rmSync(lockDir, { recursive: true, force: true });
      } catch { /* gone already */ }
      if (Date.now() > deadlineMs) throw new Error('timed out waiting for another test worker to build dist/');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!isFresh()) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
