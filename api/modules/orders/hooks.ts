import type { AppContext } from '../../context.ts';
import type { Tx } from '../../db/client.ts';
import type { supplierOrders } from '../../db/schema.ts';
import { issueInvoice } from '../invoices/issue.ts';
import { schedulePayout } from '../payouts/service.ts';
import { orderEvent } from './events.ts';

export type OrderRow = typeof supplierOrders.$inferSelect;

// What else happens when an order reaches a milestone, in the transaction of its move. The
// invoices and payouts modules add their steps here (an invoice on acceptance, a payout after the
// quality check), so the order module does not reach into theirs.

/**
 * The supplier accepted the order (status accepted; quantity and subtotal are final): its invoice
 * is issued in this transaction, so a rolled-back acceptance takes its invoice number with it.
 */
export async function onOrderAccepted(ctx: AppContext, tx: Tx, order: OrderRow): Promise<void> {
  await orderEvent(tx, 'order.updated', order);
  await issueInvoice(ctx, tx, order);
}

/**
 * The admin's quality check passed the order (status checked; refundedAmount holds any partial
 * refunds): a pending payout of the invoice less commission and refunds, sent after commit by the
 * send-payouts job.
 */
export async function onOrderChecked(ctx: AppContext, tx: Tx, order: OrderRow): Promise<void> {
  await orderEvent(tx, 'order.updated', order);
  await schedulePayout(ctx, tx, order);
}
