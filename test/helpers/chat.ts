import type { FastifyInstance } from 'fastify';
import { supplierOrganisation, type SupplierOrg } from './suppliers.ts';
import { bearer, registerUser, type Session } from './users.ts';

let n = 0;

export interface ChatGroup {
  groupId: string;
  /** The organisation selling the group's product, and another one. */
  seller: SupplierOrg;
  otherSeller: SupplierOrg;
  admin: Session;
  /** Two traders with a share in the group, and one without. */
  participants: [Session, Session];
  outsider: Session;
}

async function ok(res: { statusCode: number; body: string; json(): any }, status: number) {
  if (res.statusCode !== status) throw new Error(`${res.statusCode} ${res.body}`);
  return res.json();
}

/** An open group of one organisation's product, joined by two traders, all through the API. */
export async function chatGroup(app: FastifyInstance): Promise<ChatGroup> {
  n += 1;
  const seller = await supplierOrganisation(app);
  const otherSeller = await supplierOrganisation(app, { admin: seller.admin });
  const admin = seller.admin;
  const product = await ok(
    await app.inject({
      method: 'POST',
      url: '/api/supplier/products',
      headers: bearer(seller.owner.accessToken),
      payload: { sku: `MEAL-${n}-${process.pid}`, name: 'Roller meal 10 kg', description: 'White roller meal', category: 'mealie-meal', unit: '10 kg bag', unitPrice: 650, stock: 500 },
    }),
    201,
  );
  const point = await ok(
    await app.inject({
      method: 'POST',
      url: '/api/pickup-points',
      headers: bearer(admin.accessToken),
      payload: { name: `Mbare Musika stall ${n}`, market: 'Mbare Musika', address: 'Mbare Musika, Harare', openingHours: 'Mon-Sat 07:00-17:00' },
    }),
    201,
  );
  const group = await ok(
    await app.inject({
      method: 'POST',
      url: '/api/groups',
      headers: bearer(admin.accessToken),
      payload: { productId: product.id, moq: 20, maxPerTrader: 10, deadline: new Date(Date.now() + 3 * 86_400_000).toISOString(), pickupPointIds: [point.id] },
    }),
    201,
  );
  const participants: Session[] = [];
  for (const name of ['Rudo Chikwanha', 'Tendai Moyo']) {
    const trader = await registerUser(app, { name });
    await ok(await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: bearer(trader.accessToken), payload: { quantity: 1 } }), 201);
    participants.push(trader);
  }
  const outsider = await registerUser(app, { name: 'Outside Trader' });
  return { groupId: group.id, seller, otherSeller, admin, participants: participants as [Session, Session], outsider };
}
