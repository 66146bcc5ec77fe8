/**
 * Micro-benchmark (not run in CI): JsonFramer cost per message on small JSON-RPC messages, the
 * transact requests a busy server sees, in microseconds per message. Two deliveries:
 * "pipelined" feeds 64 KiB chunks holding many messages (a peer with many requests in flight),
 * "one-per-chunk" feeds each message as its own chunk (a client that waits for each reply, the
 * commonest case). Each runs with small numbers and with one int64 beyond ±2^53 per message
 * (the exact-parser path). "push" is the array-returning API, "feed" the sink one.
 *
 *   node dist/bench/micro/framer.js [messages=200000]
 *
 * With BASE_ROOT=DIR, DIR/dist/src/jsonrpc/framer.js (another build) runs too, for before/after.
 */
import { join } from 'node:path';
import type { Json } from '../../src/base/json.js';
import { JsonFramer } from '../../src/jsonrpc/framer.js';

const n = Number(process.argv[2] ?? 200_000);
const encoder = new TextEncoder();

interface PushOnly {
  push(chunk: Uint8Array): { readonly values: readonly Json[]; readonly error: unknown };
}
type FramerCtor = new () => PushOnly;

function messages(big: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = big ? `${9007199254740993n + BigInt(i)}` : String(i + 1);
    out.push(encoder.encode(`{"id":${i + 1},"method":"transact","params":["Bench",{"op":"insert","table":"Item","row":{"name":"w${i}","n":${v},"flag":true}}]}`));
  }
  return out;
}

function pipelined(msgs: readonly Uint8Array[]): Uint8Array[] {
  const all = Buffer.concat(msgs);
  const chunks: Uint8Array[] = [];
  for (let off = 0; off < all.length; off += 65536) chunks.push(all.subarray(off, off + 65536));
  return chunks;
}

/**
 * Best of five rounds, in us of this process's CPU time per message (CPU time, not wall time:
 * on a shared machine the wall clock also counts the time other processes held the core).
 */
function measure(run: () => number): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.cpuUsage();
    const count = run();
    const d = process.cpuUsage(t0);
    const us = (d.user + d.system) / n;
    if (count !== n) throw new Error(`framed ${count} of ${n}`);
    best = Math.min(best, us);
  }
  return best;
}

function viaPush(ctor: FramerCtor, chunks: readonly Uint8Array[]): number {
  return measure(() => {
    const framer = new ctor();
    let count = 0;
    for (const c of chunks) {
      const out = framer.push(c);
      if (out.error) throw new Error('framer error');
      count += out.values.length;
    }
    return count;
  });
}

function viaFeed(chunks: readonly Uint8Array[]): number {
  return measure(() => {
    const framer = new JsonFramer();
    let count = 0;
    const sink = (): void => {
      count++;
    };
    for (const c of chunks) {
      if (framer.feed(c, sink)) throw new Error('framer error');
    }
    return count;
  });
}

const baseRoot = process.env['BASE_ROOT'];
let base: FramerCtor | undefined;
if (baseRoot !== undefined) {
  const mod = (await import(join(baseRoot, 'dist/src/jsonrpc/framer.js'))) as { JsonFramer: FramerCtor };
  base = mod.JsonFramer;
}

for (const big of [false, true]) {
  const msgs = messages(big);
  for (const [delivery, chunks] of [['one-per-chunk', msgs], ['pipelined', pipelined(msgs)]] as const) {
    const label = `${big ? 'int64' : 'small'} ${delivery}`.padEnd(24);
    const parts = [`push ${viaPush(JsonFramer, chunks).toFixed(3)}`, `feed ${viaFeed(chunks).toFixed(3)}`];
    if (base) parts.push(`base push ${viaPush(base, chunks).toFixed(3)}`);
    process.stdout.write(`${label} us/message: ${parts.join('  ')}\n`);
  }
}
