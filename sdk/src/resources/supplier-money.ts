import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type {
  Invoice,
  InvoiceListQuery,
  InvoicePage,
  Payout,
  PayoutListQuery,
  PayoutPage,
  AdminPayoutListQuery,
  SupplierAnalytics,
  SupplierAnalyticsQuery,
} from '../types.ts';

/** An invoice as PDF bytes (its organisation's members, or admins); the same for both namespaces. */
function invoicePdf(t: Transport, id: string): Promise<Uint8Array> {
  return t.call('get', '/api/invoices/{id}.pdf', { path: { id }, headers: { accept: 'application/pdf, application/problem+json' } }) as Promise<Uint8Array>;
}

/** The organisation's invoices (`cs.supplier.invoices`; API key scope invoices:read). */
export class SupplierInvoicesResource {
  constructor(private readonly t: Transport) {}

  /** One page, newest first. */
  list(query: InvoiceListQuery = {}): Promise<InvoicePage> {
    return this.t.call('get', '/api/supplier/invoices', { query });
  }

  iterate(query: InvoiceListQuery = {}): AsyncIterable<Invoice> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<Invoice> {
    return this.t.call('get', '/api/supplier/invoices/{id}', { path: { id } });
  }

  /** The invoice rendered as PDF, as bytes to write to a file. */
  pdf(id: string): Promise<Uint8Array> {
    return invoicePdf(this.t, id);
  }
}

/** The organisation's payouts (`cs.supplier.payouts`; scope invoices:read). */
export class SupplierPayoutsResource {
  constructor(private readonly t: Transport) {}

  list(query: PayoutListQuery = {}): Promise<PayoutPage> {
    return this.t.call('get', '/api/supplier/payouts', { query });
  }

  iterate(query: PayoutListQuery = {}): AsyncIterable<Payout> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }
}

/** Every organisation's payouts and any invoice's PDF (role admin): `cs.admin.payouts`, `cs.admin.invoices`. */
export class AdminPayoutsResource {
  constructor(private readonly t: Transport) {}

  /** Newest first; `{ flagged: true }` for those a webhook or the provider contradicted. */
  list(query: AdminPayoutListQuery = {}): Promise<PayoutPage> {
    return this.t.call('get', '/api/admin/payouts', { query });
  }

  iterate(query: AdminPayoutListQuery = {}): AsyncIterable<Payout> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }
}

export class AdminInvoicesResource {
  constructor(private readonly t: Transport) {}

  pdf(id: string): Promise<Uint8Array> {
    return invoicePdf(this.t, id);
  }
}

/** The organisation's figures over [from, to) (default: the last 30 days). */
export function supplierAnalytics(t: Transport, query: SupplierAnalyticsQuery = {}): Promise<SupplierAnalytics> {
  return t.call('get', '/api/supplier/analytics', { query });
}
