/**
 * Snapshots (§5.3): local compaction, and InstallSnapshot sent in chunks and reassembled.
 *
 *   leader   [snap@4 data=20 bytes] --chunk 0+8--> follower buffers 8
 *                                  <--offset 8---
 *                                  --chunk 8+8-->  buffers 16 ... --16+4 done--> install
 *   One chunk is in flight at a time; lost chunks are resent from the acknowledged offset when
 *   a heartbeat reply arrives. Heartbeats are separate messages, so a large snapshot never
 *   delays them and the follower never times out mid-transfer.
 */
import { raftAssert } from './assert.js';
import { decodeElectionTimer, decodeMembership } from './codec.js';
import type { SnapshotMsg } from './messages.js';
import type { Progress } from './progress.js';
import { type CoreState, commitTo, recomputeConfig, send } from './state.js';
import type { AdminResult, EntryId, LogIndex, Membership, NodeId, Snapshot, SnapshotMeta } from './types.js';

/**
 * One InstallSnapshot chunk at the acknowledged offset. One chunk is in flight at a time; lost
 * chunks are resent on heartbeat replies. Heartbeats keep flowing meanwhile, so the follower
 * does not time out however large the snapshot is.
 */
export function sendSnapshotChunk(s: CoreState, to: NodeId, pr: Progress): void {
  const snap = s.log.snapshot;
  raftAssert(snap !== undefined, 'no snapshot to send');
  if (snap.meta.index !== pr.pendingSnapshot) pr.becomeSnapshot(snap.meta.index);
  const off = Math.min(pr.snapshotOffset, snap.data.length);
  const data = snap.data.subarray(off, off + s.settings.snapshotChunkBytes);
  const done = off + data.length >= snap.data.length;
  send(s, to, { kind: 'snapshot', meta: snap.meta, offset: off, totalBytes: snap.data.length, data, done });
}

export function handleSnapshotChunk(s: CoreState, msg: SnapshotMsg): void {
  const meta = msg.meta;
  const reply = (offset: number, done: boolean): void => {
    send(s, msg.from, { kind: 'snapshotReply', index: meta.index, offset, done });
  };
  if (meta.index <= s.log.committed) {
    s.incoming = undefined;
    reply(msg.totalBytes, true);
    return;
  }
  let inc = s.incoming;
  if (inc === undefined || inc.meta.index !== meta.index || inc.meta.term !== meta.term) {
    if (msg.offset !== 0) {
      reply(0, false);
      return;
    }
    inc = { meta, chunks: [], received: 0, total: msg.totalBytes };
    s.incoming = inc;
  }
  if (msg.offset === inc.received && msg.data.length > 0) {
    inc.chunks.push(msg.data.slice());
    inc.received += msg.data.length;
  }
  if (!(msg.done && inc.received === msg.totalBytes && msg.offset + msg.data.length === msg.totalBytes)) {
    reply(inc.received, false);
    return;
  }
  s.incoming = undefined;
  const data = new Uint8Array(inc.received);
  let at = 0;
  for (const c of inc.chunks) {
    data.set(c, at);
    at += c.length;
  }
  installSnapshot(s, { meta, data });
  reply(msg.totalBytes, true);
}

function installSnapshot(s: CoreState, snapshot: Snapshot): void {
  const meta = snapshot.meta;
  if (s.log.matchTerm(meta.index, meta.term)) {
    // We already have the entry it ends at: keep our log, just learn the commit (etcd).
    commitTo(s, meta.index);
    return;
  }
  s.log.restore(snapshot);
  s.electionTimerMs = meta.electionTimerMs;
  recomputeConfig(s);
  s.pendingSnapshot = { snapshot, install: true };
}

/**
 * Local compaction: entries up to `index` are replaced by the application's snapshot `data`.
 *
 *   before  [snap@3][4 5 6 7 8 9]     compact(7)
 *   after   [snap@7][8 9]             (meta: term of 7, config and timer in effect at 7)
 */
export function compact(s: CoreState, index: LogIndex, data: Uint8Array): AdminResult {
  const log = s.log;
  if (index <= log.snap.index) return { ok: false, error: `already compacted to ${log.snap.index}` };
  if (index > log.applied) return { ok: false, error: `index ${index} is not applied yet` };
  const t = log.term(index);
  raftAssert(t !== undefined, 'compaction index not in log');
  let config: Membership | undefined;
  let configIndex = log.snap.configIndex;
  let timer: number | undefined;
  let lastNormalId: EntryId | null | undefined;
  for (let i = index; i > log.snap.index && (config === undefined || timer === undefined || lastNormalId === undefined); i--) {
    const e = log.entry(i);
    if (e === undefined) break;
    if (e.kind === 'config' && config === undefined) {
      config = decodeMembership(e.data);
      configIndex = e.index;
    } else if (e.kind === 'electionTimer' && timer === undefined) timer = decodeElectionTimer(e.data);
    else if (e.kind === 'normal' && lastNormalId === undefined) lastNormalId = e.id;
  }
  const meta: SnapshotMeta = {
    index, term: t, config: config ?? log.snap.config, configIndex,
    electionTimerMs: timer ?? log.snap.electionTimerMs, lastNormalId: lastNormalId === undefined ? log.snap.lastNormalId : lastNormalId,
  };
  const snapshot: Snapshot = { meta, data };
  log.compact(snapshot);
  s.pendingSnapshot = { snapshot, install: false };
  return { ok: true };
}
