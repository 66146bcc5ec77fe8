/**
 * What the client library needs from one JSON-RPC connection (RFC 7047 §4). The transport
 * layer's connection is adapted to this in connector.ts; tests may supply a fake.
 */
import type { Json } from '../base/json.js';
import { jsonText } from '../base/json.js';

/** A JSON-RPC error reply, carrying the `error` member as the server sent it. */
export class RpcError extends Error {
  constructor(readonly error: Json, readonly method: string) {
    super(`${method}: ${RpcError.describe(error)}`);
  }

  /** "tag: details" for OVSDB error objects, the JSON otherwise. */
  static describe(error: Json): string {
    if (typeof error === 'string') return error;
    if (error !== null && typeof error === 'object' && !Array.isArray(error)) {
      const o = error as { readonly [k: string]: Json };
      const tag = o['error'];
      const details = o['details'];
      if (typeof tag === 'string') return typeof details === 'string' ? `${tag}: ${details}` : tag;
    }
    return jsonText(error);
  }
}

export interface ChannelHandlers {
  /** A notification (update, update2, update3, locked, stolen, monitor_canceled, …). */
  onNotification(method: string, params: readonly Json[]): void;
  /** A request from the server; the returned value is sent as the result (echo). */
  onRequest(method: string, params: readonly Json[]): Json;
  /** The connection ended (error undefined for a clean close by us). */
  onClose(error: Error | undefined): void;
}

/** One open connection. */
export interface RpcChannel {
  /** The remote as given (e.g. `tcp:127.0.0.1:6641`). */
  readonly name: string;
  /** Sends a request and resolves with its result; rejects with RpcError on an error reply. */
  request(method: string, params: readonly Json[]): Promise<Json>;
  notify(method: string, params: readonly Json[]): void;
  close(): void;
}

/** Opens a channel to one remote, wiring `handlers` before any message can arrive. */
export type Connector = (remote: string, handlers: ChannelHandlers) => Promise<RpcChannel>;
