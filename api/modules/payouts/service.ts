import { createHash } from 'node:crypto';
import { and, asc, eq, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Db, Queryable, Tx } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { invoices, payouts, supplierOrders, suppliers, webhookEvents } from '../../db/schema.ts';
import type { Query } from '../../openapi/contract.ts';
import { recordEvent } from '../events/domain-events.ts';
import { issueInvoice, orderNumber } from '../invoices/issue.ts';
import { markInvoicePaid } from '../invoices/service.ts';
import { formatMoney } from '../notifications/templates.ts';
import { readFlutterwaveWebhook } from '@connectsphere/sdk';
import type { OrganisationActor } from '../suppliers/membership.ts';
import { notifyAdmins, notifyOwners } from '../suppliers/organisations.ts';
import { maskedPayoutAccount } from '../suppliers/views.ts';
import type { Currency } from '../payments/providers/types.ts';
import { payoutLifecycle } from './lifecycle.ts';
import { transferProviderFor } from './provider.ts';
import type { TransferProvider, TransferResult } from './transfers.ts';

type OrderRow = typeof supplierOrders.$inferSelect;
type PayoutRow = typeof payouts.$inferSelect;

const claimBatch = 20;
const claimMs = (ctx: AppContext) => ctx.config.money.payoutClaimSeconds * 1000;

const describeAccount = (p: Pick<PayoutRow, 'account'>) => {
  const a = maskedPayoutAccount(p.account)!;
  return a.method === 'bank' ? `${a.bankName} ${a.accountNumber}` : `${a.network} ${a.phone}`;
};

/**
 * After the quality check (api/modules/orders/hooks.ts, in its transaction): a pending payout of
 * the invoice's payable amount (total less commission), less any partial refunds the check made,
 * to the organisation's payout account as it stands now. Sent after commit by the send-payouts job.
 * One per order; an order without an invoice gets it issued here first.
 */
export async function schedulePayout(ctx: AppContext, tx: Tx, order: OrderRow): Promise<PayoutRow | null> {
  const [existing] = await tx.select().from(payouts).where(eq(payouts.orderId, order.id));
  if (existing) return existing;
  const [inv] = await tx.select().from(invoices).where(eq(invoices.orderId, order.id));
  const invoice = inv ?? (await issueInvoice(ctx, tx, order));
  const [supplier] = await tx.select().from(suppliers).where(eq(suppliers.id, order.supplierId));
  const refunded = order.refundedAmount;
  const amount = invoice.payableAmount - refunded;
  const po = orderNumber(order.number);
  if (!supplier?.payoutAccount || amount <= 0) {
    const reason = !supplier?.payoutAccount ? 'the organisation has no payout account' : 'nothing is left to pay after refunds';
    await recordEvent(tx, { type: 'payout.failed', supplierId: order.supplierId, groupId: order.groupId, data: { orderId: order.id, reason } });
    await notifyAdmins(tx, 'payout-failed', { order: po, amount: formatMoney(Math.max(amount, 0), invoice.currency), account: 'no account', reason });
    return null;
  }
  const [payout] = await tx
    .insert(payouts)
    .values({
      supplierId: order.supplierId,
      orderId: order.id,
      invoiceId: invoice.id,
      reference: `CS-PAYOUT-${po}`,
      amount,
      currency: invoice.currency,
      account: supplier.payoutAccount,
      provider: ctx.config.payments.provider,
    })
    .returning();
  const p = payout!;
  await recordEvent(tx, { type: 'payout.pending', supplierId: p.supplierId, groupId: order.groupId, data: { id: p.id, orderId: order.id, amount: p.amount, currency: p.currency, reference: p.reference } });
  await notifyOwners(tx, p.supplierId, 'payout-pending', { order: po, amount: formatMoney(p.amount, p.currency), invoice: invoice.number, account: describeAccount(p), reference: p.reference });
  return p;
}

/**
 * Claims up to `batch` pending payouts for this sender, as refunds are claimed
 * (api/modules/payments/refunds.ts): locked with SKIP LOCKED, moved to sending with a lease, and
 * committed before the provider is called, so each payout reaches the provider at most once.
 */
async function claimPayouts(ctx: AppContext, batch: number) {
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.select({ id: payouts.id }).from(payouts).where(eq(payouts.status, 'pending')).orderBy(asc(payouts.createdAt)).limit(batch).for('update', { skipLocked: true });
    if (rows.length === 0) return [];
    return payoutLifecycle.moveAll(tx, idIn(payouts.id, rows.map((r) => r.id)), ['pending'], 'sending', {
      claimedUntil: new Date(Date.now() + claimMs(ctx)),
      updatedAt: new Date(),
    });
  });
}

