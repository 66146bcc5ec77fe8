/**
 * JSON-RPC 1.0 messages as OVSDB uses them (RFC 7047 §4), as a discriminated union, with a
 * decoder from parsed JSON and encoders to JSON text.
 *
 *   request       {"method": M, "params": [...], "id": ID}          ID not null
 *   notification  {"method": M, "params": [...], "id": null}        (RFC 7047 §4: id null)
 *   response      {"result": R, "error": null, "id": ID}
 *   error         {"result": null, "error": E, "id": ID}             E not null ("result" may be absent)
 *
 * Validation follows Open vSwitch's lib/jsonrpc.c (jsonrpc_msg_from_json / jsonrpc_msg_is_valid):
 * "params" must be an array, no unexpected members; its error texts are reused.
 *
 * @example
 * const r = decodeMessage(JSON.parse('{"method":"echo","params":[],"id":0}'));
 * if (r.ok && r.message.kind === 'request') conn.send(responseMessage(r.message.id, r.message.params));
 */
import type { Json, JsonObject } from '../base/json.js';
import { isJsonObject, jsonText, smallJsonText } from '../base/json.js';
import { assertNever } from '../base/assert.js';

/** A JSON-RPC id, which may be whatever JSON value the caller chose; OVS clients use numbers, ovs-appctl too, some use strings. */
export type JsonRpcId = Json;

export interface JsonRpcRequest {
  readonly kind: 'request';
  readonly method: string;
  readonly params: readonly Json[];
  readonly id: JsonRpcId;
}

export interface JsonRpcNotification {
  readonly kind: 'notification';
  readonly method: string;
  readonly params: readonly Json[];
}

export interface JsonRpcResponse {
  readonly kind: 'response';
  readonly result: Json;
  readonly id: JsonRpcId;
}

