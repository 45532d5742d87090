import type { pickupPoints } from '../../db/schema.ts';
import type { PassStatus } from './lifecycle.ts';

// Response shapes of the pickup operations, field for field as openapi.yaml declares them.

export interface PickupPointView {
  id: string;
  name: string;
  market: string;
  address: string;
  openingHours: string;
  lat: number | null;
  lng: number | null;
}

export interface PickupPassView {
  id: string;
  groupId: string;
  contributionId: string;
  groupTitle: string;
  productName: string;
  unit: string;
  quantity: number;
  pickupPoint: PickupPointView;
  status: PassStatus;
  expiresAt: string;
  usedAt: string | null;
  token: string;
  pngUrl: string;
  svgUrl: string;
  createdAt: string;
}

export interface ScanResult {
  passId: string;
  status: PassStatus;
  redeemable: boolean;
  productName: string;
  unit: string;
  quantity: number;
  traderName: string;
  pickupPoint: PickupPointView;
  groupTitle: string;
  expiresAt: string;
  usedAt: string | null;
  /** Name of the pickup point where it was redeemed. */
  usedAtPoint: string | null;
}

export interface Redemption {
  passId: string;
  usedAt: string;
  usedBy: string;
  pickupPoint: PickupPointView;
  quantity: number;
  remainingStock: number;
}

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
