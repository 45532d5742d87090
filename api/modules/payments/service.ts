import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import type { Queryable, Tx } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { encodeCursor, keyset, page } from '../../db/pagination.ts';
import { contributions, groups, payments, products, refunds, users, webhookEvents } from '../../db/schema.ts';
import { HttpProblem, badRequest, conflict, notFound, unauthorized } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { joinable } from '../groups/lifecycle.ts';
import { release } from '../groups/joins.ts';
import { contributionLifecycle } from '../groups/contribution-lifecycle.ts';
import { lockStake } from '../groups/locks.ts';
import { lockGroup } from '../groups/service.ts';
import { applyTransition } from '../groups/transitions.ts';
import { syncPendingOrder } from '../orders/service.ts';
import { recordEvent, recordGroupEvent } from '../events/domain-events.ts';
import { enqueue } from '../notifications/outbox.ts';
import { formatMoney } from '../notifications/templates.ts';
import { paymentLifecycle } from './lifecycle.ts';
import { providerFor } from './provider.ts';
import { parseFlutterwaveWebhook, ProviderError, verifyWebhookSignature, type Currency, type VerifiedTransaction } from './providers/index.ts';
import { processPendingRefunds, scheduleRefund } from './refunds.ts';
import { handleTransferWebhook } from '../payouts/service.ts';
import type { Body, Query } from '../../openapi/contract.ts';

type PaymentRow = typeof payments.$inferSelect;


const badGateway = (err: unknown) =>
  new HttpProblem(502, 'provider-error', 'Payment provider error', `The payment provider failed: ${(err as Error).message}`);

async function paymentViews(db: Queryable, rows: PaymentRow[]) {
  if (rows.length === 0) return [];
  const ids = rows.map((p) => p.id);
  const [refundRows, groupIds] = await Promise.all([
    db.select().from(refunds).where(idIn(refunds.paymentId, ids)).orderBy(refunds.createdAt),
    db
      .select({ id: contributions.id, groupId: contributions.groupId })
      .from(contributions)
      .where(idIn(contributions.id, rows.map((p) => p.contributionId))),
  ]);
  const groupOf = new Map(groupIds.map((r) => [r.id, r.groupId]));
  return rows.map((p) => ({
    id: p.id,
    contributionId: p.contributionId,
    groupId: groupOf.get(p.contributionId)!,
    traderId: p.traderId,
    provider: p.provider,
    txRef: p.txRef,
    status: p.status,
    currency: p.currency,
    goodsAmount: p.goodsAmount,
    feeAmount: p.feeAmount,
    totalAmount: p.totalAmount,
    lines: [
      { label: 'Goods', amount: p.goodsAmount },
      { label: 'Platform fee', amount: p.feeAmount },
    ],
    checkoutUrl: p.checkoutUrl,
    flaggedReason: p.flaggedReason,
    createdAt: p.createdAt.toISOString(),
    verifiedAt: p.verifiedAt?.toISOString() ?? null,
    refunds: refundRows
      .filter((r) => r.paymentId === p.id)
      .map((r) => ({ id: r.id, amount: r.amount, currency: r.currency, status: r.status, reason: r.reason, error: r.error, createdAt: r.createdAt.toISOString() })),
  }));
}

export async function paymentView(db: Queryable, id: string) {
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  if (!row) throw notFound(`Payment ${id}`);
  return (await paymentViews(db, [row]))[0]!;
}

export type InitializeInput = Body<'initializePayment'>;

/** Goods and fee for a contribution in the currency the trader pays in, in minor units. */
export function priceOf(ctx: AppContext, quantity: number, unitPriceUsd: number, currency: Currency) {
  const goodsUsd = quantity * unitPriceUsd;
  const goods = currency === 'USD' ? goodsUsd : Math.round(goodsUsd * ctx.config.payments.zwgPerUsd);
  const fee = Math.round((goods * ctx.config.payments.feePercent) / 100);
  return { goods, fee, total: goods + fee };
}

/**
 * A checkout returns the trader to `redirectUrl`: only to an origin this platform trusts, or any
 * site could use our checkout to send traders to a page of its own that looks like ours.
 */
