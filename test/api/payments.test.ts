import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payments, sandboxTransactions, webhookEvents } from '../../api/db/schema.ts';
import { completeSandboxCheckout } from '../../api/modules/payments/providers/index.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let m: Market;
let t: Session;
let groupId: string;
beforeAll(async () => {
  app = await freshApp({ FLW_SECRET_HASH: 'test-secret-hash-123' });
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  m = await market(app);
  groupId = (await openGroup(app, m)).id;
  t = await trader(app);
});
afterAll(() => app.close());

async function joinAndInit(quantity = 3) {
  const c = (await app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: bearer(t.accessToken), payload: { quantity } })).json();
  const p = (await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id } })).json();
  return { c, p };
}

const webhook = (body: unknown, hash = 'test-secret-hash-123') =>
  app.inject({ method: 'POST', url: '/api/payments/webhook/flutterwave', headers: { 'verif-hash': hash }, payload: body as object });

/** Settles the sandbox side (as the checkout page would) without delivering its webhook. */
async function settle(txRef: string, action: 'pay' | 'fail' = 'pay') {
  return (await completeSandboxCheckout(app.ctx.db, txRef, action, 'test-secret-hash-123')).webhook.body;
}

const group = async () => (await app.inject({ url: `/api/groups/${groupId}`, headers: bearer(t.accessToken) })).json();

describe('the Flutterwave webhook', () => {
  it('refuses a missing or wrong verif-hash with 401 and changes nothing', async () => {
    const { p } = await joinAndInit();
    const body = await settle(p.txRef);
    expect((await app.inject({ method: 'POST', url: '/api/payments/webhook/flutterwave', payload: body })).statusCode).toBe(401);
    expect((await webhook(body, 'wrong-hash-value')).statusCode).toBe(401);
    expect((await group()).paidQuantity).toBe(0);
    expect(await app.ctx.db.select().from(webhookEvents)).toHaveLength(0);
  });

  it('credits once; a replayed event changes nothing', async () => {
    const { p } = await joinAndInit(3);
    const body = await settle(p.txRef);
    const first = await webhook(body);
    expect(first.json()).toEqual({ received: true, outcome: 'credited' });
    const replay = await webhook(body);
    expect(replay.json()).toEqual({ received: true, outcome: 'replay' });
    // The same transaction in Flutterwave's legacy flat shape is recognised as the same event.
    const flat = await webhook({ id: body.data.id, txRef: body.data.tx_ref, amount: body.data.amount, currency: 'USD', status: 'successful' });
    expect(flat.json().outcome).toBe('replay');
    // And the return-URL path verifies again without crediting twice.
    const fin = await app.inject({ method: 'POST', url: '/api/payments/finalize', headers: bearer(t.accessToken), payload: { txRef: p.txRef } });
    expect(fin.json().status).toBe('successful');
    expect((await group()).paidQuantity).toBe(3);
  });

  it('flags an amount mismatch for admins and never credits it', async () => {
    const { p } = await joinAndInit(3);
    // The provider says less was paid than we asked for.
    await app.ctx.db.update(sandboxTransactions).set({ amount: p.totalAmount - 100 }).where(eq(sandboxTransactions.txRef, p.txRef));
    const body = await settle(p.txRef);
    expect((await webhook(body)).json().outcome).toBe('mismatch');
    const [row] = await app.ctx.db.select().from(payments).where(eq(payments.txRef, p.txRef));
    expect(row).toMatchObject({ status: 'mismatch' });
    expect(row!.flaggedReason).toMatch(/amount/);
    expect((await group()).paidQuantity).toBe(0);
    const flagged = await app.inject({ url: '/api/payments?flagged=true', headers: bearer(m.admin.accessToken) });
    expect(flagged.json().items.map((x: { txRef: string }) => x.txRef)).toEqual([p.txRef]);
  });

  it('flags a currency mismatch', async () => {
    const { p } = await joinAndInit(3);
    await app.ctx.db.update(sandboxTransactions).set({ currency: 'ZWG' }).where(eq(sandboxTransactions.txRef, p.txRef));
    expect((await webhook(await settle(p.txRef))).json().outcome).toBe('mismatch');
    expect((await group()).paidQuantity).toBe(0);
  });

  it('acknowledges an unknown tx_ref without crediting anything', async () => {
    const res = await webhook({ event: 'charge.completed', data: { id: 999, tx_ref: 'CS-not-ours', amount: 10, currency: 'USD', status: 'successful' } });
    expect(res.json()).toEqual({ received: true, outcome: 'unknown_tx_ref' });
  });

  it('never trusts the status in the webhook body: it asks the provider', async () => {
    const { p } = await joinAndInit(3);
    const res = await webhook({ event: 'charge.completed', data: { id: 4000000, tx_ref: p.txRef, amount: 13.2, currency: 'USD', status: 'successful' } });
    expect(res.json().outcome).toBe('pending'); // the sandbox has not been paid
    expect((await group()).paidQuantity).toBe(0);
  });
});

