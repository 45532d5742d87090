import type { Queryable } from '../../db/client.ts';
import type { supplierOrders } from '../../db/schema.ts';
import { recordEvent } from '../events/domain-events.ts';

/** order.created / order.updated for the organisation's feed (webhooks), with the order's status. */
export async function orderEvent(tx: Queryable, type: 'order.created' | 'order.updated', order: typeof supplierOrders.$inferSelect, extra: Record<string, unknown> = {}) {
  await recordEvent(tx, {
    type,
    supplierId: order.supplierId,
    groupId: order.groupId,
    data: {
      id: order.id,
      number: `PO-${order.number}`,
      status: order.status,
      groupId: order.groupId,
      quantity: order.quantity,
      unitPrice: order.unitPrice,
      subtotal: order.subtotal,
      currency: order.currency,
      carrier: order.carrier,
      trackingNumber: order.trackingNumber,
      eta: order.eta?.toISOString() ?? null,
      ...extra,
    },
  });
}
