// How a Flutterwave webhook body is read, here once for everyone: the API imports this (its
// payments module), partners get it from verifyFlutterwaveWebhook. Pure: no I/O, no node: modules.

/** What a Flutterwave webhook says, amounts in integer minor units like everything in ConnectSphere. */
export interface FlutterwaveWebhookEvent {
  /** The event name, e.g. `charge.completed` (absent in the legacy flat shape). */
  type?: string | undefined;
  /** Flutterwave's transaction id, as a string (Flutterwave sends a number, older payloads a string). */
  transactionId?: string | undefined;
  /** Our payment reference (`tx_ref`, `txRef` in the legacy shape). */
  txRef?: string | undefined;
  /** As Flutterwave spells it: `successful`, `failed`, `pending`... */
  status?: string | undefined;
  /** Minor units (cents): Flutterwave's major-unit amount, a number or a numeric string, × 100. */
  amount?: number | undefined;
  /** Upper-case ISO code. */
  currency?: string | undefined;
}

/**
 * Reads `{ event, data: { id, tx_ref, amount, currency, status, ... } }` and the legacy flat
 * `{ id, txRef, amount, ... }`. A field that is missing or of the wrong type is left undefined; it
 * never throws on a JSON value. The body proves nothing by itself: verify the transaction with
 * Flutterwave before acting on it.
 */
export function readFlutterwaveWebhook(body: unknown): FlutterwaveWebhookEvent {
  const root = isRecord(body) ? body : {};
  const source = isRecord(root.data) ? root.data : root;
  const id = source.id;
  return {
    type: firstString(root.event),
    transactionId: (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id !== '') ? String(id) : undefined,
    txRef: firstString(source.tx_ref, source.txRef),
    status: firstString(source.status),
    amount: minorOrUndefined(source.amount),
    currency: firstString(source.currency)?.toUpperCase(),
  };
}

/**
 * Major units as Flutterwave speaks them → integer minor units: 46.2 → 4620, 1238.16 → 123816.
 * Rounds to the nearest cent, because 46.2 * 100 is 4620.000000000001 in floating point.
 */
export function majorToMinor(major: number): number {
  if (typeof major !== 'number' || !Number.isFinite(major)) {
    throw new RangeError(`Amount in major units must be a finite number, got ${String(major)}`);
  }
  const minor = Math.round(major * 100);
  return minor === 0 ? 0 : minor; // never -0
}

function minorOrUndefined(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? majorToMinor(n) : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
