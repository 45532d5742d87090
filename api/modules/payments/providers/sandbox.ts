// The embedded default provider: behaves like Flutterwave with nothing outside the machine.
//
// initialize stores a pending sandbox transaction and points at our own checkout page; the page's
// Pay / Fail buttons (plain form posts, so `curl -d action=pay <url>` works) call
// completeSandboxCheckout, which settles the transaction and hands the route the exact webhook
// Flutterwave would send plus the redirect Flutterwave would do. verify and refund read and write
// the same table. Amounts are stored in minor units; the webhook speaks major units like Flutterwave.

import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../../../db/client.ts';
import { sandboxTransactions } from '../../../db/schema.ts';
import { conflict, notFound } from '../../../errors.ts';
import { formatMinor, toMajor } from './money.ts';
import { transactionStatus } from './statuses.ts';
import {
  ProviderError,
  type Currency,
  type InitializeInput,
  type PaymentProvider,
  type RefundResult,
  type VerifiedTransaction,
} from './types.ts';

export type SandboxTransaction = typeof sandboxTransactions.$inferSelect;

/** Where the checkout goes back to when initialize was given no redirect URL (relative: our own return page). */
export const defaultReturnPath = '/api/payments/return';

export const sandboxCheckoutPath = (txRef: string) => `/api/payments/sandbox/checkout/${encodeURIComponent(txRef)}`;

export function createSandboxProvider(db: Db, publicUrl: string): PaymentProvider {
  const base = publicUrl.replace(/\/+$/, '');

  async function initialize(input: InitializeInput): Promise<{ checkoutUrl: string }> {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
      throw new ProviderError(`Amount must be a positive integer in minor units, got ${input.amount}`);
    }
    if (input.txRef === '' || input.txRef.length > 100) throw new ProviderError('tx_ref must be 1 to 100 characters');
    const inserted = await db
      .insert(sandboxTransactions)
      .values({
        txRef: input.txRef,
        amount: input.amount,
        currency: input.currency,
        customerEmail: input.customer.email,
        redirectUrl: input.redirectUrl || null,
      })
      .onConflictDoNothing({ target: sandboxTransactions.txRef })
      .returning({ id: sandboxTransactions.id });
    if (inserted.length === 0) {
      // The same tx_ref again: like Flutterwave, hand back the checkout while it is still the same,
      // unpaid charge; refuse a tx_ref reused for something else.
      const existing = await findSandboxTransaction(db, input.txRef);
      if (!existing || existing.status !== 'pending' || existing.amount !== input.amount || existing.currency !== input.currency) {
        throw new ProviderError(`tx_ref ${input.txRef} was already used for another checkout`);
      }
    }
    return { checkoutUrl: `${base}${sandboxCheckoutPath(input.txRef)}` };
  }

  async function verify(query: { transactionId?: string; txRef: string }): Promise<VerifiedTransaction | null> {
    const byId = query.transactionId !== undefined && /^\d{1,15}$/.test(query.transactionId);
    const [row] = await db
      .select()
      .from(sandboxTransactions)
      .where(byId ? eq(sandboxTransactions.id, Number(query.transactionId)) : eq(sandboxTransactions.txRef, query.txRef))
      .limit(1);
    if (!row) return null;
    return {
      id: String(row.id),
      txRef: row.txRef,
      status: transactionStatus(row.status),
      amount: row.amount,
      currency: row.currency,
    };
  }

  async function refund(transactionId: string, amount: number, currency: Currency): Promise<RefundResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new ProviderError(`Refund amount must be a positive integer in minor units, got ${amount}`);
    }
    if (!/^\d{1,15}$/.test(transactionId)) throw new ProviderError('No transaction was found for this id');
    const id = Number(transactionId);
    // One statement: two refunds racing cannot both pass the "not more than paid" check.
    const [updated] = await db
      .update(sandboxTransactions)
      .set({ refundedAmount: sql`${sandboxTransactions.refundedAmount} + ${amount}` })
      .where(
        and(
          eq(sandboxTransactions.id, id),
          eq(sandboxTransactions.status, 'successful'),
          eq(sandboxTransactions.currency, currency),
          sql`${sandboxTransactions.refundedAmount} + ${amount} <= ${sandboxTransactions.amount}`,
        ),
      )
      .returning({ id: sandboxTransactions.id, refundedAmount: sandboxTransactions.refundedAmount });
    if (updated) return { refundId: `sandbox-refund-${randomUUID()}`, status: 'succeeded' };

    const [row] = await db.select().from(sandboxTransactions).where(eq(sandboxTransactions.id, id)).limit(1);
    if (!row) throw new ProviderError('No transaction was found for this id');
    if (row.status !== 'successful') throw new ProviderError(`Cannot refund a transaction that is ${row.status}`);
    if (row.currency !== currency) throw new ProviderError(`The transaction is in ${row.currency}, not ${currency}`);
    throw new ProviderError(
      `Cannot refund ${formatMinor(amount, row.currency)}: only ${formatMinor(row.amount - row.refundedAmount, row.currency)} of ${formatMinor(row.amount, row.currency)} is left to refund`,
    );
  }

  /** The sandbox refunds in full at once: a transaction with anything refunded had its refund made. */
  async function refundStatus(query: { transactionId: string; refundId?: string }): Promise<RefundResult | null> {
    if (!/^\d{1,15}$/.test(query.transactionId)) return null;
    const [row] = await db.select().from(sandboxTransactions).where(eq(sandboxTransactions.id, Number(query.transactionId))).limit(1);
    if (!row || row.refundedAmount === 0) return null;
    return { refundId: query.refundId ?? `sandbox-refund-of-${row.id}`, status: 'succeeded' };
  }

  return { name: 'sandbox', initialize, verify, refund, refundStatus };
}

