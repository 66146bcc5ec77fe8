/**
 * Prints one plain closing line, `vitest: N passed, N failed, N skipped`, after vitest's own
 * summary, so that CI logs end with a count any reader (or tool) understands.
 */
import type { Reporter } from 'vitest/reporters';

interface TaskLike {
  readonly type: string;
  readonly mode: string;
  readonly result?: { readonly state?: string } | undefined;
  readonly tasks?: readonly TaskLike[];
}

function count(tasks: readonly TaskLike[], totals: { passed: number; failed: number; skipped: number }): void {
  for (const t of tasks) {
    if (t.tasks) count(t.tasks, totals);
    if (t.type !== 'test') continue;
    const state = t.result?.state;
    if (state === 'pass') totals.passed++;
    else if (state === 'fail') totals.failed++;
    else if (t.mode === 'skip' || t.mode === 'todo') totals.skipped++;
    else totals.failed++; // a test that never ran is not a pass
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: readonly TaskLike[] = [], errors: readonly unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    count(files, totals);
    const failed = totals.failed + errors.length;
    process.stdout.write(`\nvitest: ${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped\n`);
  }
}
