import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { domainEvents, invoices, notifications, payouts, webhookEvents } from '../../api/db/schema.ts';
import { issueInvoice } from '../../api/modules/invoices/issue.ts';
import { transferProviderFor } from '../../api/modules/payouts/provider.ts';
import { processPendingPayouts, reconcilePayouts, schedulePayout } from '../../api/modules/payouts/service.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { orderOf } from '../helpers/money.ts';
import { supplierOrganisation } from '../helpers/suppliers.ts';
import { bearer } from '../helpers/users.ts';

// Payouts after the quality check. Orders are written straight into supplier_orders (status
// checked) and schedulePayout is called in a transaction, as the quality-check hook does. Only
// Flutterwave is mocked (nock); the sandbox runs for real.

const FLW = 'https://api.flutterwave.com';
const SECRET = 'FLWSECK_TEST-0123456789abcdef0123456789abcdef-X';
const HASH = 'flw-webhook-hash-2026';
const flwEnv = { PAYMENT_PROVIDER: 'flutterwave', FLW_PUBLIC_KEY: 'FLWPUBK_TEST-abc-X', FLW_SECRET_KEY: SECRET, FLW_SECRET_HASH: HASH };
const flw = () => nock(FLW, { reqheaders: { authorization: `Bearer ${SECRET}` } });

afterEach(() => nock.cleanAll());

async function checkedOrderWithPayout(app: FastifyInstance, supplierId: string) {
  const order = await orderOf(app, supplierId, { status: 'checked', quantity: 20, unitPrice: 1450 });
  await app.ctx.db.transaction((tx) => issueInvoice(app.ctx, tx, order));
  const payout = await app.ctx.db.transaction((tx) => schedulePayout(app.ctx, tx, order));
  return { order, payout: payout! };
}
const payoutRow = async (app: FastifyInstance, id: string) => (await app.ctx.db.select().from(payouts).where(eq(payouts.id, id)))[0]!;
const events = async (app: FastifyInstance, type: string) => app.ctx.db.select().from(domainEvents).where(eq(domainEvents.type, type));
const templateCount = async (app: FastifyInstance, template: string) => (await app.ctx.db.select().from(notifications).where(eq(notifications.template, template))).length;

describe('on the sandbox provider', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await freshApp();
  });
  beforeEach(() => resetDatabase(app.ctx.database));
  afterAll(() => app.close());

  it('pays the invoice total less commission to the payout account: pending, sent, completed by the sandbox\'s signed webhook', async () => {
    const org = await supplierOrganisation(app);
    const other = await supplierOrganisation(app, { admin: org.admin });
    const { order, payout } = await checkedOrderWithPayout(app, org.id);
    // 20 × 14.50 = 290.00 + VAT 44.95 = 334.95, less commission 14.50 = 320.45.
    expect(payout).toMatchObject({ status: 'pending', amount: 32_045, currency: 'USD', reference: `CS-PAYOUT-PO-${order.number}`, provider: 'sandbox' });
    expect(await events(app, 'payout.pending')).toHaveLength(1);
    expect(await templateCount(app, 'payout-pending')).toBe(2); // the owner, by email and SMS
    // The same order again does not make a second payout.
    expect((await app.ctx.db.transaction((tx) => schedulePayout(app.ctx, tx, order)))!.id).toBe(payout.id);

    expect(await processPendingPayouts(app.ctx)).toEqual({ paid: 0, processing: 1, failed: 0 });
    await (transferProviderFor(app.ctx) as { idle(): Promise<void> }).idle();
    const paid = await payoutRow(app, payout.id);
    expect(paid.status).toBe('paid');
    expect(paid.providerTransferId).toMatch(/^\d+$/);
    expect((await app.ctx.db.select().from(invoices).where(eq(invoices.orderId, order.id)))[0]!.status).toBe('paid');
    expect(await events(app, 'payout.paid')).toHaveLength(1);
    expect(await events(app, 'invoice.paid')).toHaveLength(1);
    expect(await templateCount(app, 'payout-paid')).toBe(2);
    // Nothing left to send.
    expect(await processPendingPayouts(app.ctx)).toEqual({ paid: 0, processing: 0, failed: 0 });

    const mine = await app.inject({ method: 'GET', url: '/api/supplier/payouts', headers: bearer(org.owner.accessToken) });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items).toHaveLength(1);
    expect(mine.json().items[0]).toMatchObject({ status: 'paid', amount: 32_045, orderNumber: `PO-${order.number}`, account: { method: 'bank', accountNumber: expect.stringMatching(/^•+\d{4}$/) } });
    const theirs = await app.inject({ method: 'GET', url: '/api/supplier/payouts', headers: bearer(other.owner.accessToken) });
    expect(theirs.json().items).toEqual([]);
    const admin = await app.inject({ method: 'GET', url: `/api/admin/payouts?supplierId=${org.id}&status=paid`, headers: bearer(org.admin.accessToken) });
    expect(admin.json().items.map((p: { id: string }) => p.id)).toEqual([payout.id]);
    expect((await app.inject({ method: 'GET', url: '/api/admin/payouts', headers: bearer(org.owner.accessToken) })).statusCode).toBe(403);
  });
});

