import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable, Tx } from '../../db/client.ts';
import { encodeCursor, keyset, page } from '../../db/pagination.ts';
import { groups, products, quoteRequests, supplierOrders, suppliers } from '../../db/schema.ts';
import { conflict, notFound } from '../../errors.ts';
import type { Body, Query } from '../../openapi/contract.ts';
import type { Actor } from '../groups/lifecycle.ts';
import { lockGroup } from '../groups/service.ts';
import { applyTransition } from '../groups/transitions.ts';
import type { GroupRow } from '../groups/views.ts';
import { formatMoney } from '../notifications/templates.ts';
import { assertVerified, type OrganisationActor } from '../suppliers/membership.ts';
import { orderEvent } from './events.ts';
import { onOrderAccepted, type OrderRow } from './hooks.ts';
import { groupFollows, orderLifecycle, type OrderStatus } from './lifecycle.ts';
import { tellAdmins, tellOrganisation } from './notify.ts';

export type { OrderRow };

const poNumber = (o: Pick<OrderRow, 'number'>) => `PO-${o.number}`;
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'not given');

/**
 * A purchase order for what the group's traders paid for, to one organisation, in the caller's
 * transaction (the group is locked): order.created is recorded and the organisation's people told.
 */
export async function createOrder(
  tx: Queryable,
  group: GroupRow,
  supplierId: string,
  terms: { unitPrice?: number; quoteId?: string; leadTimeDays?: number } = {},
): Promise<OrderRow> {
  const unitPrice = terms.unitPrice ?? group.unitPrice;
  const quantity = group.paidQuantity;
  const [order] = await tx
    .insert(supplierOrders)
    .values({
      groupId: group.id,
      supplierId,
      quoteId: terms.quoteId ?? null,
      quantity,
      unitPrice,
      currency: group.currency,
      subtotal: quantity * unitPrice,
      leadTimeDays: terms.leadTimeDays ?? null,
    })
    .returning();
  await orderEvent(tx, 'order.created', order!);
  const [product] = await tx.select({ name: products.name, unit: products.unit }).from(products).where(eq(products.id, group.productId));
  await tellOrganisation(tx, supplierId, 'order-created', {
    number: poNumber(order!),
    id: order!.id,
    group: group.title,
    quantity,
    unit: product?.unit ?? '',
    product: product?.name ?? '',
    amount: formatMoney(order!.subtotal, order!.currency),
  });
  return order!;
}

/** The group has just been funded (applyTransition): the order goes to its product's organisation. */
export async function orderForFundedGroup(tx: Tx, group: GroupRow): Promise<OrderRow> {
  const [product] = await tx.select({ supplierId: products.supplierId }).from(products).where(eq(products.id, group.productId));
  return createOrder(tx, group, product!.supplierId);
}

/** The group's standing order, if any (at most one: supplier_orders_live_group_key). */
export async function liveOrderOf(tx: Queryable, groupId: string): Promise<OrderRow | undefined> {
  const [row] = await tx
    .select()
    .from(supplierOrders)
    .where(and(eq(supplierOrders.groupId, groupId), sql`${supplierOrders.status} not in ('rejected', 'cancelled')`));
  return row;
}

/** Calls off the group's order, if one is still on its way (the group is cancelled, re-routed or sent out for quotes). */
export async function cancelLiveOrder(tx: Queryable, groupId: string, reason: string) {
  const cancelled = await orderLifecycle.moveAll(tx, eq(supplierOrders.groupId, groupId), ['pending', 'accepted', 'preparing', 'shipped'], 'cancelled', {
    rejectionReason: reason,
    updatedAt: new Date(),
  });
  // A request for quotes still open is called off too: the group gets no order from it now.
  await tx.update(quoteRequests).set({ status: 'cancelled' }).where(and(eq(quoteRequests.groupId, groupId), eq(quoteRequests.status, 'open')));
  for (const order of cancelled) {
    await orderEvent(tx, 'order.updated', order, { reason });
    await tellOrganisation(tx, order.supplierId, 'order-cancelled', { number: poNumber(order), reason });
  }
  return cancelled;
}

/** Payments that arrive while the order waits for the supplier count in it (the group still takes them while funded). */
export async function syncPendingOrder(tx: Queryable, group: GroupRow) {
  await tx
    .update(supplierOrders)
    .set({ quantity: group.paidQuantity, subtotal: sql`${group.paidQuantity}::bigint * ${supplierOrders.unitPrice}`, updatedAt: new Date() })
    .where(and(eq(supplierOrders.groupId, group.id), eq(supplierOrders.status, 'pending')));
}

// The path a group takes while its order is fulfilled: an order move takes the group one step along
// it, unless an admin's override already took the group that far.
const path = ['funded', 'ordered', 'shipped', 'delivered', 'ready_for_pickup', 'completed'];

