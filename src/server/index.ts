/**
 * The OVSDB server layer (L3): hosts databases behind the DatabaseBackend interface, speaks the
 * RFC 7047 methods plus the Open vSwitch extensions to JsonRpcChannels, and keeps _Server.
 * Adapters (stores, sockets, the control socket) are injected; see src/cli/server.ts.
 */
export type {
  AppliedCommit, BackendStats, BackendStatus, DatabaseBackend, DatabaseModel, TxnRequest, TxnTicket,
} from './database-backend.js';
export { defaultAutoCompact, replay, StandaloneHost } from './database-host.js';
export type { AutoCompactPolicy, StandaloneHostOptions } from './database-host.js';
export { CommitPipeline } from './commit-pipeline.js';
export { LocalLockService, LockTable } from './locks.js';
export type { LockHolder, LockManager, LockOwner, LockService } from './locks.js';
export { ClusteredHost } from './cluster-host.js';
export type { ClusteredHostOptions, LockListener } from './cluster-host.js';
export type { ClusterFrame, ClusterMeta, ClusterNet, ClusterStore, PeerRef } from './cluster-ports.js';
export { ClusterLockService } from './cluster-locks.js';
export { clusterStatus, registerClusterCommands } from './cluster-commands.js';
export { Monitor, mergeChanges } from './monitor.js';
export type { TableUpdates } from './monitor.js';
export { parseMonitorRequests, parseConditionChange } from './monitor-request.js';
export type { MonitorSelect, MonitorVersion, TableMonitorSpec } from './monitor-request.js';
export { silentLogger } from './ports.js';
export type { CommandRegistry, DbStore, LogLevel, Logger, UuidSource } from './ports.js';
export { METHODS, UPDATE_METHOD, handleRequest, handleNotification } from './rpc-methods.js';
export type { RpcContext } from './rpc-methods.js';
export { OvsdbServer } from './server.js';
export type { OvsdbServerOptions } from './server.js';
export { SERVER_SCHEMA_JSON, ServerDatabase } from './server-database.js';
export { MAX_BACKLOG_BYTES, Session, idKey } from './session.js';
export type { MonitorBinding, SessionHost } from './session.js';
export { TxnHistory } from './txn-history.js';
export { registerServerCommands } from './unixctl-commands.js';
export type { UnixctlHooks } from './unixctl-commands.js';
export { VlogLogger, formatVlogLine } from './vlog.js';
export type { LogSink } from './vlog.js';
