import type { FastifyInstance } from 'fastify';
import { payInSandbox } from './fixtures.ts';
import { supplierOrganisation, type SupplierOrg } from './suppliers.ts';
import { bearer, registerUser, userWithRole, type Session } from './users.ts';

let n = 0;

export interface OrderMarket {
  admin: Session;
  org: SupplierOrg;
  productId: string;
  pointIds: string[];
}

/** A verified organisation with a product of its own (roller meal, tiers) and two pickup points, through the API. */
export async function orderMarket(app: FastifyInstance, options: { admin?: Session; categories?: string[] } = {}): Promise<OrderMarket> {
  n += 1;
  const admin = options.admin ?? (await userWithRole(app, 'admin'));
  const org = await supplierOrganisation(app, { admin, organisation: { categories: options.categories ?? ['mealie-meal'] } });
  const product = await app.inject({
    method: 'POST',
    url: '/api/products',
    headers: bearer(admin.accessToken),
    payload: {
      supplierId: org.id,
      sku: `MEAL-${n}-${process.pid}-${Date.now()}`,
      name: 'Roller meal 10 kg',
      description: 'White maize roller meal',
      category: 'mealie-meal',
      unit: 'bag',
      unitPrice: 1450,
      stock: 1000,
      priceTiers: [{ minQuantity: 10, unitPrice: 1300 }],
    },
  });
  if (product.statusCode !== 201) throw new Error(product.body);
  const pointIds: string[] = [];
  for (const [name, market] of [['Mbare Musika stall 3', 'Mbare Musika'], ['Glen View complex 2', 'Glen View']] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/pickup-points',
      headers: bearer(admin.accessToken),
      payload: { name, market, address: `${market}, Harare`, openingHours: 'Mon-Sat 07:00-17:00' },
    });
    pointIds.push(res.json().id);
  }
  return { admin, org, productId: product.json().id, pointIds };
}

/** An open group (MOQ 10) of the market's product, funded by two traders paying 6 and 4 on the sandbox. */
export async function fundedOrderGroup(app: FastifyInstance, m: OrderMarket) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/groups',
    headers: bearer(m.admin.accessToken),
    payload: { productId: m.productId, moq: 10, maxQuantity: 30, deadline: new Date(Date.now() + 3 * 86_400_000).toISOString(), pickupPointIds: m.pointIds },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  const group = res.json() as { id: string; unitPrice: number; title: string };
  const buyers = [];
  for (const quantity of [6, 4]) {
    const trader = await registerUser(app, { name: 'Chipo Ncube' });
    const join = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: bearer(trader.accessToken), payload: { quantity } });
    if (join.statusCode !== 201) throw new Error(join.body);
    const { payment } = await payInSandbox(app, trader, join.json().id);
    buyers.push({ trader, contributionId: join.json().id as string, paymentId: payment.id as string, quantity });
  }
  return { group, buyers };
}
