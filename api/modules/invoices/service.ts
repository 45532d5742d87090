import { and, asc, eq, lte, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { invoiceReminders, invoices, supplierOrders } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { Query } from '../../openapi/contract.ts';
import { recordEvent } from '../events/domain-events.ts';
import { formatMoney } from '../notifications/templates.ts';
import type { OrganisationActor } from '../suppliers/membership.ts';
import { notifyAdmins } from '../suppliers/organisations.ts';
import { orderNumber, type InvoiceRow } from './issue.ts';
import { invoiceLifecycle } from './lifecycle.ts';
import { formatRate } from './math.ts';

const dayMs = 86_400_000;

export function invoiceView(row: InvoiceRow, poNumber: number) {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    supplierId: row.supplierId,
    orderId: row.orderId,
    orderNumber: orderNumber(poNumber),
    groupId: row.groupId,
    currency: row.currency,
    lines: row.lines,
    subtotal: row.subtotal,
    vatRate: formatRate(row.vatRateBp),
    vatAmount: row.vatAmount,
    total: row.total,
    commissionRate: formatRate(row.commissionRateBp),
    commissionAmount: row.commissionAmount,
    payableAmount: row.payableAmount,
    issuer: row.issuer,
    issuedAt: row.issuedAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    paidAt: row.paidAt?.toISOString() ?? null,
    pdfUrl: `/api/invoices/${row.id}.pdf`,
  };
}
export type InvoiceView = ReturnType<typeof invoiceView>;

const withOrder = (db: Queryable) =>
  db.select({ invoice: invoices, poNumber: supplierOrders.number }).from(invoices).innerJoin(supplierOrders, eq(supplierOrders.id, invoices.orderId));

/** The organisation's invoices, newest first; only its own, whatever the filters. */
export async function listInvoices(db: Queryable, actor: OrganisationActor, query: Query<'listSupplierInvoices'>) {
  const conditions: (SQL | undefined)[] = [eq(invoices.supplierId, actor.organisation.id)];
  if (query.status) conditions.push(eq(invoices.status, query.status));
  const sort: SortKey = { expr: sql`extract(epoch from ${invoices.issuedAt})::float8`, type: 'float8', direction: 'desc' };
  const { where, order } = keyset(sort, invoices.id, query.cursor);
  conditions.push(where);
  const rows = await db
    .select({ invoice: invoices, poNumber: supplierOrders.number, key: sql<number>`${sort.expr}` })
    .from(invoices)
    .innerJoin(supplierOrders, eq(supplierOrders.id, invoices.orderId))
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.invoice.id));
  return { items: result.items.map((r) => invoiceView(r.invoice, r.poNumber)), nextCursor: result.nextCursor };
}

/**
 * One invoice: an organisation sees only its own (another's is a 404, as if it did not exist);
 * `actor` null is an admin, who sees any.
 */
export async function getInvoice(db: Queryable, actor: OrganisationActor | null, id: string): Promise<InvoiceView> {
  const [row] = await withOrder(db).where(and(eq(invoices.id, id), actor ? eq(invoices.supplierId, actor.organisation.id) : undefined));
  if (!row) throw notFound(`Invoice ${id}`);
  return invoiceView(row.invoice, row.poNumber);
}

/** The invoice of an order, paid by its payout (in the payout's transaction). */
export async function markInvoicePaid(tx: Queryable, orderId: string, at: Date) {
  const [inv] = await tx.select().from(invoices).where(eq(invoices.orderId, orderId)).for('update');
  if (!inv || inv.status === 'paid') return;
  const paid = await invoiceLifecycle.move(tx, inv.id, inv.status, 'paid', { paidAt: at, updatedAt: at });
  await recordEvent(tx, { type: 'invoice.paid', supplierId: paid.supplierId, groupId: paid.groupId, data: { id: paid.id, number: paid.number, total: paid.total, currency: paid.currency } });
}

/**
 * Job (invoice-reminders): for each reminder day (INVOICE_REMINDER_DAYS, e.g. 7 and 1 days before
 * the due date) the unpaid invoices due within that many days are reminded about: the admins (the
 * platform pays them, through the payout) by email, invoice.reminder on the organisation's feed.
 * The reminder's row (invoice, days) is inserted first and only a row that was new sends anything,
 * in the same transaction, so each reminder goes out once however often the job runs. Unpaid
 * invoices past their due date become overdue.
 */
export async function remindDueInvoices(ctx: AppContext, now = new Date()) {
  let reminded = 0;
  const days = ctx.config.money.reminderDays; // largest first
  const horizon = days[0] ?? 0;
  const due = await ctx.db
    .select({ id: invoices.id, dueAt: invoices.dueAt })
    .from(invoices)
    .where(and(eq(invoices.status, 'issued'), lte(invoices.dueAt, new Date(now.getTime() + horizon * dayMs)), sql`${invoices.dueAt} > ${now}`))
    .orderBy(asc(invoices.dueAt))
    .limit(1000);
  for (const { id, dueAt } of due) {
    // The closest reminder that applies: an invoice found a day before its due date gets the
    // 1-day reminder only, not the 7-day one as well.
    const daysBefore = [...days].reverse().find((d) => dueAt.getTime() - now.getTime() <= d * dayMs);
    if (daysBefore === undefined) continue;
    const sent = await ctx.db.transaction(async (tx) => {
      const [inv] = await tx.select().from(invoices).where(and(eq(invoices.id, id), eq(invoices.status, 'issued')));
      if (!inv) return false;
      const [fresh] = await tx.insert(invoiceReminders).values({ invoiceId: id, daysBefore, sentAt: now }).onConflictDoNothing().returning();
      if (!fresh) return false;
      const left = Math.max(0, Math.ceil((inv.dueAt.getTime() - now.getTime()) / dayMs));
      await recordEvent(tx, {
        type: 'invoice.reminder',
        supplierId: inv.supplierId,
        groupId: inv.groupId,
        data: { id: inv.id, number: inv.number, dueAt: inv.dueAt.toISOString(), daysBefore, payableAmount: inv.payableAmount, currency: inv.currency },
      });
      await notifyAdmins(tx, 'invoice-reminder', {
        number: inv.number,
        organisation: inv.issuer.name,
        payable: formatMoney(inv.payableAmount, inv.currency),
        due: inv.dueAt.toISOString().slice(0, 10),
        days: left,
      });
      return true;
    });
    if (sent) reminded += 1;
  }
  const overdue = (await invoiceLifecycle.moveAll(ctx.db, lte(invoices.dueAt, now), ['issued'], 'overdue', { updatedAt: now })).length;
  return { reminded, overdue };
}