/** The sandbox transaction with this tx_ref (for the checkout page route), or undefined. */
export async function findSandboxTransaction(db: Queryable, txRef: string): Promise<SandboxTransaction | undefined> {
  const [row] = await db.select().from(sandboxTransactions).where(eq(sandboxTransactions.txRef, txRef)).limit(1);
  return row;
}

export interface SandboxWebhook {
  headers: Record<string, string>;
  body: {
    event: 'charge.completed';
    data: {
      id: number;
      tx_ref: string;
      flw_ref: string;
      amount: number;
      currency: string;
      charged_amount: number;
      app_fee: number;
      status: 'successful' | 'failed';
      payment_type: string;
      created_at: string;
      customer: { email: string };
    };
  };
}

/**
 * Settles a pending sandbox checkout as paid or failed, in one transaction, and returns the webhook
 * Flutterwave would send for it (to be delivered to our own webhook route) and where to redirect the
 * trader (the checkout's redirect URL with status, tx_ref and transaction_id added).
 * Throws HttpProblem 404 for an unknown tx_ref and 409 (with currentState) when it is not pending.
 */
export async function completeSandboxCheckout(
  db: Db,
  txRef: string,
  action: 'pay' | 'fail',
  secretHash: string,
): Promise<{ webhook: SandboxWebhook; redirectTo: string }> {
  const status = action === 'pay' ? 'successful' : 'failed';
  const row = await db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(sandboxTransactions)
      .where(eq(sandboxTransactions.txRef, txRef))
      .for('update')
      .limit(1);
    if (!current) throw notFound('Sandbox checkout');
    if (current.status !== 'pending') {
      throw conflict(`This checkout is already ${current.status}`, { currentState: current.status });
    }
    const [settled] = await tx
      .update(sandboxTransactions)
      .set({ status })
      .where(and(eq(sandboxTransactions.id, current.id), eq(sandboxTransactions.status, 'pending')))
      .returning();
    if (!settled) throw conflict('This checkout was settled meanwhile', { currentState: 'unknown' });
    return settled;
  });

  const amount = toMajor(row.amount);
  const webhook: SandboxWebhook = {
    headers: { 'content-type': 'application/json', 'verif-hash': secretHash },
    body: {
      event: 'charge.completed',
      data: {
        id: row.id,
        tx_ref: row.txRef,
        flw_ref: `FLW-SANDBOX-${row.id}`,
        amount,
        currency: row.currency,
        charged_amount: amount,
        // Flutterwave's fee is the merchant's, shown for realism (1.4 %): it never changes `amount`.
        app_fee: toMajor(Math.round(row.amount * 0.014)),
        status,
        payment_type: 'card',
        created_at: row.createdAt.toISOString(),
        customer: { email: row.customerEmail },
      },
    },
  };
  return { webhook, redirectTo: redirectUrlFor(row, status) };
}

