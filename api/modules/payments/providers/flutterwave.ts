// Flutterwave v3 behind the PaymentProvider interface.
//
// - initialize: hosted checkout, POST {baseUrl}/v3/payments with undici (flutterwave-node-v3 has
//   no wrapper for it).
// - verify and refund: flutterwave-node-v3 1.3.2 (`Transaction.verify`, `Transaction.verify_by_tx`,
//   `Transaction.refund`). That library calls the global fetch and has no timeout of its own, so
//   each call is raced against one here.
//
// Amounts cross this file's boundary in minor units; Flutterwave speaks major units (money.ts).

import Flutterwave from 'flutterwave-node-v3';
import { request, type Dispatcher } from 'undici';
import { toMajor, toMinor } from './money.ts';
import { refundStatus, transactionStatus } from './statuses.ts';
import {
  ProviderError,
  type Currency,
  type InitializeInput,
  type PaymentProvider,
  type RefundResult,
  type VerifiedTransaction,
} from './types.ts';

export interface FlutterwaveConfig {
  publicKey: string;
  secretKey: string;
  /** e.g. https://api.flutterwave.com (with or without a trailing slash). */
  baseUrl: string;
}

export interface FlutterwaveOptions {
  /** Per call, in milliseconds. Default 15 000. */
  timeoutMs?: number;
  /** An undici dispatcher for the checkout request (a proxy, or a MockAgent in tests). Default: undici's global one. */
  dispatcher?: Dispatcher;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Flutterwave's answer for an id or tx_ref it does not know. */
const NOT_FOUND = /no transaction (was )?found/i;

export function createFlutterwaveProvider(config: FlutterwaveConfig, options: FlutterwaveOptions = {}): PaymentProvider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const base = config.baseUrl.replace(/\/+$/, '');
  // flutterwave-node-v3 concatenates base + "v3/…", so its base must end with a slash.
  // Constructing it only stores the keys: no connection is opened.
  const flw = new Flutterwave(config.publicKey, config.secretKey, `${base}/`);