function assertTrustedRedirect(ctx: AppContext, redirectUrl: string | undefined): void {
  if (redirectUrl === undefined) return;
  const origin = new URL(redirectUrl).origin;
  if (!ctx.config.redirectOrigins.includes(origin)) {
    throw badRequest('body.redirectUrl', `must be on one of this platform's origins (${ctx.config.redirectOrigins.join(', ')}); add others with PAYMENT_REDIRECT_ORIGINS`);
  }
}

export async function initializePayment(ctx: AppContext, trader: AuthUser, input: InitializeInput) {
  assertTrustedRedirect(ctx, input.redirectUrl);
  const currency = input.currency ?? 'USD';
  const [c] = await ctx.db.select().from(contributions).where(eq(contributions.id, input.contributionId));
  if (!c || c.traderId !== trader.id) throw notFound(`Contribution ${input.contributionId}`);
  if (c.status !== 'pending_payment') {
    throw conflict(`The contribution is ${c.status.replace('_', ' ')}; only unpaid contributions can be paid`, { currentState: c.status });
  }
  if (c.reservedUntil && c.reservedUntil < new Date()) throw conflict('The reservation has lapsed; join the group again');
  const [g] = await ctx.db.select().from(groups).where(eq(groups.id, c.groupId));
  if (!joinable.includes(g!.status) || g!.deadline < new Date()) throw conflict(`The group is ${g!.status} and no longer takes payments`, { currentState: g!.status });
  const [user] = await ctx.db.select().from(users).where(eq(users.id, trader.id));
  const { goods, fee, total } = priceOf(ctx, c.quantity, c.unitPrice, currency);
  const provider = providerFor(ctx);

  const created = await ctx.db.transaction(async (tx) => {
    const pending = (await lockStake(tx, c.id)).payments.filter((p) => p.status === 'pending');
    // The same checkout again (a double tap): hand back the one already open.
    const same = pending.find((p) => p.currency === currency && p.totalAmount === total && p.checkoutUrl);
    if (same) return { payment: same, fresh: false };
    // A checkout in another currency or amount is superseded.
    for (const p of pending) await paymentLifecycle.move(tx, p.id, 'pending', 'abandoned', { updatedAt: new Date() });
    const [row] = await tx
      .insert(payments)
      .values({
        contributionId: c.id,
        traderId: trader.id,
        provider: provider.name,
        txRef: `CS-${randomUUID()}`,
        goodsAmount: goods,
        feeAmount: fee,
        totalAmount: total,
        currency,
        paymentOptions: input.paymentMethod === 'card' ? 'card' : 'mobilemoneyzimbabwe,card',
      })
      .returning();
    // Give the trader time to finish the checkout before the reservation lapses.
    const minimum = new Date(Date.now() + 15 * 60_000);
    if (!c.reservedUntil || c.reservedUntil < minimum) {
      await tx.update(contributions).set({ reservedUntil: minimum }).where(eq(contributions.id, c.id));
    }
    return { payment: row!, fresh: true };
  });
  if (!created.fresh) return paymentView(ctx.db, created.payment.id);

  const p = created.payment;
  try {
    const [product] = await ctx.db.select({ name: products.name }).from(products).where(eq(products.id, g!.productId));
    const { checkoutUrl } = await provider.initialize({
      txRef: p.txRef,
      amount: total,
      currency,
      redirectUrl: input.redirectUrl ?? `${ctx.config.publicUrl}/api/payments/return`,
      paymentOptions: p.paymentOptions,
      customer: { email: user!.email, name: user!.name, phone: user!.phone },
      title: `${c.quantity} x ${product?.name ?? g!.title}`,
      meta: { contributionId: c.id, groupId: g!.id, paymentId: p.id },
    });
    await ctx.db.update(payments).set({ checkoutUrl, updatedAt: new Date() }).where(eq(payments.id, p.id));
  } catch (err) {
    await paymentLifecycle.move(ctx.db, p.id, 'pending', 'failed', { flaggedReason: `checkout not created: ${(err as Error).message}`, updatedAt: new Date() });
    if (err instanceof ProviderError) throw badGateway(err);
    throw err;
  }
  return paymentView(ctx.db, p.id);
}

