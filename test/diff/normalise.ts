/**
 * Turns a transcript into a form in which two correct servers are byte-identical. Each rule is a
 * tolerance for something that legitimately differs between two runs of the same server:
 *
 * - The all-zero UUID (a uuid column's default) is kept as `<zero>`.
 * - Row UUIDs are random (RFC 7047 §5.1 leaves the choice to the server): every UUID becomes
 *   `<N>` by order of first appearance. Insert results (in reply order) are numbered first,
 *   because a client receives its own transaction's updates before the reply and the rows of an
 *   update object have no defined order. Remaining unnumbered UUID keys of one object are
 *   numbered in the order of their masked contents, so object key order never matters.
 * - `_version` values are random too: numbered in their own namespace `<vN>`.
 * - The last-txn-id of monitor_cond_since replies and update3 notifications becomes `<txn>`:
 *   OVS keeps no transaction history for a standalone database and always reports the all-zero
 *   id, while ours keeps history for standalone databases too (so monitors can resume after a
 *   reconnect), by design. `found` is still compared.
 * - Sets and maps whose elements contain UUIDs are sorted after renaming (OVS orders them by the
 *   random UUID value). Rows of a select result are compared as a set (order unspecified).
 * - list_dbs names are compared as a set, and the two rows named in an index-collision error in
 *   either order (both come out of OVS in hash order).
 * - The elapsed time in "\"wait\" timed out after N ms".
 * - A `schema` string (the _Server Database column) is compared as parsed JSON: whitespace and
 *   key order of its serialisation are not part of the contract.
 * Everything else, error strings included, must match exactly.
 */
import type { TranscriptEntry } from './transcript.js';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const UUID_EXACT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted, so key order never matters. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

class Namer {
  readonly rows = new Map<string, string>();
  readonly versions = new Map<string, string>();

  row(u: string): string {
    if (u === ZERO_UUID) return '<zero>';
    let n = this.rows.get(u);
    if (n === undefined) {
      n = `<${this.rows.size}>`;
      this.rows.set(u, n);
    }
    return n;
  }
  version(u: string): string {
    let n = this.versions.get(u);
    if (n === undefined) {
      n = `<v${this.versions.size}>`;
      this.versions.set(u, n);
    }
    return n;
  }
  /** Replaces every UUID in a string; unknown ones get the next row number. */
  text(s: string): string {
    return s.replace(UUID_RE, (u) => this.versions.get(u) ?? this.row(u));
  }
  /** A string with UUIDs replaced by known names or a mask, without assigning new numbers. */
  masked(v: unknown): string {
    return canonical(v).replace(UUID_RE, (u) => this.rows.get(u) ?? this.versions.get(u) ?? 'U');
  }
}

function containsUuidAtom(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  if (v.length === 2 && (v[0] === 'uuid' || v[0] === 'named-uuid') && typeof v[1] === 'string') return true;
  return v.some(containsUuidAtom);
}

/** First pass: number the UUIDs of insert results, in reply order. */
function numberInsertResults(entries: readonly TranscriptEntry[], namer: Namer): void {
  for (const e of entries) {
    const m = e.msg;
    if (!isObject(m) || !Array.isArray(m['result'])) continue;
    for (const r of m['result']) {
      if (isObject(r) && Array.isArray(r['uuid']) && typeof r['uuid'][1] === 'string') namer.row(r['uuid'][1]);
    }
  }
}

/** Renames last-txn-ids in monitor_cond_since replies and update3 notifications. */
function renameTxnIds(m: Record<string, unknown>): void {
  const params = m['params'];
  if (m['method'] === 'update3' && Array.isArray(params) && typeof params[1] === 'string' && UUID_EXACT.test(params[1])) params[1] = '<txn>';
  const result = m['result'];
  if (Array.isArray(result) && result.length === 3 && typeof result[0] === 'boolean' && typeof result[1] === 'string' && UUID_EXACT.test(result[1])) {
    result[1] = '<txn>';
  }
}

function walk(v: unknown, namer: Namer, key: string | undefined): unknown {
  if (typeof v === 'string') {
    if (key === 'schema' && v.startsWith('{')) {
      try {
        return canonical(JSON.parse(v));
      } catch {
        return namer.text(v);
      }
    }
    // A wait's elapsed time is measured, not specified (RFC 7047 §5.2.6).
    return namer.text(v).replace(/^"wait" timed out after \d+ ms$/, '"wait" timed out after <N> ms');
  }
  if (Array.isArray(v)) {
    if (key === '_version' && v[0] === 'uuid' && typeof v[1] === 'string') return ['uuid', namer.version(v[1])];
    const out = v.map((x) => walk(x, namer, undefined));
    if ((out[0] === 'set' || out[0] === 'map') && out.length === 2 && Array.isArray(out[1]) && containsUuidAtom(v[1])) {
      out[1] = [...out[1]].sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
    }
    return out;
  }
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    // Unnumbered UUID keys: number them in the order of their (masked) contents.
    const fresh = keys.filter((k) => UUID_EXACT.test(k) && !namer.rows.has(k));
    fresh.sort((a, b) => {
      const ma = namer.masked(v[a]);
      const mb = namer.masked(v[b]);
      return ma < mb ? -1 : ma > mb ? 1 : 0;
    });
    for (const k of fresh) namer.row(k);
    // Visit members in the order of their normalised names, so values numbered here (_version)
    // get the same numbers whatever the servers' key order.
    const named = keys.map((k) => [namer.text(k), k] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: Record<string, unknown> = {};
    for (const [name, k] of named) out[name] = walk(v[k], namer, k);
    return out;
  }
  return v;
}

/**
 * OVS names the two rows of an index collision in hash order ("First row, with UUID a, ...
 * Second row, with UUID b, ..."), so the order of the two clauses is not part of the contract.
 */
function canonicalIndexError(m: unknown): void {
  if (!isObject(m) || !Array.isArray(m['result'])) return;
  const re = /^(.*)First row, with UUID ([^,]+), (.*?)\.  Second row, with UUID ([^,]+), (.*?)\.$/s;
  for (const r of m['result']) {
    if (!isObject(r) || typeof r['details'] !== 'string') continue;
    const x = re.exec(r['details']);
    if (x === null) continue;
    const a = `${x[2] ?? ''}, ${x[3] ?? ''}`;
    const b = `${x[4] ?? ''}, ${x[5] ?? ''}`;
    const [first, second] = a <= b ? [a, b] : [b, a];
    r['details'] = `${x[1] ?? ''}First row, with UUID ${first}.  Second row, with UUID ${second}.`;
  }
}

function sortSelectRows(m: unknown): void {
  if (!isObject(m) || !Array.isArray(m['result'])) return;
  for (const r of m['result']) {
    if (isObject(r) && Array.isArray(r['rows'])) r['rows'] = [...r['rows']].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1));
  }
}

/** Normalises a transcript (see the module comment); the input is not modified. */
export function normaliseTranscript(entries: readonly TranscriptEntry[]): TranscriptEntry[] {
  const copy = JSON.parse(JSON.stringify(entries)) as TranscriptEntry[];
  const namer = new Namer();
  numberInsertResults(copy, namer);
  return copy.map((e) => {
    if (isObject(e.msg)) renameTxnIds(e.msg);
    const msg = walk(e.msg, namer, undefined);
    sortSelectRows(msg);
    canonicalIndexError(msg);
    // list_dbs answers in hash order in OVS: compare the names as a set.
    if (e.method === 'list_dbs' && isObject(msg) && Array.isArray(msg['result'])) msg['result'] = [...msg['result']].sort();
    return { ...e, msg };
  });
}
