import { Transport, type ClientOptions, type RequestOptions } from './client.ts';
import { AdminResource } from './resources/admin.ts';
import { AuthResource } from './resources/auth.ts';
import { ChatResource } from './resources/chat.ts';
import { DashboardResource } from './resources/dashboard.ts';
import { AnalyticsResource, ReportsResource } from './resources/analytics.ts';
import { ContributionsResource } from './resources/contributions.ts';
import { GroupsResource } from './resources/groups.ts';
import { JobsResource } from './resources/jobs.ts';
import { MlResource } from './resources/ml.ts';
import { PaymentsResource } from './resources/payments.ts';
import { PickupPointsResource } from './resources/pickup-points.ts';
import { ProductsResource } from './resources/products.ts';
import { QrResource } from './resources/qr.ts';
import { SupplierResource } from './resources/supplier.ts';
import { NotificationsResource } from './resources/notifications.ts';
import { SystemResource } from './resources/system.ts';
import { UsersResource } from './resources/users.ts';
import { RealtimeClient, type RealtimeOptions } from './realtime.ts';

/**
 * The ConnectSphere API client. Namespaces follow the spec's tags; a new one is a file in
 * resources/ taking the Transport, and one line here.
 */
export class ConnectSphere {
  readonly auth: AuthResource;
  readonly users: UsersResource;
  readonly admin: AdminResource;
  readonly system: SystemResource;
  readonly products: ProductsResource;
  readonly pickupPoints: PickupPointsResource;
  readonly groups: GroupsResource;
  readonly contributions: ContributionsResource;
  readonly payments: PaymentsResource;
  readonly qr: QrResource;
  readonly jobs: JobsResource;
  readonly ml: MlResource;
  readonly notifications: NotificationsResource;
  readonly supplier: SupplierResource;
  readonly chat: ChatResource;
  readonly dashboard: DashboardResource;
  /** Event tracking for trader frontends. */
  readonly analytics: AnalyticsResource;
  /** The admin reports (KPIs, revenue, funnel, cohorts, segments, recommendations). */
  readonly reports: ReportsResource;
  readonly #transport: Transport;

  constructor(options: ClientOptions) {
    this.#transport = new Transport(options);
    this.auth = new AuthResource(this.#transport);
    this.users = new UsersResource(this.#transport);
    this.admin = new AdminResource(this.#transport);
    this.system = new SystemResource(this.#transport);
    this.products = new ProductsResource(this.#transport);
    this.pickupPoints = new PickupPointsResource(this.#transport);
    this.groups = new GroupsResource(this.#transport);
    this.contributions = new ContributionsResource(this.#transport);
    this.payments = new PaymentsResource(this.#transport);
    this.qr = new QrResource(this.#transport);
    this.jobs = new JobsResource(this.#transport);
    this.ml = new MlResource(this.#transport);
    this.notifications = new NotificationsResource(this.#transport);
    this.supplier = new SupplierResource(this.#transport);
    this.chat = new ChatResource(this.#transport);
    this.dashboard = new DashboardResource(this.#transport);
    this.analytics = new AnalyticsResource(this.#transport);
    this.reports = new ReportsResource(this.#transport);
  }

  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /**
   * Any operation, for what has no namespace method yet: `cs.request('GET', '/api/auth/me')`.
   * Signs in, refreshes, retries and throws exactly like the namespaces.
   */
  request(method: string, path: string, options?: RequestOptions): Promise<unknown> {
    return this.#transport.request(method, path, options);
  }

  /**
   * A real-time connection to /api/ws with this client's tokens: `await rt.connect()`, then
   * `rt.on('group.progress', e => …)`. It refreshes the token when the server asks, reconnects with
   * backoff and resumes its channels from the last event id (README "Real time").
   */
  realtime(options?: RealtimeOptions): RealtimeClient {
    return new RealtimeClient(this.#transport, options);
  }
}
