/** Socket adapters: addresses, listeners, connectors, JSON-RPC connections, the control socket. */
export * from './address.js';
export * from './connect.js';
export * from './jsonrpc-connection.js';
export * from './listen.js';
export * from './tls-files.js';
export * from './unixctl.js';
export * from './raft-transport.js';
export { decodeWireStream, WireDecoder, type WireEvent, type WireHello } from './raft-wire.js';
