// The whole trader journey through the SDK against a real server on the sandbox payment provider:
// an admin stocks the catalog and opens a group-buy, a trader browses, joins, pays through the
// sandbox checkout like a browser, collects a QR pickup pass, and staff scan and redeem it. Plus the
// idempotency of the money and stock calls (explicit keys, and responses lost on the way back),
// paging with iterate(), and verifyFlutterwaveWebhook.
import { liveServer } from '../helpers/app.ts';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  ConnectSphere,
  ConnectSphereError,
  verifyFlutterwaveWebhook,
  type GroupCreate,
  type PickupPoint,
  type Product,
  type RegisterRequest,
  type ResponseInfo,
  type Role,
  type User,
} from '@connectsphere/sdk';
import { groups as groupsTable, idempotencyKeys, suppliers, users } from '../../api/db/schema.ts';
import { resetDatabase } from '../helpers/db.ts';
import { traderInput } from '../helpers/users.ts';
import { lossyProxy } from './live-server.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer({ PAYMENT_REDIRECT_ORIGINS: 'https://partner.example' }));
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
});
afterAll(async () => {
  await app.close();
});

interface Actor {
  cs: ConnectSphere;
  user: User;
  /** Every response this actor's client received (onResponse). */
  responses: ResponseInfo[];
}

/** Registers through the SDK; a role other than trader is then set in the database, as userWithRole does. */
async function signUp(role: Role, overrides: Record<string, unknown> = {}, baseUrl = url): Promise<Actor> {
  const responses: ResponseInfo[] = [];
  const cs = new ConnectSphere({ baseUrl, retryDelayMs: 1, onResponse: (r) => responses.push(r) });
  const { user } = await cs.auth.register(traderInput(overrides) as RegisterRequest);
  if (role !== 'trader') await app.ctx.db.update(users).set({ role }).where(eq(users.id, user.id));
  return { cs, user: { ...user, role }, responses };
}

interface Market {
  product: Product;
  mbare: PickupPoint;
  glenView: PickupPoint;
}

let suppliersMade = 0;

