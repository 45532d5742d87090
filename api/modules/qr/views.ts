import type { pickupPoints } from '../../db/schema.ts';
import type { Schemas } from '../../openapi/contract.ts';

// Response shapes of the pickup operations: the spec's own types.
export type PickupPointView = Schemas['PickupPoint'];
export type PickupPassView = Schemas['PickupPass'];
export type ScanResult = Schemas['ScanResult'];
export type Redemption = Schemas['Redemption'];

export function toPickupPoint(p: typeof pickupPoints.$inferSelect): PickupPointView {
  return {
    id: p.id,
    name: p.name,
    market: p.market,
    address: p.address,
    openingHours: p.openingHours,
    lat: p.lat,
    lng: p.lng,
  };
}

export const passPngUrl = (id: string) => `/api/qr/passes/${id}.png`;
export const passSvgUrl = (id: string) => `/api/qr/passes/${id}.svg`;
