import { and, asc, eq, lt, ne, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import type { Db, Queryable, Tx } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { contributions, groups, payments, refunds, users } from '../../db/schema.ts';
import { recordEvent } from '../events/domain-events.ts';
import { enqueue } from '../notifications/outbox.ts';
import { formatMoney } from '../notifications/templates.ts';
import { paymentLifecycle, refundLifecycle } from './lifecycle.ts';
import type { Currency, PaymentProvider, RefundResult } from './providers/types.ts';

type PaymentRow = typeof payments.$inferSelect;
type RefundRow = typeof refunds.$inferSelect;

const claimBatch = 20;
/**
 * How long a sender's claim on a refund lasts (REFUND_CLAIM_SECONDS, 5 min): far longer than a
 * provider call (15 s timeout), so only a sender that stopped (a crash) outlives it; the
 * settle-refunds job then looks into it.
 */
const claimMs = (ctx: AppContext) => ctx.config.payments.refundClaimSeconds * 1000;

/**
 * Records that a payment is to be refunded in full (less any partial refunds already made or on
 * their way); the provider is called after commit.
 */
export async function scheduleRefund(tx: Queryable, payment: PaymentRow, reason: string, set: Record<string, unknown> = {}) {
  await paymentLifecycle.move(tx, payment.id, payment.status, 'refund_pending', { ...set, updatedAt: new Date() });
  const amount = payment.totalAmount - (await partlyRefunded(tx, payment.id));
  const [refund] = await tx
    .insert(refunds)
    .values({ paymentId: payment.id, amount, currency: payment.currency, reason })
    .returning();
  return refund!;
}

/** What partial refunds of a payment have taken or are taking back (all but the failed ones). */
export async function partlyRefunded(tx: Queryable, paymentId: string): Promise<number> {
  const [row] = await tx
    .select({ sum: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.paymentId, paymentId), eq(refunds.partial, true), ne(refunds.status, 'failed')));
  return Number(row?.sum ?? 0);
}

/**
 * Records a refund of part of a successful payment (a quality issue): the payment stays
 * successful and the trader keeps their share. Sent after commit by the same claimed senders as
 * full refunds, so it reaches the provider at most once.
 */
export async function schedulePartialRefund(tx: Queryable, payment: PaymentRow, amount: number, reason: string) {
  const [refund] = await tx
    .insert(refunds)
    .values({ paymentId: payment.id, amount, currency: payment.currency, reason, partial: true })
    .returning();
  return refund!;
}

/**
 * Claims up to `batch` pending refunds for this sender: the rows are locked with SKIP LOCKED (a
 * concurrent sender takes others, never these) and moved to sending with a lease, and that commits
 * before the provider is called. So each refund is sent by one sender, at most once.
 */
async function claimRefunds(ctx: AppContext, batch: number) {
  return ctx.db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: refunds.id })
      .from(refunds)
      .where(eq(refunds.status, 'pending'))
      .orderBy(asc(refunds.createdAt))
      .limit(batch)
      .for('update', { skipLocked: true });
    if (rows.length === 0) return [];
    const claimed = await refundLifecycle.moveAll(tx, idIn(refunds.id, rows.map((r) => r.id)), ['pending'], 'sending', {
      claimedUntil: new Date(Date.now() + claimMs(ctx)),
      updatedAt: new Date(),
    });
    const paid = await tx.select().from(payments).where(idIn(payments.id, claimed.map((r) => r.paymentId)));
    const byId = new Map(paid.map((p) => [p.id, p]));
    return claimed.map((refund) => ({ refund, payment: byId.get(refund.paymentId)! }));
  });
}

/**
 * Sends every pending refund to its provider and records the outcome. Safe to call from any number
 * of places and processes at once (each refund is claimed by one). A refund the provider refuses
 * stays visible (failed, payment still refund_pending and flagged) for an admin to act on; one it
 * answers pending waits in processing for settleRefunds.
 */
export async function processPendingRefunds(ctx: AppContext, provider: PaymentProvider, log?: FastifyBaseLogger) {
  let succeeded = 0;
  let failed = 0;
  let processing = 0;
  for (;;) {
    const claimed = await claimRefunds(ctx, claimBatch);
    if (claimed.length === 0) break;
    crashPoint('refund:claimed');
    for (const { refund, payment } of claimed) {
      let result: RefundResult;
      try {
        if (!payment.providerTransactionId) throw new Error('the payment has no provider transaction id');
        result = await provider.refund(payment.providerTransactionId, refund.amount, refund.currency as Currency);
      } catch (err) {
        log?.error({ err, refundId: refund.id }, 'refund failed');
        result = { refundId: '', status: 'failed' };
        await recordOutcome(ctx.db, refund, 'sending', result, (err as Error).message);
        failed += 1;
        continue;
      }
      crashPoint('refund:sent');
      await recordOutcome(ctx.db, refund, 'sending', result);
      if (result.status === 'succeeded') succeeded += 1;
      else if (result.status === 'pending') processing += 1;
      else failed += 1;
    }
  }
  return { succeeded, failed, processing };
}

/**
 * What the provider said about a refund, in one transaction: completed marks the payment refunded
 * and tells the trader; pending waits (processing); failed flags the payment for an admin.
 */
