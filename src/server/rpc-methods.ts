/**
 * The OVSDB methods (RFC 7047 §4.1 plus the Open vSwitch extensions of ovsdb-server(7)): one
 * handler per method in a table, each parsing its own params and replying with the result or
 * the error object ovsdb-server 3.1 gives for the same input (checked against it).
 *
 * Replies that depend on database state (transact, monitor*, convert) are queued with the
 * database's afterPending(), so they leave only after every commit they might reflect is safe,
 * and after the monitor updates of those commits.
 */
import type { Json, JsonObject } from '../base/json.js';
import { canonicalJson, isJsonObject } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import { isUuid } from '../base/uuid.js';
import { OvsdbError, syntaxError } from '../ovsdb/errors.js';
import { rbacError, type RbacAction } from '../ovsdb/rbac.js';
import { tryParseSchema } from '../ovsdb/index.js';
import { isId } from '../ovsdb/parser.js';
import type { JsonRpcId } from '../jsonrpc/messages.js';
import type { DatabaseBackend, TxnRequest } from './database-backend.js';
import type { LockService } from './locks.js';
import { Monitor, mergeChanges, type TableUpdates } from './monitor.js';
import { parseConditionChange, parseMonitorRequests, type MonitorVersion } from './monitor-request.js';
import type { Logger } from './ports.js';
import { idKey, Session, type MonitorBinding } from './session.js';

/** What the handlers need from the server. */
export interface RpcContext {
  readonly serverId: Uuid;
  readonly locks: LockService;
  readonly logger: Logger;
  database(name: string): DatabaseBackend | undefined;
  databaseNames(): string[];
  addMonitor(binding: MonitorBinding): void;
  removeMonitor(binding: MonitorBinding): void;
  /** Called after a successful convert of `db` (cancel monitors, drop unaware sessions). */
  converted(db: DatabaseBackend): void;
}

type Handler = (ctx: RpcContext, s: Session, id: JsonRpcId, params: readonly Json[]) => void;

/** update / update2 / update3 by monitor version. */
export const UPDATE_METHOD: Record<MonitorVersion, string> = { 1: 'update', 2: 'update2', 3: 'update3' };

/** ovsdb_jsonrpc_lookup_db(): the database named by params[0], or an error reply sent. */
function lookupDb(ctx: RpcContext, s: Session, id: JsonRpcId, method: string, params: readonly Json[]): DatabaseBackend | undefined {
  const name = params[0];
  if (typeof name !== 'string') {
    s.replyError(id, syntaxError(params, `${method} request params must begin with <db-name>`).toJson());
    return undefined;
  }
  const db = ctx.database(name);
  if (!db) {
    s.replyError(id, new OvsdbError('unknown database', `${method} request specifies unknown database ${name}`, params).toJson());
    return undefined;
  }
  return db;
}

function transact(ctx: RpcContext, s: Session, id: JsonRpcId, params: readonly Json[]): void {
  const db = lookupDb(ctx, s, id, 'transact', params);
  if (!db) return;
  const key = idKey(id);
  if (s.pendingTxns.has(key)) {
    s.replyError(id, 'duplicate request ID');
    return;
  }
  let answered = false;
  const hasLock = (name: string): boolean => ctx.locks.holds(name, s);
  const ops = params.slice(1);
  let req: TxnRequest = { ops, hasLock };
  let finish = (results: readonly Json[]): readonly Json[] => results;
  // A database without RBAC tables is not restricted by a role (ovsdb/rbac.c).
  const rbac = s.role === '' || !db.schema().tables.has('RBAC_Role') ? undefined : { role: s.role, id: s.clientId };
  if (s.readOnly || rbac !== undefined) {
    if (db.honorsReadOnly === true) req = { ops, hasLock, readOnly: s.readOnly, ...(rbac ? { rbac } : {}) };
    else {
      // Fail closed: with a role, every write is refused (RBAC rules unchecked here).
      const limited = readOnlyPrefix(ops, s.readOnly, rbac === undefined ? undefined : (op, table) => rbacError(rbac, op, table).toJson());
      req = { ops: limited.ops, hasLock };
      finish = limited.finish;
    }
  }
  const ticket = db.transact(req, (results) => {
    answered = true;
    s.pendingTxns.delete(key);
    s.reply(id, finish(results) as Json);
  });
  if (!answered) s.pendingTxns.set(key, ticket);
}