export type VerifyOutcome = 'credited' | 'already_final' | 'pending' | 'failed' | 'mismatch' | 'unknown_tx_ref' | 'refunded_late';

async function notifyAdmins(tx: Tx, template: string, payload: Record<string, unknown>) {
  const admins = await tx.select().from(users).where(and(eq(users.role, 'admin'), eq(users.active, true)));
  await enqueue(tx, admins.map((a) => ({ userId: a.id, channel: 'email' as const, recipient: a.email, template, payload })));
}

/**
 * The one verification path (webhook, finalize, the return page and the reconcile job all use it):
 * asks the provider what happened and credits the contribution only when status, amount, currency
 * and tx_ref all match what we asked for. Safe to run any number of times.
 */
export async function verifyAndApply(
  ctx: AppContext,
  txRef: string,
  transactionId?: string,
  /** Runs in the transaction that applies the outcome (the webhook records its event there). */
  onApplied?: (tx: Tx, outcome: VerifyOutcome) => Promise<unknown>,
): Promise<{ outcome: VerifyOutcome; paymentId?: string }> {
  const [p] = await ctx.db.select().from(payments).where(eq(payments.txRef, txRef));
  if (!p) return { outcome: 'unknown_tx_ref' };
  if (p.status !== 'pending' && p.status !== 'abandoned') return { outcome: 'already_final', paymentId: p.id };
  let verified;
  try {
    verified = await providerFor(ctx).verify({ transactionId: transactionId ?? p.providerTransactionId ?? undefined, txRef });
  } catch (err) {
    throw err instanceof ProviderError ? badGateway(err) : err;
  }
  if (!verified || verified.status === 'pending') return { outcome: 'pending', paymentId: p.id };

  const problems: string[] = [];
  if (verified.txRef !== p.txRef) problems.push(`tx_ref ${verified.txRef} is not ${p.txRef}`);
  if (verified.status === 'successful' && verified.amount !== p.totalAmount) problems.push(`amount ${verified.amount} is not ${p.totalAmount}`);
  if (verified.status === 'successful' && verified.currency !== p.currency) problems.push(`currency ${verified.currency} is not ${p.currency}`);

  return ctx.db.transaction(async (tx) => {
    const result = await applyVerified(ctx, tx, p, verified, problems);
    await onApplied?.(tx, result.outcome);
    return result;
  });
}

/** payment.confirmed | payment.failed, for the trader's user channel (and admins). */
// goods, fee and the pickup point are for the analytics store, which mirrors these events (revenue
// and fees per market: api/modules/events/domain-events.ts).
function paymentEvent(type: string, p: PaymentRow, groupId: string, pickupPointId: string, extra: Record<string, unknown>) {
  return {
    type,
    userId: p.traderId,
    groupId,
    data: { paymentId: p.id, txRef: p.txRef, contributionId: p.contributionId, amount: p.totalAmount, goods: p.goodsAmount, fee: p.feeAmount, currency: p.currency, pickupPointId, ...extra },
  };
}

