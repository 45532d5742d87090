import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { contributions, notifications, payments, refunds } from '../../api/db/schema.ts';
import { runJob } from '../../api/modules/jobs/run.ts';
import { providerFor } from '../../api/modules/payments/provider.ts';
import { processPendingRefunds, scheduleRefund } from '../../api/modules/payments/refunds.ts';
import { testContext } from '../helpers/app.ts';
import { onPostgres, resetDatabase } from '../helpers/db.ts';
import { openGroup, reserve, secondConnection } from '../jobs/fixtures.ts';

// Refunds through the Flutterwave adapter with only Flutterwave mocked (nock: flutterwave-node-v3
// and the refund look-ups use the global fetch). Every call that reaches "Flutterwave" is counted.
const FLW = 'https://api.flutterwave.com';
const SECRET = 'FLWSECK_TEST-0123456789abcdef0123456789abcdef-X';
const env = { PAYMENT_PROVIDER: 'flutterwave', FLW_PUBLIC_KEY: 'FLWPUBK_TEST-abc-X', FLW_SECRET_KEY: SECRET, FLW_SECRET_HASH: 'flw-webhook-hash-2026' };
const flw = () => nock(FLW, { reqheaders: { authorization: `Bearer ${SECRET}` } });

let ctx: AppContext;
let counter = 0;
beforeAll(async () => {
  ctx = await testContext(env);
});
beforeEach(async () => {
  await resetDatabase(ctx.database);
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.cleanAll());

/** A paid contribution whose payment (Flutterwave transaction `txId`) has a refund scheduled. */
async function refundScheduled(txId: number) {
  const { group, point } = await openGroup(ctx);
  const c = await reserve(ctx, group.id, point.id, 2, new Date(Date.now() + 60_000));
  await ctx.db.update(contributions).set({ status: 'paid' }).where(eq(contributions.id, c.id));
  counter += 1;
  const [p] = await ctx.db
    .insert(payments)
    .values({
      contributionId: c.id,
      traderId: c.traderId,
      provider: 'flutterwave',
      txRef: `CS-RF-${counter}-${process.pid}`,
      providerTransactionId: String(txId),
      goodsAmount: 2600,
      feeAmount: 65,
      totalAmount: 2665,
      currency: 'USD',
      status: 'successful',
    })
    .returning();
  const refund = await ctx.db.transaction((tx) => scheduleRefund(tx, p!, 'group cancelled'));
  return { payment: p!, refund };
}

const refundAnswer = (refundId: number, txId: number, status: string) => ({
  status: 'success',
  message: 'Transaction refund initiated',
  data: { id: refundId, tx_id: txId, flw_ref: `URF_${refundId}`, amount_refunded: 26.65, status, destination: 'payment_source', created_at: new Date().toISOString() },
});

/** Answers every refund request, counting them per transaction id. */
function countRefundCalls(status = 'completed') {
  const calls = new Map<string, number>();
  flw()
    .post(/^\/v3\/transactions\/\d+\/refund$/)
    .times(1000)
    .reply(200, (uri) => {
      const txId = uri.split('/')[3]!;
      calls.set(txId, (calls.get(txId) ?? 0) + 1);
      return refundAnswer(70_000 + Number(txId) % 1000, Number(txId), status);
    });
  return calls;
}

async function refundRow(id: string) {
  const [r] = await ctx.db.select().from(refunds).where(eq(refunds.id, id));
  return r!;
}
async function paymentRow(id: string) {
  const [p] = await ctx.db.select().from(payments).where(eq(payments.id, id));
  return p!;
}
const refundMails = async (traderId: string) =>
  (await ctx.db.select().from(notifications).where(eq(notifications.userId, traderId))).filter((n) => n.template === 'refund-issued');

describe('refunds are claimed, so each reaches the provider at most once', () => {
  it(`sends each of 12 refunds exactly once when 6 senders on two connections run at once (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, async () => {
    const scheduled = [];
    for (let i = 0; i < 12; i += 1) scheduled.push(await refundScheduled(288_200_100 + i));
    const calls = countRefundCalls();
    const other = await secondConnection(ctx);
    try {
      const provider = providerFor(ctx);
      const results = await Promise.all(
        [ctx, other.ctx, ctx, other.ctx, ctx, other.ctx].map((c) => processPendingRefunds(c, provider)),
      );
      expect(results.reduce((n, r) => n + r.succeeded, 0)).toBe(12);
      expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);
    } finally {
      await other.close();
    }
    expect([...calls.values()]).toEqual(Array(12).fill(1));
    expect(calls.size).toBe(12);
    for (const { payment, refund } of scheduled) {
      expect((await refundRow(refund.id)).status).toBe('succeeded');
      expect((await paymentRow(payment.id)).status).toBe('refunded');
      expect(await refundMails(payment.traderId)).toHaveLength(1);
    }
  });
});

describe('a refund the provider answers pending', () => {
  it('stays pending (processing) until the settle-refunds job finds it completed; only then is the payment refunded and the trader told', async () => {
    const { payment, refund } = await refundScheduled(288_200_500);
    const calls = countRefundCalls('pending');
    expect(await processPendingRefunds(ctx, providerFor(ctx))).toEqual({ succeeded: 0, failed: 0, processing: 1 });
    expect(calls.get('288200500')).toBe(1);
    expect(await refundRow(refund.id)).toMatchObject({ status: 'processing', providerRefundId: '70500' });
    expect((await paymentRow(payment.id)).status).toBe('refund_pending');
    expect(await refundMails(payment.traderId)).toHaveLength(0);

    // Still pending at Flutterwave: nothing changes.
    flw().get('/v3/refunds/70500').reply(200, refundAnswer(70500, 288_200_500, 'pending'));
    expect(await runJob(ctx, 'settle-refunds', 'manual')).toMatchObject({ outcome: 'succeeded', counts: { settled: 0, waiting: 1 } });
    expect((await refundRow(refund.id)).status).toBe('processing');
    expect((await paymentRow(payment.id)).status).toBe('refund_pending');

    // Completed: settled once, the trader told once, and a later run changes nothing.
    flw().get('/v3/refunds/70500').reply(200, refundAnswer(70500, 288_200_500, 'completed'));
    expect(await runJob(ctx, 'settle-refunds', 'manual')).toMatchObject({ outcome: 'succeeded', counts: { settled: 1, waiting: 0 } });
    expect((await refundRow(refund.id)).status).toBe('succeeded');
    expect((await paymentRow(payment.id)).status).toBe('refunded');
    expect(await refundMails(payment.traderId)).toHaveLength(1);
    expect(await runJob(ctx, 'settle-refunds', 'manual')).toMatchObject({ counts: { settled: 0, waiting: 0 } });
    expect(await refundMails(payment.traderId)).toHaveLength(1);
    expect(calls.get('288200500')).toBe(1);
  });

  it('is failed and flagged for an admin when the provider later declines it', async () => {
    const { payment, refund } = await refundScheduled(288_200_600);
    countRefundCalls('pending');
    await processPendingRefunds(ctx, providerFor(ctx));
    flw().get('/v3/refunds/70600').reply(200, refundAnswer(70600, 288_200_600, 'declined'));
    expect(await runJob(ctx, 'settle-refunds', 'manual')).toMatchObject({ counts: { failed: 1 } });
    expect((await refundRow(refund.id)).status).toBe('failed');
    expect(await paymentRow(payment.id)).toMatchObject({ status: 'refund_pending', flaggedReason: 'refund failed at the provider' });
    expect(await refundMails(payment.traderId)).toHaveLength(0);
  });
});

describe('a sender that stopped between claiming a refund and recording the answer', () => {
  /** The state a crash leaves: claimed (sending), claim lapsed, nothing recorded. */
  async function claimLapsed(txId: number) {
    const s = await refundScheduled(txId);
    await ctx.db.update(refunds).set({ status: 'sending', claimedUntil: new Date(Date.now() - 1000) }).where(eq(refunds.id, s.refund.id));
    return s;
  }

  it('is not sent again when the provider has it: the job records what the provider says', async () => {
    const { payment, refund } = await claimLapsed(288_200_700);
    const calls = countRefundCalls();
    // A claimed refund is not another sender's to send, however long it has waited.
    expect(await processPendingRefunds(ctx, providerFor(ctx))).toMatchObject({ succeeded: 0 });
    flw()
      .get('/v3/refunds')
      .query(true)
      .reply(200, { status: 'success', message: 'Refunds fetched', data: [refundAnswer(70999, 1234, 'completed').data, refundAnswer(70700, 288_200_700, 'completed').data] });
    expect(await runJob(ctx, 'settle-refunds', 'manual')).toMatchObject({ counts: { settled: 1, resent: 0 } });
    expect(calls.size).toBe(0);
    expect(await refundRow(refund.id)).toMatchObject({ status: 'succeeded', providerRefundId: '70700' });
    expect((await paymentRow(payment.id)).status).toBe('refunded');
    expect(await refundMails(payment.traderId)).toHaveLength(1);
  });

  it('is sent (once) when the provider has no record of it', async () => {
    const { payment, refund } = await claimLapsed(288_200_800);
    const calls = countRefundCalls();
    flw().get('/v3/refunds').query(true).reply(200, { status: 'success', message: 'Refunds fetched', data: [] });
    expect(await runJob(ctx, 'settle-refunds', 'manual')).toMatchObject({ counts: { resent: 1 } });
    expect(calls.get('288200800')).toBe(1);
    expect((await refundRow(refund.id)).status).toBe('succeeded');
    expect((await paymentRow(payment.id)).status).toBe('refunded');
  });

  it('is left alone while its claim lasts (the sender may still be waiting for the provider)', async () => {
    const { refund } = await refundScheduled(288_200_900);
    await ctx.db.update(refunds).set({ status: 'sending', claimedUntil: new Date(Date.now() + 60_000) }).where(eq(refunds.id, refund.id));
    expect(await runJob(ctx, 'settle-refunds', 'manual')).toMatchObject({ counts: { settled: 0, resent: 0 } });
    expect((await refundRow(refund.id)).status).toBe('sending');
  });
});
