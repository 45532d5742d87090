import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type {
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointCreated,
  WebhookEndpointList,
  WebhookEndpointUpdate,
} from '../types.ts';

/**
 * Webhook endpoints and their deliveries: the organisation's (`cs.supplier.webhooks`, owners) or
 * the platform's (`cs.admin.webhooks`, admins), the same operations under two prefixes. Check a
 * delivery's signature where it arrives with `constructEvent` (exported by the SDK).
 */
export class WebhooksResource {
  constructor(
    private readonly t: Transport,
    private readonly base: '/api/supplier' | '/api/admin',
  ) {}

  #at(path: string): string {
    return `${this.base}${path}`;
  }

  /** Registers an endpoint; the answer carries its signing secret, shown this once. */
  create(body: WebhookEndpointCreate): Promise<WebhookEndpointCreated> {
    return this.t.request('POST', this.#at('/webhooks'), { body }) as Promise<WebhookEndpointCreated>;
  }

  list(): Promise<WebhookEndpointList> {
    return this.t.request('GET', this.#at('/webhooks')) as Promise<WebhookEndpointList>;
  }

  get(id: string): Promise<WebhookEndpoint> {
    return this.t.request('GET', this.#at(`/webhooks/${encodeURIComponent(id)}`)) as Promise<WebhookEndpoint>;
  }

  update(id: string, change: WebhookEndpointUpdate): Promise<WebhookEndpoint> {
    return this.t.request('PATCH', this.#at(`/webhooks/${encodeURIComponent(id)}`), { body: change }) as Promise<WebhookEndpoint>;
  }

  async remove(id: string): Promise<void> {
    await this.t.request('DELETE', this.#at(`/webhooks/${encodeURIComponent(id)}`));
  }

  /** A new secret (in the answer only); the old one keeps signing beside it for the grace period. */
  rotateSecret(id: string): Promise<WebhookEndpointCreated> {
    return this.t.request('POST', this.#at(`/webhooks/${encodeURIComponent(id)}/rotate-secret`)) as Promise<WebhookEndpointCreated>;
  }

  /** Queues a webhook.test event to the endpoint. */
  test(id: string): Promise<WebhookDelivery> {
    return this.t.request('POST', this.#at(`/webhooks/${encodeURIComponent(id)}/test`)) as Promise<WebhookDelivery>;
  }

  /** One page of an endpoint's deliveries, newest first. */
  deliveries(id: string, query: WebhookDeliveryQuery = {}): Promise<WebhookDeliveryPage> {
    return this.t.request('GET', this.#at(`/webhooks/${encodeURIComponent(id)}/deliveries`), { query }) as Promise<WebhookDeliveryPage>;
  }

  iterateDeliveries(id: string, query: WebhookDeliveryQuery = {}): AsyncIterable<WebhookDelivery> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.deliveries(id, { ...rest, cursor: next }), cursor);
  }

  /** Sends a delivery's event again, as a new delivery due now. */
  replay(deliveryId: string): Promise<WebhookDelivery> {
    return this.t.request('POST', this.#at(`/webhook-deliveries/${encodeURIComponent(deliveryId)}/replay`)) as Promise<WebhookDelivery>;
  }
}
