import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifications } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, payInSandbox, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, userWithRole } from '../helpers/users.ts';

let app: FastifyInstance;
let m: Market;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  m = await market(app);
});
afterAll(() => app.close());

const as = (token: string) => bearer(token);

describe('group buying end to end on the sandbox provider', () => {
  it('join, pay, funded, advance, pass, scan, redeem once', async () => {
    const group = await openGroup(app, m, { moq: 10 });
    expect(group.unitPrice).toBe(400); // the tier the MOQ reaches
    const t = await trader(app);
    const listed = await app.inject({ url: '/api/groups?category=cooking-oil&market=Mbare%20Musika', headers: as(t.accessToken) });
    expect(listed.json().items.map((g: { id: string }) => g.id)).toEqual([group.id]);

    const join = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: as(t.accessToken), payload: { quantity: 10 } });
    expect(join.statusCode).toBe(201);
    const contribution = join.json();
    expect(contribution).toMatchObject({ status: 'pending_payment', quantity: 10, amount: 4000 });

    const { payment, redirect } = await payInSandbox(app, t, contribution.id);
    expect(payment).toMatchObject({ goodsAmount: 4000, feeAmount: 400, totalAmount: 4400, currency: 'USD', provider: 'sandbox' });
    expect(redirect.searchParams.get('status')).toBe('successful');
    // The webhook already credited it; the return-URL path verifies again and changes nothing.
    const fin = await app.inject({
      method: 'POST',
      url: '/api/payments/finalize',
      headers: as(t.accessToken),
      payload: { txRef: redirect.searchParams.get('tx_ref'), transactionId: redirect.searchParams.get('transaction_id') },
    });
    expect(fin.json().status).toBe('successful');

    let g = (await app.inject({ url: `/api/groups/${group.id}`, headers: as(t.accessToken) })).json();
    expect(g).toMatchObject({ status: 'funded', paidQuantity: 10, reservedQuantity: 0, moqProgress: 100, participantCount: 1 });
    expect(g.myContribution).toMatchObject({ status: 'paid' });

    for (const to of ['ordered', 'shipped', 'delivered', 'ready_for_pickup']) {
      const res = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/transitions`, headers: as(m.admin.accessToken), payload: { to } });
      expect(res.statusCode, res.body).toBe(200);
    }
    const passes = (await app.inject({ url: '/api/qr/passes', headers: as(t.accessToken) })).json().items;
    expect(passes).toHaveLength(1);
    expect(passes[0]).toMatchObject({ status: 'active', quantity: 10, productName: 'Sunflower cooking oil' });

    const staff = await userWithRole(app, 'staff');
    // Staff redeem only at the pickup points an admin assigned them to.
    const assigned = await app.inject({
      method: 'PUT',
      url: `/api/admin/users/${staff.user.id}/pickup-points`,
      headers: as(m.admin.accessToken),
      payload: { pickupPointIds: [passes[0].pickupPoint.id] },
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const scan = await app.inject({ url: `/api/qr/scan/${passes[0].token}`, headers: as(staff.accessToken) });
    expect(scan.statusCode, scan.body).toBe(200);
    expect(scan.json()).toMatchObject({ redeemable: true, quantity: 10, traderName: 'Tendai Moyo' });
    // The body is optional: a scanner may send none.
    const redeem = await app.inject({ method: 'POST', url: `/api/qr/mark-used/${passes[0].id}`, headers: as(staff.accessToken) });
    expect(redeem.statusCode, redeem.body).toBe(200);
    const again = await app.inject({ method: 'POST', url: `/api/qr/mark-used/${passes[0].id}`, headers: as(staff.accessToken), payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toMatch(/Already redeemed/i);

    g = (await app.inject({ url: `/api/groups/${group.id}`, headers: as(t.accessToken) })).json();
    expect(g.status).toBe('ready_for_pickup');
    const templates = (await app.ctx.db.select().from(notifications)).map((n) => n.template);
    expect(templates).toEqual(expect.arrayContaining(['payment-received', 'group-funded', 'group-status', 'pickup-ready']));
  });

  it('a failed payment releases the reservation', async () => {
    const group = await openGroup(app, m);
    const t = await trader(app);
    const c = (await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: as(t.accessToken), payload: { quantity: 4 } })).json();
    const { redirect } = await payInSandbox(app, t, c.id, 'fail');
    expect(redirect.searchParams.get('status')).toBe('failed');
    const g = (await app.inject({ url: `/api/groups/${group.id}`, headers: as(t.accessToken) })).json();
    expect(g).toMatchObject({ reservedQuantity: 0, paidQuantity: 0, myContribution: null });
  });

  it('charges ZWG at the configured rate with the fee as its own line', async () => {
    const group = await openGroup(app, m);
    const t = await trader(app);
    const c = (await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: as(t.accessToken), payload: { quantity: 2 } })).json();
    const init = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: as(t.accessToken), payload: { contributionId: c.id, currency: 'ZWG' } });
    const goods = Math.round(800 * app.ctx.config.payments.zwgPerUsd);
    expect(init.json()).toMatchObject({ currency: 'ZWG', goodsAmount: goods, feeAmount: Math.round(goods / 10), lines: [{ label: 'Goods', amount: goods }, { label: 'Platform fee', amount: Math.round(goods / 10) }] });
  });
});