export async function recordOutcome(db: Db, refund: RefundRow, from: 'sending' | 'processing', result: RefundResult, error?: string) {
  await db.transaction(async (tx) => {
    const now = new Date();
    const providerRefundId = result.refundId || refund.providerRefundId;
    if (result.status === 'pending') {
      if (from === 'sending') await refundLifecycle.move(tx, refund.id, from, 'processing', { providerRefundId, claimedUntil: null, updatedAt: now });
      return;
    }
    if (result.status === 'failed') {
      await refundLifecycle.move(tx, refund.id, from, 'failed', { providerRefundId, error: error ?? 'refused by the provider', claimedUntil: null, updatedAt: now });
      await tx
        .update(payments)
        .set({ flaggedReason: error ? `refund failed: ${error}` : 'refund failed at the provider', updatedAt: now })
        .where(eq(payments.id, refund.paymentId));
      return;
    }
    await refundLifecycle.move(tx, refund.id, from, 'succeeded', { providerRefundId, claimedUntil: null, updatedAt: now });
    await markRefunded(tx, refund);
  });
}

/** The refund is done at the provider: the payment is refunded and the trader told, once. */
async function markRefunded(tx: Tx, refund: RefundRow) {
  const [payment] = await tx.select().from(payments).where(eq(payments.id, refund.paymentId)).for('update');
  // A partial refund leaves the payment successful: the trader still collects their share.
  const p = refund.partial ? payment! : await paymentLifecycle.move(tx, payment!.id, payment!.status, 'refunded', { updatedAt: new Date() });
  const [user] = await tx.select().from(users).where(eq(users.id, p.traderId));
  const [row] = await tx
    .select({ title: groups.title, groupId: groups.id })
    .from(contributions)
    .innerJoin(groups, eq(groups.id, contributions.groupId))
    .where(eq(contributions.id, p.contributionId));
  await enqueue(tx, [
    {
      userId: p.traderId,
      channel: 'email',
      recipient: user!.email,
      template: 'refund-issued',
      payload: { amount: formatMoney(refund.amount, refund.currency), group: row?.title ?? '', reason: refund.reason },
    },
  ]);
  await recordEvent(tx, {
    type: 'refund.issued',
    userId: p.traderId,
    groupId: row?.groupId ?? null,
    data: { refundId: refund.id, paymentId: p.id, amount: refund.amount, currency: refund.currency, reason: refund.reason },
  });
}

/**
 * Job (settle-refunds): refunds the provider answered pending are asked about again and settled
 * when it has decided; refunds whose sender stopped while sending (claim lapsed: a crash between
 * claiming and recording) are looked up at the provider: recorded as it says, or, when it has no
 * record of one, put back to pending and sent now. Nothing is sent without that look-up, so a
 * refund that did reach the provider is never sent again.
 */
export async function settleRefunds(ctx: AppContext, provider: PaymentProvider, log?: FastifyBaseLogger, now = new Date()) {
  const counts = { settled: 0, failed: 0, waiting: 0, resent: 0 };
  const waiting = await ctx.db
    .select({ refund: refunds, payment: payments })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(eq(refunds.status, 'processing'))
    .orderBy(asc(refunds.createdAt))
    .limit(200);
  for (const { refund, payment } of waiting) {
    try {
      const result = await provider.refundStatus({
        transactionId: payment.providerTransactionId ?? '',
        refundId: refund.providerRefundId ?? undefined,
        since: refund.createdAt,
      });
      if (!result || result.status === 'pending') {
        counts.waiting += 1;
        continue;
      }
      await recordOutcome(ctx.db, refund, 'processing', result);
      counts[result.status === 'succeeded' ? 'settled' : 'failed'] += 1;
    } catch (err) {
      counts.waiting += 1;
      log?.warn({ err, refundId: refund.id }, 'could not ask the provider about a pending refund');
    }
  }

  for (const { refund, payment } of await reclaimLapsed(ctx, now)) {
    try {
      const result = await provider.refundStatus({ transactionId: payment.providerTransactionId ?? '', since: refund.createdAt });
      if (result) {
        await recordOutcome(ctx.db, refund, 'sending', result);
        if (result.status === 'succeeded') counts.settled += 1;
        else if (result.status === 'failed') counts.failed += 1;
        else counts.waiting += 1;
      } else {
        await refundLifecycle.move(ctx.db, refund.id, 'sending', 'pending', { claimedUntil: null, updatedAt: new Date() });
        counts.resent += 1;
      }
    } catch (err) {
      log?.warn({ err, refundId: refund.id }, 'could not look up a refund whose sender stopped');
    }
  }
  if (counts.resent) await processPendingRefunds(ctx, provider, log);
  return counts;
}

/** Sending refunds whose claim lapsed, claimed again (with a fresh lease) by this job run only. */
async function reclaimLapsed(ctx: AppContext, now: Date) {
  return ctx.db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: refunds.id })
      .from(refunds)
      .where(and(eq(refunds.status, 'sending'), lt(refunds.claimedUntil, now)))
      .limit(claimBatch)
      .for('update', { skipLocked: true });
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await tx.update(refunds).set({ claimedUntil: new Date(now.getTime() + claimMs(ctx)) }).where(idIn(refunds.id, ids));
    return tx.select({ refund: refunds, payment: payments }).from(refunds).innerJoin(payments, eq(payments.id, refunds.paymentId)).where(idIn(refunds.id, ids));
  });
}
