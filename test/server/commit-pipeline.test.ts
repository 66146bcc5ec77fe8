import { describe, expect, it } from 'vitest';
import { CommitPipeline } from '../../src/server/commit-pipeline.js';

describe('CommitPipeline', () => {
  it('runs actions in order, each after the waits queued before it', async () => {
    const p = new CommitPipeline((e) => { throw e; });
    const out: string[] = [];
    p.call((x: string) => out.push(x), 'now'); // nothing waits: runs at once
    p.waitWritten(1);
    p.call((x: string) => out.push(x), 'after 1 written');
    p.waitSynced(2);
    p.call((x: string) => out.push(x), 'after 2 synced');
    let release = (): void => undefined;
    p.barrier(new Promise<void>((r) => { release = r; }));
    p.then(() => out.push('after promise'));
    expect(out).toEqual(['now']);
    expect(p.length).toBe(6);
    p.advance(2, 1);
    expect(out).toEqual(['now', 'after 1 written']);
    p.advance(2, 2);
    expect(out).toEqual(['now', 'after 1 written', 'after 2 synced']);
    release();
    await Promise.resolve();
    await Promise.resolve();
    expect(out).toEqual(['now', 'after 1 written', 'after 2 synced', 'after promise']);
    expect(p.length).toBe(0);
    // Waits for what is already written or synced are no-ops.
    p.waitWritten(2);
    p.waitSynced(1);
    p.call((x: string) => out.push(x), 'again');
    expect(out.at(-1)).toBe('again');
  });

  it('keeps order across many cycles and a long backlog, and survives a throwing action', () => {
    const errors: unknown[] = [];
    const p = new CommitPipeline((e) => { throw e; }, (e) => errors.push(e));
    const seen: number[] = [];
    let seq = 0;
    for (let cycle = 0; cycle < 3; cycle++) {
      // 3000 commits wait at once (past the queue's compaction point), then all are written.
      for (let i = 0; i < 3000; i++) {
        p.waitWritten(++seq);
        p.call((n: number) => seen.push(n), seq);
      }
      p.call(() => { throw new Error('bug'); }, 0);
      p.advance(seq - 1000, 0);
      expect(seen.length).toBe(cycle * 3000 + 2000);
      p.advance(seq, 0);
      expect(p.length).toBe(0);
    }
    expect(seen).toEqual(Array.from({ length: 9000 }, (_, i) => i + 1));
    expect(errors.length).toBe(3);
  });
});
