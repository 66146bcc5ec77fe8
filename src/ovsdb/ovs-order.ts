/**
 * Iteration order of an Open vSwitch `shash` (a string-keyed hmap). ovsdb-server walks JSON
 * objects and schemas in this order, so it decides which error it reports first (e.g. the
 * member named in "Member 'x' and 2 other members are present but not allowed here.").
 * Reproduces lib/hash.c (the portable murmur-based hash_bytes, as in x86-64 Debian builds)
 * and lib/hmap.c (bucket mask growth, head insertion, rehash on resize).
 */

function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mhashAdd(hash: number, data: number): number {
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51) >>> 0;
    d = rot(d, 15);
    d = Math.imul(d, 0x1b873593) >>> 0;
    hash = (hash ^ d) >>> 0;
  }
  hash = rot(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
}

function mhashFinish(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const encoder = new TextEncoder();

/** hash_string(s, 0): hash_bytes over the UTF-8 bytes, little-endian words. */
export function ovsHashString(s: string): number {
  const b = encoder.encode(s);
  let hash = 0;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) {
    hash = mhashAdd(hash, ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0);
  }
  if (i < b.length) {
    let tmp = 0;
    for (let j = 0; i + j < b.length; j++) tmp |= (b[i + j] ?? 0) << (8 * j);
    hash = mhashAdd(hash, tmp >>> 0);
  }
  return mhashFinish((hash ^ b.length) >>> 0);
}

function calcMask(capacity: number): number {
  let mask = Math.floor(capacity / 2);
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask |= (mask & 1) << 1;
  return mask;
}

/** `keys` (in insertion order) in the order SHASH_FOR_EACH visits them. */
export function ovsShashOrder(keys: readonly string[]): string[] {
  if (keys.length < 2) return [...keys];
  let mask = 0;
  let buckets: { key: string; hash: number }[][] = [[]];
  let n = 0;
  for (const key of keys) {
    const node = { key, hash: ovsHashString(key) };
    (buckets[node.hash & mask] as { key: string; hash: number }[]).unshift(node);
    n++;
    if (Math.floor(n / 2) > mask) {
      const newMask = calcMask(n);
      if (newMask > mask) {
        const tmp: { key: string; hash: number }[][] = Array.from({ length: newMask + 1 }, () => []);
        for (const bucket of buckets) for (const nd of bucket) (tmp[nd.hash & newMask] as typeof bucket).unshift(nd);
        buckets = tmp;
        mask = newMask;
      }
    }
  }
  return buckets.flatMap((b) => b.map((nd) => nd.key));
}
