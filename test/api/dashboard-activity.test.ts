import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments, pickupPasses } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { market, openGroup, payInSandbox, trader } from '../helpers/fixtures.ts';
import { bearer } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp();
});
afterAll(() => app.close());

describe('GET /api/admin/dashboard/activity', () => {
  it('counts confirmed and failed payments and redeemed passes in the hour they happened, oldest hour first', async () => {
    const m = await market(app);
    const group = await openGroup(app, m);
    const paid = [];
    for (const action of ['pay', 'pay', 'fail'] as const) {
      const t = await trader(app);
      const join = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: bearer(t.accessToken), payload: { quantity: 1, pickupPointId: m.pointIds[0] } });
      expect(join.statusCode, join.body).toBe(201);
      paid.push((await payInSandbox(app, t, join.json().id, action)).payment);
    }
    // One payment confirmed three hours ago; a pass redeemed two hours ago (as if scanned then).
    await app.ctx.db.update(payments).set({ verifiedAt: new Date(Date.now() - 3 * 3_600_000) }).where(eq(payments.id, paid[0].id));
    const [c] = await app.ctx.db.select().from(payments).where(eq(payments.id, paid[1].id));
    await app.ctx.db.insert(pickupPasses).values({
      contributionId: c!.contributionId,
      groupId: group.id,
      traderId: c!.traderId,
      pickupPointId: m.pointIds[0]!,
      quantity: 1,
      status: 'used',
      expiresAt: new Date(Date.now() + 86_400_000),
      usedAt: new Date(Date.now() - 2 * 3_600_000),
    });

    const res = await app.inject({ method: 'GET', url: '/api/admin/dashboard/activity?hours=6', headers: bearer(m.admin.accessToken) });
    expect(res.statusCode, res.body).toBe(200);
    const hours = res.json().hours as { start: string; payments: number; failedPayments: number; pickups: number }[];
    expect(hours).toHaveLength(6);
    expect(new Date(hours[5]!.start).getTime()).toBe(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    expect(hours.map((h) => h.payments)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(hours.map((h) => h.failedPayments)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(hours.map((h) => h.pickups)).toEqual([0, 0, 0, 1, 0, 0]);

    const t = await trader(app);
    expect((await app.inject({ method: 'GET', url: '/api/admin/dashboard/activity', headers: bearer(t.accessToken) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/admin/dashboard/activity?hours=169', headers: bearer(m.admin.accessToken) })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/admin/dashboard/activity', headers: bearer(m.admin.accessToken) })).json().hours).toHaveLength(12);
  });
});
