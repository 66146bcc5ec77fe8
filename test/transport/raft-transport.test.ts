/**
 * RaftTransport over real sockets on 127.0.0.1 (port 0), and its wire decoder on its own.
 * Reconnection is driven by an injected timer, so no test sleeps on backoff; tests wait only
 * for socket events (through `until`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { entryId, logIndex, nodeId, term } from '../../src/raft/types.js';
import { raftMessageKinds, type RaftMessage } from '../../src/raft/messages.js';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS } from '../../src/transport/raft-link.js';
import {
  parseRaftAddress, RaftTransport, type PeerStats, type RaftPeer, type RaftTransportOptions,
} from '../../src/transport/raft-transport.js';
import {
  decodeWireStream, encodeHello, encodeWireFrame, RAFT_WIRE_VERSION, type RaftWireFrame, type WireEvent,
} from '../../src/transport/raft-wire.js';
import type { TlsFiles } from '../../src/transport/tls-files.js';
import { until } from './fixture.js';
import { makeTestPki, type TestPki } from './tls-certs.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** Timers that fire only when the test says so. */
class FakeTimers {
  #pending: { ms: number; fn: () => void; live: boolean }[] = [];
  readonly setTimer = (ms: number, fn: () => void): (() => void) => {
    const t = { ms, fn, live: true };
    this.#pending.push(t);
    return () => { t.live = false; };
  };

  /** Delays of the live timers, in creation order. */
  delays(): number[] {
    return this.#pending.filter((t) => t.live).map((t) => t.ms);
  }

  /** Fires every live timer of at most `maxMs` (default: the backoff timers). */
  fire(maxMs = BACKOFF_MAX_MS): number {
    const due = this.#pending.filter((t) => t.live && t.ms <= maxMs);
    this.#pending = this.#pending.filter((t) => t.live && t.ms > maxMs);
    for (const t of due) {
      t.live = false;
      t.fn();
    }
    return due.length;
  }
}

interface LogLine { level: string; module: string; message: string }

class Logs {
  readonly lines: LogLine[] = [];
  readonly logger = { log: (level: string, module: string, message: string): void => { this.lines.push({ level, module, message }); } };
  has(level: string, re: RegExp): boolean {
    return this.lines.some((l) => l.level === level && re.test(l.message));
  }
  count(level: string, re: RegExp): number {
    return this.lines.filter((l) => l.level === level && re.test(l.message)).length;
  }
}

interface Member {
  readonly t: RaftTransport;
  readonly logs: Logs;
  readonly timers: FakeTimers;
  readonly got: { frame: RaftWireFrame; from: RaftPeer }[];
  readonly lost: RaftPeer[];
}

const open: RaftTransport[] = [];
const rawSockets: net.Socket[] = [];
const rawServers: net.Server[] = [];

