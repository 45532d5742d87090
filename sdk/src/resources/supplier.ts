import type { Transport } from '../client.ts';
import type {
  AuthSession,
  SupplierInviteAcceptance,
  SupplierInviteCreated,
  SupplierInviteRequest,
  SupplierMembers,
  SupplierOrganisation,
  SupplierOrganisationUpdate,
  SupplierRegistration,
  SupplierSession,
  SupplierAnalytics,
  SupplierAnalyticsQuery,
} from '../types.ts';
import { SupplierCatalogResource } from './supplier-catalog.ts';
import { SupplierOrdersResource, SupplierQuotesResource } from './supplier-orders.ts';
import { SupplierKeysResource } from './supplier-keys.ts';
import { WebhooksResource } from './webhooks.ts';
import { SupplierInvoicesResource, SupplierPayoutsResource, supplierAnalytics } from './supplier-money.ts';

/**
 * One's own supplier organisation (signed in as a supplier). Catalog, orders, quotes, invoices,
 * payouts, API keys and webhooks hang off this namespace as `cs.supplier.<area>`.
 */
export class SupplierResource {
  /** The organisation's own products, their images and CSV import. */
  readonly catalog: SupplierCatalogResource;
  /** The organisation's purchase orders and their moves. */
  readonly orders: SupplierOrdersResource;
  /** Requests for quotes and the organisation's quotes. */
  readonly quotes: SupplierQuotesResource;
  /** API keys for scripts (owners). */
  readonly keys: SupplierKeysResource;
  /** Invoices of accepted orders, and their PDFs. */
  readonly invoices: SupplierInvoicesResource;
  /** Payouts of checked orders. */
  readonly payouts: SupplierPayoutsResource;
  /** Webhook endpoints for the organisation's events (owners). */
  readonly webhooks: WebhooksResource;

  constructor(private readonly t: Transport) {
    this.catalog = new SupplierCatalogResource(t);
    this.orders = new SupplierOrdersResource(t);
    this.quotes = new SupplierQuotesResource(t);
    this.keys = new SupplierKeysResource(t);
    this.invoices = new SupplierInvoicesResource(t);
    this.payouts = new SupplierPayoutsResource(t);
    this.webhooks = new WebhooksResource(t, '/api/supplier');
  }

  /** Revenue, orders, fulfilment time, on-time rate, rating and repeat buyers over [from, to). */
  analytics(query: SupplierAnalyticsQuery = {}): Promise<SupplierAnalytics> {
    return supplierAnalytics(this.t, query);
  }

  /** Registers an organisation (pending until an admin verifies it) with its owner, and signs the owner in. */
  async register(body: SupplierRegistration): Promise<SupplierSession> {
    const result = await this.t.call('post', '/api/suppliers/register', { body, auth: false });
    await this.t.storeSession(result.session);
    return result;
  }

  /** Accepts an invitation: creates the invitee's supplier account and signs it in. */
  async acceptInvite(body: SupplierInviteAcceptance): Promise<AuthSession> {
    return this.t.storeSession(await this.t.call('post', '/api/supplier/invites/accept', { body, auth: false }));
  }

  organisation(): Promise<SupplierOrganisation> {
    return this.t.call('get', '/api/supplier/organisation', {});
  }

  /** Owners only. Changing the name, registration or tax number sends a verified organisation back to pending. */
  update(change: SupplierOrganisationUpdate): Promise<SupplierOrganisation> {
    return this.t.call('patch', '/api/supplier/organisation', { body: change });
  }

  members(): Promise<SupplierMembers> {
    return this.t.call('get', '/api/supplier/members', {});
  }

  /** Owners only; the token is returned once (and emailed to the invitee). */
  invite(body: SupplierInviteRequest): Promise<SupplierInviteCreated> {
    return this.t.call('post', '/api/supplier/invites', { body });
  }
}
