/**
 * The differential suite (issue 2): every case in cases/ is sent to the real ovsdb-server and to
 * ours, started side by side in this run on fresh databases, and the normalised transcripts
 * (replies and notifications) must be equal. Differences are printed per case; the suite fails
 * on any difference not listed in known-differences.ts, and on a listed one that now matches.
 *
 * The real server's transcripts are also written to $TMPDIR/ovsdb-ts-diff/ as a debugging aid;
 * nothing reads them back. DIFF_FILTER=substring runs a subset; DIFF_OURS=real compares the
 * real server with a second real server (a check of the cases and of the normalisation).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireOvs } from '../helpers/ovs.js';
import { startServer, type ServerHandle } from '../helpers/servers.js';
import { allCases } from './cases/index.js';
import { knownDifferences } from './known-differences.js';
import { runSuite } from './run-suite.js';

const schemas = ['test/diff/schemas/diff.ovsschema', 'test/diff/schemas/mini.ovsschema', 'schemas/ovn-nb.ovsschema'];
const haveOvs = requireOvs('ovsdb-server', 'ovsdb-tool');
const filter = process.env['DIFF_FILTER'];
const oursKind = process.env['DIFF_OURS'] === 'real' ? 'real' : 'ours';

test('the case list is well formed', () => {
  expect(allCases.length).toBeGreaterThanOrEqual(150);
  const names = allCases.map((c) => c.name);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  for (const name of knownDifferences.keys()) expect(names).toContain(name);
  for (const c of allCases) expect(c.steps.length).toBeGreaterThan(0);
});

describe.skipIf(!haveOvs)('differential: real ovsdb-server vs ours', () => {
  let real: ServerHandle | undefined;
  let ours: ServerHandle | undefined;
  let oursError = '';

  beforeAll(async () => {
    real = await startServer('real', { schemas });
    try {
      ours = await startServer(oursKind, { schemas });
    } catch (e) {
      oursError = e instanceof Error ? e.message : String(e);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([real?.stop(), ours?.stop()]);
  });

  test('every case gives the same replies and notifications', async () => {
    if (real === undefined) throw new Error('the real ovsdb-server did not start');
    if (ours === undefined) throw new Error(`our server did not start, so no case could be compared: ${oursError.slice(0, 2000)}`);
    const cases = filter === undefined ? allCases : allCases.filter((c) => c.name.includes(filter));
    const results = await runSuite(cases, { path: real.sockPath }, { path: ours.sockPath }, 170_000);

    const dir = join(tmpdir(), 'ovsdb-ts-diff');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'real.json'), JSON.stringify(results.map((r) => ({ name: r.name, transcript: r.real })), null, 1));
    writeFileSync(join(dir, 'ours.json'), JSON.stringify(results.map((r) => ({ name: r.name, transcript: r.ours })), null, 1));

    const differ = results.filter((r) => r.difference !== undefined);
    const unexpected = differ.filter((r) => !knownDifferences.has(r.name));
    // (Comparing the real server with itself, every known difference matches, as it should.)
    const fixed = oursKind === 'real' ? [] : results.filter((r) => r.difference === undefined && knownDifferences.has(r.name)).map((r) => r.name);
    for (const r of unexpected.slice(0, 60)) console.log(`DIFF ${r.name}: ${r.difference ?? ''}`);
    if (unexpected.length > 60) console.log(`... and ${unexpected.length - 60} more (see ${dir})`);
    console.log(`diff: ${results.length} cases, ${results.length - differ.length} match, ${differ.length} differ (${differ.length - unexpected.length} known); transcripts in ${dir}${ours.process.exitCode !== null ? `; our server exited with code ${ours.process.exitCode}` : ''}`);
    expect(unexpected.map((r) => r.name)).toEqual([]);
    expect(fixed, 'these cases match now: remove them from known-differences.ts').toEqual([]);
  }, 200_000);
});