/** Job (send-payouts): sends every pending payout and records what the provider answered. */
export async function processPendingPayouts(ctx: AppContext, provider: TransferProvider = transferProviderFor(ctx), log?: FastifyBaseLogger) {
  const counts = { paid: 0, processing: 0, failed: 0 };
  for (;;) {
    const claimed = await claimPayouts(ctx, claimBatch);
    if (claimed.length === 0) break;
    for (const payout of claimed) {
      let result: TransferResult;
      try {
        result = await provider.transfer({
          reference: payout.reference,
          amount: payout.amount,
          currency: payout.currency as Currency,
          account: payout.account,
          narration: `ConnectSphere payout ${payout.reference}`,
        });
      } catch (err) {
        log?.error({ err, payoutId: payout.id }, 'payout transfer failed');
        await settle(ctx.db, payout.id, { transferId: '', status: 'failed', reference: payout.reference, amount: payout.amount, currency: payout.currency }, (err as Error).message);
        counts.failed += 1;
        continue;
      }
      const outcome = await settle(ctx.db, payout.id, result);
      if (outcome === 'paid') counts.paid += 1;
      else if (outcome === 'failed') counts.failed += 1;
      else counts.processing += 1;
    }
  }
  return counts;
}

/**
 * What the provider says about a payout, in one transaction under the payout's row lock: a
 * transfer that does not match it (amount, currency, reference, or another transfer id) changes
 * nothing and flags it; otherwise pending → processing, completed → paid (the invoice paid, the
 * owners told), failed → failed (owners and admins told). A payout already final stays as it is.
 */
export async function settle(db: Db, payoutId: string, result: TransferResult, error?: string): Promise<'paid' | 'failed' | 'processing' | 'mismatch' | 'already_final'> {
  return db.transaction(async (tx) => {
    const [p] = await tx.select().from(payouts).where(eq(payouts.id, payoutId)).for('update');
    if (!p) throw new Error(`payout ${payoutId} is gone`);
    if (p.status === 'paid' || p.status === 'failed') return 'already_final';
    const now = new Date();
    if (result.transferId) {
      const problem = mismatch(p, result);
      if (problem) {
        await tx.update(payouts).set({ flaggedReason: problem, updatedAt: now }).where(eq(payouts.id, p.id));
        await notifyAdmins(tx, 'payout-failed', { order: p.reference, amount: formatMoney(p.amount, p.currency), account: describeAccount(p), reason: `flagged: ${problem}` });
        return 'mismatch';
      }
    }
    const providerTransferId = result.transferId || p.providerTransferId;
    const [order] = await tx.select({ number: supplierOrders.number, groupId: supplierOrders.groupId }).from(supplierOrders).where(eq(supplierOrders.id, p.orderId));
    const po = orderNumber(order!.number);
    if (result.status === 'pending') {
      if (p.status === 'sending') await payoutLifecycle.move(tx, p.id, 'sending', 'processing', { providerTransferId, claimedUntil: null, updatedAt: now });
      return 'processing';
    }
    if (result.status === 'failed') {
      const reason = error ?? result.message ?? 'refused by the provider';
      await payoutLifecycle.move(tx, p.id, p.status, 'failed', { providerTransferId, error: reason, claimedUntil: null, updatedAt: now });
      await recordEvent(tx, { type: 'payout.failed', supplierId: p.supplierId, groupId: order!.groupId, data: { id: p.id, orderId: p.orderId, amount: p.amount, currency: p.currency, reference: p.reference, reason } });
      const payload = { order: po, amount: formatMoney(p.amount, p.currency), account: describeAccount(p), reason };
      await notifyOwners(tx, p.supplierId, 'payout-failed', payload);
      await notifyAdmins(tx, 'payout-failed', payload);
      return 'failed';
    }
    await payoutLifecycle.move(tx, p.id, p.status, 'paid', { providerTransferId, paidAt: now, claimedUntil: null, updatedAt: now });
    await markInvoicePaid(tx, p.orderId, now);
    await recordEvent(tx, { type: 'payout.paid', supplierId: p.supplierId, groupId: order!.groupId, data: { id: p.id, orderId: p.orderId, amount: p.amount, currency: p.currency, reference: p.reference } });
    await notifyOwners(tx, p.supplierId, 'payout-paid', { order: po, amount: formatMoney(p.amount, p.currency), account: describeAccount(p), reference: p.reference });
    return 'paid';
  });
}

