import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Tx } from '../../db/client.ts';
import { groups, invoices, products, supplierOrders, suppliers, type InvoiceIssuer, type InvoiceLine } from '../../db/schema.ts';
import { recordEvent } from '../events/domain-events.ts';
import { formatMoney } from '../notifications/templates.ts';
import { notifyOwners } from '../suppliers/organisations.ts';
import { invoiceAmounts } from './math.ts';
import { nextInvoiceNumber } from './numbering.ts';

type OrderRow = typeof supplierOrders.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;

const dayMs = 86_400_000;
export const orderNumber = (n: number) => `PO-${n}`;

/**
 * Issues the invoice of an order the supplier just accepted, inside the accepting transaction
 * (api/modules/orders/hooks.ts): the number, the amounts at today's rates, the issuer's details
 * as they stand, invoice.issued on the event feed and the owners told. An order has one invoice:
 * a second call for the same order returns the first.
 */
export async function issueInvoice(ctx: AppContext, tx: Tx, order: OrderRow, now = new Date()): Promise<InvoiceRow> {
  const [already] = await tx.select().from(invoices).where(eq(invoices.orderId, order.id));
  if (already) return already;
  const [row] = await tx
    .select({ supplier: suppliers, product: products, groupTitle: groups.title })
    .from(groups)
    .innerJoin(products, eq(products.id, groups.productId))
    .innerJoin(suppliers, eq(suppliers.id, order.supplierId))
    .where(eq(groups.id, order.groupId));
  if (!row) throw new Error(`order ${order.id} has no group or organisation`);
  const { supplier, product } = row;

  const { vatRateBp, commissionRateBp, invoiceDueDays } = ctx.config.money;
  const lines: InvoiceLine[] = [
    {
      description: `${product.name} (${orderNumber(order.number)}, ${row.groupTitle})`,
      quantity: order.quantity,
      unit: product.unit,
      unitPrice: order.unitPrice,
      amount: order.quantity * order.unitPrice,
    },
  ];
  const subtotal = lines.reduce((sum, l) => sum + l.amount, 0);
  const amounts = invoiceAmounts(subtotal, vatRateBp, commissionRateBp);
  const issuer: InvoiceIssuer = {
    name: supplier.name,
    address: supplier.address,
    area: supplier.area,
    taxNumber: supplier.taxNumber,
    registrationNumber: supplier.registrationNumber,
    email: supplier.email,
    phone: supplier.phone,
  };
  // Last before the insert: the counter stays locked from here to commit, so keep that short.
  const { sequence, number } = await nextInvoiceNumber(tx, supplier);
  const [invoice] = await tx
    .insert(invoices)
    .values({
      supplierId: supplier.id,
      orderId: order.id,
      groupId: order.groupId,
      sequence,
      number,
      currency: order.currency,
      lines,
      issuer,
      ...amounts,
      vatRateBp,
      commissionRateBp,
      issuedAt: now,
      dueAt: new Date(now.getTime() + invoiceDueDays * dayMs),
    })
    .returning();
  const inv = invoice!;
  await recordEvent(tx, {
    type: 'invoice.issued',
    supplierId: supplier.id,
    groupId: order.groupId,
    data: { id: inv.id, number: inv.number, orderId: order.id, total: inv.total, currency: inv.currency, dueAt: inv.dueAt.toISOString() },
  });
  await notifyOwners(tx, supplier.id, 'invoice-issued', {
    id: inv.id,
    number: inv.number,
    order: orderNumber(order.number),
    group: row.groupTitle,
    total: formatMoney(inv.total, inv.currency),
    payable: formatMoney(inv.payableAmount, inv.currency),
    due: inv.dueAt.toISOString().slice(0, 10),
  });
  return inv;
}