describe('on Flutterwave (nock)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await freshApp(flwEnv);
  });
  beforeEach(() => resetDatabase(app.ctx.database));
  afterAll(() => app.close());

  const transferAnswer = (id: number, p: { reference: string; amount: number }, status: string) => ({
    status: 'success',
    message: 'Transfer fetched',
    data: { id, account_number: '01203400091', bank_code: 'CBZ', full_name: 'Msasa Grain Traders', currency: 'USD', debit_currency: 'USD', amount: p.amount / 100, fee: 0.5, status, reference: p.reference, complete_message: status === 'FAILED' ? 'Account resolve failed' : 'Successful' },
  });
  const webhook = (id: number, p: { reference: string; amount: number }, over: Record<string, unknown> = {}) => ({
    event: 'transfer.completed',
    'event.type': 'Transfer',
    data: { id, account_number: '01203400091', bank_code: 'CBZ', fullname: 'Msasa Grain Traders', currency: 'USD', debit_currency: 'USD', amount: p.amount / 100, fee: 0.5, status: 'SUCCESSFUL', reference: p.reference, ...over },
  });
  const deliver = (body: unknown, hash = HASH) => app.inject({ method: 'POST', url: '/api/payments/webhook/flutterwave', headers: { 'verif-hash': hash }, payload: body as object });

  async function sentPayout(id: number) {
    const org = await supplierOrganisation(app);
    const { payout } = await checkedOrderWithPayout(app, org.id);
    let sent: Record<string, unknown> | undefined;
    flw()
      .post('/v3/transfers', (b) => ((sent = b), true))
      .reply(200, { status: 'success', message: 'Transfer Queued Successfully', data: { ...transferAnswer(id, payout, 'NEW').data } });
    expect(await processPendingPayouts(app.ctx)).toEqual({ paid: 0, processing: 1, failed: 0 });
    expect(sent).toMatchObject({ account_bank: 'CBZ', account_number: '01203400091', amount: 320.45, currency: 'USD', debit_currency: 'USD', reference: payout.reference });
    expect((await payoutRow(app, payout.id)).status).toBe('processing');
    return { org, payout };
  }

  it('settles by webhook once it is confirmed with GET /v3/transfers/{id}; a replay changes nothing', async () => {
    const { payout } = await sentPayout(5551);
    const lookup = flw().get('/v3/transfers/5551').reply(200, transferAnswer(5551, payout, 'SUCCESSFUL'));
    const first = await deliver(webhook(5551, payout));
    expect(first.json()).toEqual({ received: true, outcome: 'paid' });
    expect(lookup.isDone()).toBe(true);
    expect((await payoutRow(app, payout.id)).status).toBe('paid');
    const before = { paid: (await events(app, 'payout.paid')).length, mail: await templateCount(app, 'payout-paid') };
    // The same delivery again (no Flutterwave call is mocked: one would fail the request).
    expect((await deliver(webhook(5551, payout))).json()).toEqual({ received: true, outcome: 'replay' });
    expect({ paid: (await events(app, 'payout.paid')).length, mail: await templateCount(app, 'payout-paid') }).toEqual(before);
    expect(before).toEqual({ paid: 1, mail: 2 });
    // A wrong signature is refused before anything is read.
    expect((await deliver(webhook(5551, payout), 'not-the-hash')).statusCode).toBe(401);
  });

  it('records a webhook whose amount, currency or reference differ as a mismatch: the payout does not move and is flagged', async () => {
    const { payout } = await sentPayout(5552);
    for (const [over, expected] of [
      [{ amount: 999.99 }, /amount 99999, expected 32045/],
      [{ currency: 'ZWG' }, /currency ZWG, expected USD/],
    ] as const) {
      const res = await deliver(webhook(5552, payout, over));
      expect(res.json()).toEqual({ received: true, outcome: 'mismatch' });
      const row = await payoutRow(app, payout.id);
      expect(row.status).toBe('processing');
      expect(row.flaggedReason).toMatch(expected);
    }
    // Another transfer id claiming our reference.
    expect((await deliver(webhook(9999, payout))).json().outcome).toBe('mismatch');
    expect((await payoutRow(app, payout.id)).status).toBe('processing');
    expect((await events(app, 'payout.paid')).length).toBe(0);
    const flagged = await app.inject({ method: 'GET', url: '/api/admin/payouts?flagged=true', headers: bearer((await supplierOrganisation(app)).admin.accessToken) });
    expect(flagged.json().items.map((p: { id: string }) => p.id)).toEqual([payout.id]);
    const recorded = await app.ctx.db.select().from(webhookEvents).where(and(eq(webhookEvents.provider, 'flutterwave'), eq(webhookEvents.outcome, 'mismatch')));
    expect(recorded.length).toBeGreaterThanOrEqual(2);
    // The genuine delivery after the forged ones still settles it.
    flw().get('/v3/transfers/5552').reply(200, transferAnswer(5552, payout, 'SUCCESSFUL'));
    expect((await deliver(webhook(5552, payout))).json().outcome).toBe('paid');
    // An unknown reference changes nothing either.
    expect((await deliver(webhook(7777, { reference: 'CS-PAYOUT-PO-1', amount: 100 }))).json().outcome).toBe('unknown_reference');
  });

  it('the reconcile-payouts job settles queued payouts by polling, without the webhook: failed ones tell owners and admins', async () => {
    const { payout } = await sentPayout(5553);
    flw().get('/v3/transfers/5553').reply(200, transferAnswer(5553, payout, 'PENDING'));
    expect(await reconcilePayouts(app.ctx)).toMatchObject({ waiting: 1, paid: 0, failed: 0 });
    flw().get('/v3/transfers/5553').reply(200, transferAnswer(5553, payout, 'FAILED'));
    expect(await reconcilePayouts(app.ctx)).toMatchObject({ failed: 1 });
    const row = await payoutRow(app, payout.id);
    expect(row).toMatchObject({ status: 'failed', error: 'Account resolve failed' });
    expect(await events(app, 'payout.failed')).toHaveLength(1);
    expect(await templateCount(app, 'payout-failed')).toBe(3); // owner email + SMS, the admin
    expect((await app.ctx.db.select().from(invoices).where(eq(invoices.id, payout.invoiceId!)))[0]!.status).toBe('issued');
  });

  it('flags a payout whose sender stopped mid-send instead of sending it twice', async () => {
    const org = await supplierOrganisation(app);
    const { payout } = await checkedOrderWithPayout(app, org.id);
    await app.ctx.db.update(payouts).set({ status: 'sending', claimedUntil: new Date(Date.now() - 1000) }).where(eq(payouts.id, payout.id));
    expect(await reconcilePayouts(app.ctx)).toMatchObject({ flagged: 1 });
    expect(await processPendingPayouts(app.ctx)).toEqual({ paid: 0, processing: 0, failed: 0 });
    expect((await payoutRow(app, payout.id)).flaggedReason).toMatch(/sender stopped/);
  });

  it('sends each of 6 payouts once when 3 senders run at once', async () => {
    const org = await supplierOrganisation(app);
    for (let i = 0; i < 6; i += 1) await checkedOrderWithPayout(app, org.id);
    const calls = new Map<string, number>();
    let next = 6000;
    flw()
      .post('/v3/transfers')
      .times(20)
      .reply(200, (_uri, body) => {
        const b = body as { reference: string; amount: number };
        calls.set(b.reference, (calls.get(b.reference) ?? 0) + 1);
        next += 1;
        return { status: 'success', message: 'Transfer Queued Successfully', data: { id: next, currency: 'USD', amount: b.amount, status: 'NEW', reference: b.reference } };
      });
    const results = await Promise.all([0, 1, 2].map(() => processPendingPayouts(app.ctx)));
    expect(results.reduce((n, r) => n + r.processing, 0)).toBe(6);
    expect([...calls.values()]).toEqual(Array(6).fill(1));
  });
});
