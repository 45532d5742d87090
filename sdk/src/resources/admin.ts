import { AdminAlertsResource } from './alerts.ts';
import type { Transport } from '../client.ts';
import { AdminBackupsResource } from './backups.ts';
import { AdminOrdersResource, AdminQuotesResource } from './admin-orders.ts';
import { AdminInvoicesResource, AdminPayoutsResource } from './supplier-money.ts';
import { WebhooksResource } from './webhooks.ts';
import { AdminNotificationsResource } from './notifications.ts';
import { paginate } from '../paginate.ts';
import type {
  StaffPickupPoints,
  SupplierListQuery,
  SupplierOrganisation,
  SupplierOrganisationPage,
  User,
  UserDetail,
  UserListQuery,
  UserPage,
  UserUpdate,
} from '../types.ts';

/** User management (role admin). */
export class AdminUsersResource {
  constructor(private readonly t: Transport) {}

  /** One page, newest first; pass `nextCursor` back as `cursor` for the next. */
  list(query: UserListQuery = {}): Promise<UserPage> {
    return this.t.call('get', '/api/admin/users', { query });
  }

  /** Every matching user, fetching pages of `limit` as the loop goes. */
  iterate(query: UserListQuery = {}): AsyncIterable<User> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<UserDetail> {
    return this.t.call('get', '/api/admin/users/{id}', { path: { id } });
  }

  /** Changes a role or (de)activates; a deactivated user's sessions end at once. */
  update(id: string, change: UserUpdate): Promise<User> {
    return this.t.call('patch', '/api/admin/users/{id}', { path: { id }, body: change });
  }

  /** The pickup points a staff account works at. */
  pickupPoints(id: string): Promise<StaffPickupPoints> {
    return this.t.call('get', '/api/admin/users/{id}/pickup-points', { path: { id } });
  }

  /**
   * Assigns a staff account to these pickup points (replacing its assignment; `[]` unassigns).
   * Staff redeem passes only there; admins redeem anywhere.
   */
  setPickupPoints(id: string, pickupPointIds: string[]): Promise<StaffPickupPoints> {
    return this.t.call('put', '/api/admin/users/{id}/pickup-points', { path: { id }, body: { pickupPointIds } });
  }
}

/** Supplier organisations: the verification queue and each organisation (role admin). */
export class AdminSuppliersResource {
  constructor(private readonly t: Transport) {}

  /** One page, pending first then oldest; pass `nextCursor` back as `cursor`. */
  list(query: SupplierListQuery = {}): Promise<SupplierOrganisationPage> {
    return this.t.call('get', '/api/admin/suppliers', { query });
  }

  iterate(query: SupplierListQuery = {}): AsyncIterable<SupplierOrganisation> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<SupplierOrganisation> {
    return this.t.call('get', '/api/admin/suppliers/{id}', { path: { id } });
  }

  /** Lets it sell; its owners are told. ApiError 409 when it is already verified. */
  verify(id: string): Promise<SupplierOrganisation> {
    return this.t.call('post', '/api/admin/suppliers/{id}/verify', { path: { id } });
  }

  /** Its owners are told the reason. */
  reject(id: string, reason: string): Promise<SupplierOrganisation> {
    return this.t.call('post', '/api/admin/suppliers/{id}/reject', { path: { id }, body: { reason } });
  }
}

export class AdminResource {
  readonly users: AdminUsersResource;
  readonly backups: AdminBackupsResource;
  readonly suppliers: AdminSuppliersResource;
  readonly notifications: AdminNotificationsResource;
  readonly orders: AdminOrdersResource;
  readonly quotes: AdminQuotesResource;
  readonly payouts: AdminPayoutsResource;
  readonly invoices: AdminInvoicesResource;
  /** Platform webhook endpoints: every organisation's events. */
  readonly webhooks: WebhooksResource;
  readonly alerts: AdminAlertsResource;

  constructor(t: Transport) {
    this.users = new AdminUsersResource(t);
    this.backups = new AdminBackupsResource(t);
    this.suppliers = new AdminSuppliersResource(t);
    this.notifications = new AdminNotificationsResource(t);
    this.orders = new AdminOrdersResource(t);
    this.quotes = new AdminQuotesResource(t);
    this.payouts = new AdminPayoutsResource(t);
    this.invoices = new AdminInvoicesResource(t);
    this.webhooks = new WebhooksResource(t, '/api/admin');
    this.alerts = new AdminAlertsResource(t);
  }
}
