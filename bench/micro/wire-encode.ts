/**
 * Micro-benchmark (not run in CI): the per-message JSON-RPC work around the framer, in us of CPU
 * per message — decodeMessage of a parsed transact request, and encodeMessage of its reply (a
 * transact result with one uuid) and of a monitor update notification.
 *
 *   node dist/bench/micro/wire-encode.js [messages=200000]
 *
 * With BASE_ROOT=DIR, DIR/dist/src/jsonrpc/messages.js (another build) runs too, for before/after.
 */
import { join } from 'node:path';
import type { Json } from '../../src/base/json.js';
import * as ours from '../../src/jsonrpc/messages.js';

type Messages = Pick<typeof ours, 'decodeMessage' | 'encodeMessage'>;

const n = Number(process.argv[2] ?? 200_000);

function measure(run: () => void): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.cpuUsage();
    run();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / n);
  }
  return best;
}

const requests: Json[] = [];
const results: Json[] = [];
const updates: Json[] = [];
for (let i = 0; i < n; i++) {
  requests.push(JSON.parse(`{"id":${i + 1},"method":"transact","params":["Bench",{"op":"insert","table":"Item","row":{"name":"w${i}","n":${i},"flag":true}}]}`) as Json);
  const uuid = `${(i + 0x10000000).toString(16)}-1111-4222-8333-444455556666`;
  results.push([{ uuid: ['uuid', uuid] }]);
  updates.push([null, { Item: { [uuid]: { new: { name: `w${i}`, n: i, flag: true } } } }]);
}

function run(m: Messages): string[] {
  let sink = 0;
  const decode = measure(() => {
    for (const r of requests) if (m.decodeMessage(r).ok) sink++;
  });
  const reply = measure(() => {
    for (let i = 0; i < n; i++) sink += m.encodeMessage({ kind: 'response', id: i + 1, result: results[i] ?? null }).length;
  });
  const update = measure(() => {
    for (const u of updates) sink += m.encodeMessage({ kind: 'notification', method: 'update', params: u as Json[] }).length;
  });
  if (sink === 0) throw new Error('nothing measured');
  return [`decode ${decode.toFixed(3)}`, `reply ${reply.toFixed(3)}`, `update ${update.toFixed(3)}`];
}

const baseRoot = process.env['BASE_ROOT'];
const base = baseRoot === undefined ? undefined : ((await import(join(baseRoot, 'dist/src/jsonrpc/messages.js'))) as Messages);
for (let r = 0; r < 2; r++) {
  process.stdout.write(`ours us/message: ${run(ours).join('  ')}\n`);
  if (base) process.stdout.write(`base us/message: ${run(base).join('  ')}\n`);
}
