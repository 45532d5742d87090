import type { FastifyInstance } from 'fastify';
import { groups, products, supplierOrders } from '../../api/db/schema.ts';
import type { Db } from '../../api/db/client.ts';

let n = 0;

export type OrderRow = typeof supplierOrders.$inferSelect;

/**
 * A group of the organisation's product and its purchase order, written straight into the tables
 * in the state asked for (accepted by default), as the orders module leaves them: for testing
 * invoices and payouts on their own.
 */
export async function orderOf(
  db: Db | FastifyInstance,
  supplierId: string,
  over: { quantity?: number; unitPrice?: number; status?: OrderRow['status']; currency?: 'USD' | 'ZWG'; acceptedAt?: Date; deliveredAt?: Date | null; eta?: Date | null } = {},
): Promise<OrderRow> {
  const d = 'ctx' in db ? db.ctx.db : db;
  n += 1;
  const quantity = over.quantity ?? 20;
  const unitPrice = over.unitPrice ?? 1450;
  const [product] = await d
    .insert(products)
    .values({ supplierId, sku: `MONEY-${n}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, name: 'Roller meal 10 kg', description: 'White maize roller meal', category: 'mealie-meal', unit: 'bag', unitPrice })
    .returning();
  const [group] = await d
    .insert(groups)
    .values({ productId: product!.id, title: `Roller meal for Mbare ${n}`, status: 'ordered', moq: quantity, deadline: new Date(Date.now() - 86_400_000), unitPrice, paidQuantity: quantity })
    .returning();
  const [order] = await d
    .insert(supplierOrders)
    .values({
      groupId: group!.id,
      supplierId,
      status: over.status ?? 'accepted',
      quantity,
      unitPrice,
      currency: over.currency ?? 'USD',
      subtotal: quantity * unitPrice,
      acceptedAt: over.acceptedAt ?? new Date(),
      deliveredAt: over.deliveredAt ?? null,
      eta: over.eta ?? null,
    })
    .returning();
  return order!;
}
