import { and, desc, eq, gt, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable, Tx } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { groups, products, quoteRequests, supplierQuotes, suppliers } from '../../db/schema.ts';
import { badRequest, conflict, notFound } from '../../errors.ts';
import type { Body } from '../../openapi/contract.ts';
import { recordEvent } from '../events/domain-events.ts';
import { lockGroup } from '../groups/service.ts';
import type { GroupRow } from '../groups/views.ts';
import { assertVerified, type OrganisationActor } from '../suppliers/membership.ts';
import { tellOrganisation } from './notify.ts';
import { cancelLiveOrder, createOrder, getOrder, liveOrderOf } from './service.ts';

type RequestRow = typeof quoteRequests.$inferSelect;
type QuoteRow = typeof supplierQuotes.$inferSelect;

/**
 * An admin opens a funded group for quotes instead of the direct order: a pending direct order is
 * called off, and every verified organisation serving the product's category is asked
 * (quote.requested for each, and their people told).
 */
export async function requestQuotes(ctx: AppContext, adminId: string, groupId: string, input: Body<'requestQuotes'>) {
  const deadline = new Date(input.deadline);
  if (deadline.getTime() <= Date.now()) throw badRequest('body.deadline', 'must be in the future');
  const id = await ctx.db.transaction(async (tx) => {
    const group = await lockGroup(tx, groupId);
    if (group.status !== 'funded') throw conflict(`Only a funded group can be opened for quotes; this one is ${group.status}`, { currentState: group.status });
    const live = await liveOrderOf(tx, groupId);
    if (live && live.status !== 'pending') throw conflict(`Order PO-${live.number} is already ${live.status}`, { currentState: live.status });
    const [product] = await tx.select().from(products).where(eq(products.id, group.productId));
    const invited = await tx
      .select({ id: suppliers.id })
      .from(suppliers)
      .where(and(eq(suppliers.status, 'verified'), sql`${product!.category}::text = any(${suppliers.categories})`));
    if (invited.length === 0) throw conflict(`No verified organisation serves ${product!.category}`);
    if (live) await cancelLiveOrder(tx, groupId, 'the group was opened for quotes');
    let request: RequestRow;
    try {
      [request] = (await tx
        .insert(quoteRequests)
        .values({
          groupId,
          category: product!.category,
          quantity: group.paidQuantity,
          currency: group.currency,
          deadline,
          requiredLeadTimeDays: input.requiredLeadTimeDays ?? null,
          invitedSupplierIds: invited.map((s) => s.id),
          createdBy: adminId,
        })
        .returning()) as [RequestRow];
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('This group already has an open request for quotes');
      throw err;
    }
    for (const s of invited) {
      await recordEvent(tx, { type: 'quote.requested', supplierId: s.id, groupId, data: requestData(request, group.title, product!) });
      await tellOrganisation(tx, s.id, 'quote-requested', {
        group: group.title,
        quantity: request.quantity,
        unit: product!.unit,
        product: product!.name,
        deadline: deadline.toISOString().slice(0, 16).replace('T', ' '),
        leadTime: request.requiredLeadTimeDays === null ? 'any' : `${request.requiredLeadTimeDays} days`,
        id: request.id,
      });
    }
    return request.id;
  });
  return requestWithQuotes(ctx.db, id);
}

function requestData(r: RequestRow, title: string, product: { id: string; name: string; unit: string }) {
  return {
    id: r.id,
    groupId: r.groupId,
    group: title,
    product: { id: product.id, name: product.name, unit: product.unit },
    category: r.category,
    quantity: r.quantity,
    currency: r.currency,
    deadline: r.deadline.toISOString(),
    requiredLeadTimeDays: r.requiredLeadTimeDays,
  };
}

function selectRequests(db: Queryable) {
  return db
    .select({ request: quoteRequests, group: { id: groups.id, title: groups.title, status: groups.status }, product: { id: products.id, name: products.name, unit: products.unit } })
    .from(quoteRequests)
    .innerJoin(groups, eq(groups.id, quoteRequests.groupId))
    .innerJoin(products, eq(products.id, groups.productId));
}
type RequestViewRow = Awaited<ReturnType<ReturnType<typeof selectRequests>['execute']>>[number];

function requestView(r: RequestViewRow) {
  const q = r.request;
  return {
    id: q.id,
    status: q.status,
    group: r.group,
    product: r.product,
    category: q.category,
    quantity: q.quantity,
    currency: q.currency,
    deadline: q.deadline.toISOString(),
    requiredLeadTimeDays: q.requiredLeadTimeDays,
    createdAt: q.createdAt.toISOString(),
  };
}

