/**
 * The port through which the server and client speak JSON-RPC to one peer. The socket-backed
 * implementation is src/transport/jsonrpc-connection.ts (JsonRpcConnection); tests and the
 * simulator may supply their own. Defined here, in the pure layer, so that src/server depends on
 * this interface and never on src/transport (STYLE.md §3: L3 never imports L2).
 */
import type { Json } from '../base/json.js';
import { jsonText } from '../base/json.js';
import type { JsonRpcId, JsonRpcMessage } from './messages.js';

/** The error object of a JSON-RPC error reply, raised by `request()`. */
export class JsonRpcRemoteError extends Error {
  constructor(readonly error: Json) {
    super(`remote error: ${typeof error === 'string' ? error : jsonText(error)}`);
  }
}

/** Raised by `request()` when the channel closes before the reply arrives. */
export class JsonRpcClosedError extends Error {
  constructor(reason = 'connection closed') {
    super(reason);
  }
}

/** Why a channel closed. `error` undefined means an orderly close by either side. */
export interface CloseInfo {
  readonly error: Error | undefined;
  /** Set when the peer sent bytes that are not JSON-RPC (framer or message error). */
  readonly protocolError: string | undefined;
}

export interface JsonRpcChannel {
  /** Human-readable peer address, for logs ("tcp:127.0.0.1:51234", "unix:/run/x.sock"). */
  readonly peer: string;
  /** Bytes queued for the peer but not yet accepted by the OS (backpressure signal). */
  readonly backlogBytes: number;
  /** True until closed. */
  readonly open: boolean;

  /**
   * Called for every incoming request and notification, in order. Responses to our own
   * `request()` calls are consumed by the channel and not delivered here.
   */
  onMessage(handler: (message: JsonRpcMessage) => void): void;
  /** Called once, when the channel closes for any reason. */
  onClose(handler: (info: CloseInfo) => void): void;

  /** Sends a request and resolves with its result, or rejects with JsonRpcRemoteError / JsonRpcClosedError. */
  request(method: string, params: readonly Json[]): Promise<Json>;
  notify(method: string, params: readonly Json[]): void;
  respond(id: JsonRpcId, result: Json): void;
  /** `error` must not be null. */
  respondError(id: JsonRpcId, error: Json): void;
  /** Sends any message as is. */
  send(message: JsonRpcMessage): void;
  /**
   * Sends a message already encoded with encodeMessage (messages.ts), so that one text can be
   * shared by many receivers (monitor fan-out). Optional: callers fall back to `send`.
   */
  sendEncoded?(text: string): void;
  /** Resolves once the backlog is empty (immediately if it is). */
  drained(): Promise<void>;
  /** Flushes what is queued, then closes. Idempotent. */
  close(): void;
}