  async function initialize(input: InitializeInput): Promise<{ checkoutUrl: string }> {
    assertPositiveMinor(input.amount);
    const payload = {
      tx_ref: input.txRef,
      amount: toMajor(input.amount),
      currency: input.currency,
      redirect_url: input.redirectUrl,
      payment_options: input.paymentOptions,
      customer: { email: input.customer.email, name: input.customer.name, phonenumber: input.customer.phone },
      customizations: { title: input.title },
      meta: input.meta,
    };

    let statusCode: number;
    let text: string;
    try {
      const res = await request(`${base}/v3/payments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${config.secretKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw unreachable('initialize the checkout', err, timeoutMs);
    }

    const body = parseJson(text);
    const link = isRecord(body) && isRecord(body.data) ? body.data.link : undefined;
    if (isRecord(body) && body.status === 'success' && typeof link === 'string' && link !== '') {
      return { checkoutUrl: link };
    }
    throw new ProviderError(`Flutterwave refused the checkout: ${messageOf(body, statusCode)}`, {
      statusCode,
      body: body ?? text.slice(0, 500),
    });
  }

  async function verify(query: { transactionId?: string; txRef: string }): Promise<VerifiedTransaction | null> {
    const byId = query.transactionId !== undefined && /^\d{1,15}$/.test(query.transactionId);
    const body = await call('verify the transaction', () =>
      byId
        ? flw.Transaction.verify({ id: Number(query.transactionId) })
        : // 1.3.2 puts tx_ref into the query string as is: encode it here.
          flw.Transaction.verify_by_tx({ tx_ref: encodeURIComponent(query.txRef) }),
    );

    if (body.status === 'error' && typeof body.message === 'string' && NOT_FOUND.test(body.message)) return null;
    if (body.status !== 'success' || !isRecord(body.data)) {
      throw new ProviderError(`Flutterwave could not verify the transaction: ${messageOf(body)}`, body);
    }
    return mapTransaction(body.data);
  }

  async function refund(transactionId: string, amount: number, _currency: Currency): Promise<RefundResult> {
    // Flutterwave refunds in the transaction's own currency; `_currency` is for providers that ask.
    assertPositiveMinor(amount);
    if (!/^\d{1,15}$/.test(transactionId)) throw new ProviderError(`Not a Flutterwave transaction id: ${transactionId}`);
    const body = await call('refund the transaction', () =>
      flw.Transaction.refund({ id: transactionId, amount: toMajor(amount) }),
    );
    if (body.status !== 'success' || !isRecord(body.data)) {
      throw new ProviderError(`Flutterwave refused the refund: ${messageOf(body)}`, body);
    }
    const id = body.data.id;
    if (typeof id !== 'number' && typeof id !== 'string') {
      throw new ProviderError('Flutterwave answered the refund without an id', body);
    }
    return { refundId: String(id), status: refundStatus(body.data.status) };
  }

  /**
   * GET /v3/refunds/{id} when the refund id is known; else the refunds made since `since`
   * (GET /v3/refunds?from=), looking for one of this transaction (its `tx_id`). flutterwave-node-v3
   * 1.3.2 has no wrapper for either, so they go through the global fetch as its calls do.
   */
  async function lookUpRefund(query: { transactionId: string; refundId?: string; since: Date }): Promise<RefundResult | null> {
    const url = query.refundId
      ? `${base}/v3/refunds/${encodeURIComponent(query.refundId)}`
      : `${base}/v3/refunds?from=${query.since.toISOString().slice(0, 10)}`;
    const body = await call('look up the refund', async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${config.secretKey}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      return parseJson(await res.text());
    });
    if (body.status !== 'success') {
      if (typeof body.message === 'string' && /not found|no refund/i.test(body.message)) return null;
      throw new ProviderError(`Flutterwave could not look up the refund: ${messageOf(body)}`, body);
    }
    const found = Array.isArray(body.data)
      ? (body.data as unknown[]).find((r) => isRecord(r) && String(r.tx_id) === query.transactionId)
      : body.data;
    if (!isRecord(found) || (typeof found.id !== 'number' && typeof found.id !== 'string')) return null;
    return { refundId: String(found.id), status: refundStatus(found.status) };
  }

  /** Runs one flutterwave-node-v3 call with a timeout; only a JSON object comes back. */
  async function call(what: string, fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError()), timeoutMs);
    });
    let body: unknown;
    try {
      body = await Promise.race([Promise.resolve().then(fn), timeout]);
    } catch (err) {
      throw unreachable(what, err, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    if (!isRecord(body)) {
      throw new ProviderError(`Flutterwave answered something that is not JSON when asked to ${what}`, {
        body: typeof body === 'string' ? body.slice(0, 500) : body,
      });
    }
    return body;
  }

  return { name: 'flutterwave', initialize, verify, refund, refundStatus: lookUpRefund };
}

/** Flutterwave's transaction object (verify's `data`) → ours, in minor units. */
function mapTransaction(data: Record<string, unknown>): VerifiedTransaction {
  const { id, tx_ref: txRef, amount, currency, status } = data;
  if ((typeof id !== 'number' && typeof id !== 'string') || typeof txRef !== 'string') {
    throw new ProviderError('Flutterwave answered a transaction without id or tx_ref', data);
  }
  if (typeof amount !== 'number' || !Number.isFinite(amount) || typeof currency !== 'string') {
    throw new ProviderError('Flutterwave answered a transaction without a usable amount or currency', data);
  }
  return {
    id: String(id),
    txRef,
    status: transactionStatus(status),
    amount: toMinor(amount),
    currency: currency.toUpperCase(),
  };
}

class TimeoutError extends Error {}

function unreachable(what: string, err: unknown, timeoutMs: number): ProviderError {
  if (err instanceof ProviderError) return err;
  const name = (err as { name?: string } | null)?.name;
  if (err instanceof TimeoutError || name === 'TimeoutError' || name === 'HeadersTimeoutError' || name === 'BodyTimeoutError') {
    return new ProviderError(`Flutterwave did not answer within ${timeoutMs} ms when asked to ${what}`);
  }
  // flutterwave-node-v3 throws its `validationError` on input it rejects; anything else is the network.
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code ?? (err as { cause?: { code?: string } } | null)?.cause?.code;
  return new ProviderError(`Could not ${what} with Flutterwave: ${code ? `${code} ` : ''}${message}`.trim(), { code });
}

function assertPositiveMinor(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new ProviderError(`Amount must be a positive integer in minor units, got ${amount}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function messageOf(body: unknown, statusCode?: number): string {
  if (isRecord(body) && typeof body.message === 'string' && body.message !== '') return body.message;
  return statusCode === undefined ? 'an unexpected answer' : `HTTP ${statusCode} with an unexpected body`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