/** What an admin sets up before traders arrive: a supplier (no API for those yet), a product with volume tiers, two pickup points. */
async function market(admin: ConnectSphere): Promise<Market> {
  suppliersMade += 1;
  const [supplier] = await app.ctx.db
    .insert(suppliers)
    .values({ name: 'Msasa Wholesalers', area: 'Msasa', phone: '+263242000000', email: `sales${suppliersMade}@msasa.example.co.zw`, status: 'verified' })
    .returning();
  const product = await admin.products.create({
    supplierId: supplier!.id,
    sku: `OIL-2L-${suppliersMade}`,
    name: 'Sunflower cooking oil',
    description: 'Refined sunflower cooking oil for resale',
    category: 'cooking-oil',
    unit: '2 L bottle',
    unitPrice: 420,
    stock: 1000,
    priceTiers: [
      { minQuantity: 10, unitPrice: 400 },
      { minQuantity: 100, unitPrice: 380 },
    ],
  });
  const mbare = await admin.pickupPoints.create({ name: 'Mbare Musika stall 14', market: 'Mbare Musika', address: 'Stand 14, Mbare Musika, Harare', openingHours: 'Mon-Sat 07:00-17:00' });
  const glenView = await admin.pickupPoints.create({ name: 'Glen View complex', market: 'Glen View', address: 'Complex 7, Glen View, Harare', openingHours: 'Mon-Sat 08:00-16:00' });
  return { product, mbare, glenView };
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

function openGroup(admin: ConnectSphere, m: Market, over: Partial<GroupCreate> = {}) {
  return admin.groups.create({
    productId: m.product.id,
    moq: 10,
    maxQuantity: 20,
    maxPerTrader: 10,
    deadline: inDays(3),
    pickupPointIds: [m.mbare.id, m.glenView.id],
    ...over,
  });
}

/**
 * Pays a sandbox checkout like a browser: loads the page, then submits its Pay (or Fail) form to
 * the same URL without following the redirect. Returns where the checkout sends the trader back to.
 */
async function payInBrowser(checkoutUrl: string, action: 'pay' | 'fail' = 'pay'): Promise<URL> {
  const page = await request(checkoutUrl);
  const html = await page.body.text();
  expect(page.statusCode).toBe(200);
  expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
  expect(html).toContain(`<form method="post"><input type="hidden" name="action" value="${action}">`);
  const submit = await request(checkoutUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ action }).toString(),
  });
  await submit.body.dump();
  expect(submit.statusCode).toBe(303);
  return new URL(String(submit.headers.location));
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('the trader journey through the SDK (sandbox payments)', () => {
  it('admin opens a group; a trader browses, joins 10, pays in the sandbox checkout, finalizes; the group is funded, shipped and ready; staff scan and redeem the pass exactly once', async () => {
    // The admin stocks the catalog and opens two groups.
    const admin = await signUp('admin', { name: 'Rumbi Admin' });
    const m = await market(admin.cs);
    expect(m.product).toMatchObject({ category: 'cooking-oil', unitPrice: 420, currency: 'USD', supplierName: 'Msasa Wholesalers', active: true });
    const group = await openGroup(admin.cs, m, { title: 'Cooking oil for Mbare and Glen View' });
    expect(group).toMatchObject({
      status: 'open',
      unitPrice: 400, // the tier the MOQ reaches
      moq: 10,
      reservedQuantity: 0,
      paidQuantity: 0,
      moqProgress: 0,
      product: { id: m.product.id, name: 'Sunflower cooking oil', unit: '2 L bottle' },
      myContribution: null,
    });
    expect(group.pickupPoints.map((p) => p.id).sort()).toEqual([m.mbare.id, m.glenView.id].sort());
    const elsewhere = await openGroup(admin.cs, m, { title: 'Cooking oil for Glen View only', pickupPointIds: [m.glenView.id] });

    // A trader browses with filters.
    const trader = await signUp('trader', { name: 'Tendai Moyo' });
    const inMbare = await trader.cs.groups.list({ category: 'cooking-oil', market: 'Mbare Musika' });
    expect(inMbare.items.map((g) => g.id)).toEqual([group.id]);
    expect(inMbare.nextCursor).toBeNull();
    expect((await trader.cs.groups.list({ pickupPointId: m.glenView.id })).items.map((g) => g.id).sort()).toEqual([group.id, elsewhere.id].sort());
    expect((await trader.cs.groups.list({ category: 'sugar' })).items).toEqual([]);
    const browsed = await collect(trader.cs.groups.iterate({ category: 'cooking-oil', limit: 1 }));
    expect(browsed.map((g) => g.id).sort()).toEqual([group.id, elsewhere.id].sort());
    expect((await trader.cs.products.list({ q: 'sunflower oil' })).items.map((p) => p.id)).toEqual([m.product.id]);
    expect((await trader.cs.pickupPoints.list()).items).toHaveLength(2);

    // Joins for the whole MOQ: the SDK sent an Idempotency-Key by itself.
    const contribution = await trader.cs.groups.join(group.id, { quantity: 10, pickupPointId: m.mbare.id });
    expect(contribution).toMatchObject({ groupId: group.id, traderId: trader.user.id, pickupPointId: m.mbare.id, quantity: 10, unitPrice: 400, amount: 4000, status: 'pending_payment' });
    const keys = await app.ctx.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.userId, trader.user.id));
    expect(keys.map((k) => [k.operation, k.statusCode])).toEqual([['joinGroup', 201]]);
    expect(keys[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(await trader.cs.groups.get(group.id)).toMatchObject({ reservedQuantity: 10, myContribution: { id: contribution.id } });

    // Pays: initialize gives the sandbox checkout; the trader pays there in a browser.
    const payment = await trader.cs.payments.initialize({ contributionId: contribution.id, currency: 'USD', redirectUrl: 'https://partner.example/orders/42/paid' });
    expect(payment).toMatchObject({
      contributionId: contribution.id,
      groupId: group.id,
      provider: 'sandbox',
      status: 'pending',
      currency: 'USD',
      goodsAmount: 4000,
      feeAmount: 400,
      totalAmount: 4400,
    });
    expect(payment.lines.map((l) => l.amount)).toEqual([4000, 400]);
    expect(payment.checkoutUrl).toBe(`${url}/api/payments/sandbox/checkout/${encodeURIComponent(payment.txRef)}`);

    const back = await payInBrowser(payment.checkoutUrl!);
    expect(`${back.origin}${back.pathname}`).toBe('https://partner.example/orders/42/paid');
    expect(back.searchParams.get('status')).toBe('successful');
    expect(back.searchParams.get('tx_ref')).toBe(payment.txRef);
    expect(back.searchParams.get('transaction_id')).toMatch(/^\d+$/);

    // Back in the partner app: finalize with what the return URL carries.
    const finalized = await trader.cs.payments.finalize({ txRef: back.searchParams.get('tx_ref')!, transactionId: back.searchParams.get('transaction_id')! });
    expect(finalized).toMatchObject({ id: payment.id, status: 'successful', totalAmount: 4400, flaggedReason: null });
    expect(finalized.verifiedAt).toEqual(expect.any(String));
    expect(await trader.cs.payments.get(payment.id)).toMatchObject({ id: payment.id, status: 'successful' });

    let g = await trader.cs.groups.get(group.id);
    expect(g).toMatchObject({ status: 'funded', paidQuantity: 10, reservedQuantity: 0, moqProgress: 100, participantCount: 1, myContribution: { id: contribution.id, status: 'paid' } });
    expect((await trader.cs.contributions.list()).items).toMatchObject([{ id: contribution.id, status: 'paid' }]);

    // The admin moves the group along.
    for (const to of ['ordered', 'shipped', 'delivered', 'ready_for_pickup'] as const) {
      g = await admin.cs.groups.transition(group.id, { to });
      expect(g.status).toBe(to);
    }
    const skipped = await rejection(admin.cs.groups.transition(group.id, { to: 'open' }));
    expect(skipped).toMatchObject({ status: 409 });

    // The trader's pass.
    const { items: passes } = await trader.cs.qr.passes();
    expect(passes).toHaveLength(1);
    const pass = passes[0]!;
    expect(pass).toMatchObject({
      status: 'active',
      groupId: group.id,
      contributionId: contribution.id,
      productName: 'Sunflower cooking oil',
      unit: '2 L bottle',
      quantity: 10,
      pickupPoint: { id: m.mbare.id, name: 'Mbare Musika stall 14' },
      usedAt: null,
    });
    const png = await trader.cs.qr.png(pass.id);
    expect(png).toBeInstanceOf(Uint8Array);
    expect(png.length).toBeGreaterThan(100);
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    const svg = await trader.cs.qr.svg(pass.id);
    expect(typeof svg).toBe('string');
    expect(svg).toMatch(/<svg[\s>]/);
    expect(trader.responses.find((r) => r.path.endsWith('.png'))?.headers['content-type']).toBe('image/png');

    // A trader cannot scan; staff can.
    expect(await rejection(trader.cs.qr.scan(pass.token))).toMatchObject({ status: 403 });
    const staff = await signUp('staff', { name: 'Nyasha Chari' });
    // Staff redeem only at the pickup points an admin assigned them to.
    await admin.cs.admin.users.setPickupPoints(staff.user.id, [m.mbare.id]);
    const scan = await staff.cs.qr.scan(pass.token);
    expect(scan).toMatchObject({
      passId: pass.id,
      status: 'active',
      redeemable: true,
      productName: 'Sunflower cooking oil',
      unit: '2 L bottle',
      quantity: 10,
      traderName: 'Tendai Moyo',
      pickupPoint: { id: m.mbare.id },
      groupTitle: 'Cooking oil for Mbare and Glen View',
      usedAt: null,
    });

    const redemption = await staff.cs.qr.redeem(pass.id, { pickupPointId: m.mbare.id });
    const staffKeys = await app.ctx.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.userId, staff.user.id));
    expect(staffKeys.map((k) => [k.operation, k.statusCode])).toEqual([['redeemPass', 200]]);
    expect(redemption).toMatchObject({ passId: pass.id, usedBy: staff.user.id, quantity: 10, pickupPoint: { id: m.mbare.id } });
    expect(redemption.remainingStock).toEqual(expect.any(Number));

    // A second redeem (a new call, so a new key) is refused, saying when and where.
    const again = await rejection(staff.cs.qr.redeem(pass.id, { pickupPointId: m.mbare.id }));
    expect(again).toBeInstanceOf(ApiError);
    const err = again as ApiError;
    expect(err.status).toBe(409);
    expect(err.problem.detail).toContain(`Already redeemed at ${redemption.usedAt} at Mbare Musika stall 14`);
    expect(err.problem.detail).toContain('Nyasha Chari');
    expect(err.problem).toMatchObject({ currentState: 'used', usedAt: redemption.usedAt, usedAtPoint: 'Mbare Musika stall 14' });
    expect(err.requestId).toEqual(expect.any(String));

    expect(await staff.cs.qr.scan(pass.token)).toMatchObject({ status: 'used', redeemable: false, usedAt: redemption.usedAt, usedAtPoint: 'Mbare Musika stall 14' });
    expect((await trader.cs.qr.passes()).items).toMatchObject([{ id: pass.id, status: 'used' }]);
  });

  it('a failed sandbox payment releases the reservation; the trader can join again', async () => {
    const admin = await signUp('admin');
    const group = await openGroup(admin.cs, await market(admin.cs));
    const trader = await signUp('trader');
    const c = await trader.cs.groups.join(group.id, { quantity: 4 });
    const payment = await trader.cs.payments.initialize({ contributionId: c.id });
    const back = await payInBrowser(payment.checkoutUrl!, 'fail');
    expect(back.searchParams.get('status')).toBe('failed');
    // Without a redirectUrl the checkout returns to the API's own return page.
    expect(`${back.origin}${back.pathname}`).toBe(`${url}/api/payments/return`);
    const finalized = await trader.cs.payments.finalize({ txRef: payment.txRef });
    expect(finalized.status).toBe('failed');
    expect(await trader.cs.groups.get(group.id)).toMatchObject({ reservedQuantity: 0, paidQuantity: 0, myContribution: null });
    expect(await trader.cs.groups.join(group.id, { quantity: 2 })).toMatchObject({ status: 'pending_payment', quantity: 2 });
  });
});