export interface JsonRpcErrorResponse {
  readonly kind: 'error';
  /** Never null. OVSDB errors are usually `{"error": tag, "details": text}`; unixctl uses a string. */
  readonly error: Json;
  readonly id: JsonRpcId;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse | JsonRpcErrorResponse;

export type DecodeResult =
  | { readonly ok: true; readonly message: JsonRpcMessage }
  | { readonly ok: false; readonly error: string };

const KNOWN_MEMBERS = new Set(['method', 'params', 'result', 'error', 'id']);

function has(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * Turns one parsed JSON value into a message, or an error text like OVS's
 * ("message is not a JSON object", "\"params\" must be JSON array", ...).
 */
export function decodeMessage(value: Json): DecodeResult {
  if (!isJsonObject(value)) return { ok: false, error: 'message is not a JSON object' };
  for (const key of Object.keys(value)) {
    if (!KNOWN_MEMBERS.has(key)) return { ok: false, error: `message has unexpected member "${key}"` };
  }
  const method = value['method'];
  const params = value['params'];
  const id = has(value, 'id') ? value['id'] : undefined;
  const error = value['error'];
  if (method !== undefined && method !== null) {
    if (typeof method !== 'string') return { ok: false, error: 'method is not a JSON string' };
    const kindName = id === undefined || id === null ? 'notification' : 'request';
    if (params === undefined || params === null) return { ok: false, error: `${kindName} must have "params"` };
    if (!Array.isArray(params)) return { ok: false, error: '"params" must be JSON array' };
    const p: readonly Json[] = params;
    if (has(value, 'result') && value['result'] !== null) return { ok: false, error: `${kindName} must not have "result"` };
    if (error !== undefined && error !== null) return { ok: false, error: `${kindName} must not have "error"` };
    if (id === undefined || id === null) return { ok: true, message: { kind: 'notification', method, params: p } };
    return { ok: true, message: { kind: 'request', method, params: p, id } };
  }
  if (params !== undefined && params !== null) {
    if (!Array.isArray(params)) return { ok: false, error: '"params" must be JSON array' };
    return { ok: false, error: 'request must have "method"' };
  }
  if (id === undefined) {
    return { ok: false, error: has(value, 'result') ? 'reply must have "id"' : 'request must have "method"' };
  }
  if (error !== undefined && error !== null) return { ok: true, message: { kind: 'error', error, id } };
  if (has(value, 'result')) return { ok: true, message: { kind: 'response', result: value['result'] ?? null, id } };
  return { ok: false, error: 'request must have "method"' };
}

/** A request message. */
export function requestMessage(method: string, params: readonly Json[], id: JsonRpcId): JsonRpcRequest {
  return { kind: 'request', method, params, id };
}

/** A notification message (id null on the wire). */
export function notificationMessage(method: string, params: readonly Json[]): JsonRpcNotification {
  return { kind: 'notification', method, params };
}

/** A successful response. */
export function responseMessage(id: JsonRpcId, result: Json): JsonRpcResponse {
  return { kind: 'response', result, id };
}

/** An error response; `error` must not be null. */
export function errorMessage(id: JsonRpcId, error: Json): JsonRpcErrorResponse {
  return { kind: 'error', error, id };
}

/** The wire JSON of a message, member names as OVS writes them. */
export function messageToJson(m: JsonRpcMessage): JsonObject {
  switch (m.kind) {
    case 'request':
      return { id: m.id, method: m.method, params: m.params };
    case 'notification':
      return { id: null, method: m.method, params: m.params };
    case 'response':
      return { id: m.id, result: m.result, error: null };
    case 'error':
      // The real ovsdb-server leaves "result" out of error replies.
      return { id: m.id, error: m.error };
    default:
      return assertNever(m, 'JSON-RPC message');
  }
}

/**
 * The wire text of a message (no trailing delimiter: OVS needs none). The same text as
 * `jsonText(messageToJson(m))`, built by concatenation around the payload's text, so that no
 * wrapper object is made per message (this runs once per reply and notification).
 */
export function encodeMessage(m: JsonRpcMessage): string {
  switch (m.kind) {
    case 'request':
      return encodeRequest(m.method, m.params, m.id);
    case 'notification':
      return encodeNotification(m.method, m.params);
    case 'response':
      return encodeResponse(m.id, m.result);
    case 'error':
      return encodeError(m.id, m.error);
    default:
      return assertNever(m, 'JSON-RPC message');
  }
}

/**
 * Text of a member value, or undefined when JSON.stringify would leave the member out (only a
 * value outside the Json type, such as undefined, does): then the caller takes the slow path.
 */
function memberText(value: unknown): string | undefined {
  const text: unknown = smallJsonText(value);
  return typeof text === 'string' ? text : undefined;
}

/** The wire text of a request, as encodeMessage writes it. */
export function encodeRequest(method: string, params: readonly Json[], id: JsonRpcId): string {
  const idText = memberText(id);
  const paramsText = memberText(params);
  if (idText === undefined || paramsText === undefined || typeof method !== 'string') return jsonText(messageToJson(requestMessage(method, params, id)));
  return `{"id":${idText},"method":${JSON.stringify(method)},"params":${paramsText}}`;
}

/** The wire text of a notification, as encodeMessage writes it. */
export function encodeNotification(method: string, params: readonly Json[]): string {
  const paramsText = memberText(params);
  if (paramsText === undefined || typeof method !== 'string') return jsonText(messageToJson(notificationMessage(method, params)));
  return `{"id":null,"method":${JSON.stringify(method)},"params":${paramsText}}`;
}

/** The wire text of a successful response, as encodeMessage writes it. */
export function encodeResponse(id: JsonRpcId, result: Json): string {
  const idText = memberText(id);
  const resultText = memberText(result);
  if (idText === undefined || resultText === undefined) return jsonText(messageToJson(responseMessage(id, result)));
  return `{"id":${idText},"result":${resultText},"error":null}`;
}

/** The wire text of an error response, as encodeMessage writes it. */
export function encodeError(id: JsonRpcId, error: Json): string {
  const idText = memberText(id);
  const errorText = memberText(error);
  if (idText === undefined || errorText === undefined) return jsonText(messageToJson(errorMessage(id, error)));
  return `{"id":${idText},"error":${errorText}}`;
}
