/**
 * A running hash of everything that happens in a simulation (FoundationDB checks determinism by
 * running a seed twice and comparing the final random value; we compare this). Optionally keeps
 * the last lines of text for failure reports.
 */
export class Trace {
  #h1 = 0x811c9dc5;
  #h2 = 0x01000193;
  #tail: string[] = [];
  events = 0;

  constructor(private readonly keepLines: number) {}

  /** Adds one event. */
  add(line: string): void {
    this.events += 1;
    let h1 = this.#h1;
    let h2 = this.#h2;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    }
    // A separator so ["ab","c"] and ["a","bc"] differ.
    this.#h1 = Math.imul(h1 ^ 0x0a, 0x01000193) >>> 0;
    this.#h2 = Math.imul(h2 ^ 0x0a, 0x5bd1e995) >>> 0;
    if (this.keepLines > 0) {
      this.#tail.push(line);
      if (this.#tail.length > this.keepLines * 2) this.#tail = this.#tail.slice(-this.keepLines);
    }
  }

  /** The hash so far, as 16 hex digits. */
  get hash(): string {
    return this.#h1.toString(16).padStart(8, '0') + this.#h2.toString(16).padStart(8, '0');
  }

  /** The last `keepLines` events. */
  tail(): string[] {
    return this.#tail.slice(-this.keepLines);
  }
}
