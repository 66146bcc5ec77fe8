/**
 * Runs every differential case against two live servers (the real ovsdb-server and ours, started
 * in the same run) and collects the verdicts. Cases run one at a time, each on both servers at
 * once; after each case the runner empties the case's database on both servers so every case
 * starts from an empty database.
 */
import type { RawTarget } from '../helpers/raw-client.js';
import type { DiffCase } from './case.js';
import { describeDifference } from './compare.js';
import { normaliseTranscript } from './normalise.js';
import { cleanDatabase, runCase, type TranscriptEntry } from './transcript.js';

/** The verdict on one case. */
export interface CaseResult {
  readonly name: string;
  /** Undefined when the normalised transcripts are equal. */
  readonly difference: string | undefined;
  readonly real: readonly TranscriptEntry[];
  readonly ours: readonly TranscriptEntry[];
}

async function transcriptOf(target: RawTarget, c: DiffCase): Promise<TranscriptEntry[]> {
  try {
    return await runCase(target, c);
  } catch (e) {
    return [{ step: -1, conn: -1, msg: { runnerError: e instanceof Error ? e.message : String(e) } }];
  }
}

async function clean(target: RawTarget, db: string): Promise<string | undefined> {
  try {
    await cleanDatabase(target, db);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Runs `cases` against `real` and `ours`. Stops starting new cases once `budgetMs` has passed
 * (the rest are reported as not run), so a wedged server cannot hang CI.
 */
export async function runSuite(cases: readonly DiffCase[], real: RawTarget, ours: RawTarget, budgetMs: number): Promise<CaseResult[]> {
  const started = Date.now();
  const results: CaseResult[] = [];
  for (const c of cases) {
    if (Date.now() - started > budgetMs) {
      results.push({ name: c.name, difference: `not run: time budget of ${budgetMs} ms exhausted`, real: [], ours: [] });
      continue;
    }
    const [tr, to] = await Promise.all([transcriptOf(real, c), transcriptOf(ours, c)]);
    const [er, eo] = await Promise.all([clean(real, c.db), clean(ours, c.db)]);
    if (er !== undefined) throw new Error(`the real server failed to clean up after "${c.name}": ${er}`);
    const nr = normaliseTranscript(tr);
    const no = normaliseTranscript(to);
    let difference = describeDifference(nr, no);
    if (difference === undefined && eo !== undefined) difference = `cleanup after the case failed on ours: ${eo}`;
    results.push({ name: c.name, difference, real: nr, ours: no });
  }
  return results;
}
