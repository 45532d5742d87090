import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contributions, groups, pickupPoints, ratings } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { orderOf } from '../helpers/money.ts';
import { supplierOrganisation } from '../helpers/suppliers.ts';
import { bearer, registerUser } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(() => resetDatabase(app.ctx.database));
afterAll(() => app.close());

const hour = 3_600_000;
const day = 24 * hour;

describe('GET /api/supplier/analytics', () => {
  it('computes revenue, orders, fulfilment time, on-time rate, rating and repeat buyers for the caller\'s organisation and range only', async () => {
    const org = await supplierOrganisation(app);
    const other = await supplierOrganisation(app, { admin: org.admin });
    const t0 = new Date(Date.now() - 10 * day);
    // Delivered 48 h after acceptance, before its ETA; delivered 72 h after, a day late; still preparing; rejected.
    const onTime = await orderOf(app, org.id, { status: 'checked', quantity: 20, unitPrice: 1450, acceptedAt: t0, deliveredAt: new Date(t0.getTime() + 48 * hour), eta: new Date(t0.getTime() + 60 * hour) });
    const late = await orderOf(app, org.id, { status: 'delivered', quantity: 10, unitPrice: 1000, acceptedAt: t0, deliveredAt: new Date(t0.getTime() + 72 * hour), eta: new Date(t0.getTime() + 48 * hour) });
    await orderOf(app, org.id, { status: 'preparing', quantity: 5, unitPrice: 2000, currency: 'ZWG', acceptedAt: t0 });
    await orderOf(app, org.id, { status: 'rejected', quantity: 99, unitPrice: 9999, acceptedAt: t0 });
    // Outside the range, and another organisation's.
    await orderOf(app, org.id, { status: 'checked', quantity: 7, unitPrice: 100, acceptedAt: new Date(Date.now() - 60 * day) });
    await orderOf(app, other.id, { status: 'checked', quantity: 50, unitPrice: 5000, acceptedAt: t0 });

    const [point] = await app.ctx.db.insert(pickupPoints).values({ name: 'Mbare Musika pickup', market: 'Mbare Musika', address: 'Mbare', openingHours: 'Mon-Sat' }).returning();
    const [rudo, tendai] = [await registerUser(app), await registerUser(app)];
    const share = async (traderId: string, groupId: string) =>
      (await app.ctx.db.insert(contributions).values({ groupId, traderId, pickupPointId: point!.id, quantity: 2, unitPrice: 1450, currency: 'USD', status: 'paid' }).returning())[0]!;
    const c1 = await share(rudo.user.id, onTime.groupId);
    await share(rudo.user.id, late.groupId);
    const c3 = await share(tendai.user.id, onTime.groupId);
    const [g] = await app.ctx.db.select().from(groups).where(eq(groups.id, onTime.groupId));
    await app.ctx.db.insert(ratings).values([
      { contributionId: c1.id, traderId: rudo.user.id, groupId: onTime.groupId, productId: g!.productId, supplierId: org.id, score: 5 },
      { contributionId: c3.id, traderId: tendai.user.id, groupId: onTime.groupId, productId: g!.productId, supplierId: org.id, score: 4 },
    ]);

    const from = new Date(Date.now() - 30 * day).toISOString();
    const to = new Date().toISOString();
    const res = await app.inject({ method: 'GET', url: `/api/supplier/analytics?from=${from}&to=${to}`, headers: bearer(org.owner.accessToken) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      from,
      to,
      revenue: [
        { currency: 'USD', amount: 29_000 + 10_000 },
        { currency: 'ZWG', amount: 10_000 },
      ],
      orders: 3,
      units: 35,
      deliveredOrders: 2,
      averageFulfilmentHours: 60,
      onTimeRate: 0.5,
      rating: { average: 4.5, count: 2 },
      buyers: 2,
      repeatBuyers: 1,
    });

    const theirs = (await app.inject({ method: 'GET', url: `/api/supplier/analytics?from=${from}&to=${to}`, headers: bearer(other.owner.accessToken) })).json();
    expect(theirs).toMatchObject({ orders: 1, revenue: [{ currency: 'USD', amount: 250_000 }], deliveredOrders: 0, averageFulfilmentHours: null, onTimeRate: null, rating: { average: null, count: 0 }, repeatBuyers: 0 });
    const bad = await app.inject({ method: 'GET', url: `/api/supplier/analytics?from=${to}&to=${from}`, headers: bearer(org.owner.accessToken) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('query.from');
    expect((await app.inject({ method: 'GET', url: '/api/supplier/analytics', headers: bearer(rudo.accessToken) })).statusCode).toBe(403);
  });
});
