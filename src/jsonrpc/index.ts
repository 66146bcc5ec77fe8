/** Pure JSON-RPC 1.0 for OVSDB (RFC 7047 §4): framing, messages, per-connection state, channel port. */
export * from './channel.js';
export * from './framer.js';
export * from './messages.js';
export * from './session.js';
