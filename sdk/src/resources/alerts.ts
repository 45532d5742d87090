import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { Alert, AlertListQuery, AlertPage } from '../types.ts';

/** Alerts raised by the evaluate-alerts job (role admin): `cs.admin.alerts`. */
export class AdminAlertsResource {
  constructor(private readonly t: Transport) {}

  /** The most recently seen first; `{ status: 'active' }` for open and acknowledged ones. */
  list(query: AlertListQuery = {}): Promise<AlertPage> {
    return this.t.call('get', '/api/admin/alerts', { query });
  }

  iterate(query: AlertListQuery = {}): AsyncIterable<Alert> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<Alert> {
    return this.t.call('get', '/api/admin/alerts/{id}', { path: { id } });
  }

  /** Stops the repeat mails; the alert still resolves when its condition clears. */
  acknowledge(id: string): Promise<Alert> {
    return this.t.call('post', '/api/admin/alerts/{id}/ack', { path: { id } });
  }
}