/** Operations ovsdb-server refuses to a read-only session (ovsdb/execution.c, read_only false). */
const WRITE_OPS: ReadonlySet<string> = new Set(['insert', 'update', 'mutate', 'delete', 'commit']);
/** Operations RBAC checks (ovsdb/rbac.c). */
const RBAC_OPS: ReadonlySet<string> = new Set(['insert', 'update', 'mutate', 'delete']);

/**
 * A read-only or role-bound session's transaction for a backend that does not honour
 * TxnRequest.readOnly/.rbac: only the operations before the first refused one run; that one gets
 * ovsdb-server's error ("not allowed", or with a role RBAC's "permission error", whatever the
 * rules say: this fails closed), the rest null. (A malformed refused operation gets that error
 * where the engine would name its syntax error first.)
 */
function readOnlyPrefix(ops: readonly Json[], readOnly: boolean, refuse?: (op: RbacAction, table: string) => JsonObject): { ops: readonly Json[]; finish: (results: readonly Json[]) => readonly Json[] } {
  const k = ops.findIndex((op) => {
    const name = isJsonObject(op) ? op['op'] : undefined;
    return typeof name === 'string' && ((readOnly && WRITE_OPS.has(name)) || (refuse !== undefined && RBAC_OPS.has(name)));
  });
  if (k < 0) return { ops, finish: (r) => r };
  const op = ops[k] as JsonObject;
  const opName = String(op['op']);
  const isRbacOp = opName === 'insert' || opName === 'delete' || opName === 'update' || opName === 'mutate';
  const error = refuse !== undefined && isRbacOp
    ? refuse(opName, String(op['table']))
    : new OvsdbError('not allowed', `${opName} operation not allowed when database server is in read only mode`).toJson();
  return {
    ops: ops.slice(0, k),
    finish: (results) => {
      const out: Json[] = [...results];
      const failed = results.some((r) => isJsonObject(r) && 'error' in r);
      if (!failed) out.push(error);
      while (out.length < ops.length) out.push(null);
      return out;
    },
  };
}

function monitorReply(version: MonitorVersion, updates: TableUpdates, found: boolean, lastTxnId: Uuid): Json {
  return version === 3 ? [found, lastTxnId, updates] : updates;
}

function monitor(version: MonitorVersion): Handler {
  const method = version === 1 ? 'monitor' : version === 2 ? 'monitor_cond' : 'monitor_cond_since';
  return (ctx, s, id, params) => {
    const db = lookupDb(ctx, s, id, method, params);
    if (!db) return;
    if (params.length !== (version === 3 ? 4 : 3)) {
      s.replyError(id, syntaxError(params, 'invalid parameters').toJson());
      return;
    }
    const monitorId = params[1] as Json;
    if (s.monitors.has(idKey(monitorId))) {
      s.replyError(id, syntaxError(monitorId, 'duplicate monitor ID').toJson());
      return;
    }
    let since: Uuid | undefined;
    if (version === 3) {
      const last = params[3];
      if (typeof last !== 'string' || !isUuid(last)) {
        s.replyError(id, syntaxError(last, 'last-txn-id must be UUID format.').toJson());
        return;
      }
      since = last.toLowerCase() as Uuid;
    }
    let m: Monitor;
    try {
      m = new Monitor(monitorId, version, parseMonitorRequests(db.schema(), params[2] as Json, version), `${version}:${canonicalJson(params[2] as Json)}`);
    } catch (e) {
      if (!(e instanceof OvsdbError)) throw e;
      s.replyError(id, e.toJson());
      return;
    }
    const start = (): void => {
      // A clustered member may have waited for its read barrier: the session may be gone, or
      // have registered the same monitor id meanwhile.
      if (s.closed) return;
      if (s.monitors.has(idKey(monitorId))) {
        s.replyError(id, syntaxError(monitorId, 'duplicate monitor ID').toJson());
        return;
      }
      // Computed now, against the state every later commit's update will be relative to.
      const missed = since === undefined ? undefined : db.changesSince(since);
      const found = missed !== undefined;
      const updates = missed !== undefined ? (missed.length ? m.update(mergeChanges(missed)) ?? {} : {}) : m.initial((t) => db.rows(t));
      const result = monitorReply(version, updates, found, db.lastTxnId());
      ctx.addMonitor({ session: s, db, monitor: m });
      db.afterPending(() => s.reply(id, result));
    };
    // The initial contents must be current, not a lagging member's (linearizable members).
    if (db.readBarrier !== undefined) db.readBarrier(start);
    else start();
  };
}

