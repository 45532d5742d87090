import { idempotencyKeyOf, type IdempotentOptions, type Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { OrderShipment, Quote, QuoteRequest, QuoteSubmission, SupplierOrder, SupplierOrderListQuery, SupplierOrderPage, SupplierQuoteRequestList } from '../types.ts';

/**
 * The organisation's own purchase orders (`cs.supplier.orders`). Each move is sent with an
 * Idempotency-Key (the same on every retry), so a script may retry it safely; a move the order's
 * table does not allow is an ApiError 409 whose problem names `currentState`.
 */
export class SupplierOrdersResource {
  constructor(private readonly t: Transport) {}

  /** One page, newest first; `status: 'accepted'` finds the orders to ship. */
  list(query: SupplierOrderListQuery = {}): Promise<SupplierOrderPage> {
    return this.t.call('get', '/api/supplier/orders', { query });
  }

  iterate(query: SupplierOrderListQuery = {}): AsyncIterable<SupplierOrder> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<SupplierOrder> {
    return this.t.call('get', '/api/supplier/orders/{id}', { path: { id } });
  }

  /** The group becomes ordered. Needs a verified organisation. */
  accept(id: string, options?: IdempotentOptions): Promise<SupplierOrder> {
    return this.t.call('post', '/api/supplier/orders/{id}/accept', { path: { id }, idempotencyKey: idempotencyKeyOf(options) });
  }

  /** Admins are told the reason and re-route the order, ask for quotes or cancel the group. */
  reject(id: string, reason: string, options?: IdempotentOptions): Promise<SupplierOrder> {
    return this.t.call('post', '/api/supplier/orders/{id}/reject', { path: { id }, body: { reason }, idempotencyKey: idempotencyKeyOf(options) });
  }

  prepare(id: string, options?: IdempotentOptions): Promise<SupplierOrder> {
    return this.t.call('post', '/api/supplier/orders/{id}/prepare', { path: { id }, idempotencyKey: idempotencyKeyOf(options) });
  }

  /** From preparing, or accepted (passing through preparing); the traders get the tracking number and ETA. */
  ship(id: string, shipment: OrderShipment, options?: IdempotentOptions): Promise<SupplierOrder> {
    return this.t.call('post', '/api/supplier/orders/{id}/ship', { path: { id }, body: shipment, idempotencyKey: idempotencyKeyOf(options) });
  }

  /** Delivered at the pickup point: the group becomes delivered and waits for the admin's quality check. */
  deliver(id: string, options?: IdempotentOptions): Promise<SupplierOrder> {
    return this.t.call('post', '/api/supplier/orders/{id}/deliver', { path: { id }, idempotencyKey: idempotencyKeyOf(options) });
  }
}

/** Requests for quotes sent to the organisation, and its quotes (`cs.supplier.quotes`). */
export class SupplierQuotesResource {
  constructor(private readonly t: Transport) {}

  /** Newest first, each with the organisation's own quote (or null). */
  list(query: { status?: QuoteRequest['status'] } = {}): Promise<SupplierQuoteRequestList> {
    return this.t.call('get', '/api/supplier/quotes', { query });
  }

  /** Quoting again on the same request replaces the quote while it is open. */
  submit(body: QuoteSubmission): Promise<Quote> {
    return this.t.call('post', '/api/supplier/quotes', { body });
  }
}