/** The verified outcome applied to a payment under its locks (verifyAndApply's transaction). */
async function applyVerified(ctx: AppContext, tx: Tx, p: PaymentRow, verified: VerifiedTransaction, problems: string[]) {
  const txRef = p.txRef;
  const { group: g, contribution, payments: held } = await lockStake(tx, p.contributionId);
  const payment = held.find((h) => h.id === p.id)!;
  if (payment.status !== 'pending' && payment.status !== 'abandoned') return { outcome: 'already_final' as const, paymentId: p.id };
  const now = new Date();

  if (problems.length) {
    const reason = `provider reported ${problems.join(', ')}`;
    await paymentLifecycle.move(tx, p.id, payment.status, 'mismatch', { flaggedReason: reason, providerTransactionId: verified.id, verifiedAt: now, updatedAt: now });
    await notifyAdmins(tx, 'payment-flagged', { txRef, reason, paymentId: p.id });
    await recordEvent(tx, paymentEvent('payment.failed', p, g.id, contribution.pickupPointId, { outcome: 'mismatch' }));
    return { outcome: 'mismatch' as const, paymentId: p.id };
  }

  if (verified.status !== 'successful') {
    await paymentLifecycle.move(tx, p.id, payment.status, 'failed', { providerTransactionId: verified.id, verifiedAt: now, updatedAt: now });
    // A failed payment gives the reserved units back.
    if (contribution.status === 'pending_payment') await release(tx, contribution, 'cancelled');
    await recordEvent(tx, paymentEvent('payment.failed', p, g.id, contribution.pickupPointId, { outcome: 'failed' }));
    return { outcome: 'failed' as const, paymentId: p.id };
  }

  const paid = await paymentLifecycle.move(tx, p.id, payment.status, 'successful', {
    providerTransactionId: verified.id,
    verifiedAt: now,
    flaggedReason: null,
    updatedAt: now,
  });
  const q = contribution.quantity;
  let credit = false;
  if (contribution.status === 'pending_payment') {
    credit = true;
    await tx.update(groups).set({ reservedQuantity: sql`${groups.reservedQuantity} - ${q}` }).where(eq(groups.id, g.id));
  } else if (contribution.status === 'lapsed' || contribution.status === 'cancelled') {
    // Paid after the reservation ended: credit it if the group still has room, else refund.
    const left = g.maxQuantity === null ? Infinity : g.maxQuantity - g.reservedQuantity - g.paidQuantity;
    const [other] = await tx
      .select({ id: contributions.id })
      .from(contributions)
      .where(and(eq(contributions.groupId, g.id), eq(contributions.traderId, contribution.traderId), inArray(contributions.status, ['pending_payment', 'paid'])));
    credit = joinable.includes(g.status) && left >= q && !other;
  }
  if (!credit) {
    await scheduleRefund(tx, paid, 'paid after the reservation ended', { flaggedReason: 'paid after the reservation ended; refunded' });
    return { outcome: 'refunded_late' as const, paymentId: p.id };
  }
  await contributionLifecycle.move(tx, contribution.id, contribution.status, 'paid', { paidAt: now, reservedUntil: null, updatedAt: now });
  const [updated] = await tx
    .update(groups)
    .set({ paidQuantity: sql`${groups.paidQuantity} + ${q}`, updatedAt: now })
    .where(eq(groups.id, g.id))
    .returning();
  const [user] = await tx.select().from(users).where(eq(users.id, p.traderId));
  const [product] = await tx.select({ name: products.name }).from(products).where(eq(products.id, g.productId));
  await enqueue(tx, [
    {
      userId: p.traderId,
      channel: 'sms',
      recipient: user!.phone,
      template: 'payment-received',
      payload: { group: g.title, amount: formatMoney(p.totalAmount, p.currency), quantity: q, product: product?.name, txRef },
    },
  ]);
  await recordEvent(tx, paymentEvent('payment.confirmed', p, g.id, contribution.pickupPointId, { quantity: q }));
  await recordGroupEvent(tx, 'group.progress', g.id);
  // Paid quantity reaching the MOQ funds the group.
  if (updated!.status === 'open' && updated!.paidQuantity >= updated!.moq) {
    await applyTransition(ctx, tx, updated!, 'funded', 'system', null, 'minimum order quantity paid');
  } else if (updated!.status === 'funded') {
    // Still funded: the order waiting for the supplier grows with the payment.
    await syncPendingOrder(tx, updated!);
  }
  return { outcome: 'credited' as const, paymentId: p.id };
}

/** After verification, refunds it scheduled are sent to the provider. */
async function verifyThenRefund(ctx: AppContext, txRef: string, transactionId?: string, log?: FastifyBaseLogger) {
  const result = await verifyAndApply(ctx, txRef, transactionId);
  if (result.outcome === 'refunded_late') await processPendingRefunds(ctx, providerFor(ctx), log);
  return result;
}

/**
 * Outcomes that do not finish an event: pending (Flutterwave has not decided: an early delivery)
 * and received (left by a process that stopped mid-event before this was so). A later delivery
 * with the same key does the work; any other recorded outcome makes it a replay.
 */
const unfinishedOutcomes = ['pending', 'received'];