function monitorCondChange(ctx: RpcContext, s: Session, id: JsonRpcId, params: readonly Json[]): void {
  if (params.length !== 3) {
    s.replyError(id, syntaxError(params, 'invalid parameters').toJson());
    return;
  }
  const [oldId, newId, requests] = params as readonly [Json, Json, Json];
  const binding = s.monitors.get(idKey(oldId));
  if (!binding) {
    s.replyError(id, syntaxError(oldId, 'unknown monitor session').toJson());
    return;
  }
  if (idKey(newId) !== idKey(oldId) && s.monitors.has(idKey(newId))) {
    s.replyError(id, syntaxError(newId, 'duplicate monitor ID').toJson());
    return;
  }
  const { db, monitor: m } = binding;
  let updates: TableUpdates | undefined;
  try {
    updates = m.changeConditions(parseConditionChange(db.schema(), requests), (t) => db.rows(t), canonicalJson(requests));
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    s.replyError(id, e.toJson());
    return;
  }
  if (idKey(newId) !== idKey(oldId)) {
    s.monitors.delete(idKey(oldId));
    m.id = newId;
    s.monitors.set(idKey(newId), binding);
  }
  const lastTxnId = db.lastTxnId();
  db.afterPending(() => {
    if (updates) s.notify(UPDATE_METHOD[m.version], m.version === 3 ? [m.id, lastTxnId, updates] : [m.id, updates]);
    s.reply(id, {});
  });
}

function monitorCancel(ctx: RpcContext, s: Session, id: JsonRpcId, params: readonly Json[]): void {
  if (params.length !== 1) {
    s.replyError(id, 'invalid parameters');
    return;
  }
  const binding = s.monitors.get(idKey(params[0] as Json));
  if (!binding) {
    s.replyError(id, 'unknown monitor');
    return;
  }
  ctx.removeMonitor(binding);
  binding.db.afterPending(() => s.reply(id, {}));
}

/** lock / steal / unlock (RFC 7047 §4.1.8-4.1.10). */
function lockMethod(kind: 'lock' | 'steal' | 'unlock'): Handler {
  return (ctx, s, id, params) => {
    const name = params[0];
    // ovsdb_jsonrpc_session_parse_lock_name(): a lock name is an <id> (RFC 7047 §3.1).
    if (params.length !== 1 || typeof name !== 'string' || !isId(name)) {
      s.replyError(id, syntaxError(params, `${kind} request params must be <id>`).toJson());
      return;
    }
    const queued = s.locks.has(name);
    if (kind === 'unlock') {
      if (!queued) {
        s.replyError(id, syntaxError(params, 'unlock: "unlock" without "lock" or "steal"').toJson());
        return;
      }
      s.locks.delete(name);
      ctx.locks.unlock(name, s, () => s.reply(id, {}));
      return;
    }
    if (queued) {
      s.replyError(id, syntaxError(params, `must issue "unlock" before new "${kind}"`).toJson());
      return;
    }
    s.locks.add(name);
    if (kind === 'lock') {
      ctx.locks.lock(name, s, (locked) => s.reply(id, { locked }));
      return;
    }
    ctx.locks.steal(name, s, () => s.reply(id, { locked: true }));
  };
}

