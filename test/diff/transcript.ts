/**
 * Runs one differential case against one server and records what every connection received.
 *
 * After each step the runner waits for the step's reply, then puts a barrier on every open
 * connection (an `echo` round trip whose reply is dropped from the record). A server answers
 * requests on a connection in order and sends monitor updates and lock notifications for a
 * commit before it reads the next request, so after the barrier everything a step caused has
 * arrived, and the record is the same on every run: entries are (step, connection, message).
 */
import { RawClient, type RawTarget } from '../helpers/raw-client.js';
import type { DiffCase } from './case.js';

/** One recorded event: a message received, a reply that never came, or a closed connection. */
export interface TranscriptEntry {
  readonly step: number;
  readonly conn: number;
  readonly msg: unknown;
  /** For a reply: the method of the request it answers (normalisation needs it). */
  readonly method?: string;
}

const BARRIER = '__barrier__';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBarrierReply(m: unknown): boolean {
  return isObject(m) && Array.isArray(m['id']) && m['id'][0] === BARRIER;
}

/** Runs `c` on `target` and returns its transcript. Connections are closed at the end. */
export async function runCase(target: RawTarget, c: DiffCase): Promise<TranscriptEntry[]> {
  const conns = new Map<number, RawClient>();
  const seen = new Map<number, number>();
  const closedRecorded = new Set<number>();
  // Per connection: request id (as JSON) -> method, to label replies.
  const methods = new Map<number, Map<string, string>>();
  const out: TranscriptEntry[] = [];
  let barrierSeq = 0;

  const collect = (step: number): void => {
    for (const [n, client] of [...conns.entries()].sort((a, b) => a[0] - b[0])) {
      const from = seen.get(n) ?? 0;
      for (const m of client.received.slice(from)) {
        if (isBarrierReply(m)) continue;
        const method = isObject(m) && m['method'] === undefined ? methods.get(n)?.get(JSON.stringify(m['id'])) : undefined;
        out.push(method === undefined ? { step, conn: n, msg: m } : { step, conn: n, msg: m, method });
      }
      seen.set(n, client.received.length);
      if (client.closed && !closedRecorded.has(n)) {
        closedRecorded.add(n);
        out.push({ step, conn: n, msg: { closed: true } });
      }
    }
  };

  try {
    for (const [i, step] of c.steps.entries()) {
      const n = step.conn ?? 0;
      let client = conns.get(n);
      if (client === undefined) {
        client = await RawClient.connect(target, { bigIntsAsText: true });
        conns.set(n, client);
      }
      let id: unknown;
      let payload: unknown = step.send;
      if (typeof step.send !== 'string') {
        const msg = { ...step.send };
        if (!('id' in msg) && 'method' in msg) msg['id'] = i + 1;
        id = msg['id'];
        payload = msg;
        if (typeof msg['method'] === 'string' && id !== undefined && id !== null) {
          const byId = methods.get(n) ?? new Map<string, string>();
          byId.set(JSON.stringify(id), msg['method']);
          methods.set(n, byId);
        }
      }
      const from = client.received.length;
      client.send(payload);
      const isRequest = typeof step.send !== 'string' && typeof step.send['method'] === 'string';
      if (isRequest && id !== undefined && id !== null && step.noWait !== true) {
        const want = JSON.stringify(id);
        try {
          await client.waitFor((m) => isObject(m) && (m['method'] === undefined || m['method'] === null) && JSON.stringify(m['id']) === want, step.timeoutMs ?? 3000, from);
        } catch {
          out.push({ step: i, conn: n, msg: { noReplyTo: id } });
        }
      }
      // A request left in flight on purpose is not followed by a barrier: an echo may be
      // answered before it (RFC 7047 matches replies by id), which would make the record
      // depend on timing. Its reply is recorded at the next barrier.
      if (step.noWait === true) continue;
      const barrier = async (): Promise<void> => {
        // One echo round trip per open connection, sequentially, in connection order.
        for (const [, cl] of [...conns.entries()].sort((a, b) => a[0] - b[0])) {
          if (cl.closed) continue;
          const bid = [BARRIER, barrierSeq++];
          const bfrom = cl.received.length;
          cl.send({ id: bid, method: 'echo', params: [] });
          try {
            await cl.waitFor((m) => isObject(m) && JSON.stringify(m['id']) === JSON.stringify(bid), 3000, bfrom);
          } catch {
            // The connection closed or the server is wedged; the transcript shows the effect.
          }
        }
      };
      await barrier();
      // A connection closed during the step: give the server a moment to act on the close
      // (release locks, notify waiters), which both servers do asynchronously with respect to
      // other connections, and put up the barrier again.
      if ([...conns.entries()].some(([cn, cl]) => cl.closed && !closedRecorded.has(cn))) {
        await new Promise((r) => setTimeout(r, 100));
        await barrier();
      }
      collect(i);
    }
  } finally {
    await Promise.all([...conns.values()].map((cl) => cl.close()));
  }
  return out;
}

/** Deletes every row of every table of `db` so the next case starts from an empty database. */
export async function cleanDatabase(target: RawTarget, db: string): Promise<void> {
  const client = await RawClient.connect(target, { bigIntsAsText: true });
  try {
    const schema = await client.request('get_schema', [db]);
    if (!isObject(schema) || !isObject(schema['result']) || !isObject(schema['result']['tables'])) throw new Error(`get_schema ${db} failed: ${JSON.stringify(schema)}`);
    const ops = Object.keys(schema['result']['tables']).map((t) => ({ op: 'delete', table: t, where: [] }));
    const reply = await client.request('transact', [db, ...ops]);
    if (!isObject(reply) || !Array.isArray(reply['result']) || reply['result'].some((r) => isObject(r) && 'error' in r)) {
      throw new Error(`cleaning ${db} failed: ${JSON.stringify(reply)}`);
    }
  } finally {
    await client.close();
  }
}
