import type { Transport } from '../client.ts';
import type { PickupPoint, PickupPointCreate, PickupPointList } from '../types.ts';

/** Where traders collect their goods. */
export class PickupPointsResource {
  constructor(private readonly t: Transport) {}

  /** Every pickup point, as `{ items }`. */
  list(): Promise<PickupPointList> {
    return this.t.call('get', '/api/pickup-points', {});
  }

  /** Adds a pickup point (admin). */
  create(body: PickupPointCreate): Promise<PickupPoint> {
    return this.t.call('post', '/api/pickup-points', { body });
  }
}
