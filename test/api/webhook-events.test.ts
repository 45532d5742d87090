import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import nock from 'nock';
import { getGlobalDispatcher, type MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, type Session } from '../helpers/users.ts';

// Webhook events are recorded as handled in the transaction of their effect: a delivery that
// changed nothing (early: still pending at Flutterwave; or cut off) never makes the next one a replay.
// Only Flutterwave is mocked (nock for verification, undici's MockAgent for the checkout).
const FLW = 'https://api.flutterwave.com';
const HASH = 'flw-webhook-hash-2026';

let app: FastifyInstance;
let m: Market;
let t: Session;
beforeAll(async () => {
  app = await freshApp({ PAYMENT_PROVIDER: 'flutterwave', FLW_PUBLIC_KEY: 'FLWPUBK_TEST-abc-X', FLW_SECRET_KEY: 'FLWSECK_TEST-0123456789abcdef-X', FLW_SECRET_HASH: HASH });
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  m = await market(app);
  t = await trader(app);
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => app.close());

async function checkout(quantity: number) {
  const g = await openGroup(app, m, { moq: quantity });
  const c = (await app.inject({ method: 'POST', url: `/api/groups/${g.id}/join`, headers: bearer(t.accessToken), payload: { quantity } })).json();
  (getGlobalDispatcher() as MockAgent)
    .get(FLW)
    .intercept({ path: '/v3/payments', method: 'POST' })
    .reply(200, { status: 'success', message: 'Hosted Link', data: { link: 'https://checkout.flutterwave.com/v3/hosted/pay/abc123' } });
  const payment = (await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id } })).json();
  return { g, payment };
}

const verified = (txRef: string, status: string) => ({
  status: 'success',
  message: 'Transaction fetched successfully',
  data: { id: 288200108, tx_ref: txRef, flw_ref: 'FLW-MOCK-1', amount: 23.1, currency: 'USD', charged_amount: 23.1, status, payment_type: 'mobilemoneyzw' },
});
const deliver = (txRef: string) =>
  app.inject({
    method: 'POST',
    url: '/api/payments/webhook/flutterwave',
    headers: { 'verif-hash': HASH },
    payload: { event: 'charge.completed', data: { id: 288200108, tx_ref: txRef, amount: 23.1, currency: 'USD', status: 'successful' } },
  });
const groupOf = async (id: string) => (await app.inject({ url: `/api/groups/${id}`, headers: bearer(t.accessToken) })).json();
const events = () => app.ctx.db.select({ eventKey: webhookEvents.eventKey, outcome: webhookEvents.outcome }).from(webhookEvents);

describe('webhook events', () => {
  it('an early delivery (still pending at Flutterwave) does not make the genuine one with the same id and status a replay', async () => {
    const { g, payment } = await checkout(5);
    nock(FLW).get('/v3/transactions/288200108/verify').reply(200, verified(payment.txRef, 'pending'));
    expect((await deliver(payment.txRef)).json()).toEqual({ received: true, outcome: 'pending' });
    expect(await groupOf(g.id)).toMatchObject({ status: 'open', paidQuantity: 0 });

    nock(FLW).get('/v3/transactions/288200108/verify').reply(200, verified(payment.txRef, 'successful'));
    expect((await deliver(payment.txRef)).json()).toEqual({ received: true, outcome: 'credited' });
    expect(await groupOf(g.id)).toMatchObject({ status: 'funded', paidQuantity: 5 });
    expect(await events()).toEqual([{ eventKey: '288200108:successful', outcome: 'credited' }]);

    // Now it is handled: a replay changes nothing and asks Flutterwave nothing.
    expect((await deliver(payment.txRef)).json()).toEqual({ received: true, outcome: 'replay' });
    expect(await groupOf(g.id)).toMatchObject({ paidQuantity: 5 });
  });

  it('a delivery cut off before its effect committed (Flutterwave unreachable) is done by the retry', async () => {
    const { g, payment } = await checkout(5);
    nock(FLW).get('/v3/transactions/288200108/verify').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    expect((await deliver(payment.txRef)).statusCode).toBe(502);
    expect(await events()).toEqual([]);

    nock(FLW).get('/v3/transactions/288200108/verify').reply(200, verified(payment.txRef, 'successful'));
    expect((await deliver(payment.txRef)).json()).toEqual({ received: true, outcome: 'credited' });
    expect(await groupOf(g.id)).toMatchObject({ paidQuantity: 5 });
  });

  it('an event left "received" (recorded by a process that stopped before its effect) is done by the next delivery', async () => {
    const { g, payment } = await checkout(5);
    await app.ctx.db.insert(webhookEvents).values({ provider: 'flutterwave', eventKey: '288200108:successful', txRef: payment.txRef, outcome: 'received', payload: {} });
    nock(FLW).get('/v3/transactions/288200108/verify').reply(200, verified(payment.txRef, 'successful'));
    expect((await deliver(payment.txRef)).json()).toEqual({ received: true, outcome: 'credited' });
    expect(await groupOf(g.id)).toMatchObject({ paidQuantity: 5 });
    const [row] = await app.ctx.db.select().from(webhookEvents).where(eq(webhookEvents.eventKey, '288200108:successful'));
    expect(row!.outcome).toBe('credited');
  });
});
