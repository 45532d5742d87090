import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { contributions, payments } from '../../db/schema.ts';
import { badRequest } from '../../errors.ts';
import type { Body } from '../../openapi/contract.ts';
import { formatMoney } from '../notifications/templates.ts';
import { providerFor } from '../payments/provider.ts';
import { partlyRefunded, processPendingRefunds, schedulePartialRefund } from '../payments/refunds.ts';
import { onOrderChecked } from './hooks.ts';
import { orderLifecycle } from './lifecycle.ts';
import { tellOrganisation } from './notify.ts';
import { followOrder, getOrder, lockOrder } from './service.ts';

/**
 * An admin's quality check of a delivered order, in one transaction: the order is checked, any
 * partial refunds to affected traders are scheduled (per contribution, at most what is left of its
 * payment), and the group moves to ready_for_pickup, which issues the passes and tells the
 * traders. The refunds are sent after commit by the claimed refund senders (each at most once).
 */
export async function qualityCheck(ctx: AppContext, adminId: string, id: string, input: Body<'qualityCheckOrder'>, log?: FastifyBaseLogger) {
  const issue = input.outcome === 'issue';
  if (issue && !input.note) throw badRequest('body.note', 'say what the issue is');
  if (!issue && input.refunds?.length) throw badRequest('body.refunds', 'refunds go with outcome "issue"');
  const asked = input.refunds ?? [];
  if (new Set(asked.map((r) => r.contributionId)).size !== asked.length) throw badRequest('body.refunds', 'names a contribution twice');
  let refunded = 0;
  await ctx.db.transaction(async (tx) => {
    const { group, order } = await lockOrder(tx, id);
    orderLifecycle.assert(order.status, 'checked');
    if (asked.length) {
      const ids = asked.map((r) => r.contributionId);
      const held = await tx
        .select({ contribution: contributions, payment: payments })
        .from(contributions)
        .innerJoin(payments, and(eq(payments.contributionId, contributions.id), eq(payments.status, 'successful')))
        .where(and(inArray(contributions.id, ids), eq(contributions.groupId, group.id), eq(contributions.status, 'paid')))
        .for('update');
      const byId = new Map(held.map((h) => [h.contribution.id, h]));
      for (const [i, r] of asked.entries()) {
        const h = byId.get(r.contributionId);
        if (!h) throw badRequest(`body.refunds[${i}].contributionId`, "is not a paid contribution of this order's group");
        const left = h.payment.totalAmount - (await partlyRefunded(tx, h.payment.id));
        if (r.amount > left) throw badRequest(`body.refunds[${i}].amount`, `is more than the ${left} left of that payment`);
        await schedulePartialRefund(tx, h.payment, r.amount, `quality issue: ${input.note}`);
        refunded += r.amount;
      }
    }
    const now = new Date();
    const checked = await orderLifecycle.move(tx, order.id, order.status, 'checked', {
      checkedAt: now,
      qualityNote: input.note ?? null,
      refundedAmount: order.refundedAmount + refunded,
      updatedAt: now,
    });
    await followOrder(ctx, tx, group, checked, 'admin', adminId);
    await onOrderChecked(ctx, tx, checked);
    await tellOrganisation(tx, order.supplierId, issue ? 'order-checked-issue' : 'order-checked', {
      number: `PO-${order.number}`,
      group: group.title,
      note: input.note ?? '',
      refunded: refunded ? formatMoney(refunded, order.currency) : '',
    });
  });
  if (refunded) await processPendingRefunds(ctx, providerFor(ctx), log);
  return getOrder(ctx.db, id);
}
