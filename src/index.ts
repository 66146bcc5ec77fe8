/**
 * ovsdb-ts as a library (package export "."): the OVSDB engine, the server layer with its
 * standalone and clustered database hosts, and the adapters production uses (LevelDB stores,
 * sockets, the Raft transport). The client library is `ovsdb-ts/client`, the Raft core
 * `ovsdb-ts/raft`. The executable's composition root (src/cli) shows how they fit together.
 *
 * @example
 * import { OvsdbServer, StandaloneHost, replay, parseSchema } from 'ovsdb-ts';
 */
export * from './ovsdb/index.js';
export * from './server/index.js';
export { StandaloneStore } from './storage/standalone-db-store.js';
export { RaftDiskStore } from './storage/raft-disk-store.js';
export { RaftTransport } from './transport/raft-transport.js';
export { JsonRpcConnection } from './transport/jsonrpc-connection.js';
export { listen } from './transport/listen.js';
export { parsePassiveAddress, parseActiveAddress, formatAddress } from './transport/address.js';
export { systemClock } from './base/clock.js';
export type { Clock } from './base/clock.js';
