import type { Tx } from '../../db/client.ts';
import type { supplierOrders } from '../../db/schema.ts';
import { orderEvent } from './events.ts';

export type OrderRow = typeof supplierOrders.$inferSelect;

// What else happens when an order reaches a milestone, in the transaction of its move. The
// invoices and payouts modules add their steps here (an invoice on acceptance, a payout after the
// quality check), so the order module does not reach into theirs.

/** The supplier accepted the order (status accepted; quantity and subtotal are final). */
export async function onOrderAccepted(tx: Tx, order: OrderRow): Promise<void> {
  await orderEvent(tx, 'order.updated', order);
}

/** The admin's quality check passed the order (status checked; refundedAmount holds any partial refunds). */
export async function onOrderChecked(tx: Tx, order: OrderRow): Promise<void> {
  await orderEvent(tx, 'order.updated', order);
}
