/**
 * A Wing–Gong linearizability checker with Lowe's memoisation (the algorithm Porcupine uses) for
 * a small key-value register model: put, get, compare-and-set and fetch-and-increment on
 * string values.
 *
 * A history is a set of operations, each with the time it was invoked and the time it returned.
 * It is linearizable if every operation can be given a single instant between its invocation and
 * its return such that the results match a sequential execution (Herlihy & Wing 1990). Operations
 * on different keys commute, so each key is checked on its own (P-compositionality), which keeps
 * the search small.
 *
 * An operation that never returned (a client gave up) may or may not have taken effect: it is
 * given a return time of +infinity, so the search may place it anywhere after its invocation,
 * including "after everything", which is the same as never. A read that never returned
 * constrains nothing and is dropped.
 */

/** An operation a client issues against the replicated key-value store. */
export type KvOp =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string }
  /** Fetch-and-increment of a decimal counter (absent = 0); answers the new value. */
  | { readonly kind: 'inc'; readonly key: string };

/** What the store answered. */
export type KvResult =
  | { readonly kind: 'put' }
  | { readonly kind: 'get'; readonly value: string | null }
  | { readonly kind: 'cas'; readonly ok: boolean }
  | { readonly kind: 'inc'; readonly value: string };

/** One operation of a client history. Times are from one totally ordered event counter. */
export interface HistoryOp {
  readonly clientId: number;
  /** The client's serial number for this operation (for tying proposals back to it). */
  readonly seq?: number;
  readonly op: KvOp;
  readonly invokeTime: number;
  /** Undefined while (or if forever) pending. */
  readonly returnTime: number | undefined;
  readonly result: KvResult | undefined;
}

/** The verdict. `unknown` means the search hit its step bound: neither proof nor disproof. */
export type LinearizabilityVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'violation'; readonly key: string; readonly ops: readonly HistoryOp[] }
  | { readonly kind: 'unknown'; readonly key: string };

interface Node {
  readonly op: number;
  readonly call: boolean;
  match: Node | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

/**
 * Checks a whole history; the first key that cannot be linearized is reported.
 *
 * @example
 * checkLinearizable([{ clientId: 1, op: { kind: 'put', key: 'x', value: 'a' }, invokeTime: 0,
 *   returnTime: 1, result: { kind: 'put' } }]); // { kind: 'ok' }
 */
export function checkLinearizable(history: readonly HistoryOp[], stepsMax = 2_000_000): LinearizabilityVerdict {
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    if (h.returnTime === undefined && h.op.kind === 'get') continue;
    if (h.returnTime !== undefined && h.returnTime <= h.invokeTime) throw new Error('operation returns before it is invoked');
    let list = byKey.get(h.op.key);
    if (list === undefined) {
      list = [];
      byKey.set(h.op.key, list);
    }
    list.push(h);
  }
  for (const key of [...byKey.keys()].sort()) {
    const ops = byKey.get(key) ?? [];
    const verdict = checkKey(ops, stepsMax);
    if (verdict === 'violation') return { kind: 'violation', key, ops };
    if (verdict === 'unknown') return { kind: 'unknown', key };
  }
  return { kind: 'ok' };
}

type State = string | null;

/** The sequential model: the new state, or undefined if `h` cannot happen in `state`. */
function step(state: State, h: HistoryOp): State | undefined {
  const r = h.result;
  switch (h.op.kind) {
    case 'put':
      return h.op.value;
    case 'get':
      return r !== undefined && r.kind === 'get' && r.value === state ? state : undefined;
    case 'inc': {
      const next = String(Number(state ?? '0') + 1);
      if (r === undefined) return next;
      return r.kind === 'inc' && r.value === next ? next : undefined;
    }
    case 'cas': {
      const matches = state === h.op.expected;
      if (r === undefined) return matches ? h.op.value : state;
      if (r.kind !== 'cas') return undefined;
      if (r.ok) return matches ? h.op.value : undefined;
      return matches ? undefined : state;
    }
  }
}

function buildList(ops: readonly HistoryOp[]): Node {
  interface Event { time: number; call: boolean; op: number }
  const events: Event[] = [];
  ops.forEach((h, i) => {
    events.push({ time: h.invokeTime, call: true, op: i });
    events.push({ time: h.returnTime ?? Number.POSITIVE_INFINITY, call: false, op: i });
  });
  // At equal times (only +infinity can tie) calls go first, then by op order.
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? a.op - b.op : a.call ? -1 : 1));
  const head: Node = { op: -1, call: false, match: undefined, prev: undefined, next: undefined };
  const calls = new Map<number, Node>();
  let tail = head;
  for (const e of events) {
    const node: Node = { op: e.op, call: e.call, match: undefined, prev: tail, next: undefined };
    tail.next = node;
    tail = node;
    if (e.call) calls.set(e.op, node);
    else {
      const call = calls.get(e.op);
      if (call === undefined) throw new Error('return before call');
      call.match = node;
    }
  }
  return head;
}

function lift(entry: Node): void {
  const { prev, next, match } = entry;
  if (prev === undefined || next === undefined || match === undefined || match.prev === undefined) throw new Error('bad list');
  prev.next = next;
  next.prev = prev;
  match.prev.next = match.next;
  if (match.next !== undefined) match.next.prev = match.prev;
}

function unlift(entry: Node): void {
  const { prev, next, match } = entry;
  if (prev === undefined || next === undefined || match === undefined || match.prev === undefined) throw new Error('bad list');
  match.prev.next = match;
  if (match.next !== undefined) match.next.prev = match;
  prev.next = entry;
  next.prev = entry;
}

function checkKey(ops: readonly HistoryOp[], stepsMax: number): 'ok' | 'violation' | 'unknown' {
  const head = buildList(ops);
  const linearized = new Uint32Array(Math.ceil(ops.length / 32) + 1);
  const cache = new Set<string>();
  const stack: { entry: Node; state: State }[] = [];
  let state: State = null;
  let entry = head.next;
  for (let steps = 0; head.next !== undefined; steps++) {
    if (steps > stepsMax) return 'unknown';
    if (entry === undefined) throw new Error('walked off the history');
    if (entry.call) {
      const h = ops[entry.op];
      if (h === undefined) throw new Error('bad op index');
      const next = step(state, h);
      if (next !== undefined) {
        const word = entry.op >>> 5;
        const bit = 1 << (entry.op & 31);
        linearized[word] = (linearized[word] ?? 0) | bit;
        const key = `${linearized.join(',')}|${next === null ? '\u0000' : next}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[word] = (linearized[word] ?? 0) & ~bit;
      }
      entry = entry.next;
    } else {
      // A return with its call not yet linearized: backtrack.
      const top = stack.pop();
      if (top === undefined) return 'violation';
      state = top.state;
      const word = top.entry.op >>> 5;
      linearized[word] = (linearized[word] ?? 0) & ~(1 << (top.entry.op & 31));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return 'ok';
}
