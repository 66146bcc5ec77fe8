/**
 * ovsdb-ts Raft: a pure Raft core (RaftCore), the host that drives it through ports (RaftHost),
 * an in-memory LogStore, and the wire message union with its validating decoder.
 */
export * from './types.js';
export type * from './messages.js';
export { raftMessageKinds } from './messages.js';
export type { RaftConfig, RaftTestFaults, Ready, PeerStatus, RaftStatus } from './config.js';
export type { RaftStorageView, LogStore, PersistBatch, Transport, TimerPort } from './ports.js';
export { RaftCore } from './core.js';
export { electionTimerMinMs, electionTimerMaxMs } from './state.js';
export { RaftHost, type RaftHostEvents, type RaftHostOptions } from './host.js';
export { MemoryLogStore, type MemoryLogStoreOptions } from './memory-log-store.js';
export { decodeRaftMessage } from './decode.js';
export { encodeMembership, decodeMembership, encodeElectionTimer, decodeElectionTimer } from './codec.js';
export { RaftAssertionError } from './assert.js';
