/**
 * The package's entry points (package.json main, types and exports) exist in the build and
 * export what they promise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './helpers/build.js';

describe('package entry points', () => {
  it('every path in main, types and exports is built, and each module loads', async () => {
    ensureBuilt();
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, string> };
    for (const p of [pkg.main, pkg.types, ...Object.values(pkg.exports)]) expect(existsSync(join(repoRoot, p)), p).toBe(true);
    const main = await import(join(repoRoot, pkg.main)) as Record<string, unknown>;
    for (const name of ['OvsdbServer', 'StandaloneHost', 'ClusteredHost', 'RaftDiskStore', 'RaftTransport', 'Database', 'parseSchema']) {
      expect(typeof main[name], name).toBe('function');
    }
    for (const p of Object.values(pkg.exports)) await import(join(repoRoot, p));
  });
});
