// Outbound webhooks, the receiving side (and the one definition the API signs with, so the two can
// never disagree): the event body ConnectSphere POSTs, its `ConnectSphere-Signature` header (as
// Stripe's: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one v1 per secret while an
// old one is still honoured after a rotation), and constructEvent, which checks it.
import { ConnectSphereError } from './errors.ts';
import { hmacSha256Hex, sameSecret } from './platform/node.ts';

export const signatureHeader = 'ConnectSphere-Signature';

/** What a webhook delivery carries (README "Outbound webhooks"). */
export interface WebhookEvent<T = Record<string, unknown>> {
  /** `evt_<n>`: the same for every delivery and replay of one event (dedupe on it). */
  id: string;
  object: 'event';
  type: string;
  /** When the change happened (ISO 8601). */
  created: string;
  /** The organisation the event belongs to; null for platform-wide ones. */
  organisationId: string | null;
  data: T;
}

/** A domain event as the API's feed (and the WebSocket) carries it. */
export interface FeedEventLike {
  id: number;
  type: string;
  supplierId: string | null;
  createdAt: string;
  data: Record<string, unknown>;
}

/** The body of a delivery of `e`. */
export function webhookEvent(e: FeedEventLike): WebhookEvent {
  return { id: `evt_${e.id}`, object: 'event', type: e.type, created: e.createdAt, organisationId: e.supplierId, data: e.data };
}

/** The signature header's value for `body` sent at `timestamp` (unix seconds), signed with each secret. */
export function signPayload(body: string, secrets: string[], timestamp: number): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmacSha256Hex(s, `${timestamp}.${body}`)}`)].join(',');
}

export class WebhookSignatureError extends ConnectSphereError {
  override name = 'WebhookSignatureError';
}

export interface ConstructEventOptions {
  /** How old a signature may be, in seconds (300): an older one may be a replay. */
  toleranceSeconds?: number;
  /** The time to check against (unix seconds); now by default. */
  now?: number;
}

/**
 * Checks a delivery's signature and returns its event. `rawBody` must be the bytes as received (a
 * re-serialised JSON object would not match). Throws WebhookSignatureError when the header is
 * missing or malformed, no v1 matches `secret` (compared in constant time), or the timestamp is
 * outside the tolerance. Node only: a webhook secret never belongs in a browser.
 */
export function constructEvent<T = Record<string, unknown>>(rawBody: string | Uint8Array, header: string | null | undefined, secret: string, options: ConstructEventOptions = {}): WebhookEvent<T> {
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  if (!secret) throw new WebhookSignatureError('no webhook secret given');
  if (!header) throw new WebhookSignatureError(`no ${signatureHeader} header`);
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const signatures = parts.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v!);
  if (!Number.isInteger(t) || signatures.length === 0) throw new WebhookSignatureError(`${signatureHeader} must be t=<timestamp>,v1=<signature>`);
  const expected = hmacSha256Hex(secret, `${t}.${body}`);
  // Every candidate is compared, so the time taken does not say which one matched.
  const matched = signatures.map((s) => sameSecret(s, expected)).some(Boolean);
  if (!matched) throw new WebhookSignatureError('no signature matches this secret (a rotated secret? the body changed on the way?)');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - t) > tolerance) throw new WebhookSignatureError(`the signature is ${Math.abs(now - t)} s old, past the ${tolerance} s tolerance`);
  try {
    return JSON.parse(body) as WebhookEvent<T>;
  } catch {
    throw new WebhookSignatureError('the body is not JSON');
  }
}
