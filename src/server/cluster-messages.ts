/**
 * Messages between members besides Raft's own: joining, leaving, and transactions forwarded to
 * the leader. They arrive as `unknown` (decoded by the transport from untrusted bytes) and are
 * checked here field by field; anything else is dropped by the caller.
 */
import type { Json } from '../base/json.js';

export type AppMessage =
  /** A follower forwards a write (its ops as the client sent them) to the leader. */
  | {
    readonly t: 'txn'; readonly rid: string; readonly ops: readonly Json[]; readonly locks: readonly string[];
    /** The session's RBAC role and client id, checked where the transaction runs. */
    readonly rbac: { readonly role: string; readonly id: string | undefined } | undefined;
  }
  /**
   * The leader's answer when the transaction made no entry (read-only or failed: reply once
   * `index` is applied), when the rid was already logged (`duplicate`), or when the follower
   * must send it again to whoever leads (`retry`). Writes are answered by their entry instead.
   */
  | { readonly t: 'txnReply'; readonly rid: string; readonly index: number; readonly results: readonly Json[] | undefined; readonly retry: boolean; readonly duplicate: boolean }
  /** A joining member asks to be added (sent to any member; non-leaders pass it on). */
  | { readonly t: 'join'; readonly sid: string; readonly address: string; readonly name: string }
  | { readonly t: 'joinReply'; readonly cid: string; readonly ok: boolean; readonly error: string | undefined }
  /** Remove `sid` from the cluster (cluster/leave, cluster/kick through a follower). */
  | { readonly t: 'leave'; readonly sid: string }
  /** A member that just started opens its connections (nothing to answer). */
  | { readonly t: 'hello' }
  /** The leader tells a member its removal committed (it never receives that entry itself). */
  | { readonly t: 'removed'; readonly sid: string };

type Obj = { readonly [k: string]: unknown };

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function str(o: Obj, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' && v.length > 0 && v.length <= 4096 ? v : undefined;
}

function isJson(x: unknown, depth = 0): x is Json {
  if (depth > 64) return false;
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every((v) => isJson(v, depth + 1));
  if (isObj(x)) return Object.values(x).every((v) => isJson(v, depth + 1));
  return false;
}

/** Checks an application message from a peer; undefined if it is not one. */
export function decodeAppMessage(x: unknown): AppMessage | undefined {
  if (!isObj(x)) return undefined;
  switch (x['t']) {
    case 'txn': {
      const rid = str(x, 'rid');
      const ops = x['ops'];
      const locks = x['locks'];
      if (rid === undefined || !Array.isArray(ops) || !ops.every((o) => isJson(o))) return undefined;
      if (!Array.isArray(locks) || !locks.every((l): l is string => typeof l === 'string')) return undefined;
      const rbacRaw = x['rbac'];
      let rbac: { role: string; id: string | undefined } | undefined;
      if (rbacRaw !== undefined) {
        if (!isObj(rbacRaw)) return undefined;
        const role = str(rbacRaw, 'role');
        const id = rbacRaw['id'];
        if (role === undefined || (id !== undefined && typeof id !== 'string')) return undefined;
        rbac = { role, id };
      }
      return { t: 'txn', rid, ops: ops as Json[], locks, rbac };
    }
    case 'txnReply': {
      const rid = str(x, 'rid');
      const index = x['index'] ?? 0;
      const results = x['results'];
      if (rid === undefined || typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return undefined;
      if (results !== undefined && !(Array.isArray(results) && results.every((r) => isJson(r)))) return undefined;
      return { t: 'txnReply', rid, index, results: results as Json[] | undefined, retry: x['retry'] === true, duplicate: x['duplicate'] === true };
    }
    case 'join': {
      const sid = str(x, 'sid');
      const address = str(x, 'address');
      const name = str(x, 'name');
      if (sid === undefined || address === undefined || name === undefined) return undefined;
      return { t: 'join', sid, address, name };
    }
    case 'joinReply': {
      const cid = str(x, 'cid');
      if (cid === undefined || typeof x['ok'] !== 'boolean') return undefined;
      return { t: 'joinReply', cid, ok: x['ok'], error: str(x, 'error') };
    }
    case 'leave': {
      const sid = str(x, 'sid');
      return sid === undefined ? undefined : { t: 'leave', sid };
    }
    case 'hello':
      return { t: 'hello' };
    case 'removed': {
      const sid = str(x, 'sid');
      return sid === undefined ? undefined : { t: 'removed', sid };
    }
    default:
      return undefined;
  }
}