describe('payment requests', () => {
  it('returns the same pending checkout for a repeated initialize and replays an idempotent retry', async () => {
    const c = (await app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: bearer(t.accessToken), payload: { quantity: 2 } })).json();
    const headers = { ...bearer(t.accessToken), 'idempotency-key': 'init-key-0001' };
    const a = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers, payload: { contributionId: c.id } });
    const b = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers, payload: { contributionId: c.id } });
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json()).toEqual(a.json());
    const plainRepeat = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id } });
    expect(plainRepeat.json().id).toBe(a.json().id);
    expect(await app.ctx.db.select().from(payments)).toHaveLength(1);
    const reused = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers, payload: { contributionId: c.id, currency: 'ZWG' } });
    expect(reused.statusCode).toBe(409);
  });

  it('returns the trader only to an origin the platform trusts (no open redirect), and writes nothing otherwise', async () => {
    const c = (await app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: bearer(t.accessToken), payload: { quantity: 1 } })).json();
    const elsewhere = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id, redirectUrl: 'https://connectsphere-pay.example/login' } });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().errors).toEqual([expect.objectContaining({ field: 'body.redirectUrl' })]);
    expect(await app.ctx.db.select().from(payments)).toHaveLength(0);
    const own = `${app.ctx.config.publicUrl}/api/payments/return?from=app`;
    const ok = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id, redirectUrl: own } });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it.each([
    [{}, 'body.contributionId'],
    [{ contributionId: 'nope' }, 'body.contributionId'],
    [{ contributionId: '00000000-0000-4000-8000-000000000000', currency: 'EUR' }, 'body.currency'],
    [{ contributionId: '00000000-0000-4000-8000-000000000000', paymentMethod: 'cash' }, 'body.paymentMethod'],
  ])('refuses %j with the field named', async (payload, field) => {
    const res = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("does not let a trader pay, see or finalize someone else's contribution", async () => {
    const { c, p } = await joinAndInit(2);
    const other = await trader(app);
    expect((await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(other.accessToken), payload: { contributionId: c.id } })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/payments/${p.id}`, headers: bearer(other.accessToken) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/payments/finalize', headers: bearer(other.accessToken), payload: { txRef: p.txRef } })).statusCode).toBe(404);
    // The list is everyone's own: the other trader sees none of t's payments, t sees this one.
    const theirs = await app.inject({ url: `/api/payments?groupId=${c.groupId}`, headers: bearer(other.accessToken) });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json().items).toEqual([]);
    const own = (await app.inject({ url: `/api/payments?groupId=${c.groupId}`, headers: bearer(t.accessToken) })).json().items;
    expect(own.map((x: { id: string }) => x.id)).toContain(p.id);
    expect(own.every((x: { traderId: string }) => x.traderId === t.user.id)).toBe(true);
  });

  it('lets an admin refund a payment in full, once', async () => {
    const { p } = await joinAndInit(3);
    await webhook(await settle(p.txRef));
    const refund = await app.inject({ method: 'POST', url: `/api/payments/${p.id}/refund`, headers: bearer(m.admin.accessToken), payload: { reason: 'trader asked' } });
    expect(refund.statusCode, refund.body).toBe(200);
    expect(refund.json()).toMatchObject({ status: 'refunded', refunds: [{ status: 'succeeded', amount: p.totalAmount, reason: 'trader asked' }] });
    expect((await group()).paidQuantity).toBe(0);
    const again = await app.inject({ method: 'POST', url: `/api/payments/${p.id}/refund`, headers: bearer(m.admin.accessToken), payload: { reason: 'again' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().currentState).toBe('refunded');
  });

  it('the return page verifies and shows the outcome', async () => {
    const { p } = await joinAndInit(2);
    const checkout = new URL(p.checkoutUrl);
    const submit = await app.inject({ method: 'POST', url: checkout.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=pay' });
    const location = new URL(submit.headers.location as string);
    const page = await app.inject({ url: `${location.pathname}${location.search}` });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Payment recorded');
    const checkoutPage = await app.inject({ url: checkout.pathname });
    expect(checkoutPage.body).toMatch(/already <strong>successful<\/strong>/);
  });
});
