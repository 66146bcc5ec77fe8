import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/base/json.js';
import { Prng } from '../../src/base/prng.js';
import { jsonText } from '../../src/base/json.js';
import { decodeMessage, encodeError, encodeMessage, encodeNotification, encodeResponse, errorMessage, messageToJson, notificationMessage, requestMessage, responseMessage, type JsonRpcMessage } from '../../src/jsonrpc/messages.js';

describe('JSON-RPC messages (RFC 7047 §4)', () => {
  it('decodes the four kinds', () => {
    expect(decodeMessage({ method: 'echo', params: [1], id: 5 })).toEqual({ ok: true, message: { kind: 'request', method: 'echo', params: [1], id: 5 } });
    expect(decodeMessage({ method: 'update', params: [null, {}], id: null })).toEqual({ ok: true, message: { kind: 'notification', method: 'update', params: [null, {}] } });
    expect(decodeMessage({ method: 'update', params: [] })).toEqual({ ok: true, message: { kind: 'notification', method: 'update', params: [] } });
    expect(decodeMessage({ result: ['x'], error: null, id: 'a' })).toEqual({ ok: true, message: { kind: 'response', result: ['x'], id: 'a' } });
    expect(decodeMessage({ result: null, error: null, id: 3 })).toEqual({ ok: true, message: { kind: 'response', result: null, id: 3 } });
    expect(decodeMessage({ error: 'bad', id: 9 })).toEqual({ ok: true, message: { kind: 'error', error: 'bad', id: 9 } });
    expect(decodeMessage({ result: null, error: { error: 'unknown method' }, id: 9 })).toEqual({ ok: true, message: { kind: 'error', error: { error: 'unknown method' }, id: 9 } });
  });

  it('rejects malformed messages with OVS-style texts', () => {
    const cases: [Json, string][] = [
      [[1, 2], 'message is not a JSON object'],
      ['x', 'message is not a JSON object'],
      [null, 'message is not a JSON object'],
      [{ method: 1, params: [], id: 1 }, 'method is not a JSON string'],
      [{ method: 'echo', params: {}, id: 1 }, '"params" must be JSON array'],
      [{ method: 'echo', params: 'x', id: 1 }, '"params" must be JSON array'],
      [{ method: 'echo', id: 1 }, 'request must have "params"'],
      [{ method: 'echo', params: [], id: 1, extra: 1 }, 'message has unexpected member "extra"'],
      [{ method: 'echo', params: [], id: 1, result: 1 }, 'request must not have "result"'],
      [{ method: 'echo', params: [], error: 'e' }, 'notification must not have "error"'],
      [{ params: [], id: 1 }, 'request must have "method"'],
      [{ result: 1 }, 'reply must have "id"'],
      [{}, 'request must have "method"'],
    ];
    for (const [input, error] of cases) expect(decodeMessage(input), JSON.stringify(input)).toEqual({ ok: false, error });
  });

  it('encodes as OVS writes them and round-trips', () => {
    expect(encodeMessage(requestMessage('list_dbs', [], 0))).toBe('{"id":0,"method":"list_dbs","params":[]}');
    expect(encodeMessage(notificationMessage('update', [null]))).toBe('{"id":null,"method":"update","params":[null]}');
    expect(encodeMessage(responseMessage(0, ['db']))).toBe('{"id":0,"result":["db"],"error":null}');
    expect(encodeMessage(errorMessage(1, { error: 'unknown method' }))).toBe('{"id":1,"error":{"error":"unknown method"}}');
    const msgs: JsonRpcMessage[] = [requestMessage('m', [1, 'a'], 'x'), notificationMessage('n', []), responseMessage(7, { a: [1] }), errorMessage(null, 'boom')];
    for (const m of msgs) expect(decodeMessage(JSON.parse(encodeMessage(m)))).toEqual({ ok: true, message: m });
  });

  it('never throws on random JSON values (seeded)', () => {
    const rng = new Prng(3);
    const atoms: Json[] = [null, true, 0, -1, 'method', 'params', 'id', 'result', 'error', [], {}];
    const keys = ['method', 'params', 'id', 'result', 'error', 'x'];
    let ok = 0;
    for (let i = 0; i < 2000; i++) {
      const o: Record<string, Json> = {};
      for (const k of keys) if (rng.chance(0.5)) o[k] = rng.pick(atoms);
      const r = decodeMessage(rng.chance(0.9) ? o : rng.pick(atoms));
      if (r.ok) ok++;
      else expect(r.error.length).toBeGreaterThan(0);
    }
    expect(ok).toBeGreaterThan(10);
  });

  it('encodes by concatenation exactly as the JSON of messageToJson, bigints and odd values included', () => {
    const rng = new Prng(21);
    const atoms: Json[] = [null, true, false, 0, -1, 2.5, 9223372036854775807n, -9223372036854775808n, '', 'é€😀', 'q"\\\n\u0000', [], {}];
    const gen = (depth: number): Json => {
      if (depth > 3 || rng.chance(0.4)) return rng.pick(atoms);
      if (rng.chance(0.5)) return Array.from({ length: rng.int(0, 3) }, () => gen(depth + 1));
      const o: Record<string, Json> = {};
      for (let i = rng.int(0, 3); i > 0; i--) o[rng.pick(['a', '__proto__', '"k"', 'é'])] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 500; i++) {
      const id = gen(2);
      const payload = gen(0);
      const params = [gen(1), gen(1)];
      const method = rng.pick(['echo', 'transact', 'm"\\\u2028', '']);
      const msgs: JsonRpcMessage[] = [requestMessage(method, params, id), notificationMessage(method, params), responseMessage(id, payload), errorMessage(id, payload === null ? 'e' : payload)];
      for (const m of msgs) expect(encodeMessage(m)).toBe(jsonText(messageToJson(m)));
    }
    expect(encodeResponse(9223372036854775807n, [1n])).toBe('{"id":9223372036854775807,"result":[1],"error":null}');
    // Values outside the Json type take the slow path, so the text stays what JSON.stringify makes.
    const loose = (v: unknown): Json => v as Json;
    expect(encodeResponse(1, loose(undefined))).toBe('{"id":1,"error":null}');
    expect(encodeError(loose(undefined), 'e')).toBe('{"error":"e"}');
    expect(encodeNotification('n', loose(undefined) as Json[])).toBe('{"id":null,"method":"n"}');
    expect(encodeMessage(requestMessage('m', [], loose(undefined)))).toBe('{"method":"m","params":[]}');
  });
});
