import type { Brand } from './brand.js';

/** A lowercase RFC 4122 textual UUID, as OVSDB uses for row ids, server ids and cluster ids. */
export type Uuid = Brand<string, 'Uuid'>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True if `s` is a UUID in OVSDB's textual form (case-insensitive, as OVS accepts). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s.toLowerCase());
}

/** Checked constructor. */
export function toUuid(s: string): Uuid {
  const lower = s.toLowerCase();
  if (!UUID_RE.test(lower)) throw new Error(`"${s}" is not a valid UUID`);
  return lower as Uuid;
}

/** A version-4 UUID built from 128 random bits supplied by `randomU32` (injected randomness). */
export function uuidFromRandom(randomU32: () => number): Uuid {
  const w = [randomU32(), randomU32(), randomU32(), randomU32()];
  const hex = w.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
  const v = hex.slice(0, 12) + '4' + hex.slice(13, 16) +
    ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 32);
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}` as Uuid;
}
