import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runTranscript } from './transcript-runner.js';

const dir = join(import.meta.dirname, 'transcripts');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('raft transcripts (regenerate with vitest -u, then read the diff)', () => {
  test('there are transcripts', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  test.each(files)('%s', async (file) => {
    const out = runTranscript(readFileSync(join(dir, file), 'utf8'));
    await expect(out).toMatchFileSnapshot(join(dir, '__snapshots__', file.replace(/\.txt$/, '.out')));
    // The *-fault scripts switch on a RaftTestFaults knob and must show the runner's checks
    // catching it; every other script must run clean.
    if (file.endsWith('-fault.txt')) expect(out).toMatch(/VIOLATION/);
    else expect(out).not.toMatch(/VIOLATION|PANIC/);
  });
});
