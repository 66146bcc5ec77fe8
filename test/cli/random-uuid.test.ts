import { describe, expect, it } from 'vitest';
import { isUuid } from '../../src/base/uuid.js';
import { randomUuid } from '../../src/cli/random-uuid.js';

describe('randomUuid', () => {
  it('gives distinct lowercase version-4 UUIDs across several refills of its pool', () => {
    const seen = new Set<string>();
    const digitCounts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const u = randomUuid();
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isUuid(u)).toBe(true);
      seen.add(u);
      for (const ch of u.slice(0, 8)) digitCounts.set(ch, (digitCounts.get(ch) ?? 0) + 1);
    }
    expect(seen.size).toBe(3000);
    // 24,000 random hex digits: each of the 16 should appear about 1,500 times.
    expect(digitCounts.size).toBe(16);
    for (const n of digitCounts.values()) expect(n).toBeGreaterThan(1200);
  });

  it('returns strings that stay valid after later calls reuse its buffer', () => {
    const first = randomUuid();
    const copy = `${first}`;
    for (let i = 0; i < 10; i++) randomUuid();
    expect(first).toBe(copy);
  });
});
