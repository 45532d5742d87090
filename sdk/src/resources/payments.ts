import { idempotencyKeyOf, type IdempotentOptions, type Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { Payment, PaymentFinalize, PaymentInitialize, PaymentListQuery, PaymentPage, RefundRequest } from '../types.ts';

/**
 * Paying for contributions through Flutterwave (or the embedded sandbox). The money calls carry an
 * Idempotency-Key, so they are retried safely and take effect once.
 */
export class PaymentsResource {
  constructor(private readonly t: Transport) {}

  /**
   * Starts paying for a contribution: returns the payment with its `checkoutUrl` (send the trader
   * there) and the amounts, the platform fee as its own line. Asking again for the same
   * contribution and currency returns the same pending payment.
   */
  initialize(body: PaymentInitialize, options?: IdempotentOptions): Promise<Payment> {
    return this.t.call('post', '/api/payments/initialize', { body, idempotencyKey: idempotencyKeyOf(options) });
  }

  /**
   * Verifies a payment with the provider after the checkout sent the trader back (the `tx_ref` and
   * `transaction_id` of the return URL) and returns it. Safe to call more than once.
   */
  finalize(body: PaymentFinalize, options?: IdempotentOptions): Promise<Payment> {
    return this.t.call('post', '/api/payments/finalize', { body, idempotencyKey: idempotencyKeyOf(options) });
  }

  /** One page of payments, newest first: every payment for admins, the caller's own for anyone else. */
  list(query: PaymentListQuery = {}): Promise<PaymentPage> {
    return this.t.call('get', '/api/payments', { query });
  }

  iterate(query: PaymentListQuery = {}): AsyncIterable<Payment> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  /** One payment with its refunds (its payer or an admin). */
  get(id: string): Promise<Payment> {
    return this.t.call('get', '/api/payments/{id}', { path: { id } });
  }

  /** Refunds a successful payment in full (admin). */
  refund(id: string, body: RefundRequest, options?: IdempotentOptions): Promise<Payment> {
    return this.t.call('post', '/api/payments/{id}/refund', { path: { id }, body, idempotencyKey: idempotencyKeyOf(options) });
  }
}
