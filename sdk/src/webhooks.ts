// For partners who receive Flutterwave webhooks themselves: check the `verif-hash` header against
// the secret hash set in the Flutterwave dashboard, and read the event. The constant-time
// comparison is node:crypto's (platform/node.ts); in the browser build it throws.
import { readFlutterwaveWebhook, type FlutterwaveWebhookEvent } from './flutterwave.ts';
import { sameSecret } from './platform/node.ts';

/** Request headers as frameworks hand them over: a fetch `Headers`, or a plain object with any casing and string or string[] values. */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | readonly string[] | number | undefined | null>;

/** A webhook body: the raw bytes or text as received, or the already parsed JSON. */
export type WebhookBody = string | Uint8Array | ArrayBuffer | object;

export interface WebhookVerification {
  /** True when `verif-hash` equals the secret hash. */
  valid: boolean;
  /**
   * Only when `valid` and the body is a JSON object, read by `readFlutterwaveWebhook` (amounts in
   * minor units, as the API reads it). The hash proves the sender knows the secret,
   * not that the payment happened: verify the transaction (e.g. `cs.payments.finalize`) before
   * acting on it.
   */
  event?: FlutterwaveWebhookEvent;
}

/**
 * Checks a Flutterwave webhook: `verif-hash` must equal `secretHash` (compared in constant time).
 * A missing or empty header, a header sent more than once with different values, or an empty
 * secret is never valid. The event is returned only for a valid webhook, from either body shape
 * Flutterwave has used (`{ event, data: {...} }` or the legacy flat one).
 */
export function verifyFlutterwaveWebhook(headers: WebhookHeaders, body: WebhookBody, secretHash: string): WebhookVerification {
  const received = headerValue(headers, 'verif-hash');
  const secret = typeof secretHash === 'string' ? secretHash : '';
  // Compare even when the header is missing, so that path costs the same.
  const same = sameSecret(secret, received ?? '');
  const valid = same && received !== undefined && received !== '' && secret !== '';
  if (!valid) return { valid: false };
  const event = parseEvent(body);
  return event ? { valid, event } : { valid };
}

/** The one value of a header, or undefined when absent or sent more than once with different values. */
function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value ?? undefined;
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== name) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') values.push(v);
      else if (typeof v === 'number') values.push(String(v));
    }
  }
  const distinct = new Set(values);
  return distinct.size === 1 ? values[0] : undefined;
}

function parseEvent(body: WebhookBody): FlutterwaveWebhookEvent | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return readFlutterwaveWebhook(parsed);
}