/** The group follows an order move (groupFollows), in the same transaction, with the move's side effects. */
export async function followOrder(
  ctx: AppContext,
  tx: Tx,
  group: GroupRow,
  order: OrderRow,
  by: Actor,
  actorId: string | null,
  notice?: { template: string; payload: Record<string, unknown> },
) {
  const step = groupFollows[order.status];
  if (!step) return;
  if (group.status === step.from) {
    await applyTransition(ctx, tx, group, step.to, by, actorId, `order ${poNumber(order)} ${order.status}`, notice);
    return;
  }
  if (path.indexOf(group.status) >= path.indexOf(step.to)) return;
  throw conflict(`The group is ${group.status}; order ${poNumber(order)} cannot be ${order.status} now`, { currentState: group.status });
}

/**
 * Locks an order for a move, group first (the order every writer of a group's money takes), and
 * only when `scope` allows it: an organisation acts only on its own orders, and one it does not
 * own is a 404, as if it did not exist.
 */
export async function lockOrder(tx: Tx, id: string, supplierId?: string): Promise<{ group: GroupRow; order: OrderRow }> {
  const where = supplierId ? and(eq(supplierOrders.id, id), eq(supplierOrders.supplierId, supplierId)) : eq(supplierOrders.id, id);
  const [peek] = await tx.select({ groupId: supplierOrders.groupId }).from(supplierOrders).where(where);
  if (!peek) throw notFound(`Order ${id}`);
  const group = await lockGroup(tx, peek.groupId);
  const [order] = await tx.select().from(supplierOrders).where(eq(supplierOrders.id, id)).for('update');
  return { group, order: order! };
}

export type SupplierMove = 'accept' | 'reject' | 'prepare' | 'ship' | 'deliver';
type ShipInput = Body<'shipSupplierOrder'>;

/**
 * The supplier's moves of its own order, in one transaction with what follows from them: the group
 * moves (accepted → ordered, shipped → shipped, delivered → delivered), the traders are told of
 * shipping and delivery, admins of a rejection (to re-route, ask for quotes or cancel) and of a
 * delivery (to check it), and order.updated is recorded.
 */
export async function supplierMove(ctx: AppContext, actor: OrganisationActor, id: string, move: SupplierMove, input: { reason?: string } & Partial<ShipInput> = {}) {
  const orgId = actor.organisation.id;
  await ctx.db.transaction(async (tx) => {
    const { group, order } = await lockOrder(tx, id, orgId);
    const now = new Date();
    const by = 'supplier' as const;
    if (move === 'accept') {
      assertVerified(actor);
      // What the traders paid for is final once the group is ordered (it takes no more payments).
      const quantity = group.paidQuantity;
      const accepted = await orderLifecycle.move(tx, order.id, order.status, 'accepted', {
        acceptedAt: now,
        quantity,
        subtotal: quantity * order.unitPrice,
        updatedAt: now,
      });
      await followOrder(ctx, tx, group, accepted, by, actor.userId);
      await onOrderAccepted(ctx, tx, accepted);
    } else if (move === 'reject') {
      const rejected = await orderLifecycle.move(tx, order.id, order.status, 'rejected', { rejectionReason: input.reason, updatedAt: now });
      await orderEvent(tx, 'order.updated', rejected, { reason: input.reason });
      await tellAdmins(tx, 'order-rejected', {
        number: poNumber(order),
        organisation: actor.organisation.name,
        group: group.title,
        groupId: group.id,
        reason: input.reason,
      });
    } else if (move === 'prepare') {
      const preparing = await orderLifecycle.move(tx, order.id, order.status, 'preparing', { updatedAt: now });
      await orderEvent(tx, 'order.updated', preparing);
    } else if (move === 'ship') {
      // Shipping an accepted order passes through preparing: both moves are in the table.
      let from: OrderStatus = order.status;
      if (from === 'accepted') {
        await orderEvent(tx, 'order.updated', await orderLifecycle.move(tx, order.id, 'accepted', 'preparing', { updatedAt: now }));
        from = 'preparing';
      }
      const eta = input.eta ? new Date(input.eta) : null;
      const shipped = await orderLifecycle.move(tx, order.id, from, 'shipped', {
        carrier: input.carrier,
        trackingNumber: input.trackingNumber,
        eta,
        shippedAt: now,
        updatedAt: now,
      });
      await followOrder(ctx, tx, group, shipped, by, actor.userId, {
        template: 'order-shipped',
        payload: { carrier: input.carrier, trackingNumber: input.trackingNumber, eta: day(eta) },
      });
      await orderEvent(tx, 'order.updated', shipped);
    } else {
      const delivered = await orderLifecycle.move(tx, order.id, order.status, 'delivered', { deliveredAt: now, updatedAt: now });
      await followOrder(ctx, tx, group, delivered, by, actor.userId, { template: 'order-delivered', payload: {} });
      await orderEvent(tx, 'order.updated', delivered);
      await tellAdmins(tx, 'order-delivered-check', { number: poNumber(order), id: order.id, group: group.title, organisation: actor.organisation.name });
    }
  });
  return getOrder(ctx.db, id, orgId);
}