/**
 * A Flutterwave webhook. The event is recorded as handled in the transaction that applies its
 * effect (verifyAndApply's onApplied), so a delivery whose effect never committed (still pending at
 * Flutterwave, the provider unreachable, the process killed) leaves no handled record, and the
 * next delivery with the same key does the work instead of being taken for a replay.
 */
export async function handleFlutterwaveWebhook(ctx: AppContext, signature: string | undefined, body: unknown, log?: FastifyBaseLogger) {
  if (!verifyWebhookSignature(signature, ctx.config.payments.secretHash)) throw unauthorized('The webhook signature (verif-hash) is missing or wrong');
  // Flutterwave sends every event to the one webhook URL: transfers are payouts' (api/modules/payouts).
  if (typeof body === 'object' && body !== null && (body as { event?: unknown }).event === 'transfer.completed') return handleTransferWebhook(ctx, body, log);
  const event = parseFlutterwaveWebhook(body);
  const key = and(eq(webhookEvents.provider, 'flutterwave'), eq(webhookEvents.eventKey, event.eventKey));
  const [seen] = await ctx.db.select({ outcome: webhookEvents.outcome }).from(webhookEvents).where(key);
  if (seen && !unfinishedOutcomes.includes(seen.outcome)) return { received: true, outcome: 'replay' };

  const record = (db: Queryable, outcome: string) =>
    db
      .insert(webhookEvents)
      .values({ provider: 'flutterwave', eventKey: event.eventKey, txRef: event.txRef ?? null, outcome, payload: body as object })
      .onConflictDoUpdate({
        target: [webhookEvents.provider, webhookEvents.eventKey],
        set: { outcome, payload: body as object },
        setWhere: inArray(webhookEvents.outcome, unfinishedOutcomes),
      });
  if (!event.txRef) {
    await record(ctx.db, 'ignored');
    return { received: true, outcome: 'ignored' };
  }
  const { outcome } = await verifyAndApply(ctx, event.txRef, event.transactionId, (tx, applied) => record(tx, applied));
  // Outcomes decided before any effect (unknown tx_ref, already final, pending) are recorded here;
  // one applied above is final already and stays as it is.
  await record(ctx.db, outcome);
  if (outcome === 'refunded_late') await processPendingRefunds(ctx, providerFor(ctx), log);
  return { received: true, outcome };
}

export async function finalizePayment(ctx: AppContext, trader: AuthUser, txRef: string, transactionId?: string) {
  const [p] = await ctx.db.select().from(payments).where(eq(payments.txRef, txRef));
  if (!p || (p.traderId !== trader.id && trader.role !== 'admin')) throw notFound(`Payment ${txRef}`);
  await verifyThenRefund(ctx, txRef, transactionId);
  return paymentView(ctx.db, p.id);
}

export async function getPayment(ctx: AppContext, viewer: AuthUser, id: string) {
  const view = await paymentView(ctx.db, id);
  if (view.traderId !== viewer.id && viewer.role !== 'admin') throw notFound(`Payment ${id}`);
  return view;
}

export type PaymentQuery = Query<'listPayments'>;

/** Admins see every payment; a trader (anyone else) only their own, whatever the filters say. */
export async function listPayments(ctx: AppContext, viewer: AuthUser, query: PaymentQuery) {
  const conditions: (SQL | undefined)[] = [];
  if (viewer.role !== 'admin') conditions.push(eq(payments.traderId, viewer.id));
  if (query.status) conditions.push(eq(payments.status, query.status));
  if (query.flagged === true) conditions.push(isNotNull(payments.flaggedReason));
  if (query.flagged === false) conditions.push(sql`${payments.flaggedReason} is null`);
  if (query.groupId) {
    conditions.push(inArray(payments.contributionId, ctx.db.select({ id: contributions.id }).from(contributions).where(eq(contributions.groupId, query.groupId))));
  }
  const sort = { expr: sql`extract(epoch from ${payments.createdAt})::float8`, type: 'float8' as const, direction: 'desc' as const };
  const { where, order } = keyset(sort, payments.id, query.cursor);
  conditions.push(where);
  const rows = await ctx.db
    .select({ p: payments, key: sql<number>`${sort.expr}` })
    .from(payments)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.p.id));
  return { items: await paymentViews(ctx.db, result.items.map((r) => r.p)), nextCursor: result.nextCursor };
}

