import type { Transport } from '../client.ts';
import type { DashboardActivity } from '../types.ts';

/** What the live operations dashboard reads beside groups, alerts and model health (role admin). */
export class DashboardResource {
  constructor(private readonly t: Transport) {}

  /** Confirmed and failed payments and pickups per hour, the last `hours` (12) hours oldest first. */
  activity(hours?: number): Promise<DashboardActivity> {
    return this.t.call('get', '/api/admin/dashboard/activity', { query: hours === undefined ? {} : { hours } });
  }
}
