import type { FastifyInstance } from 'fastify';
import { suppliers } from '../../api/db/schema.ts';
import { bearer, registerUser, userWithRole, type Session } from './users.ts';

let n = 0;

export interface Market {
  admin: Session;
  productId: string;
  pointIds: string[];
}

/** A supplier, a product with tiers and two pickup points, created by an admin through the API. */
export async function market(app: FastifyInstance): Promise<Market> {
  n += 1;
  const admin = await userWithRole(app, 'admin');
  const [supplier] = await app.ctx.db
    .insert(suppliers)
    .values({ name: `Msasa Wholesalers ${n}`, area: 'Msasa', phone: '+263242000000', email: `s${n}@example.co.zw`, status: 'verified' })
    .returning();
  const product = await app.inject({
    method: 'POST',
    url: '/api/products',
    headers: bearer(admin.accessToken),
    payload: {
      supplierId: supplier!.id,
      sku: `OIL-${n}-${process.pid}`,
      name: 'Sunflower cooking oil',
      description: 'Refined sunflower cooking oil for resale',
      category: 'cooking-oil',
      unit: '2 L bottle',
      unitPrice: 420,
      stock: 1000,
      priceTiers: [{ minQuantity: 10, unitPrice: 400 }, { minQuantity: 100, unitPrice: 380 }],
    },
  });
  if (product.statusCode !== 201) throw new Error(product.body);
  const pointIds: string[] = [];
  for (const [name, m] of [['Mbare Musika stall 14', 'Mbare Musika'], ['Glen View complex', 'Glen View']] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/pickup-points',
      headers: bearer(admin.accessToken),
      payload: { name, market: m, address: `${m}, Harare`, openingHours: 'Mon-Sat 07:00-17:00' },
    });
    pointIds.push(res.json().id);
  }
  return { admin, productId: product.json().id, pointIds };
}

export async function openGroup(app: FastifyInstance, m: Market, over: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/groups',
    headers: bearer(m.admin.accessToken),
    payload: {
      productId: m.productId,
      moq: 10,
      maxQuantity: 20,
      maxPerTrader: 10,
      deadline: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      pickupPointIds: m.pointIds,
      ...over,
    },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json() as { id: string; unitPrice: number; status: string };
}

export async function trader(app: FastifyInstance) {
  return registerUser(app);
}

/** Pays a contribution on the sandbox like a browser: the checkout page's Pay button, then the return page. */
export async function payInSandbox(app: FastifyInstance, s: Session, contributionId: string, action: 'pay' | 'fail' = 'pay', currency = 'USD') {
  const init = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(s.accessToken), payload: { contributionId, currency } });
  if (init.statusCode !== 201) throw new Error(init.body);
  const payment = init.json();
  const checkout = new URL(payment.checkoutUrl);
  const submit = await app.inject({ method: 'POST', url: checkout.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `action=${action}` });
  if (submit.statusCode !== 303) throw new Error(`checkout answered ${submit.statusCode}: ${submit.body}`);
  return { payment, redirect: new URL(submit.headers.location as string, 'http://x') };
}
