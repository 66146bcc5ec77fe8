/**
 * Micro-benchmark (not run in CI): JsonFramer throughput on small JSON-RPC messages, the
 * transact requests and replies a busy server sees, fed in 64 KiB chunks as a socket delivers
 * them. A second run holds one int64 beyond ±2^53 per message (the exact-parser path).
 *
 *   node dist/bench/micro/framer.js [messages=200000]
 */
import { JsonFramer } from '../../src/jsonrpc/framer.js';

const n = Number(process.argv[2] ?? 200_000);
const encoder = new TextEncoder();

function stream(big: boolean): Uint8Array[] {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = big ? `${9007199254740993n + BigInt(i)}` : String(i);
    parts.push(`{"id":${i},"method":"transact","params":["Bench",{"op":"insert","table":"Item","row":{"name":"w${i}","n":${v},"flag":true}}]}`);
  }
  const all = encoder.encode(parts.join(''));
  const chunks: Uint8Array[] = [];
  for (let off = 0; off < all.length; off += 65536) chunks.push(all.subarray(off, off + 65536));
  return chunks;
}

for (const big of [false, true]) {
  const chunks = stream(big);
  for (let round = 0; round < 3; round++) {
    const framer = new JsonFramer();
    let count = 0;
    const t0 = performance.now();
    for (const c of chunks) {
      const out = framer.push(c);
      if (out.error) throw new Error(out.error.message);
      count += out.values.length;
    }
    const ms = performance.now() - t0;
    if (count !== n) throw new Error(`framed ${count} of ${n}`);
    process.stdout.write(`${big ? 'int64 ' : 'small '} round ${round + 1}: ${Math.round((n / ms) * 1000)} messages/s\n`);
  }
}
