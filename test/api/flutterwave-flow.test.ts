import type { FastifyInstance } from 'fastify';
import nock from 'nock';
import { getGlobalDispatcher, type MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, type Session } from '../helpers/users.ts';

// The whole payment path with PAYMENT_PROVIDER=flutterwave: only Flutterwave's side is mocked,
// with responses shaped like its documented ones. The checkout call goes through undici's
// request(), which nock cannot see, so it is answered by the test guard's undici MockAgent;
// verification goes through flutterwave-node-v3 and nock.
const FLW = 'https://api.flutterwave.com';
const SECRET = 'FLWSECK_TEST-0123456789abcdef0123456789abcdef-X';
const HASH = 'flw-webhook-hash-2026';

let app: FastifyInstance;
let m: Market;
let t: Session;
beforeAll(async () => {
  app = await freshApp({ PAYMENT_PROVIDER: 'flutterwave', FLW_PUBLIC_KEY: 'FLWPUBK_TEST-abc-X', FLW_SECRET_KEY: SECRET, FLW_SECRET_HASH: HASH });
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

const agent = () => getGlobalDispatcher() as MockAgent;

async function start(quantity: number) {
  const g = await openGroup(app, m, { moq: quantity });
  const c = (await app.inject({ method: 'POST', url: `/api/groups/${g.id}/join`, headers: bearer(t.accessToken), payload: { quantity } })).json();
  let sent: Record<string, unknown> = {};
  agent()
    .get(FLW)
    .intercept({ path: '/v3/payments', method: 'POST' })
    .reply((opts) => {
      sent = JSON.parse(String(opts.body));
      return { statusCode: 200, data: { status: 'success', message: 'Hosted Link', data: { link: 'https://checkout.flutterwave.com/v3/hosted/pay/abc123' } } };
    });
  const init = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id, paymentMethod: 'mobile_money' } });
  expect(init.statusCode, init.body).toBe(201);
  return { g, c, payment: init.json(), sent };
}

const verification = (txRef: string, amount: number, currency = 'USD', status = 'successful') => ({
  status: 'success',
  message: 'Transaction fetched successfully',
  data: { id: 288200108, tx_ref: txRef, flw_ref: 'FLW-MOCK-1', amount, currency, charged_amount: amount, status, payment_type: 'mobilemoneyzw', customer: { email: 'x@example.co.zw' } },
});

describe('payments through Flutterwave', () => {
  it('initializes a hosted checkout and credits after the webhook and re-verification', async () => {
    const { g, payment, sent } = await start(5);
    expect(payment.checkoutUrl).toBe('https://checkout.flutterwave.com/v3/hosted/pay/abc123');
    expect(sent).toMatchObject({ tx_ref: payment.txRef, amount: 23.1, currency: 'USD', payment_options: 'mobilemoneyzimbabwe,card' });
    nock(FLW).get('/v3/transactions/288200108/verify').reply(200, verification(payment.txRef, 23.1));
    const hook = await app.inject({
      method: 'POST',
      url: '/api/payments/webhook/flutterwave',
      headers: { 'verif-hash': HASH },
      payload: { event: 'charge.completed', data: { id: 288200108, tx_ref: payment.txRef, amount: 23.1, currency: 'USD', status: 'successful' } },
    });
    expect(hook.json()).toEqual({ received: true, outcome: 'credited' });
    const group = (await app.inject({ url: `/api/groups/${g.id}`, headers: bearer(t.accessToken) })).json();
    expect(group).toMatchObject({ status: 'funded', paidQuantity: 5 });
  });

  it('does not credit when Flutterwave reports another amount', async () => {
    const { g, payment } = await start(5);
    nock(FLW).get('/v3/transactions/288200108/verify').reply(200, verification(payment.txRef, 2.31));
    const fin = await app.inject({ method: 'POST', url: '/api/payments/finalize', headers: bearer(t.accessToken), payload: { txRef: payment.txRef, transactionId: '288200108' } });
    expect(fin.json()).toMatchObject({ status: 'mismatch', flaggedReason: expect.stringMatching(/amount 231 is not 2310/) });
    expect((await app.inject({ url: `/api/groups/${g.id}`, headers: bearer(t.accessToken) })).json().paidQuantity).toBe(0);
  });

  it('refunds through Transaction.refund', async () => {
    const { payment } = await start(5);
    nock(FLW).get('/v3/transactions/288200108/verify').reply(200, verification(payment.txRef, 23.1));
    await app.inject({ method: 'POST', url: '/api/payments/finalize', headers: bearer(t.accessToken), payload: { txRef: payment.txRef, transactionId: '288200108' } });
    nock(FLW)
      .post('/v3/transactions/288200108/refund', (body) => body.amount === 23.1)
      .reply(200, { status: 'success', message: 'Transaction refund initiated', data: { id: 75923, amount_refunded: 23.1, status: 'completed', tx_id: 288200108 } });
    const refund = await app.inject({ method: 'POST', url: `/api/payments/${payment.id}/refund`, headers: bearer(m.admin.accessToken), payload: { reason: 'supplier out of stock' } });
    expect(refund.json()).toMatchObject({ status: 'refunded', refunds: [{ status: 'succeeded', amount: 2310 }] });
  });

  it('answers 502 when Flutterwave refuses the checkout, and keeps nothing pending', async () => {
    const g = await openGroup(app, m);
    const c = (await app.inject({ method: 'POST', url: `/api/groups/${g.id}/join`, headers: bearer(t.accessToken), payload: { quantity: 2 } })).json();
    agent().get(FLW).intercept({ path: '/v3/payments', method: 'POST' }).reply(400, { status: 'error', message: 'Invalid currency', data: null });
    const init = await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id } });
    expect(init.statusCode).toBe(502);
    expect(init.json().detail).toMatch(/Invalid currency/);
    const list = (await app.inject({ url: '/api/payments?status=pending', headers: bearer(m.admin.accessToken) })).json();
    expect(list.items).toHaveLength(0);
  });
});