function mismatch(p: PayoutRow, r: TransferResult): string | null {
  const diffs: string[] = [];
  if (p.providerTransferId && p.providerTransferId !== r.transferId) diffs.push(`transfer ${r.transferId}, expected ${p.providerTransferId}`);
  if (r.reference !== p.reference) diffs.push(`reference ${r.reference || '(none)'}, expected ${p.reference}`);
  if (r.amount !== p.amount) diffs.push(`amount ${r.amount}, expected ${p.amount}`);
  if (r.currency !== p.currency) diffs.push(`currency ${r.currency}, expected ${p.currency}`);
  return diffs.length ? `the provider's transfer does not match: ${diffs.join('; ')}` : null;
}

/** Outcomes after which a later delivery of the same event may still do the work. */
const unfinished = ['pending', 'received'];

/**
 * A transfer.completed webhook (the signature was checked by the payments webhook route). The
 * delivery is recorded by (transfer id, status), so a replay changes nothing. The body is matched
 * to our payout by its reference; one whose amount, currency or reference differ is recorded as a
 * mismatch and flags the payout without moving it. The body proves nothing by itself: the
 * provider is asked about the transfer, and only its answer settles the payout.
 */
export async function handleTransferWebhook(ctx: AppContext, body: unknown, log?: FastifyBaseLogger) {
  const event = readFlutterwaveWebhook(body);
  const data = (body as { data?: Record<string, unknown> }).data ?? {};
  const reference = typeof data.reference === 'string' ? data.reference : undefined;
  // Keyed by the transfer, its status and the body's hash: a retried delivery is the same body (a
  // replay), while a forged or garbled body with the same id is its own event, so recording it
  // as a mismatch never turns the genuine delivery into a "replay".
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
  const eventKey = `transfer:${event.transactionId ?? reference ?? 'unknown'}:${event.status ?? ''}:${digest}`;
  const key = and(eq(webhookEvents.provider, 'flutterwave'), eq(webhookEvents.eventKey, eventKey));
  const [seen] = await ctx.db.select({ outcome: webhookEvents.outcome }).from(webhookEvents).where(key);
  if (seen && !unfinished.includes(seen.outcome)) return { received: true, outcome: 'replay' };
  const record = (db: Queryable, outcome: string) =>
    db
      .insert(webhookEvents)
      .values({ provider: 'flutterwave', eventKey, txRef: reference ?? null, outcome, payload: body as object })
      .onConflictDoUpdate({ target: [webhookEvents.provider, webhookEvents.eventKey], set: { outcome, payload: body as object }, setWhere: sql`${webhookEvents.outcome} in ('pending', 'received')` });

  const [payout] = reference ? await ctx.db.select().from(payouts).where(eq(payouts.reference, reference)) : [];
  const byId = !payout && event.transactionId ? (await ctx.db.select().from(payouts).where(eq(payouts.providerTransferId, event.transactionId)))[0] : undefined;
  const target = payout ?? byId;
  if (!target || !event.transactionId) {
    await record(ctx.db, 'unknown_reference');
    return { received: true, outcome: 'unknown_reference' };
  }
  const claimed: TransferResult = { transferId: event.transactionId, status: 'pending', reference: reference ?? '', amount: event.amount ?? -1, currency: event.currency ?? '' };
  const bodyProblem = mismatch(target, claimed);
  if (bodyProblem) {
    await ctx.db.update(payouts).set({ flaggedReason: `webhook: ${bodyProblem}`, updatedAt: new Date() }).where(eq(payouts.id, target.id));
    await record(ctx.db, 'mismatch');
    log?.warn({ payoutId: target.id, problem: bodyProblem }, 'transfer webhook does not match its payout');
    return { received: true, outcome: 'mismatch' };
  }
  let result: TransferResult | null;
  try {
    result = await transferProviderFor(ctx).transferStatus(event.transactionId);
  } catch (err) {
    log?.warn({ err, payoutId: target.id }, 'could not ask the provider about a transfer');
    await record(ctx.db, 'pending');
    return { received: true, outcome: 'pending' };
  }
  if (!result) {
    await record(ctx.db, 'unknown_reference');
    return { received: true, outcome: 'unknown_reference' };
  }
  const outcome = await settle(ctx.db, target.id, result);
  await record(ctx.db, outcome === 'processing' ? 'pending' : outcome);
  return { received: true, outcome: outcome === 'processing' ? 'pending' : outcome };
}

