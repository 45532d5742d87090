import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainEvents, notifications, payments, pickupPasses, refunds, supplierOrders } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/db.ts';
import { fundedOrderGroup, orderMarket, type OrderMarket } from '../helpers/orders.ts';
import { supplierOrganisation } from '../helpers/suppliers.ts';
import { bearer, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let m: OrderMarket;

beforeAll(async () => {
  app = await freshApp();
  m = await orderMarket(app);
});
afterAll(async () => {
  await app.close();
});

const as = (s: Session) => bearer(s.accessToken);
const post = (s: Session, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { ...as(s), ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
const get = (s: Session, url: string) => app.inject({ method: 'GET', url, headers: as(s) });
const ship = { carrier: 'Swift Transport', trackingNumber: 'SWT-884213', eta: new Date(Date.now() + 2 * 86_400_000).toISOString() };

async function orderOf(groupId: string) {
  const rows = await app.ctx.db.select().from(supplierOrders).where(eq(supplierOrders.groupId, groupId));
  return rows;
}
async function groupStatus(groupId: string) {
  return (await get(m.admin, `/api/groups/${groupId}`)).json().status as string;
}
async function templatesTo(userId: string) {
  const rows = await app.ctx.db.select().from(notifications).where(eq(notifications.userId, userId));
  return rows.map((r) => `${r.template}:${r.channel}`);
}

describe('purchase orders', () => {
  it("a funded group sends a pending order to its product's organisation, told by email and SMS, visible on the group", async () => {
    const { group } = await fundedOrderGroup(app, m);
    const [order, ...more] = await orderOf(group.id);
    expect(more).toHaveLength(0);
    expect(order).toMatchObject({ supplierId: m.org.id, status: 'pending', quantity: 10, unitPrice: 1300, subtotal: 13000, currency: 'USD' });
    const events = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.groupId, group.id), eq(domainEvents.type, 'order.created')));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ supplierId: m.org.id, data: { id: order!.id, status: 'pending' } });
    expect(await templatesTo(m.org.owner.user.id)).toEqual(expect.arrayContaining(['order-created:email', 'order-created:sms']));
    const view = (await get(m.admin, `/api/groups/${group.id}`)).json();
    expect(view.status).toBe('funded');
    expect(view.order).toMatchObject({ id: order!.id, number: `PO-${order!.number}`, status: 'pending', trackingNumber: null });
    // The supplier sees it in its own list.
    const list = (await get(m.org.owner, '/api/supplier/orders')).json();
    expect(list.items.map((o: { id: string }) => o.id)).toContain(order!.id);
  });

  it('walks funded → ready_for_pickup through the supplier and the quality check; the group follows each step and traders are told', async () => {
    const { group, buyers } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    const base = `/api/supplier/orders/${order!.id}`;

    const accepted = await post(m.org.owner, `${base}/accept`);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', group: { status: 'ordered' }, allowedTransitions: ['preparing', 'cancelled'] });
    expect(await groupStatus(group.id)).toBe('ordered');

    expect((await post(m.org.owner, `${base}/prepare`)).json().status).toBe('preparing');
    const shipped = await post(m.org.owner, `${base}/ship`, ship);
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(shipped.json()).toMatchObject({ status: 'shipped', carrier: 'Swift Transport', trackingNumber: 'SWT-884213' });
    const trader = buyers[0]!.trader;
    const seen = (await get(trader, `/api/groups/${group.id}`)).json();
    expect(seen).toMatchObject({ status: 'shipped', order: { status: 'shipped', trackingNumber: 'SWT-884213', carrier: 'Swift Transport', eta: ship.eta } });
    expect(await templatesTo(trader.user.id)).toEqual(expect.arrayContaining(['order-shipped:email', 'order-shipped:sms']));

    const delivered = await post(m.org.owner, `${base}/deliver`);
    expect(delivered.json().status).toBe('delivered');
    expect(await groupStatus(group.id)).toBe('delivered');
    expect(await templatesTo(trader.user.id)).toEqual(expect.arrayContaining(['order-delivered:email', 'order-delivered:sms']));
    expect(await templatesTo(m.admin.user.id)).toContain('order-delivered-check:email');

    const qc = await post(m.admin, `/api/admin/orders/${order!.id}/quality-check`, { outcome: 'accept' });
    expect(qc.statusCode, qc.body).toBe(200);
    expect(qc.json()).toMatchObject({ status: 'checked', group: { status: 'ready_for_pickup' }, allowedTransitions: [] });
    const passes = await app.ctx.db.select().from(pickupPasses).where(eq(pickupPasses.groupId, group.id));
    expect(passes.map((p) => p.quantity).sort()).toEqual([4, 6]);
    expect(await templatesTo(trader.user.id)).toContain('pickup-ready:email');
    const statuses = (await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.groupId, group.id), eq(domainEvents.type, 'order.updated')))).map(
      (e) => (e.data as { status: string }).status,
    );
    expect(statuses).toEqual(['accepted', 'preparing', 'shipped', 'delivered', 'checked']);
  });

  it('refuses moves the table does not list with a 409 naming the current state, and changes nothing', async () => {
    const { group } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    const base = `/api/supplier/orders/${order!.id}`;
    const early = await post(m.org.owner, `${base}/deliver`);
    expect(early.statusCode).toBe(409);
    expect(early.headers['content-type']).toContain('application/problem+json');
    expect(early.json()).toMatchObject({ currentState: 'pending', allowedTransitions: ['accepted', 'rejected', 'cancelled'] });
    expect((await post(m.org.owner, `${base}/prepare`)).json()).toMatchObject({ status: 409, currentState: 'pending' });
    expect((await post(m.org.owner, `${base}/accept`)).statusCode).toBe(200);
    const again = await post(m.org.owner, `${base}/accept`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ currentState: 'accepted' });
    expect((await post(m.org.owner, `${base}/reject`, { reason: 'too late to say no' })).json()).toMatchObject({ status: 409, currentState: 'accepted' });
    expect((await post(m.admin, `/api/admin/orders/${order!.id}/quality-check`, { outcome: 'accept' })).json()).toMatchObject({ status: 409, currentState: 'accepted' });
    const bad = await post(m.org.owner, `${base}/ship`, { carrier: 'x', trackingNumber: 'y', eta: 'tomorrow' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.eta');
    expect((await orderOf(group.id))[0]!.status).toBe('accepted');
    expect(await groupStatus(group.id)).toBe('ordered');
  });

  it('a retried move with the same Idempotency-Key gets the first answer back and moves nothing twice', async () => {
    const { group } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    const key = { 'idempotency-key': `accept-${order!.id}` };
    const first = await post(m.org.owner, `/api/supplier/orders/${order!.id}/accept`, undefined, key);
    const second = await post(m.org.owner, `/api/supplier/orders/${order!.id}/accept`, undefined, key);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    const accepted = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.groupId, group.id), eq(domainEvents.type, 'order.updated')));
    expect(accepted).toHaveLength(1);
  });

  it('a rejection keeps the group funded and tells the admin, who re-routes it; cancelling the group cancels the order and refunds', async () => {
    const other = await supplierOrganisation(app, { admin: m.admin });
    const { group, buyers } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    const rejected = await post(m.org.owner, `/api/supplier/orders/${order!.id}/reject`, { reason: 'Out of stock until the next harvest' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', reason: 'Out of stock until the next harvest', group: { status: 'funded' } });
    expect(await templatesTo(m.admin.user.id)).toContain('order-rejected:email');
    expect((await get(m.admin, `/api/groups/${group.id}`)).json().order).toBeNull();

    const routed = await post(m.admin, `/api/admin/groups/${group.id}/orders`, { supplierId: other.id });
    expect(routed.statusCode, routed.body).toBe(201);
    expect(routed.json()).toMatchObject({ status: 'pending', supplier: { id: other.id }, quantity: 10 });
    expect(await templatesTo(other.owner.user.id)).toContain('order-created:sms');

    const cancel = await post(m.admin, `/api/groups/${group.id}/transitions`, { to: 'cancelled', reason: 'no supplier can deliver' });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const after = await orderOf(group.id);
    expect(after.map((o) => o.status).sort()).toEqual(['cancelled', 'rejected']);
    expect(await templatesTo(other.owner.user.id)).toContain('order-cancelled:email');
    const paid = await app.ctx.db.select().from(payments).where(inArray(payments.id, buyers.map((b) => b.paymentId)));
    expect(paid.map((p) => p.status)).toEqual(['refunded', 'refunded']);
  });

  it('an admin can still move the group by override (cs groups advance); the order moves stay valid afterwards', async () => {
    const { group } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    expect((await post(m.admin, `/api/groups/${group.id}/transitions`, { to: 'ordered' })).statusCode).toBe(200);
    // The supplier cannot move the group itself.
    expect((await post(m.org.owner, `/api/groups/${group.id}/transitions`, { to: 'shipped' })).statusCode).toBe(403);
    const accepted = await post(m.org.owner, `/api/supplier/orders/${order!.id}/accept`);
    expect(accepted.json()).toMatchObject({ status: 'accepted', group: { status: 'ordered' } });
    expect((await post(m.org.owner, `/api/supplier/orders/${order!.id}/ship`, ship)).json()).toMatchObject({ status: 'shipped', group: { status: 'shipped' } });
  });

  it('a quality issue refunds part of the affected traders\' payments once, and the group is still ready for pickup', async () => {
    const { group, buyers } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    const base = `/api/supplier/orders/${order!.id}`;
    await post(m.org.owner, `${base}/accept`);
    await post(m.org.owner, `${base}/ship`, ship);
    await post(m.org.owner, `${base}/deliver`);
    const hurt = buyers[0]!;
    const url = `/api/admin/orders/${order!.id}/quality-check`;
    expect((await post(m.admin, url, { outcome: 'issue', refunds: [{ contributionId: hurt.contributionId, amount: 100 }] })).json().errors[0].field).toBe('body.note');
    const tooMuch = await post(m.admin, url, { outcome: 'issue', note: 'Two bags torn', refunds: [{ contributionId: hurt.contributionId, amount: 10_000_000 }] });
    expect(tooMuch.json().errors[0].field).toBe('body.refunds[0].amount');
    const qc = await post(m.admin, url, { outcome: 'issue', note: 'Two bags torn in transit', refunds: [{ contributionId: hurt.contributionId, amount: 2600 }] });
    expect(qc.statusCode, qc.body).toBe(200);
    expect(qc.json()).toMatchObject({ status: 'checked', refundedAmount: 2600, qualityNote: 'Two bags torn in transit', group: { status: 'ready_for_pickup' } });
    const sent = await app.ctx.db.select().from(refunds).where(eq(refunds.paymentId, hurt.paymentId));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ amount: 2600, partial: true, status: 'succeeded' });
    const [payment] = await app.ctx.db.select().from(payments).where(eq(payments.id, hurt.paymentId));
    expect(payment!.status).toBe('successful');
    expect(await templatesTo(hurt.trader.user.id)).toEqual(expect.arrayContaining(['refund-issued:email', 'pickup-ready:email']));
    // Checked once: a second check is a 409 and sends nothing more.
    expect((await post(m.admin, url, { outcome: 'accept' })).statusCode).toBe(409);
    expect(await app.ctx.db.select().from(refunds).where(eq(refunds.paymentId, hurt.paymentId))).toHaveLength(1);
  });

  it('another organisation reaches none of the order: every supplier operation is a 404, its lists and group views leave it out', async () => {
    const stranger = await supplierOrganisation(app, { admin: m.admin, organisation: { categories: ['soap'] } });
    const { group } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    const base = `/api/supplier/orders/${order!.id}`;
    const attempts = [
      await get(stranger.owner, base),
      await post(stranger.owner, `${base}/accept`),
      await post(stranger.owner, `${base}/reject`, { reason: 'not ours at all' }),
      await post(stranger.owner, `${base}/prepare`),
      await post(stranger.owner, `${base}/ship`, ship),
      await post(stranger.owner, `${base}/deliver`),
      await get(stranger.owner, `/api/groups/${group.id}`),
    ];
    expect(attempts.map((r) => r.statusCode)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect((await get(stranger.owner, '/api/supplier/orders')).json().items).toEqual([]);
    expect((await get(stranger.owner, `/api/supplier/orders?groupId=${group.id}`)).json().items).toEqual([]);
    expect((await get(stranger.owner, '/api/groups?status=funded')).json().items).toEqual([]);
    // The owner sees its group; traders still see every group.
    expect((await get(m.org.owner, '/api/groups?status=funded')).json().items.map((g: { id: string }) => g.id)).toContain(group.id);
    expect((await orderOf(group.id))[0]!.status).toBe('pending');
    // Admin-only operations stay admin-only.
    expect((await get(m.org.owner, `/api/admin/orders/${order!.id}`)).statusCode).toBe(403);
    expect((await post(m.org.owner, `/api/admin/orders/${order!.id}/quality-check`, { outcome: 'accept' })).statusCode).toBe(403);
  });

  it.runIf(onPostgres())('two accepts of one order at once: one wins, the other is a 409 (real PostgreSQL)', async () => {
    const { group } = await fundedOrderGroup(app, m);
    const [order] = await orderOf(group.id);
    const member = m.org.owner;
    const results = await Promise.all([post(member, `/api/supplier/orders/${order!.id}/accept`), post(member, `/api/supplier/orders/${order!.id}/accept`)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const events = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.groupId, group.id), eq(domainEvents.type, 'order.updated')));
    expect(events).toHaveLength(1);
    expect(await groupStatus(group.id)).toBe('ordered');
  });
});