function quoteView(q: QuoteRow, supplierName?: string) {
  return {
    id: q.id,
    requestId: q.requestId,
    supplier: { id: q.supplierId, name: supplierName ?? '' },
    unitPrice: q.unitPrice,
    currency: q.currency,
    leadTimeDays: q.leadTimeDays,
    validUntil: q.validUntil.toISOString(),
    note: q.note,
    status: q.status,
    createdAt: q.createdAt.toISOString(),
    updatedAt: q.updatedAt.toISOString(),
  };
}

/** A request and every quote on it, cheapest first (the admin's view). */
export async function requestWithQuotes(db: Queryable, requestId: string) {
  const [row] = await selectRequests(db).where(eq(quoteRequests.id, requestId));
  if (!row) throw notFound(`Quote request ${requestId}`);
  const quotes = await db
    .select({ quote: supplierQuotes, name: suppliers.name })
    .from(supplierQuotes)
    .innerJoin(suppliers, eq(suppliers.id, supplierQuotes.supplierId))
    .where(eq(supplierQuotes.requestId, requestId))
    .orderBy(supplierQuotes.unitPrice, supplierQuotes.leadTimeDays, supplierQuotes.createdAt);
  return { ...requestView(row), quotes: quotes.map((q) => quoteView(q.quote, q.name)) };
}

/** The group's latest request for quotes, with its quotes (GET /api/admin/groups/{id}/quotes). */
export async function groupQuotes(db: Queryable, groupId: string) {
  const [latest] = await db.select({ id: quoteRequests.id }).from(quoteRequests).where(eq(quoteRequests.groupId, groupId)).orderBy(desc(quoteRequests.createdAt)).limit(1);
  if (!latest) throw notFound(`A request for quotes for group ${groupId}`);
  return requestWithQuotes(db, latest.id);
}

/** Requests the organisation was asked to quote on, newest first, each with its own quote (if any). */
export async function listSupplierQuoteRequests(db: Queryable, actor: OrganisationActor, status?: RequestRow['status']) {
  const orgId = actor.organisation.id;
  const rows = await selectRequests(db)
    .where(and(sql`${orgId}::uuid = any(${quoteRequests.invitedSupplierIds})`, status ? eq(quoteRequests.status, status) : undefined))
    .orderBy(desc(quoteRequests.createdAt))
    .limit(100);
  const mine = rows.length
    ? await db
        .select()
        .from(supplierQuotes)
        .where(and(eq(supplierQuotes.supplierId, orgId), sql`${supplierQuotes.requestId} in (${sql.join(rows.map((r) => sql`${r.request.id}::uuid`), sql`, `)})`))
    : [];
  const byRequest = new Map(mine.map((q) => [q.requestId, q]));
  return {
    items: rows.map((r) => {
      const q = byRequest.get(r.request.id);
      return { ...requestView(r), myQuote: q ? quoteView(q, actor.organisation.name) : null };
    }),
  };
}

/** The organisation quotes on a request it was asked about, while it is open; quoting again replaces its quote. */
export async function submitQuote(ctx: AppContext, actor: OrganisationActor, input: Body<'submitSupplierQuote'>) {
  assertVerified(actor);
  const orgId = actor.organisation.id;
  const validUntil = new Date(input.validUntil);
  if (validUntil.getTime() <= Date.now()) throw badRequest('body.validUntil', 'must be in the future');
  return ctx.db.transaction(async (tx) => {
    const [request] = await tx.select().from(quoteRequests).where(eq(quoteRequests.id, input.requestId)).for('update');
    // A request the organisation was not asked about does not exist for it.
    if (!request || !request.invitedSupplierIds.includes(orgId)) throw notFound(`Quote request ${input.requestId}`);
    if (request.status !== 'open') throw conflict(`The request for quotes is ${request.status}`, { currentState: request.status });
    if (request.deadline.getTime() <= Date.now()) throw conflict('The request for quotes closed at its deadline', { currentState: 'closed' });
    const values = { unitPrice: input.unitPrice, leadTimeDays: input.leadTimeDays, validUntil, note: input.note ?? null, updatedAt: new Date() };
    const [quote] = await tx
      .insert(supplierQuotes)
      .values({ requestId: request.id, supplierId: orgId, currency: request.currency, ...values })
      .onConflictDoUpdate({ target: [supplierQuotes.requestId, supplierQuotes.supplierId], set: values })
      .returning();
    await recordEvent(tx, { type: 'quote.submitted', supplierId: orgId, groupId: request.groupId, data: quoteView(quote!, actor.organisation.name) });
    return quoteView(quote!, actor.organisation.name);
  });
}