/** The redirect URL with status, tx_ref and transaction_id set, its other query parameters kept. */
function redirectUrlFor(row: SandboxTransaction, status: 'successful' | 'failed'): string {
  let url: URL;
  let relative = false;
  try {
    url = new URL(row.redirectUrl ?? '');
  } catch {
    url = new URL(defaultReturnPath, 'http://sandbox.invalid');
    relative = true;
  }
  url.searchParams.set('status', status);
  url.searchParams.set('tx_ref', row.txRef);
  url.searchParams.set('transaction_id', String(row.id));
  return relative ? `${url.pathname}${url.search}` : url.toString();
}

/** What the page shows of the payment behind a checkout (see payments/checkout-summary.ts). */
export interface CheckoutLines {
  item: string;
  unit: string;
  quantity: number;
  goods: number;
  fee: number;
  total: number;
  currency: string;
}

/**
 * The sandbox checkout page: self-contained HTML, no scripts, Pay and Fail as plain form posts.
 * Anyone holding the link can open it, so it shows what the payer needs (the item, quantity,
 * goods, fee and total) and nothing about who pays: no email, name or phone.
 */
export function renderCheckoutPage(tx: Pick<SandboxTransaction, 'txRef' | 'amount' | 'currency' | 'status'>, lines?: CheckoutLines | null): string {
  const amount = escapeHtml(formatMinor(tx.amount, tx.currency));
  const money = (minor: number) => escapeHtml(formatMinor(minor, lines!.currency));
  const details = lines
    ? [
        `<dt>Item</dt><dd>${escapeHtml(lines.item)}</dd>`,
        `<dt>Quantity</dt><dd>${lines.quantity} × ${escapeHtml(lines.unit)}</dd>`,
        `<dt>Goods</dt><dd>${money(lines.goods)}</dd>`,
        `<dt>Fee</dt><dd>${money(lines.fee)}</dd>`,
        `<dt>Total</dt><dd>${money(lines.total)}</dd>`,
      ].join('\n')
    : '';
  const form = (action: 'pay' | 'fail', label: string, cls: string) =>
    `<form method="post"><input type="hidden" name="action" value="${action}"><button type="submit" class="${cls}">${label}</button></form>`;
  const actions =
    tx.status === 'pending'
      ? `<div class="actions">${form('pay', `Pay ${amount}`, 'pay')}${form('fail', 'Fail the payment', 'fail')}</div>`
      : `<p class="done">This checkout is already <strong>${escapeHtml(tx.status)}</strong>.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Sandbox checkout · ${amount}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f4f5;margin:0;padding:2rem 1rem;color:#18181b}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:.75rem;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.badge{display:inline-block;font-size:.75rem;background:#fef3c7;color:#92400e;padding:.15rem .5rem;border-radius:1rem}
.amount{font-size:2rem;font-weight:700;margin:.75rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;font-size:.9rem}dt{color:#71717a}dd{margin:0;word-break:break-all}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}form{flex:1}
button{width:100%;padding:.75rem;border:0;border-radius:.5rem;font-size:1rem;cursor:pointer}
.pay{background:#16a34a;color:#fff}.fail{background:#e4e4e7;color:#18181b}
</style>
</head>
<body>
<main>
<span class="badge">Sandbox: no real money moves</span>
<p class="amount">${amount}</p>
<dl>
${details}
<dt>Reference</dt><dd>${escapeHtml(tx.txRef)}</dd>
</dl>
${actions}
</main>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