function convert(ctx: RpcContext, s: Session, id: JsonRpcId, params: readonly Json[]): void {
  const db = lookupDb(ctx, s, id, 'convert', params);
  if (!db) return;
  if (params.length !== 2) {
    s.replyError(id, syntaxError(params, 'array expected').toJson());
    return;
  }
  const parsed = tryParseSchema(params[1]);
  if (!parsed.ok) {
    s.replyError(id, parsed.error.toJson());
    return;
  }
  if (parsed.schema.name !== db.name) {
    s.replyError(id, { error: 'invalid parameters', details: `new schema name (${parsed.schema.name}) does not match database name (${db.name})` });
    return;
  }
  if (db.name.startsWith('_')) {
    s.replyError(id, { error: 'not allowed', details: `convert not allowed on reserved database ${db.name}` });
    return;
  }
  db.convert(parsed.schema).then(
    () => {
      s.reply(id, {});
      ctx.converted(db);
    },
    (e: unknown) => {
      if (e instanceof OvsdbError) s.replyError(id, e.toJson());
      else {
        ctx.logger.log('ERR', 'server', `convert of ${db.name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        s.replyError(id, { error: 'internal error', details: 'convert failed' });
      }
    },
  );
}

/** The method table. */
export const METHODS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['list_dbs', (ctx, s, id) => s.reply(id, ctx.databaseNames())],
  ['get_schema', (ctx, s, id, params) => {
    const db = lookupDb(ctx, s, id, 'get_schema', params);
    if (db) s.reply(id, db.schema().json);
  }],
  ['transact', transact],
  ['echo', (_ctx, s, id, params) => s.reply(id, params)],
  ['monitor', monitor(1)],
  ['monitor_cond', monitor(2)],
  ['monitor_cond_since', monitor(3)],
  ['monitor_cond_change', monitorCondChange],
  ['monitor_cancel', monitorCancel],
  ['lock', lockMethod('lock')],
  ['steal', lockMethod('steal')],
  ['unlock', lockMethod('unlock')],
  ['get_server_id', (ctx, s, id) => s.reply(id, ctx.serverId)],
  ['set_db_change_aware', (_ctx, s, id, params) => {
    const v = params[0];
    if (params.length !== 1 || typeof v !== 'boolean') {
      s.replyError(id, syntaxError(params, 'set_db_change_aware: true or false parameter expected').toJson());
      return;
    }
    s.dbChangeAware = v;
    s.reply(id, {});
  }],
  ['convert', convert],
]);

/** Dispatches one request; unknown methods get OVS's "unknown method" error. */
export function handleRequest(ctx: RpcContext, s: Session, id: JsonRpcId, method: string, params: readonly Json[]): void {
  const handler = METHODS.get(method);
  if (!handler) {
    s.replyError(id, 'unknown method');
    return;
  }
  try {
    handler(ctx, s, id, params);
  } catch (e) {
    // A bug, not the client's fault: log the stack, answer without it (STYLE habit 9).
    ctx.logger.log('ERR', 'server', `${method} from ${s.peer}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    s.replyError(id, { error: 'internal error', details: `${method} failed` });
  }
}

/**
 * Notifications: `cancel` of a pending transaction (RFC 7047 §4.1.4); others ignored. The
 * cancelled request gets no reply at all: ovsdb-server 3.1 just drops its trigger (checked
 * against it), although the RFC suggests an error reply.
 */
export function handleNotification(s: Session, method: string, params: readonly Json[]): void {
  if (method !== 'cancel' || params.length !== 1) return;
  const key = idKey(params[0] as Json);
  const ticket = s.pendingTxns.get(key);
  if (!ticket || !ticket.cancel()) return;
  s.pendingTxns.delete(key);
}