/**
 * Job (reconcile-payouts): payouts the provider queued (processing) are looked up
 * (GET /v3/transfers/{id}; the sandbox its ledger) and settled when it has decided, without relying
 * on the webhook. Payouts still sending after their lease (the sender stopped between claiming and
 * recording) are not sent again: whether the transfer left is unknown, so they are flagged for an
 * admin, which keeps every payout at most once.
 */
export async function reconcilePayouts(ctx: AppContext, provider: TransferProvider = transferProviderFor(ctx), log?: FastifyBaseLogger, now = new Date()) {
  const counts = { paid: 0, failed: 0, waiting: 0, flagged: 0 };
  const waiting = await ctx.db.select().from(payouts).where(eq(payouts.status, 'processing')).orderBy(asc(payouts.createdAt)).limit(200);
  for (const p of waiting) {
    try {
      const result = p.providerTransferId ? await provider.transferStatus(p.providerTransferId) : null;
      if (!result || result.status === 'pending') {
        counts.waiting += 1;
        continue;
      }
      const outcome = await settle(ctx.db, p.id, result);
      if (outcome === 'paid') counts.paid += 1;
      else if (outcome === 'failed') counts.failed += 1;
      else if (outcome === 'mismatch') counts.flagged += 1;
    } catch (err) {
      counts.waiting += 1;
      log?.warn({ err, payoutId: p.id }, 'could not ask the provider about a payout');
    }
  }
  const lapsed = await ctx.db
    .update(payouts)
    .set({ flaggedReason: 'its sender stopped while sending: check the transfer with this reference at the provider before sending it again', updatedAt: now })
    .where(and(eq(payouts.status, 'sending'), lt(payouts.claimedUntil, now), sql`${payouts.flaggedReason} is null`))
    .returning({ id: payouts.id });
  counts.flagged += lapsed.length;
  return counts;
}

export function payoutView(p: PayoutRow, poNumber: number) {
  return {
    id: p.id,
    supplierId: p.supplierId,
    orderId: p.orderId,
    orderNumber: orderNumber(poNumber),
    invoiceId: p.invoiceId,
    reference: p.reference,
    amount: p.amount,
    currency: p.currency,
    account: maskedPayoutAccount(p.account)!,
    status: p.status,
    provider: p.provider,
    providerTransferId: p.providerTransferId,
    error: p.error,
    flaggedReason: p.flaggedReason,
    createdAt: p.createdAt.toISOString(),
    paidAt: p.paidAt?.toISOString() ?? null,
  };
}

async function listPayouts(db: Queryable, conditions: (SQL | undefined)[], limit: number, cursor: string | undefined) {
  const sort: SortKey = { expr: sql`extract(epoch from ${payouts.createdAt})::float8`, type: 'float8', direction: 'desc' };
  const { where, order } = keyset(sort, payouts.id, cursor);
  const rows = await db
    .select({ payout: payouts, poNumber: supplierOrders.number, key: sql<number>`${sort.expr}` })
    .from(payouts)
    .innerJoin(supplierOrders, eq(supplierOrders.id, payouts.orderId))
    .where(and(...conditions, where))
    .orderBy(order)
    .limit(limit + 1);
  const result = page(rows, limit, (r) => encodeCursor(Number(r.key), r.payout.id));
  return { items: result.items.map((r) => payoutView(r.payout, r.poNumber)), nextCursor: result.nextCursor };
}

/** The organisation's own payouts, newest first. */
export function listSupplierPayouts(db: Queryable, actor: OrganisationActor, query: Query<'listSupplierPayouts'>) {
  return listPayouts(db, [eq(payouts.supplierId, actor.organisation.id), query.status ? eq(payouts.status, query.status) : undefined], query.limit, query.cursor);
}

/** Admins: every payout, by status, organisation, or flagged ones. */
export function listAdminPayouts(db: Queryable, query: Query<'listAdminPayouts'>) {
  return listPayouts(
    db,
    [
      query.status ? eq(payouts.status, query.status) : undefined,
      query.supplierId ? eq(payouts.supplierId, query.supplierId) : undefined,
      query.flagged === true ? isNotNull(payouts.flaggedReason) : query.flagged === false ? sql`${payouts.flaggedReason} is null` : undefined,
    ],
    query.limit,
    query.cursor,
  );
}
