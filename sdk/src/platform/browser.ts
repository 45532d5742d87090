// The browser build's stand-in for ./node.ts (same names): the global fetch, and no webhook checks,
// because a webhook's secret hash belongs on a server, never in a page.
import type { Dispatcher } from 'undici';
import { fetchSend, type HttpSend } from '../http.ts';
import { ConnectSphereError } from '../errors.ts';
import type { WebSocketLike } from './websocket.ts';

export function defaultSend(dispatcher: Dispatcher | undefined): HttpSend {
  if (dispatcher) throw new ConnectSphereError('dispatcher is an undici option: in a browser, pass `fetch` instead');
  if (typeof globalThis.fetch !== 'function') throw new ConnectSphereError('No global fetch: pass `fetch` in the client options');
  return fetchSend(globalThis.fetch.bind(globalThis));
}

export function sameSecret(_a: string, _b: string): boolean {
  throw new ConnectSphereError('verifyFlutterwaveWebhook runs on a server (Node): the secret hash must never reach a browser');
}

export function hmacSha256Hex(_key: string, _message: string): string {
  throw new ConnectSphereError('webhook signatures are checked on a server (Node): a webhook secret must never reach a browser');
}

/** The browser's own WebSocket. */
export function defaultWebSocket(): new (url: string) => WebSocketLike {
  if (typeof globalThis.WebSocket !== 'function') throw new ConnectSphereError('No global WebSocket: pass `WebSocket` in the realtime options');
  return globalThis.WebSocket as unknown as new (url: string) => WebSocketLike;
}