/** An admin sends a funded group's order to an organisation (after a rejection, or instead of the product's). */
export async function routeGroupOrder(ctx: AppContext, groupId: string, supplierId: string) {
  const id = await ctx.db.transaction(async (tx) => {
    const group = await lockGroup(tx, groupId);
    if (group.status !== 'funded') throw conflict(`Only a funded group's order can be routed; this group is ${group.status}`, { currentState: group.status });
    const [organisation] = await tx.select().from(suppliers).where(eq(suppliers.id, supplierId));
    if (!organisation) throw notFound(`Supplier ${supplierId}`);
    if (organisation.status !== 'verified') throw conflict(`${organisation.name} is ${organisation.status}; orders go only to verified organisations`, { currentState: organisation.status });
    const live = await liveOrderOf(tx, groupId);
    if (live && live.status !== 'pending') throw conflict(`Order ${poNumber(live)} is ${live.status}; only a pending order can be re-routed`, { currentState: live.status });
    await cancelLiveOrder(tx, groupId, `re-routed to ${organisation.name}`);
    return (await createOrder(tx, group, supplierId)).id;
  });
  return getOrder(ctx.db, id);
}

// ---- Views ----

function selectOrders(db: Queryable) {
  return db
    .select({
      order: supplierOrders,
      group: { id: groups.id, title: groups.title, status: groups.status },
      product: { id: products.id, name: products.name, unit: products.unit, category: products.category },
      supplier: { id: suppliers.id, name: suppliers.name },
    })
    .from(supplierOrders)
    .innerJoin(groups, eq(groups.id, supplierOrders.groupId))
    .innerJoin(products, eq(products.id, groups.productId))
    .innerJoin(suppliers, eq(suppliers.id, supplierOrders.supplierId));
}

type OrderViewRow = Awaited<ReturnType<ReturnType<typeof selectOrders>['execute']>>[number];
const iso = (d: Date | null) => d?.toISOString() ?? null;

export function orderView(r: OrderViewRow) {
  const o = r.order;
  return {
    id: o.id,
    number: poNumber(o),
    status: o.status,
    allowedTransitions: orderLifecycle.allowedFrom(o.status),
    group: r.group,
    product: r.product,
    supplier: r.supplier,
    quoteId: o.quoteId,
    quantity: o.quantity,
    unitPrice: o.unitPrice,
    currency: o.currency,
    subtotal: o.subtotal,
    refundedAmount: o.refundedAmount,
    leadTimeDays: o.leadTimeDays,
    reason: o.rejectionReason,
    carrier: o.carrier,
    trackingNumber: o.trackingNumber,
    eta: iso(o.eta),
    qualityNote: o.qualityNote,
    acceptedAt: iso(o.acceptedAt),
    shippedAt: iso(o.shippedAt),
    deliveredAt: iso(o.deliveredAt),
    checkedAt: iso(o.checkedAt),
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

/** One order; with `supplierId`, only if it is that organisation's (else 404). */
export async function getOrder(db: Queryable, id: string, supplierId?: string) {
  const [row] = await selectOrders(db).where(supplierId ? and(eq(supplierOrders.id, id), eq(supplierOrders.supplierId, supplierId)) : eq(supplierOrders.id, id));
  if (!row) throw notFound(`Order ${id}`);
  return orderView(row);
}

/** Newest first; `supplierId` scopes it to one organisation (the supplier's own list, always). */
export async function listOrders(db: Queryable, query: Query<'listSupplierOrders'> & { supplierId?: string }) {
  const conditions: (SQL | undefined)[] = [];
  if (query.supplierId) conditions.push(eq(supplierOrders.supplierId, query.supplierId));
  if (query.status) conditions.push(inArray(supplierOrders.status, [query.status]));
  if (query.groupId) conditions.push(eq(supplierOrders.groupId, query.groupId));
  const sort = { expr: sql`extract(epoch from ${supplierOrders.createdAt})::float8`, type: 'float8' as const, direction: 'desc' as const };
  const { where, order } = keyset(sort, supplierOrders.id, query.cursor);
  conditions.push(where);
  const rows = await selectOrders(db)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(r.order.createdAt.getTime() / 1000, r.order.id));
  return { items: result.items.map(orderView), nextCursor: result.nextCursor };
}

/** What a group's traders see of its order (GET /api/groups/{id}): progress and tracking, not the supplier's terms. */
export async function groupOrderSummary(db: Queryable, groupId: string) {
  const [row] = await db
    .select({ order: supplierOrders, supplierName: suppliers.name })
    .from(supplierOrders)
    .innerJoin(suppliers, eq(suppliers.id, supplierOrders.supplierId))
    .where(and(eq(supplierOrders.groupId, groupId), sql`${supplierOrders.status} not in ('rejected', 'cancelled')`));
  if (!row) return null;
  const o = row.order;
  return {
    id: o.id,
    number: poNumber(o),
    status: o.status,
    supplierName: row.supplierName,
    carrier: o.carrier,
    trackingNumber: o.trackingNumber,
    eta: iso(o.eta),
    acceptedAt: iso(o.acceptedAt),
    shippedAt: iso(o.shippedAt),
    deliveredAt: iso(o.deliveredAt),
    checkedAt: iso(o.checkedAt),
  };
}