afterEach(async () => {
  for (const s of rawSockets.splice(0)) s.destroy();
  for (const s of rawServers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
  for (const t of open.splice(0)) await t.close();
});

async function member(sid: string, extra: Partial<RaftTransportOptions> = {}): Promise<Member> {
  const logs = new Logs();
  const timers = new FakeTimers();
  const t = await RaftTransport.listen({
    serverId: sid, clusterId: 'c1', listen: 'tcp:127.0.0.1:0', logger: logs.logger, setTimer: timers.setTimer, ...extra,
  });
  open.push(t);
  const got: Member['got'] = [];
  const lost: RaftPeer[] = [];
  t.onFrame((frame, from) => got.push({ frame, from }));
  t.onPeerLost((from) => lost.push(from));
  return { t, logs, timers, got, lost };
}

function statsOf(m: Member, address: string): PeerStats | undefined {
  return m.t.stats().find((s) => s.address === address);
}

const hdr = (to = 'b', clusterId = 'c1'): { from: ReturnType<typeof nodeId>; to: ReturnType<typeof nodeId>; clusterId: string; term: ReturnType<typeof term> } =>
  ({ from: nodeId('a'), to: nodeId(to), clusterId, term: term(3) });

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

/** One message of every kind, addressed from a to b in cluster c1; entries carry binary data. */
function samples(to = 'b'): RaftMessage[] {
  const h = hdr(to);
  const meta = {
    index: logIndex(5), term: term(2), config: { voters: [nodeId('a'), nodeId('b')], learners: [nodeId('c')] },
    configIndex: logIndex(1), electionTimerMs: 1000, lastNormalId: entryId('e4'),
  };
  const entries = [
    { term: term(2), index: logIndex(5), id: entryId('e5'), kind: 'normal' as const, data: allBytes },
    { term: term(3), index: logIndex(6), id: entryId('raft:3:6'), kind: 'noop' as const, data: new Uint8Array(0) },
    { term: term(3), index: logIndex(7), id: entryId('e7'), kind: 'config' as const, data: new TextEncoder().encode('{"voters":["a"],"learners":[]}') },
  ];
  return [
    { ...h, kind: 'preVote', lastIndex: logIndex(4), lastTerm: term(2) },
    { ...h, kind: 'preVoteReply', granted: true },
    { ...h, kind: 'vote', lastIndex: logIndex(4), lastTerm: term(2), transfer: true },
    { ...h, kind: 'voteReply', granted: false },
    { ...h, kind: 'append', prevIndex: logIndex(4), prevTerm: term(2), entries, commit: logIndex(3) },
    { ...h, kind: 'append', prevIndex: logIndex(9), prevTerm: term(3), entries: [], commit: logIndex(9) },
    { ...h, kind: 'appendReply', success: false, index: logIndex(4), hintIndex: logIndex(2), hintTerm: term(1) },
    { ...h, kind: 'heartbeat', commit: logIndex(3), seq: 7 },
    { ...h, kind: 'heartbeatReply', seq: 7 },
    { ...h, kind: 'snapshot', meta, offset: 0, totalBytes: 300, data: allBytes, done: false },
    { ...h, kind: 'snapshotReply', index: logIndex(5), offset: 256, done: false },
    { ...h, kind: 'timeoutNow' },
    { ...h, kind: 'readIndex', requestId: 'r1' },
    { ...h, kind: 'readIndexReply', requestId: 'r1', ok: true, index: logIndex(3) },
    { ...h, kind: 'propose', id: entryId('p1'), data: allBytes, prereq: null },
    { ...h, kind: 'propose', id: entryId('p2'), data: new Uint8Array([9]), prereq: entryId('e4') },
    { ...h, kind: 'propose', id: entryId('p3'), data: new Uint8Array([9]) },
    { ...h, kind: 'proposeReply', id: entryId('p1'), outcome: 'appended', index: logIndex(8) },
  ];
}

const appBodies: unknown[] = [
  { type: 'join', sid: 'c', address: 'tcp:127.0.0.1:1', bytes: new Uint8Array([0, 255, 7]) },
  'a string', 42, null, [1, 'two', { three: [3] }], { txn: { id: 'x', ops: [{ op: 'insert', row: { n: 1.5 } }] } },
];

/** A raw client socket to `address` (tcp:IP:PORT), connected. */
async function rawClient(address: string): Promise<net.Socket> {
  const a = parseRaftAddress(address);
  const s = net.connect({ host: a.host, port: a.port });
  rawSockets.push(s);
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  return s;
}

function closed(s: net.Socket): Promise<void> {
  return new Promise((r) => (s.destroyed && s.closed ? r() : s.once('close', () => r())));
}

const helloFrom = (sid: string, cid: string | null = 'c1', address = 'tcp:127.0.0.1:9'): Uint8Array =>
  encodeHello({ v: RAFT_WIRE_VERSION, cid, sid, address });

/** Raw msgpack payload behind a length prefix. */
function lengthPrefixed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

const rawPackr = new Packr({ useRecords: false });
const packed = (v: unknown): Uint8Array => lengthPrefixed(rawPackr.pack(v));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

// ---------------------------------------------------------------------------------------------

describe('RaftTransport: delivery', () => {
  it('round-trips every Raft message kind, in order, with binary entry data intact', async () => {
    const a = await member('a');
    const b = await member('b');
    const msgs = samples();
    expect(new Set(msgs.map((m) => m.kind))).toEqual(new Set(raftMessageKinds));
    for (const m of msgs) a.t.send(b.t.address(), { kind: 'raft', msg: m });
    await until(() => b.got.length === msgs.length);
    expect(b.got.map((g) => g.frame)).toEqual(msgs.map((msg) => ({ kind: 'raft', msg })));
    for (const g of b.got) expect(g.from).toEqual({ sid: 'a', address: a.t.address() });
    const append = b.got[4]?.frame;
    expect(append?.kind === 'raft' && append.msg.kind === 'append' ? append.msg.entries[0]?.data : undefined).toEqual(allBytes);
    await until(() => statsOf(a, b.t.address())?.framesSent === msgs.length);
    expect(statsOf(a, b.t.address())).toMatchObject({ connected: true, framesDropped: 0, reconnects: 0 });
    expect(statsOf(b, a.t.address())).toMatchObject({ sid: 'a', inbound: 1, framesReceived: msgs.length, framesRejected: 0 });
    expect(b.t.inbound()).toEqual([{ sid: 'a', address: a.t.address() }]);
    expect(a.t.address()).toMatch(/^tcp:127\.0\.0\.1:[1-9][0-9]*$/);
  });

  it('carries app frames, both ways, each on its own connection', async () => {
    const a = await member('a');
    const b = await member('b');
    for (const body of appBodies) a.t.send(b.t.address(), { kind: 'app', body });
    b.t.send(a.t.address(), { kind: 'app', body: 'reply' });
    await until(() => b.got.length === appBodies.length && a.got.length === 1);
    expect(b.got.map((g) => g.frame)).toEqual(appBodies.map((body) => ({ kind: 'app', body })));
    expect(a.got[0]).toEqual({ frame: { kind: 'app', body: 'reply' }, from: { sid: 'b', address: b.t.address() } });
    expect(statsOf(a, b.t.address())).toMatchObject({ connected: true, inbound: 1, sid: 'b' });
  });

  it('delivers frames larger than one read (eager and collected buffers)', async () => {
    const a = await member('a');
    const b = await member('b');
    const sizes = [200 * 1024, 3 * 1024 * 1024];
    for (const n of sizes) {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = (i * 31) & 255;
      a.t.send(b.t.address(), { kind: 'raft', msg: { ...hdr(), kind: 'propose', id: entryId(`big${n}`), data } });
    }
    a.t.send(b.t.address(), { kind: 'raft', msg: { ...hdr(), kind: 'heartbeat', commit: logIndex(1), seq: 1 } });
    await until(() => b.got.length === 3);
    sizes.forEach((n, k) => {
      const f = b.got[k]?.frame;
      const data = f?.kind === 'raft' && f.msg.kind === 'propose' ? f.msg.data : undefined;
      expect(data?.length).toBe(n);
      expect(data?.every((x, i) => x === ((i * 31) & 255))).toBe(true);
    });
  });

  it('accepts a joining peer that does not know the cluster id yet, and a joiner accepts any', async () => {
    const joiner = await member('j', { clusterId: undefined });
    const b = await member('b');
    joiner.t.send(b.t.address(), { kind: 'app', body: { join: true } });
    b.t.send(joiner.t.address(), { kind: 'raft', msg: { ...hdr('j', 'c1'), kind: 'heartbeat', commit: logIndex(0), seq: 1 } });
    b.t.send(joiner.t.address(), { kind: 'raft', msg: { ...hdr('j', 'other'), kind: 'heartbeat', commit: logIndex(0), seq: 2 } });
    await until(() => b.got.length === 1 && joiner.got.length === 2);
    // Once the id is known, messages for another cluster are dropped.
    joiner.t.setClusterId('c1');
    b.t.send(joiner.t.address(), { kind: 'raft', msg: { ...hdr('j', 'other'), kind: 'heartbeat', commit: logIndex(0), seq: 3 } });
    b.t.send(joiner.t.address(), { kind: 'raft', msg: { ...hdr('j', 'c1'), kind: 'heartbeat', commit: logIndex(0), seq: 4 } });
    await until(() => joiner.got.length === 3);
    const seqs = joiner.got.map((g) => (g.frame.kind === 'raft' && g.frame.msg.kind === 'heartbeat' ? g.frame.msg.seq : -1));
    expect(seqs).toEqual([1, 2, 4]);
    expect(statsOf(joiner, b.t.address())?.framesRejected).toBe(1);
  });

  it('never throws from send: bad addresses, unencodable bodies, oversize frames are dropped and logged', async () => {
    const a = await member('a', { maxFrameBytes: 1000 });
    const b = await member('b');
    for (const bad of ['unix:/tmp/x', 'tcp:127.0.0.1', 'nonsense', 'ssl:127.0.0.1:1']) {
      expect(() => a.t.send(bad, { kind: 'app', body: 1 })).not.toThrow();
    }
    expect(a.logs.count('WARN', /cannot send to/)).toBe(4);
    a.t.send(b.t.address(), { kind: 'app', body: 10n ** 30n });
    a.t.send(b.t.address(), { kind: 'app', body: 'x'.repeat(2000) });
    a.t.send(b.t.address(), { kind: 'app', body: 'fine' });
    await until(() => b.got.length === 1);
    expect(b.got[0]?.frame).toEqual({ kind: 'app', body: 'fine' });
    expect(a.logs.has('WARN', /cannot encode app frame/)).toBe(true);
    expect(a.logs.has('WARN', /over the limit of 1000/)).toBe(true);
    expect(statsOf(a, b.t.address())?.framesDropped).toBe(2);
  });
});

describe('RaftTransport: checks on inbound messages', () => {
  it('refuses a peer of another cluster at its hello', async () => {
    const a = await member('a', { clusterId: 'c2' });
    const b = await member('b');
    a.t.send(b.t.address(), { kind: 'raft', msg: { ...hdr('b', 'c2'), kind: 'timeoutNow' } });
    await until(() => b.logs.has('WARN', /connection from a \(tcp:127\.0\.0\.1:\d+\) belongs to cluster c2, not ours \(c1\)/));
    await until(() => statsOf(a, b.t.address())?.connected === false);
    expect(b.got).toEqual([]);
    expect(b.t.inbound()).toEqual([]);
    expect(b.lost).toEqual([]);
  });

  it('drops messages addressed to another sid or cluster, logging once per peer per minute', async () => {
    const a = await member('a');
    const b = await member('b');
    const to = b.t.address();
    for (let i = 0; i < 5; i++) a.t.send(to, { kind: 'raft', msg: { ...hdr('zz'), kind: 'heartbeat', commit: logIndex(0), seq: i } });
    a.t.send(to, { kind: 'raft', msg: { ...hdr('b', 'c9'), kind: 'heartbeat', commit: logIndex(0), seq: 5 } });
    a.t.send(to, { kind: 'raft', msg: { ...hdr('b'), kind: 'heartbeat', commit: logIndex(0), seq: 6 } });
    await until(() => b.got.length === 1);
    expect(b.got[0]?.frame).toMatchObject({ kind: 'raft', msg: { seq: 6 } });
    expect(statsOf(b, a.t.address())).toMatchObject({ framesRejected: 6, framesReceived: 1 });
    expect(b.logs.count('WARN', /dropping heartbeat from a/)).toBe(1);
    // After the minute, the held-back count is reported and the next drop is logged again.
    b.timers.fire(60_000);
    expect(b.logs.has('WARN', /5 more like "dropping heartbeat from a/)).toBe(true);
    a.t.send(to, { kind: 'raft', msg: { ...hdr('zz'), kind: 'timeoutNow' } });
    a.t.send(to, { kind: 'app', body: 'sync' });
    await until(() => b.got.length === 2);
    expect(b.logs.count('WARN', /dropping timeoutNow from a/)).toBe(1);
    // The connection survived all of this.
    expect(b.t.inbound()).toHaveLength(1);
  });
});

describe('RaftTransport: hostile bytes close only their own connection', () => {
  const hello = (): Uint8Array => helloFrom('x');
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['garbage bytes', () => new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /handshake of \d+ bytes exceeds the limit/],
    ['an oversize length', () => concat([hello(), Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2, 3)]), /frame of 2147483647 bytes exceeds the limit/],
    ['an empty frame', () => concat([hello(), Uint8Array.of(0, 0, 0, 0)]), /empty frame/],
    ['bad msgpack', () => concat([hello(), lengthPrefixed(Uint8Array.of(0xc1, 0xc1))]), /bad msgpack/],
    ['msgpack with trailing bytes', () => concat([hello(), lengthPrefixed(Uint8Array.of(0x01, 0x02))]), /bad msgpack/],
    ['a frame that is not a map', () => concat([hello(), packed(42)]), /frame is not a map/],
    ['an unknown frame kind', () => concat([hello(), packed({ k: 'x' })]), /unknown frame kind "x"/],
    ['an invalid raft message', () => concat([hello(), packed({ k: 'r', m: { ...hdr(), kind: 'explode' } })]), /invalid raft message: unknown message kind/],
    ['a raft message with a bad field', () => concat([hello(), packed({ k: 'r', m: { ...hdr(), kind: 'heartbeat', commit: -1, seq: 1 } })]), /invalid raft message: commit/],
    ['an app frame without a body', () => concat([hello(), packed({ k: 'a' })]), /app frame without a body/],
    ['a hello of an unknown version', () => packed({ v: 2, cid: 'c1', sid: 'x', address: 'tcp:1.2.3.4:5' }), /unsupported wire format version 2 \(this server speaks version 1\)/],
    ['a hello without sid', () => packed({ v: 1, cid: 'c1', address: 'tcp:1.2.3.4:5' }), /bad handshake: handshake sid/],
    ['a frame instead of a hello', () => encodeWireFrame({ kind: 'app', body: 1 }), /bad handshake/],
  ];

  it.each(cases)('%s', async (_name, bytes, reason) => {
    const a = await member('a');
    const b = await member('b');
    a.t.send(b.t.address(), { kind: 'app', body: 'before' });
    await until(() => b.got.length === 1);
    const raw = await rawClient(b.t.address());
    raw.write(bytes());
    await closed(raw);
    expect(b.logs.has('WARN', reason)).toBe(true);
    expect(b.logs.lines.find((l) => l.level === 'WARN' && reason.test(l.message))?.message).toMatch(/^connection from (x \()?tcp:127\.0\.0\.1/);
    // Only peers that sent a good hello are reported lost.
    expect(b.lost.every((p) => p.sid === 'x')).toBe(true);
    a.t.send(b.t.address(), { kind: 'app', body: 'after' });
    await until(() => b.got.length === 2);
    expect(b.got.map((g) => g.frame)).toEqual([{ kind: 'app', body: 'before' }, { kind: 'app', body: 'after' }]);
    expect(b.t.inbound()).toEqual([{ sid: 'a', address: a.t.address() }]);
  });

  it('a truncated frame is never delivered; the peer is reported lost when it hangs up', async () => {
    const b = await member('b');
    const raw = await rawClient(b.t.address());
    const frame = encodeWireFrame({ kind: 'app', body: 'never' });
    raw.write(concat([helloFrom('x'), frame.subarray(0, frame.length - 2)]));
    await until(() => b.t.inbound().length === 1);
    raw.end();
    await until(() => b.lost.length === 1);
    expect(b.lost[0]).toEqual({ sid: 'x', address: 'tcp:127.0.0.1:9' });
    expect(b.got).toEqual([]);
  });

  it('closes a connection that sends no hello in time (injected timer)', async () => {
    const b = await member('b');
    const raw = await rawClient(b.t.address());
    await until(() => b.timers.delays().includes(30_000));
    b.timers.fire(30_000);
    await closed(raw);
    expect(b.logs.has('WARN', /no handshake within 30000 ms/)).toBe(true);
  });
});

describe('RaftTransport: connection management', () => {
  it('reconnects after the peer restarts, on the injected backoff timer', async () => {
    const a = await member('a');
    let b = await member('b');
    const address = b.t.address();
    a.t.send(address, { kind: 'app', body: 1 });
    await until(() => b.got.length === 1);
    await b.t.close();
    await until(() => statsOf(a, address)?.connected === false);
    expect(a.timers.delays()).toContain(BACKOFF_MIN_MS);
    b = await member('b', { listen: address });
    // Queued while the retry timer waits; sent once it fires.
    a.t.send(address, { kind: 'app', body: 2 });
    a.t.send(address, { kind: 'app', body: 3 });
    a.timers.fire();
    await until(() => b.got.length === 2);
    expect(b.got.map((g) => g.frame)).toEqual([{ kind: 'app', body: 2 }, { kind: 'app', body: 3 }]);
    expect(statsOf(a, address)).toMatchObject({ connected: true, reconnects: 1 });
  });

  it('backs off 100 ms doubling to 8 s while a peer is down, and connects lazily', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const info = probe.address();
    const port = typeof info === 'object' && info !== null ? info.port : 0;
    await new Promise<void>((r) => probe.close(() => r()));
    const address = `tcp:127.0.0.1:${port}`;
    const a = await member('a');
    a.t.send(address, { kind: 'app', body: 'hello?' });
    const seen: number[] = [];
    for (let i = 0; i < 9; i++) {
      await until(() => a.timers.delays().some((ms) => ms <= BACKOFF_MAX_MS));
      seen.push(...a.timers.delays().filter((ms) => ms <= BACKOFF_MAX_MS));
      a.timers.fire();
    }
    expect(seen).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 8000, 8000]);
    expect(a.logs.count('WARN', /connection failed/)).toBe(1); // then DBG
    expect(statsOf(a, address)).toMatchObject({ connected: false, framesSent: 0 });
  });

  it('bounds the backlog towards a peer that never reads: drops the connection, stays bounded, reconnects', async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer({ pauseOnConnect: true }, (s) => { accepted.push(s); s.on('error', () => undefined); });
    rawServers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const info = server.address();
    const address = `tcp:127.0.0.1:${typeof info === 'object' && info !== null ? info.port : 0}`;
    const backlog = 1024 * 1024;
    const a = await member('a', { backlogMaxBytes: backlog });
    const body = new Uint8Array(64 * 1024);
    let maxQueued = 0;
    // 400 turns of 256 KiB = 100 MiB, far more than loopback socket buffers hold.
    for (let i = 0; i < 400 && !a.logs.has('WARN', /backlog of \d+ bytes exceeds the limit/); i++) {
      for (let k = 0; k < 4; k++) a.t.send(address, { kind: 'app', body });
      maxQueued = Math.max(maxQueued, statsOf(a, address)?.queuedBytes ?? 0);
      await turn();
    }
    expect(a.logs.has('WARN', /backlog of \d+ bytes exceeds the limit of 1048576/)).toBe(true);
    expect(maxQueued).toBeLessThanOrEqual(backlog + body.length + 64);
    await until(() => accepted[0]?.destroyed === true || accepted[0]?.readableEnded === true || statsOf(a, address)?.connected === false);
    const s = statsOf(a, address);
    expect(s?.connected).toBe(false);
    expect(s?.framesDropped).toBeGreaterThan(0);
    expect(s?.queuedBytes).toBeLessThanOrEqual(backlog);
    // The link comes back on its backoff timer.
    a.timers.fire();
    await until(() => accepted.length === 2);
    for (const x of accepted) x.destroy();
  });

  it('reports a peer lost when its transport closes', async () => {
    const a = await member('a');
    const b = await member('b');
    a.t.send(b.t.address(), { kind: 'app', body: 'hi' });
    await until(() => b.got.length === 1);
    const aAddress = a.t.address();
    await a.t.close();
    await until(() => b.lost.length === 1);
    expect(b.lost).toEqual([{ sid: 'a', address: aAddress }]);
    expect(b.t.inbound()).toEqual([]);
    expect(statsOf(b, aAddress)).toMatchObject({ inbound: 0, framesReceived: 1 });
    // A closed transport ignores sends.
    expect(() => a.t.send(b.t.address(), { kind: 'app', body: 'late' })).not.toThrow();
  });
});

