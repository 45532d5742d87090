import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { contributions, groups, payments, refunds, users } from '../../db/schema.ts';
import { enqueue } from '../notifications/outbox.ts';
import { formatMoney } from '../notifications/templates.ts';
import type { Currency, PaymentProvider } from './providers/types.ts';

type PaymentRow = typeof payments.$inferSelect;

/** Records that a payment is to be refunded in full; the provider is called after commit. */
export async function scheduleRefund(tx: Queryable, payment: PaymentRow, reason: string) {
  await tx.update(payments).set({ status: 'refund_pending', updatedAt: new Date() }).where(eq(payments.id, payment.id));
  const [refund] = await tx
    .insert(refunds)
    .values({ paymentId: payment.id, amount: payment.totalAmount, currency: payment.currency, reason })
    .returning();
  return refund!;
}

/**
 * Sends every pending refund to its provider and records the outcome. A refund that fails stays
 * visible (status failed, payment still refund_pending and flagged) for an admin to act on.
 */
export async function processPendingRefunds(ctx: AppContext, provider: PaymentProvider, log?: FastifyBaseLogger) {
  const pending = await ctx.db
    .select({ refund: refunds, payment: payments })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(eq(refunds.status, 'pending'));
  let succeeded = 0;
  let failed = 0;
  for (const { refund, payment } of pending) {
    try {
      if (!payment.providerTransactionId) throw new Error('the payment has no provider transaction id');
      const result = await provider.refund(payment.providerTransactionId, refund.amount, refund.currency as Currency);
      await ctx.db.transaction(async (tx) => {
        await tx
          .update(refunds)
          .set({ status: result.status === 'failed' ? 'failed' : 'succeeded', providerRefundId: result.refundId, updatedAt: new Date() })
          .where(eq(refunds.id, refund.id));
        if (result.status !== 'failed') {
          await tx.update(payments).set({ status: 'refunded', updatedAt: new Date() }).where(eq(payments.id, payment.id));
          const [user] = await tx.select().from(users).where(eq(users.id, payment.traderId));
          const [row] = await tx
            .select({ title: groups.title })
            .from(contributions)
            .innerJoin(groups, eq(groups.id, contributions.groupId))
            .where(eq(contributions.id, payment.contributionId));
          await enqueue(tx, [
            {
              userId: payment.traderId,
              channel: 'email',
              recipient: user!.email,
              template: 'refund-issued',
              payload: { amount: formatMoney(refund.amount, refund.currency), group: row?.title ?? '', reason: refund.reason },
            },
          ]);
        } else {
          await tx.update(payments).set({ flaggedReason: 'refund failed at the provider', updatedAt: new Date() }).where(eq(payments.id, payment.id));
        }
      });
      if (result.status === 'failed') failed += 1;
      else succeeded += 1;
    } catch (err) {
      failed += 1;
      log?.error({ err, refundId: refund.id }, 'refund failed');
      await ctx.db
        .update(refunds)
        .set({ status: 'failed', error: (err as Error).message, updatedAt: new Date() })
        .where(and(eq(refunds.id, refund.id), inArray(refunds.status, ['pending'])));
      await ctx.db.update(payments).set({ flaggedReason: `refund failed: ${(err as Error).message}` }).where(eq(payments.id, payment.id));
    }
  }
  return { succeeded, failed };
}