describe('requests for quotes', () => {
  it('an admin asks every verified organisation of the category; the cheapest valid quote meeting the lead time wins and gets the order', async () => {
    const cheapSlow = await supplierOrganisation(app, { admin: m.admin });
    const fair = await supplierOrganisation(app, { admin: m.admin });
    const unverified = await supplierOrganisation(app, { admin: m.admin, verified: false });
    const { group } = await fundedOrderGroup(app, m);
    const deadline = new Date(Date.now() + 86_400_000).toISOString();
    const opened = await post(m.admin, `/api/admin/groups/${group.id}/request-quotes`, { deadline, requiredLeadTimeDays: 5 });
    expect(opened.statusCode, opened.body).toBe(201);
    const request = opened.json();
    expect(request).toMatchObject({ status: 'open', quantity: 10, requiredLeadTimeDays: 5, quotes: [] });
    // The direct order was called off; the organisations were asked, the unverified one was not.
    expect((await orderOf(group.id)).map((o) => o.status)).toEqual(['cancelled']);
    const asked = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.groupId, group.id), eq(domainEvents.type, 'quote.requested')));
    const askedIds = asked.map((e) => e.supplierId);
    expect(askedIds).toEqual(expect.arrayContaining([m.org.id, cheapSlow.id, fair.id]));
    expect(askedIds).not.toContain(unverified.id);
    expect(await templatesTo(fair.owner.user.id)).toContain('quote-requested:sms');
    const open = (await get(fair.owner, '/api/supplier/quotes?status=open')).json();
    expect(open.items.map((r: { id: string }) => r.id)).toContain(request.id);
    expect((await get(unverified.owner, '/api/supplier/quotes')).json().items).toEqual([]);

    const validUntil = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const quote = (s: Session, unitPrice: number, leadTimeDays: number) => post(s, '/api/supplier/quotes', { requestId: request.id, unitPrice, leadTimeDays, validUntil });
    expect((await quote(cheapSlow.owner, 1100, 9)).statusCode).toBe(201);
    expect((await quote(fair.owner, 1250, 3)).statusCode).toBe(201);
    expect((await quote(m.org.owner, 1300, 2)).statusCode).toBe(201);
    // Quoting again replaces the organisation's quote.
    const requote = await quote(fair.owner, 1200, 4);
    expect(requote.json()).toMatchObject({ unitPrice: 1200, leadTimeDays: 4, status: 'submitted' });
    expect((await quote(unverified.owner, 900, 1)).statusCode).toBe(403);
    const listed = (await get(m.admin, `/api/admin/groups/${group.id}/quotes`)).json();
    expect(listed.quotes.map((q: { unitPrice: number }) => q.unitPrice)).toEqual([1100, 1200, 1300]);

    const best = await post(m.admin, `/api/admin/groups/${group.id}/quotes/accept-best`);
    expect(best.statusCode, best.body).toBe(200);
    expect(best.json()).toMatchObject({ status: 'pending', supplier: { id: fair.id }, unitPrice: 1200, subtotal: 12000, leadTimeDays: 4 });
    const after = (await get(m.admin, `/api/admin/groups/${group.id}/quotes`)).json();
    expect(after.status).toBe('awarded');
    expect(Object.fromEntries(after.quotes.map((q: { supplier: { id: string }; status: string }) => [q.supplier.id, q.status]))).toEqual({
      [cheapSlow.id]: 'declined',
      [fair.id]: 'accepted',
      [m.org.id]: 'declined',
    });
    expect((await quote(cheapSlow.owner, 1000, 1)).statusCode).toBe(409);
    // The order from the quote follows the same lifecycle.
    const accepted = await post(fair.owner, `/api/supplier/orders/${best.json().id}/accept`);
    expect(accepted.json()).toMatchObject({ status: 'accepted', group: { status: 'ordered' } });
    // The winner now sees the group; one that was only asked still does too; a stranger does not.
    expect((await get(fair.owner, `/api/groups/${group.id}`)).statusCode).toBe(200);
  });

  it('accept-best with no quote meeting the lead time is a 409; an admin may accept a quote by hand', async () => {
    const slow = await supplierOrganisation(app, { admin: m.admin });
    const { group } = await fundedOrderGroup(app, m);
    const opened = (await post(m.admin, `/api/admin/groups/${group.id}/request-quotes`, { deadline: new Date(Date.now() + 86_400_000).toISOString(), requiredLeadTimeDays: 2 })).json();
    const q = await post(slow.owner, '/api/supplier/quotes', { requestId: opened.id, unitPrice: 1000, leadTimeDays: 6, validUntil: new Date(Date.now() + 86_400_000).toISOString() });
    expect((await post(m.admin, `/api/admin/groups/${group.id}/quotes/accept-best`)).statusCode).toBe(409);
    const chosen = await post(m.admin, `/api/admin/quotes/${q.json().id}/accept`);
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json()).toMatchObject({ supplier: { id: slow.id }, unitPrice: 1000, quoteId: q.json().id });
    expect((await post(slow.owner, `/api/supplier/orders/${chosen.json().id}/accept`)).statusCode).toBe(200);
    // Accepted: the group is ordered and takes no new request for quotes.
    expect((await post(m.admin, `/api/admin/groups/${group.id}/request-quotes`, { deadline: new Date(Date.now() + 86_400_000).toISOString() })).json()).toMatchObject({
      status: 409,
      currentState: 'ordered',
    });
  });
});
