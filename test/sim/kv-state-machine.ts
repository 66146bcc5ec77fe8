/**
 * The replicated state machine of the key-value workload: string registers with put, get and
 * compare-and-set, plus a client session table so a retried command takes effect once (Raft
 * thesis §6.3: "the state machine tracks the latest serial number processed for each client,
 * along with the associated response").
 */
import { canonicalJson, type Json } from '../../src/base/json.js';
import type { KvOp, KvResult } from './checkers/linearizability.js';

/** What a write proposal carries: client id, serial number, operation. */
export interface KvCommand {
  readonly c: number;
  readonly s: number;
  readonly op: KvOp;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a command as entry data. */
export function encodeCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/** Decodes entry data written by {@link encodeCommand}; throws on anything else. */
export function decodeCommand(data: Uint8Array): KvCommand {
  const v: unknown = JSON.parse(decoder.decode(data));
  if (typeof v !== 'object' || v === null) throw new Error('bad command');
  const r = v as Record<string, unknown>;
  const op = r['op'];
  if (typeof r['c'] !== 'number' || typeof r['s'] !== 'number' || typeof op !== 'object' || op === null) throw new Error('bad command');
  const o = op as Record<string, unknown>;
  const key = o['key'];
  if (typeof key !== 'string') throw new Error('bad command key');
  if (o['kind'] === 'put' && typeof o['value'] === 'string') return { c: r['c'], s: r['s'], op: { kind: 'put', key, value: o['value'] } };
  if (o['kind'] === 'cas' && typeof o['value'] === 'string' && (typeof o['expected'] === 'string' || o['expected'] === null)) {
    return { c: r['c'], s: r['s'], op: { kind: 'cas', key, expected: o['expected'], value: o['value'] } };
  }
  throw new Error('bad command op');
}

interface Session {
  readonly seq: number;
  readonly result: KvResult;
}

/** One member's copy of the key-value state. */
export class KvStateMachine {
  readonly values = new Map<string, string>();
  readonly sessions = new Map<number, Session>();

  /** Applies one committed command; a repeated or older serial number changes nothing. */
  apply(cmd: KvCommand): void {
    const last = this.sessions.get(cmd.c);
    if (last !== undefined && cmd.s <= last.seq) return;
    const cur = this.values.get(cmd.op.key) ?? null;
    let result: KvResult;
    switch (cmd.op.kind) {
      case 'put':
        this.values.set(cmd.op.key, cmd.op.value);
        result = { kind: 'put' };
        break;
      case 'cas': {
        const ok = cur === cmd.op.expected;
        if (ok) this.values.set(cmd.op.key, cmd.op.value);
        result = { kind: 'cas', ok };
        break;
      }
      case 'get':
        result = { kind: 'get', value: cur };
        break;
      case 'inc': {
        const value = String(Number(cur ?? '0') + 1);
        this.values.set(cmd.op.key, value);
        result = { kind: 'inc', value };
        break;
      }
    }
    this.sessions.set(cmd.c, { seq: cmd.s, result });
  }

  /** The result recorded for client `c`'s command `s`, if that is the latest it applied. */
  resultFor(c: number, s: number): KvResult | undefined {
    const last = this.sessions.get(c);
    return last !== undefined && last.seq === s ? last.result : undefined;
  }

  /** Current value of `key`. */
  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  /** The whole state as canonical JSON: equal states give equal text. */
  toJson(): string {
    const values: Record<string, Json> = {};
    for (const [k, v] of this.values) values[k] = v;
    const sessions: Record<string, Json> = {};
    for (const [c, s] of this.sessions) sessions[String(c)] = { seq: s.seq, result: s.result as unknown as Json };
    return canonicalJson({ values, sessions });
  }

  /** Snapshot bytes. */
  encode(): Uint8Array {
    return encoder.encode(this.toJson());
  }

  /** Rebuilds a state machine from {@link KvStateMachine.encode} output. */
  static decode(data: Uint8Array): KvStateMachine {
    const sm = new KvStateMachine();
    if (data.length === 0) return sm;
    const v = JSON.parse(decoder.decode(data)) as { values?: Record<string, string>; sessions?: Record<string, Session> };
    for (const [k, val] of Object.entries(v.values ?? {})) sm.values.set(k, val);
    for (const [c, s] of Object.entries(v.sessions ?? {})) sm.sessions.set(Number(c), s);
    return sm;
  }
}
