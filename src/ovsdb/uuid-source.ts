/**
 * Fresh uuids for the engine, stored flat. Node's crypto.randomUUID() returns its text as a
 * tree of about twenty concatenated pieces (a V8 cons string, ~490 bytes on the heap); a row
 * keeps two of them (uuid and _version) for its lifetime, and using one as a Map key does not
 * flatten it. Reading one character makes V8 flatten the string in place, after which the
 * garbage collector drops the tree (~65 bytes in all): in the engine micro-benchmark this cut
 * the heap per row from ~1 KB to ~0.3 KB and with it much of the GC time per transaction.
 */
import type { Uuid } from '../base/uuid.js';

/** Anything that hands out fresh uuids (a TxnContext). */
export interface UuidSource {
  newUuid(): Uuid;
}

/** `source.newUuid()`, flattened (same text, smaller heap footprint). */
export function freshUuid(source: UuidSource): Uuid {
  const u = source.newUuid();
  // The result is irrelevant: the read is what flattens the string (see above).
  u.charCodeAt(0);
  return u;
}
