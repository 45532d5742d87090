import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import type { Tx } from '../../db/client.ts';
import { contributions, groupEvents, groups, payments, pickupPasses, pickupPoints, products, users } from '../../db/schema.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { recordGroupEvent } from '../events/domain-events.ts';
import { enqueue, type OutgoingNotification } from '../notifications/outbox.ts';
import { formatMoney } from '../notifications/templates.ts';
import { providerFor } from '../payments/provider.ts';
import { processPendingRefunds, scheduleRefund } from '../payments/refunds.ts';
import { issuePassesForGroup } from '../qr/service.ts';
import { passLifecycle } from '../qr/lifecycle.ts';
import { contributionLifecycle } from './contribution-lifecycle.ts';
import { assertTransition, groupLifecycle, refunding, type Actor, type GroupStatus } from './lifecycle.ts';
import { cancelLiveOrder, orderForFundedGroup } from '../orders/service.ts';
import { getGroup, lockGroup } from './service.ts';
import type { GroupRow } from './views.ts';

/** Everyone with an open stake in the group, for telling them what happened. */
async function participants(tx: Tx, groupId: string) {
  return tx
    .select({ contribution: contributions, email: users.email, phone: users.phone, name: users.name })
    .from(contributions)
    .innerJoin(users, eq(users.id, contributions.traderId))
    .where(and(eq(contributions.groupId, groupId), inArray(contributions.status, ['pending_payment', 'paid'])));
}

/**
 * Moves a locked group to `to` and does what that state means, all in the caller's transaction:
 * funded and shipping updates notify participants; ready_for_pickup issues pickup passes; expired
 * and cancelled release reservations and schedule a refund of every payment. Refunds are sent to
 * the provider after commit (see processPendingRefunds), never while holding row locks.
 */
export async function applyTransition(
  ctx: AppContext,
  tx: Tx,
  group: GroupRow,
  to: GroupStatus,
  by: Actor,
  actorId: string | null,
  reason?: string,
  /** Told to paid participants by email and SMS instead of the plain status message (an order's tracking, say). */
  notice?: { template: string; payload: Record<string, unknown> },
) {
  assertTransition(group.status, to, by);
  await groupLifecycle.move(tx, group.id, group.status, to, { updatedAt: new Date() });
  await tx.insert(groupEvents).values({ groupId: group.id, fromStatus: group.status, toStatus: to, actorId, reason: reason ?? null });
  const people = await participants(tx, group.id);
  const notes: OutgoingNotification[] = [];
  const tell = (template: string, payload: Record<string, unknown>, p: (typeof people)[number]) =>
    notes.push({ userId: p.contribution.traderId, channel: 'email', recipient: p.email, template, payload: { group: group.title, name: p.name, ...payload } });

  if (refunding.includes(to)) {
    let released = 0;
    let paidRefunded = 0;
    for (const p of people) {
      const c = p.contribution;
      if (c.status === 'pending_payment') {
        released += c.quantity;
        await contributionLifecycle.move(tx, c.id, c.status, 'cancelled', { updatedAt: new Date() });
        tell('reservation-released', { quantity: c.quantity, reason: `the group was ${to}` }, p);
      } else {
        paidRefunded += c.quantity;
        await contributionLifecycle.move(tx, c.id, c.status, 'refunded', { updatedAt: new Date() });
        const [payment] = await tx
          .select()
          .from(payments)
          .where(and(eq(payments.contributionId, c.id), eq(payments.status, 'successful')));
        if (payment) {
          await scheduleRefund(tx, payment, `group ${to}`);
          tell('group-ended-refund', { status: to, amount: formatMoney(payment.totalAmount, payment.currency) }, p);
        }
      }
    }
    await tx
      .update(groups)
      .set({ reservedQuantity: sql`${groups.reservedQuantity} - ${released}`, paidQuantity: sql`${groups.paidQuantity} - ${paidRefunded}` })
      .where(eq(groups.id, group.id));
    // Passes are worthless once the goods will not come.
    await passLifecycle.moveAll(tx, eq(pickupPasses.groupId, group.id), ['active'], 'revoked', { revokedAt: new Date() });
    // The goods will not come: the purchase order, if one stands, is called off with the group.
    if (to === 'cancelled') await cancelLiveOrder(tx, group.id, reason ?? 'the group was cancelled');
  } else if (to === 'funded') {
    for (const p of people) if (p.contribution.status === 'paid') tell('group-funded', {}, p);
    // The purchase order to the product's organisation, in the transaction that funds the group.
    await orderForFundedGroup(tx, { ...group, status: 'funded' });
  } else if (to === 'ready_for_pickup') {
    await issuePassesForGroup(tx, ctx, group.id);
    const [product] = await tx.select().from(products).where(eq(products.id, group.productId));
    const points = new Map((await tx.select().from(pickupPoints)).map((pt) => [pt.id, pt.name]));
    const expires = new Date(Date.now() + ctx.config.passValidityDays * 86_400_000).toISOString().slice(0, 10);
    for (const p of people) {
      if (p.contribution.status !== 'paid') continue;
      tell('pickup-ready', { quantity: p.contribution.quantity, unit: product!.unit, product: product!.name, point: points.get(p.contribution.pickupPointId), expires }, p);
    }
  } else if (notice) {
    for (const p of people) {
      if (p.contribution.status !== 'paid') continue;
      tell(notice.template, notice.payload, p);
      notes.push({ userId: p.contribution.traderId, channel: 'sms', recipient: p.phone, template: notice.template, payload: { group: group.title, name: p.name, ...notice.payload } });
    }
  } else {
    for (const p of people) if (p.contribution.status === 'paid') tell('group-status', { status: to.replace(/_/g, ' ') }, p);
  }
  await enqueue(tx, notes);
  // Last, so its counts are the ones this transition left (a refunding end releases every unit).
  await recordGroupEvent(tx, 'group.status', group.id, { from: group.status, to, reason: reason ?? null });
}

/** An admin's request to move a group (POST /api/groups/{id}/transitions). */
export async function transitionGroup(ctx: AppContext, admin: AuthUser, id: string, to: GroupStatus, reason?: string) {
  await ctx.db.transaction(async (tx) => {
    const group = await lockGroup(tx, id);
    await applyTransition(ctx, tx, group, to, 'admin', admin.id, reason);
  });
  crashPoint('transition:committed');
  if (refunding.includes(to)) await processPendingRefunds(ctx, providerFor(ctx));
  return getGroup(ctx.db, admin, id);
}
