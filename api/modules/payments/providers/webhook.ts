// Flutterwave webhooks: the `verif-hash` check and the two body shapes Flutterwave has used.
// The body proves nothing by itself: the payments service re-verifies every event with the provider.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { toMinor } from './money.ts';
import type { WebhookEvent } from './types.ts';

// Both sides are HMACed with a per-process key before comparing: the buffers always have the same
// length, so neither the secret's length nor the position of the first difference shows in timing.
const compareKey = randomBytes(32);
const digest = (value: string) => createHmac('sha256', compareKey).update(value, 'utf8').digest();

/**
 * True when the `verif-hash` header equals the configured secret hash, compared in constant time.
 * A missing header, an empty one, or an unconfigured secret is false.
 */
export function verifyWebhookSignature(headerValue: string | undefined, secretHash: string): boolean {
  const expected = digest(secretHash);
  const received = digest(typeof headerValue === 'string' ? headerValue : '');
  // Evaluate the comparison even when the header is missing, so that path costs the same.
  const same = timingSafeEqual(expected, received);
  return same && typeof headerValue === 'string' && headerValue.length > 0 && secretHash.length > 0;
}

/**
 * The parts of a webhook we act on, amounts in minor units. Understands
 * `{ event: 'charge.completed', data: { id, tx_ref, amount, currency, status, … } }` and the legacy
 * flat `{ id, txRef, amount, currency, status, … }`. Fields that are missing or of the wrong type come
 * back undefined (the caller decides); it never throws on a JSON value.
 */
export function parseFlutterwaveWebhook(body: unknown): WebhookEvent {
  const root = isRecord(body) ? body : {};
  const source = isRecord(root.data) ? root.data : root;

  const id = source.id;
  const transactionId = (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id !== '') ? String(id) : undefined;
  const txRef = firstString(source.tx_ref, source.txRef);
  const status = firstString(source.status);
  const currency = firstString(source.currency)?.toUpperCase();
  const amount = minorOrUndefined(source.amount);

  const eventKey =
    transactionId !== undefined
      ? `${transactionId}:${status ?? ''}`
      : `sha256:${createHash('sha256').update(stableJson(body)).digest('hex')}`;

  return { transactionId, txRef, status, amount, currency, eventKey };
}

function minorOrUndefined(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  return toMinor(n);
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

/** JSON with object keys sorted, so the same event hashes the same however its keys were ordered. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
