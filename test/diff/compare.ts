/**
 * Compares two normalised transcripts and describes the first difference in a way a developer
 * can act on: the step, the connection, and both messages.
 */
import { canonical } from './normalise.js';
import type { TranscriptEntry } from './transcript.js';

/** Undefined when equal, else a short multi-line description of the first difference. */
export function describeDifference(real: readonly TranscriptEntry[], ours: readonly TranscriptEntry[]): string | undefined {
  const n = Math.max(real.length, ours.length);
  for (let i = 0; i < n; i++) {
    const a = real[i];
    const b = ours[i];
    const ca = a === undefined ? '(nothing)' : `step ${a.step} conn ${a.conn}: ${canonical(a.msg)}`;
    const cb = b === undefined ? '(nothing)' : `step ${b.step} conn ${b.conn}: ${canonical(b.msg)}`;
    if (ca !== cb) return `entry ${i}\n    real: ${ca.slice(0, 1500)}\n    ours: ${cb.slice(0, 1500)}`;
  }
  return undefined;
}
