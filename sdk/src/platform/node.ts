// What differs on Node: requests go through undici, secrets are compared on node:crypto, WebSockets
// are the `ws` package's.
// The browser build swaps this file for ./browser.ts (sdk/tsup.config.ts); both export the same names.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import WebSocket from 'ws';
import type { HttpSend } from '../http.ts';
import type { WebSocketLike } from './websocket.ts';

/** undici's request, through `dispatcher` when given (a proxy agent, a pool with other limits). */
export function defaultSend(dispatcher: Dispatcher | undefined): HttpSend {
  return async ({ method, url, headers, body, signal }) => {
    const res = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body,
      signal,
      ...(dispatcher ? { dispatcher } : {}),
    });
    return { status: res.statusCode, headers: res.headers, bytes: new Uint8Array(await res.body.arrayBuffer()) };
  };
}

// Both sides are HMACed with a per-process random key before the comparison, so the buffers always
// have the same length: neither the secret's length nor where the first difference is shows in timing.
const compareKey = randomBytes(32);
const digest = (value: string) => createHmac('sha256', compareKey).update(value, 'utf8').digest();

/** Constant-time string equality. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** HMAC-SHA256 of `message` under `key`, as lowercase hex (webhook signatures). */
export function hmacSha256Hex(key: string, message: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

/** Node 20 has no global WebSocket (22 does): the `ws` package, on every Node version alike. */
export function defaultWebSocket(): new (url: string) => WebSocketLike {
  return WebSocket as unknown as new (url: string) => WebSocketLike;
}