/**
 * Accepting a quote creates the order to its organisation at the quoted price (pending: the same
 * lifecycle as a direct order); the other quotes are declined and the request is awarded.
 */
async function award(tx: Tx, group: GroupRow, request: RequestRow, quote: QuoteRow) {
  if (group.status !== 'funded') throw conflict(`The group is ${group.status}; only a funded group's quote can be accepted`, { currentState: group.status });
  if (quote.status !== 'submitted') throw conflict(`The quote is ${quote.status}`, { currentState: quote.status });
  if (quote.validUntil.getTime() <= Date.now()) throw conflict(`The quote expired on ${quote.validUntil.toISOString()}`, { currentState: 'expired' });
  const live = await liveOrderOf(tx, group.id);
  if (live) throw conflict(`The group already has order PO-${live.number} (${live.status})`, { currentState: live.status });
  await tx.update(supplierQuotes).set({ status: 'accepted', updatedAt: new Date() }).where(eq(supplierQuotes.id, quote.id));
  const others = await tx
    .update(supplierQuotes)
    .set({ status: 'declined', updatedAt: new Date() })
    .where(and(eq(supplierQuotes.requestId, request.id), eq(supplierQuotes.status, 'submitted')))
    .returning();
  await tx.update(quoteRequests).set({ status: 'awarded' }).where(eq(quoteRequests.id, request.id));
  await recordEvent(tx, { type: 'quote.accepted', supplierId: quote.supplierId, groupId: group.id, data: { id: quote.id, requestId: request.id, status: 'accepted' } });
  for (const o of others) {
    await recordEvent(tx, { type: 'quote.rejected', supplierId: o.supplierId, groupId: group.id, data: { id: o.id, requestId: request.id, status: 'declined' } });
    await tellOrganisation(tx, o.supplierId, 'quote-declined', { group: group.title });
  }
  return createOrder(tx, group, quote.supplierId, { unitPrice: quote.unitPrice, quoteId: quote.id, leadTimeDays: quote.leadTimeDays });
}

export async function acceptQuote(ctx: AppContext, quoteId: string) {
  const id = await ctx.db.transaction(async (tx) => {
    const [quote] = await tx.select().from(supplierQuotes).where(eq(supplierQuotes.id, quoteId));
    if (!quote) throw notFound(`Quote ${quoteId}`);
    const [peek] = await tx.select({ groupId: quoteRequests.groupId }).from(quoteRequests).where(eq(quoteRequests.id, quote.requestId));
    // Group first, as every writer of the group takes its locks.
    const group = await lockGroup(tx, peek!.groupId);
    const [request] = await tx.select().from(quoteRequests).where(eq(quoteRequests.id, quote.requestId)).for('update');
    if (request!.status !== 'open') throw conflict(`The request for quotes is ${request!.status}`, { currentState: request!.status });
    return (await award(tx, group, request!, quote)).id;
  });
  return getOrder(ctx.db, id);
}

/**
 * The rule: of the group's open request, the cheapest quote still valid whose lead time meets the
 * required one (ties: shorter lead time, then the earlier quote). None is a 409.
 */
export async function acceptBestQuote(ctx: AppContext, groupId: string) {
  const id = await ctx.db.transaction(async (tx) => {
    const group = await lockGroup(tx, groupId);
    const [request] = await tx
      .select()
      .from(quoteRequests)
      .where(and(eq(quoteRequests.groupId, groupId), eq(quoteRequests.status, 'open')))
      .for('update');
    if (!request) throw notFound(`An open request for quotes for group ${groupId}`);
    const [best] = await tx
      .select()
      .from(supplierQuotes)
      .where(
        and(
          eq(supplierQuotes.requestId, request.id),
          eq(supplierQuotes.status, 'submitted'),
          gt(supplierQuotes.validUntil, new Date()),
          request.requiredLeadTimeDays === null ? undefined : sql`${supplierQuotes.leadTimeDays} <= ${request.requiredLeadTimeDays}`,
        ),
      )
      .orderBy(supplierQuotes.unitPrice, supplierQuotes.leadTimeDays, supplierQuotes.createdAt)
      .limit(1);
    if (!best) throw conflict('No valid quote meets the required lead time yet');
    return (await award(tx, group, request, best)).id;
  });
  return getOrder(ctx.db, id);
}
