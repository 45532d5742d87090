import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { AdminOrderListQuery, QualityCheck, QuoteRequestCreate, QuoteRequestWithQuotes, SupplierOrder, SupplierOrderPage } from '../types.ts';

/** Every purchase order, the quality check and re-routing (`cs.admin.orders`; admins only). */
export class AdminOrdersResource {
  constructor(private readonly t: Transport) {}

  list(query: AdminOrderListQuery = {}): Promise<SupplierOrderPage> {
    return this.t.call('get', '/api/admin/orders', { query });
  }

  iterate(query: AdminOrderListQuery = {}): AsyncIterable<SupplierOrder> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<SupplierOrder> {
    return this.t.call('get', '/api/admin/orders/{id}', { path: { id } });
  }

  /** Checks a delivered order: the group becomes ready for pickup (passes issued); an issue may refund traders in part. */
  qualityCheck(id: string, check: QualityCheck): Promise<SupplierOrder> {
    return this.t.call('post', '/api/admin/orders/{id}/quality-check', { path: { id }, body: check });
  }

  /** Sends a funded group's order to another organisation (after a rejection). */
  route(groupId: string, supplierId: string): Promise<SupplierOrder> {
    return this.t.call('post', '/api/admin/groups/{id}/orders', { path: { id: groupId }, body: { supplierId } });
  }
}

/** Requests for quotes (`cs.admin.quotes`; admins only). */
export class AdminQuotesResource {
  constructor(private readonly t: Transport) {}

  /** Opens a funded group for quotes instead of the direct order. */
  request(groupId: string, body: QuoteRequestCreate): Promise<QuoteRequestWithQuotes> {
    return this.t.call('post', '/api/admin/groups/{id}/request-quotes', { path: { id: groupId }, body });
  }

  /** The group's latest request and its quotes, cheapest first. */
  list(groupId: string): Promise<QuoteRequestWithQuotes> {
    return this.t.call('get', '/api/admin/groups/{id}/quotes', { path: { id: groupId } });
  }

  accept(quoteId: string): Promise<SupplierOrder> {
    return this.t.call('post', '/api/admin/quotes/{id}/accept', { path: { id: quoteId } });
  }

  /** The cheapest valid quote meeting the required lead time (ApiError 409 when there is none). */
  acceptBest(groupId: string): Promise<SupplierOrder> {
    return this.t.call('post', '/api/admin/groups/{id}/quotes/accept-best', { path: { id: groupId } });
  }
}