describe('parseRaftAddress', () => {
  it.each([
    ['tcp:127.0.0.1:6644', { kind: 'tcp', host: '127.0.0.1', port: 6644 }],
    ['ssl:[::1]:6644', { kind: 'ssl', host: '::1', port: 6644 }],
  ])('parses %s', (text, want) => {
    expect(parseRaftAddress(text)).toEqual(want);
  });
  it('allows port 0 only for our own listen address, and requires an IP there', () => {
    expect(parseRaftAddress('tcp:127.0.0.1:0', true)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    expect(() => parseRaftAddress('tcp:127.0.0.1:0')).toThrow();
    expect(() => parseRaftAddress('tcp:localhost:0', true)).toThrow();
  });
  it.each(['tcp:127.0.0.1', 'unix:/x', 'ptcp:6644:127.0.0.1', 'tcp::6644', 'tcp:::1:6644'])('rejects %s', (text) => {
    expect(() => parseRaftAddress(text)).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------

let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  hasOpenssl = false;
}

describe.runIf(hasOpenssl)('RaftTransport over ssl: (needs openssl)', () => {
  let dir = '';
  let pki: TestPki | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovsdb-ts-raft-tls-'));
    pki = makeTestPki(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files = (): TestPki => {
    if (pki === undefined) throw new Error('no PKI');
    return pki;
  };
  const sslMember = (sid: string, tls: TlsFiles): Promise<Member> => member(sid, { listen: 'ssl:127.0.0.1:0', tls });

  it('round-trips Raft and app frames both ways with CA-signed certificates', async () => {
    const a = await sslMember('a', files().client);
    const b = await sslMember('b', files().server);
    expect(b.t.address()).toMatch(/^ssl:127\.0\.0\.1:\d+$/);
    const msgs = samples();
    for (const m of msgs) a.t.send(b.t.address(), { kind: 'raft', msg: m });
    b.t.send(a.t.address(), { kind: 'app', body: { bytes: allBytes } });
    await until(() => b.got.length === msgs.length && a.got.length === 1);
    expect(b.got.map((g) => g.frame)).toEqual(msgs.map((msg) => ({ kind: 'raft', msg })));
    expect(a.got[0]?.frame).toEqual({ kind: 'app', body: { bytes: allBytes } });
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const b = await sslMember('b', files().server);
    // The rogue trusts our CA (so it accepts b), but its own certificate is not ours.
    const rogue = await sslMember('r', { ...files().rogue, caCertPath: files().server.caCertPath });
    rogue.t.send(b.t.address(), { kind: 'app', body: 'let me in' });
    await until(() => b.logs.has('WARN', /^ssl:127\.0\.0\.1:\d+: refused a connection.*: peer certificate refused \([A-Z_]+\)$/));
    expect(b.got).toEqual([]);
    expect(b.t.inbound()).toEqual([]);
  });

  it('survives plain-text garbage on its ssl: port', async () => {
    const a = await sslMember('a', files().client);
    const b = await sslMember('b', files().server);
    const raw = await rawClient(b.t.address().replace(/^ssl:/, 'tcp:'));
    raw.write(concat([helloFrom('x'), encodeWireFrame({ kind: 'app', body: 'plain' })]));
    await closed(raw);
    await until(() => b.logs.has('WARN', /refused a connection/));
    a.t.send(b.t.address(), { kind: 'app', body: 'still here' });
    await until(() => b.got.length === 1);
    expect(b.got[0]?.frame).toEqual({ kind: 'app', body: 'still here' });
  });

  it('refuses to talk to a server whose certificate another CA signed', async () => {
    const rogue = await sslMember('r', { ...files().rogue, caCertPath: files().server.caCertPath });
    const a = await sslMember('a', files().client);
    a.t.send(rogue.t.address(), { kind: 'app', body: 'secret' });
    await until(() => a.logs.has('WARN', /connection failed/));
    expect(rogue.got).toEqual([]);
    expect(statsOf(a, rogue.t.address())).toMatchObject({ connected: false, framesSent: 0 });
  });
});

// ---------------------------------------------------------------------------------------------

describe('wire decoder (pure)', () => {
  const max = 1 << 20;
  const good = (): Uint8Array[] => [
    helloFrom('a'),
    ...samples().map((msg) => encodeWireFrame({ kind: 'raft', msg })),
    ...appBodies.map((body) => encodeWireFrame({ kind: 'app', body })),
  ];

  /** A seeded PRNG (LCG): failures reproduce. */
  function rng(seed: number): (n: number) => number {
    let x = seed >>> 0;
    return (n) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return Math.floor((x / 2 ** 32) * n);
    };
  }

  function split(bytes: Uint8Array, rand: (n: number) => number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < bytes.length) {
      const n = 1 + rand(rand(4) === 0 ? 8 : 600);
      out.push(bytes.subarray(at, at + n));
      at += n;
    }
    return out;
  }

  it('decodes the same events however the stream is chunked, even one byte at a time', () => {
    const stream = concat(good());
    const whole = decodeWireStream([stream], max);
    expect(whole).toHaveLength(1 + samples().length + appBodies.length);
    expect(whole.every((e) => e.type !== 'error')).toBe(true);
    const bytewise = decodeWireStream(Array.from(stream, (b) => Uint8Array.of(b)), max);
    expect(bytewise).toEqual(whole);
    const rand = rng(7);
    for (let i = 0; i < 20; i++) expect(decodeWireStream(split(stream, rand), max)).toEqual(whole);
  });

  it('collects a frame larger than the eager limit across many chunks', () => {
    const data = new Uint8Array(1_500_000);
    for (let i = 0; i < data.length; i++) data[i] = i & 255;
    const stream = concat([helloFrom('a'), encodeWireFrame({ kind: 'app', body: data })]);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += 65_531) chunks.push(stream.subarray(at, at + 65_531));
    const events = decodeWireStream(chunks, 4 << 20);
    expect(events.map((e) => e.type)).toEqual(['hello', 'frame']);
    const got = events[1]?.type === 'frame' && events[1].frame.kind === 'app' ? events[1].frame.body : undefined;
    expect(got instanceof Uint8Array && Buffer.from(got).equals(Buffer.from(data))).toBe(true);
  });

  it('refuses a large first frame before buffering it', () => {
    const events = decodeWireStream([Uint8Array.of(0, 2, 0, 0)], max);
    expect(events).toEqual([{ type: 'error', reason: 'handshake of 131072 bytes exceeds the limit of 65536' }]);
  });

  it('survives 2,000 random and mutated streams without a throw escaping', () => {
    const rand = rng(20240601);
    const base = good();
    let errors = 0;
    let frames = 0;
    for (let i = 0; i < 2000; i++) {
      let stream: Uint8Array;
      const mode = rand(5);
      if (mode === 0) {
        stream = Uint8Array.from({ length: rand(300) }, () => rand(256));
      } else {
        const picked = base.slice(0, 1 + rand(base.length));
        stream = concat(picked).slice();
        const edits = 1 + rand(6);
        for (let e = 0; e < edits; e++) {
          const at = rand(stream.length);
          switch (mode) {
            case 1: stream[at] = rand(256); break; // flip a byte
            case 2: stream = stream.subarray(0, at); break; // truncate
            case 3: stream = concat([stream.subarray(0, at), Uint8Array.from({ length: rand(9) }, () => rand(256)), stream.subarray(at)]); break; // insert
            default: stream[at] = [0x00, 0xff, 0xc1, 0xdd, 0xdf, 0xc7, 0xd4, 0x7f][rand(8)] ?? 0; // msgpack-significant bytes
          }
        }
      }
      let events: WireEvent[] = [];
      expect(() => { events = decodeWireStream(split(stream, rand), max); }).not.toThrow();
      const errorAt = events.findIndex((e) => e.type === 'error');
      if (errorAt >= 0) {
        errors++;
        expect(errorAt).toBe(events.length - 1); // nothing after an error
      }
      if (events.some((e) => e.type === 'hello')) expect(events[0]?.type).toBe('hello');
      frames += events.filter((e) => e.type === 'frame').length;
    }
    // The corpus exercises both refusals and deliveries.
    expect(errors).toBeGreaterThan(500);
    expect(frames).toBeGreaterThan(500);
  });
});