describe('idempotency of money and stock calls', () => {
  it('join retried with the same key returns the same contribution (201 both times, the second replayed) and reserves once', async () => {
    const admin = await signUp('admin');
    const group = await openGroup(admin.cs, await market(admin.cs));
    const trader = await signUp('trader');
    const key = `join-${group.id}`;

    const first = await trader.cs.groups.join(group.id, { quantity: 3 }, { idempotencyKey: key });
    const second = await trader.cs.groups.join(group.id, { quantity: 3 }, { idempotencyKey: key });
    expect(second).toEqual(first);
    const joins = trader.responses.filter((r) => r.path === `/api/groups/${group.id}/join`);
    expect(joins.map((r) => [r.status, r.replayed])).toEqual([
      [201, false],
      [201, true],
    ]);
    expect(joins[1]!.headers['idempotent-replayed']).toBe('true');
    expect(await trader.cs.groups.get(group.id)).toMatchObject({ reservedQuantity: 3, participantCount: 1, myContribution: { id: first.id } });
    expect((await trader.cs.contributions.list()).items.map((c) => c.id)).toEqual([first.id]);

    // The same key for a different request is refused; without a key, a second join is a conflict of its own.
    expect(await rejection(trader.cs.groups.join(group.id, { quantity: 4 }, { idempotencyKey: key }))).toMatchObject({ status: 409 });
    expect(await rejection(trader.cs.groups.join(group.id, { quantity: 3 }))).toMatchObject({ status: 409 });
    expect((await trader.cs.groups.get(group.id)).reservedQuantity).toBe(3);
  });

  it('a join whose response is lost is retried by the SDK with the same key and reserves once', async () => {
    const admin = await signUp('admin');
    const group = await openGroup(admin.cs, await market(admin.cs));
    // The first join reaches the server, which reserves; its response never arrives.
    const proxy = await lossyProxy(url, (req, n) => req.method === 'POST' && req.url.endsWith('/join') && n === 1);
    try {
      const trader = await signUp('trader', {}, proxy.url);
      expect(proxy.log.map((f) => f.url)).toEqual(['/api/auth/register']);
      const contribution = await trader.cs.groups.join(group.id, { quantity: 5 });
      expect(contribution).toMatchObject({ quantity: 5, status: 'pending_payment' });

      const attempts = proxy.log.filter((f) => f.url.endsWith('/join'));
      expect(attempts.map((f) => [f.status, f.dropped])).toEqual([
        [201, true],
        [201, false],
      ]);
      expect(attempts[0]!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      expect(attempts[1]!.idempotencyKey).toBe(attempts[0]!.idempotencyKey);
      expect(attempts[1]!.requestId).toBe(attempts[0]!.requestId);
      expect(trader.responses.filter((r) => r.path.endsWith('/join')).map((r) => [r.status, r.attempt, r.replayed])).toEqual([[201, 1, true]]);

      const [row] = await app.ctx.db.select().from(groupsTable).where(eq(groupsTable.id, group.id));
      expect(row!.reservedQuantity).toBe(5);
      expect((await trader.cs.contributions.list()).items).toHaveLength(1);

      // A second join call gets a key of its own, so it is a new request (and a conflict: already joined).
      await expect(trader.cs.groups.join(group.id, { quantity: 5 })).rejects.toMatchObject({ status: 409 });
      const keys = proxy.log.filter((f) => f.url.endsWith('/join')).map((f) => f.idempotencyKey);
      expect(new Set(keys).size).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it("a retried initialize returns the same payment: after a lost response, with the caller's key, and from a new call", async () => {
    const admin = await signUp('admin');
    const group = await openGroup(admin.cs, await market(admin.cs));
    let dropped = 0;
    const proxy = await lossyProxy(url, (req) => req.method === 'POST' && req.url === '/api/payments/initialize' && dropped++ === 0);
    try {
      const trader = await signUp('trader', {}, proxy.url);
      const c = await trader.cs.groups.join(group.id, { quantity: 2 });

      // The first initialize's response is lost; the SDK retries with the same key and gets it replayed.
      const first = await trader.cs.payments.initialize({ contributionId: c.id, currency: 'USD' });
      const attempts = proxy.log.filter((f) => f.url === '/api/payments/initialize');
      expect(attempts.map((f) => [f.status, f.dropped])).toEqual([
        [201, true],
        [201, false],
      ]);
      expect(attempts[1]!.idempotencyKey).toBe(attempts[0]!.idempotencyKey);

      // The caller retrying with its own key gets the stored response back.
      const key = `pay-${c.id}`;
      const keyed = await trader.cs.payments.initialize({ contributionId: c.id, currency: 'USD' }, { idempotencyKey: key });
      const replay = await trader.cs.payments.initialize({ contributionId: c.id, currency: 'USD' }, { idempotencyKey: key });
      expect(replay).toEqual(keyed);
      expect(trader.responses.filter((r) => r.path === '/api/payments/initialize').map((r) => r.replayed)).toEqual([true, false, true]);

      // A new call (a new key) for the same contribution and currency: the server hands back the open
      // checkout rather than a second one. Every one of them is the same pending payment.
      expect(keyed.id).toBe(first.id);
      expect(keyed.checkoutUrl).toBe(first.checkoutUrl);
      expect((await admin.cs.payments.list({ groupId: group.id })).items.map((p) => p.id)).toEqual([first.id]);
    } finally {
      await proxy.close();
    }
  });

  it('an admin refund retried with the same key is replayed and refunds once', async () => {
    const admin = await signUp('admin');
    const m = await market(admin.cs);
    const group = await openGroup(admin.cs, m, { moq: 20 });
    const trader = await signUp('trader');
    const c = await trader.cs.groups.join(group.id, { quantity: 4 });
    const payment = await trader.cs.payments.initialize({ contributionId: c.id });
    await payInBrowser(payment.checkoutUrl!);
    expect((await trader.cs.payments.finalize({ txRef: payment.txRef })).status).toBe('successful');
    expect(await trader.cs.groups.get(group.id)).toMatchObject({ status: 'open', paidQuantity: 4 });

    const key = `refund-${payment.id}`;
    const refunded = await admin.cs.payments.refund(payment.id, { reason: 'trader moved to Chitungwiza' }, { idempotencyKey: key });
    expect(refunded.refunds).toMatchObject([{ amount: payment.totalAmount, reason: 'trader moved to Chitungwiza' }]);
    const again = await admin.cs.payments.refund(payment.id, { reason: 'trader moved to Chitungwiza' }, { idempotencyKey: key });
    expect(again).toEqual(refunded);
    expect(admin.responses.filter((r) => r.path.endsWith('/refund')).map((r) => r.replayed)).toEqual([false, true]);
    expect((await admin.cs.payments.get(payment.id)).refunds).toHaveLength(1);
    expect((await trader.cs.groups.get(group.id)).paidQuantity).toBe(0);
    // A new refund call is a new request: refused, the payment is no longer successful.
    expect(await rejection(admin.cs.payments.refund(payment.id, { reason: 'again please' }))).toMatchObject({ status: 409 });

    const ops = await app.ctx.db
      .select({ operation: idempotencyKeys.operation })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, trader.user.id)));
    expect(ops.map((o) => o.operation).sort()).toEqual(['finalizePayment', 'initializePayment', 'joinGroup']);
  });

  it('refuses an empty idempotencyKey before sending anything', async () => {
    const trader = await signUp('trader');
    const before = trader.responses.length;
    await expect(trader.cs.groups.join('00000000-0000-4000-8000-000000000000', { quantity: 1 }, { idempotencyKey: '' })).rejects.toBeInstanceOf(ConnectSphereError);
    expect(trader.responses).toHaveLength(before);
  });
});

describe('the other group-buying namespaces', () => {
  it('products: list, iterate, get, update; groups: update and cancel; contributions: update and leave', async () => {
    const admin = await signUp('admin');
    const m = await market(admin.cs);
    const updated = await admin.cs.products.update(m.product.id, { stock: 750, description: 'Refined sunflower oil, 2 L' });
    expect(updated).toMatchObject({ id: m.product.id, stock: 750, description: 'Refined sunflower oil, 2 L' });
    expect(await admin.cs.products.get(m.product.id)).toEqual(updated);
    expect((await collect(admin.cs.products.iterate({ category: 'cooking-oil', limit: 1 }))).map((p) => p.id)).toEqual([m.product.id]);

    const group = await openGroup(admin.cs, m);
    expect(await admin.cs.groups.update(group.id, { title: 'Cooking oil, second round', maxPerTrader: 8 })).toMatchObject({ title: 'Cooking oil, second round', maxPerTrader: 8 });

    const trader = await signUp('trader');
    const c = await trader.cs.groups.join(group.id, { quantity: 2 });
    expect(c.pickupPointId).toBe(group.pickupPoints[0]!.id); // the group's first pickup point when none is named
    expect(await trader.cs.contributions.update(c.id, { quantity: 6 })).toMatchObject({ id: c.id, quantity: 6, amount: 2400 });
    expect((await trader.cs.groups.get(group.id)).reservedQuantity).toBe(6);
    const over = await rejection(trader.cs.contributions.update(c.id, { quantity: 9 }));
    expect(over).toMatchObject({ status: 400, problem: { errors: [{ field: 'body.quantity', message: 'must be at most 8 for this group' }] } });
    expect(await trader.cs.contributions.leave(c.id)).toMatchObject({ id: c.id, status: 'cancelled' });
    expect(await trader.cs.groups.get(group.id)).toMatchObject({ reservedQuantity: 0, myContribution: null });

    const c2 = await trader.cs.groups.join(group.id, { quantity: 3 });
    const cancelled = await admin.cs.groups.cancel(group.id, 'supplier out of stock');
    expect(cancelled).toMatchObject({ status: 'cancelled', reservedQuantity: 0 });
    expect((await collect(trader.cs.contributions.iterate({ limit: 1 }))).map((x) => [x.id, x.status])).toEqual([
      [c2.id, 'cancelled'],
      [c.id, 'cancelled'],
    ]);
    expect(await rejection(trader.cs.products.update(m.product.id, { stock: 1 }))).toMatchObject({ status: 403 });
  });

  it('qr.reissue revokes the old pass and issues a new one', async () => {
    const admin = await signUp('admin');
    const m = await market(admin.cs);
    const group = await openGroup(admin.cs, m);
    const trader = await signUp('trader');
    const c = await trader.cs.groups.join(group.id, { quantity: 10 });
    const payment = await trader.cs.payments.initialize({ contributionId: c.id });
    await payInBrowser(payment.checkoutUrl!);
    await trader.cs.payments.finalize({ txRef: payment.txRef });
    for (const to of ['ordered', 'shipped', 'delivered', 'ready_for_pickup'] as const) await admin.cs.groups.transition(group.id, { to });
    const [old] = (await trader.cs.qr.passes()).items;
    const fresh = await admin.cs.qr.reissue(old!.id);
    expect(fresh).toMatchObject({ status: 'active', contributionId: c.id, quantity: 10 });
    expect(fresh.id).not.toBe(old!.id);
    const staff = await signUp('staff');
    await admin.cs.admin.users.setPickupPoints(staff.user.id, [fresh.pickupPoint.id]);
    expect(await rejection(staff.cs.qr.scan(old!.token))).toMatchObject({ status: 410 });
    expect(await staff.cs.qr.scan(fresh.token)).toMatchObject({ passId: fresh.id, redeemable: true });
    expect(await rejection(trader.cs.qr.png('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404 });
  });
});

describe('groups.iterate', () => {
  it('walks every group across pages of 2, in the order of the pages, and stops fetching on break', async () => {
    const admin = await signUp('admin');
    const m = await market(admin.cs);
    const created: string[] = [];
    for (let i = 1; i <= 5; i++) created.push((await openGroup(admin.cs, m, { title: `Cooking oil round ${i}`, deadline: inDays(i) })).id);
    const trader = await signUp('trader');

    const all = await collect(trader.cs.groups.iterate({ limit: 2 }));
    expect(all.map((g) => g.id)).toEqual(created); // sorted by deadline, soonest first
    const pages = trader.responses.filter((r) => r.path === '/api/groups');
    expect(pages).toHaveLength(3);

    const first = await trader.cs.groups.list({ limit: 2 });
    const second = await trader.cs.groups.list({ limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((g) => g.id)).toEqual(created.slice(0, 4));

    const before = trader.responses.length;
    for await (const g of trader.cs.groups.iterate({ limit: 2 })) {
      expect(g.id).toBe(created[0]);
      break;
    }
    expect(trader.responses.length - before).toBe(1);
    // Starting from a cursor continues from there.
    expect((await collect(trader.cs.groups.iterate({ limit: 2, cursor: first.nextCursor! }))).map((g) => g.id)).toEqual(created.slice(2));
  });
});

describe('verifyFlutterwaveWebhook', () => {
  const secret = 'my-flutterwave-secret-hash';
  const body = {
    event: 'charge.completed',
    data: { id: 4975362, tx_ref: 'CS-3f0c9d2e', flw_ref: 'FLW-MOCK-1', amount: 44, currency: 'USD', charged_amount: 44, status: 'successful', customer: { email: 'tendai@example.co.zw' } },
  };
  const raw = JSON.stringify(body);
  // Read as the API reads it: amounts in minor units (test/payments-providers/webhook-reading.test.ts).
  const event = { type: 'charge.completed', transactionId: '4975362', txRef: 'CS-3f0c9d2e', amount: 4400, currency: 'USD', status: 'successful' };

  it('accepts the right verif-hash from a plain object (any casing), a Headers object or string[] values, with the body raw, as bytes or parsed', () => {
    expect(verifyFlutterwaveWebhook({ 'verif-hash': secret }, raw, secret)).toEqual({ valid: true, event });
    expect(verifyFlutterwaveWebhook({ 'Verif-Hash': secret, 'Content-Type': 'application/json' }, body, secret)).toEqual({ valid: true, event });
    expect(verifyFlutterwaveWebhook(new Headers({ 'VERIF-HASH': secret }), Buffer.from(raw), secret)).toEqual({ valid: true, event });
    expect(verifyFlutterwaveWebhook({ 'verif-hash': [secret] }, new TextEncoder().encode(raw), secret)).toEqual({ valid: true, event });
  });

  it('reads the legacy flat body shape too', () => {
    const flat = { id: '77', txRef: 'CS-legacy', amount: 12.5, currency: 'ZWG', status: 'successful', 'event.type': 'CARD_TRANSACTION' };
    expect(verifyFlutterwaveWebhook({ 'verif-hash': secret }, flat, secret)).toEqual({
      valid: true,
      event: { transactionId: '77', txRef: 'CS-legacy', amount: 1250, currency: 'ZWG', status: 'successful' },
    });
  });

  it.each([
    ['a wrong hash', { 'verif-hash': 'not-the-secret' }, secret],
    ['a hash that only starts right', { 'verif-hash': secret.slice(0, -1) }, secret],
    ['a longer hash', { 'verif-hash': `${secret}x` }, secret],
    ['no header', { 'content-type': 'application/json' }, secret],
    ['an empty header', { 'verif-hash': '' }, secret],
    ['an empty secret', { 'verif-hash': '' }, ''],
    ['two different values', { 'verif-hash': [secret, 'other'] }, secret],
  ] as const)('refuses %s and returns no event', (_name, headers, secretHash) => {
    expect(verifyFlutterwaveWebhook(headers as Record<string, string | string[]>, raw, secretHash)).toEqual({ valid: false });
  });

  it('is valid without an event when the body is not a JSON object', () => {
    expect(verifyFlutterwaveWebhook({ 'verif-hash': secret }, 'not json', secret)).toEqual({ valid: true });
    expect(verifyFlutterwaveWebhook({ 'verif-hash': secret }, '[1,2]', secret)).toEqual({ valid: true });
  });

  it("agrees with the server: the sandbox's own webhook hash is valid with the server's secret", async () => {
    const serverSecret = app.ctx.config.payments.secretHash;
    expect(verifyFlutterwaveWebhook({ 'verif-hash': serverSecret }, raw, serverSecret).valid).toBe(true);
    // And a webhook the server refuses (wrong hash) is one the SDK refuses too.
    const res = await request(`${url}/api/payments/webhook/flutterwave`, { method: 'POST', headers: { 'content-type': 'application/json', 'verif-hash': 'wrong-hash-value' }, body: raw });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(verifyFlutterwaveWebhook({ 'verif-hash': 'wrong-hash-value' }, raw, serverSecret).valid).toBe(false);
  });
});
