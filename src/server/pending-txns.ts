/**
 * One session's transactions still awaiting their reply, by request id key (for `cancel` and
 * the "duplicate request ID" check). A client usually has one or a few in flight, so they live
 * in two arrays searched from the end, which allocates nothing per request. A Map did: emptied
 * after every reply, V8 shrank its table and grew it again on the next request, which was 2.8 %
 * of all bytes allocated on the write-16 load. Past SMALL entries (a client that pipelines, or
 * many blocked waits) the ids move to a Map, so the cost per request stays constant.
 *
 * @example
 * const p = new PendingTxns<Ticket>();
 * p.set('7', ticket);
 * p.has('7'); // true
 * p.delete('7');
 */
const SMALL = 16;

/** Index of `key` in `keys`, searching from the end (a loop: cheaper than lastIndexOf's builtin call for a few entries). */
function find(keys: readonly string[], key: string): number {
  for (let i = keys.length - 1; i >= 0; i--) if (keys[i] === key) return i;
  return -1;
}

export class PendingTxns<T> {
  #keys: string[] = [];
  #values: T[] = [];
  #map: Map<string, T> | undefined;

  get size(): number {
    return this.#map ? this.#map.size : this.#keys.length;
  }

  has(key: string): boolean {
    return this.#map ? this.#map.has(key) : find(this.#keys, key) >= 0;
  }

  get(key: string): T | undefined {
    if (this.#map) return this.#map.get(key);
    const i = find(this.#keys, key);
    return i >= 0 ? this.#values[i] : undefined;
  }

  /** Adds or replaces. */
  set(key: string, value: T): void {
    if (this.#map) {
      this.#map.set(key, value);
      return;
    }
    const i = find(this.#keys, key);
    if (i >= 0) {
      this.#values[i] = value;
      return;
    }
    if (this.#keys.length < SMALL) {
      this.#keys.push(key);
      this.#values.push(value);
      return;
    }
    const map = new Map<string, T>();
    for (let j = 0; j < this.#keys.length; j++) map.set(this.#keys[j] as string, this.#values[j] as T);
    map.set(key, value);
    this.#map = map;
    this.#keys = [];
    this.#values = [];
  }

  delete(key: string): boolean {
    if (this.#map) {
      const had = this.#map.delete(key);
      if (this.#map.size === 0) this.#map = undefined;
      return had;
    }
    const i = find(this.#keys, key);
    if (i < 0) return false;
    // Order does not matter: the last entry takes the freed place.
    const last = this.#keys.length - 1;
    this.#keys[i] = this.#keys[last] as string;
    this.#values[i] = this.#values[last] as T;
    this.#keys.pop();
    this.#values.pop();
    return true;
  }

  values(): T[] {
    return this.#map ? [...this.#map.values()] : this.#values.slice();
  }

  clear(): void {
    this.#keys = [];
    this.#values = [];
    this.#map = undefined;
  }
}