/** Admin: refund a successful payment in full; the trader's units leave the group. */
export async function refundPayment(ctx: AppContext, id: string, reason: string, log?: FastifyBaseLogger) {
  const [p] = await ctx.db.select().from(payments).where(eq(payments.id, id));
  if (!p) throw notFound(`Payment ${id}`);
  await ctx.db.transaction(async (tx) => {
    const { group: g, contribution, payments: held } = await lockStake(tx, p.contributionId);
    const payment = held.find((h) => h.id === id)!;
    paymentLifecycle.assert(payment.status, 'refund_pending', `Only successful payments can be refunded; this one is ${payment.status}`);
    if (contribution.status === 'paid') {
      await contributionLifecycle.move(tx, contribution.id, 'paid', 'refunded', { updatedAt: new Date() });
      await tx.update(groups).set({ paidQuantity: sql`${groups.paidQuantity} - ${contribution.quantity}` }).where(eq(groups.id, g.id));
      await recordGroupEvent(tx, 'group.progress', g.id);
    }
    await scheduleRefund(tx, payment, reason);
  });
  await processPendingRefunds(ctx, providerFor(ctx), log);
  return paymentView(ctx.db, id);
}

/**
 * Job: payments left pending are checked with the provider. Ones the provider still does not
 * know after the reservation window are abandoned and their units released. Pending refunds are
 * retried.
 */
export async function reconcilePendingPayments(ctx: AppContext, log?: FastifyBaseLogger, now = new Date()) {
  const olderThan = new Date(now.getTime() - 2 * 60_000);
  const stale = await ctx.db
    .select()
    .from(payments)
    .where(and(eq(payments.status, 'pending'), lt(payments.createdAt, olderThan)))
    .orderBy(desc(payments.createdAt))
    .limit(200);
  const counts = { checked: 0, credited: 0, failed: 0, abandoned: 0, refunds: 0 };
  const abandonAfter = (ctx.config.reservationMinutes + 15) * 60_000;
  for (const p of stale) {
    counts.checked += 1;
    try {
      const { outcome } = await verifyAndApply(ctx, p.txRef);
      if (outcome === 'credited') counts.credited += 1;
      if (outcome === 'failed' || outcome === 'mismatch') counts.failed += 1;
      if (outcome === 'pending' && now.getTime() - p.createdAt.getTime() > abandonAfter) {
        await abandon(ctx, p);
        counts.abandoned += 1;
      }
    } catch (err) {
      log?.warn({ err, txRef: p.txRef }, 'could not verify a pending payment');
    }
  }
  const refundsDone = await processPendingRefunds(ctx, providerFor(ctx), log);
  counts.refunds = refundsDone.succeeded;
  return counts;
}

async function abandon(ctx: AppContext, p: PaymentRow) {
  await ctx.db.transaction(async (tx) => {
    const { contribution, payments: held } = await lockStake(tx, p.contributionId);
    if (held.find((h) => h.id === p.id)!.status !== 'pending') return;
    await paymentLifecycle.move(tx, p.id, 'pending', 'abandoned', { updatedAt: new Date() });
    if (contribution.status === 'pending_payment') await release(tx, contribution, 'lapsed');
  });
}

/** Job: open groups past their deadline below their MOQ expire, and every payment is refunded. */
export async function expireOverdueGroups(ctx: AppContext, log?: FastifyBaseLogger, now = new Date()) {
  const overdue = await ctx.db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.status, 'open'), lt(groups.deadline, now)));
  let expired = 0;
  for (const { id } of overdue) {
    await ctx.db.transaction(async (tx) => {
      const g = await lockGroup(tx, id);
      if (g.status !== 'open' || g.deadline >= now) return;
      await applyTransition(ctx, tx, g, 'expired', 'system', null, 'deadline passed below the MOQ');
      expired += 1;
    });
  }
  crashPoint('expire:committed');
  const refunded = expired ? await processPendingRefunds(ctx, providerFor(ctx), log) : { succeeded: 0, failed: 0 };
  return { expired, refunded: refunded.succeeded, refundsFailed: refunded.failed };
}
