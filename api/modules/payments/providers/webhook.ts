// Flutterwave webhooks: the `verif-hash` check and the reading of the body are the SDK's
// (verifyFlutterwaveWebhook, readFlutterwaveWebhook), so the API and partners read a webhook the
// same way. Added here: the key that recognises a replayed delivery.
// The body proves nothing by itself: the payments service re-verifies every event with the provider.

import { createHash } from 'node:crypto';
import { readFlutterwaveWebhook, verifyFlutterwaveWebhook } from '@connectsphere/sdk';
import type { WebhookEvent } from './types.ts';

/**
 * True when the `verif-hash` header equals the configured secret hash, compared in constant time.
 * A missing header, an empty one, or an unconfigured secret is false.
 */
export function verifyWebhookSignature(headerValue: string | undefined, secretHash: string): boolean {
  return verifyFlutterwaveWebhook({ 'verif-hash': headerValue }, '', secretHash).valid;
}

/**
 * The parts of a webhook we act on, amounts in minor units (readFlutterwaveWebhook), and its
 * event key: the transaction and its status, or a hash of the whole body when it has no id.
 */
export function parseFlutterwaveWebhook(body: unknown): WebhookEvent {
  const { transactionId, txRef, status, amount, currency } = readFlutterwaveWebhook(body);
  const eventKey =
    transactionId !== undefined
      ? `${transactionId}:${status ?? ''}`
      : `sha256:${createHash('sha256').update(stableJson(body)).digest('hex')}`;
  return { transactionId, txRef, status, amount, currency, eventKey };
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
