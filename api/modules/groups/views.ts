import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { contributions, groupPickupPoints, groups, pickupPoints, products } from '../../db/schema.ts';
import { pickupPointView } from '../catalog/service.ts';

export type GroupRow = typeof groups.$inferSelect;
export type ContributionRow = typeof contributions.$inferSelect;

export const openContributionStatuses = ['pending_payment', 'paid'] as const;

export function contributionView(c: ContributionRow) {
  return {
    id: c.id,
    groupId: c.groupId,
    traderId: c.traderId,
    pickupPointId: c.pickupPointId,
    quantity: c.quantity,
    unitPrice: c.unitPrice,
    currency: c.currency,
    amount: c.quantity * c.unitPrice,
    status: c.status,
    reservedUntil: c.reservedUntil?.toISOString() ?? null,
    paidAt: c.paidAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
  };
}

/** Builds the Group shape for many rows with a fixed number of queries (no N+1). */
export async function groupViews(db: Queryable, rows: GroupRow[], viewerId: string | undefined, now = new Date()) {
  if (rows.length === 0) return [];
  const ids = rows.map((g) => g.id);
  const productIds = [...new Set(rows.map((g) => g.productId))];
  const [productRows, pointRows, counts, mine] = await Promise.all([
    db.select({ id: products.id, name: products.name, category: products.category, unit: products.unit }).from(products).where(idIn(products.id, productIds)),
    db
      .select({ groupId: groupPickupPoints.groupId, point: pickupPoints })
      .from(groupPickupPoints)
      .innerJoin(pickupPoints, eq(pickupPoints.id, groupPickupPoints.pickupPointId))
      .where(idIn(groupPickupPoints.groupId, ids))
      .orderBy(pickupPoints.name),
    db
      .select({ groupId: contributions.groupId, n: sql<number>`count(*)::int` })
      .from(contributions)
      .where(and(idIn(contributions.groupId, ids), inArray(contributions.status, [...openContributionStatuses])))
      .groupBy(contributions.groupId),
    viewerId
      ? db
          .select()
          .from(contributions)
          .where(
            and(idIn(contributions.groupId, ids), eq(contributions.traderId, viewerId), inArray(contributions.status, [...openContributionStatuses])),
          )
      : Promise.resolve([] as ContributionRow[]),
  ]);
  const productById = new Map(productRows.map((p) => [p.id, p]));
  const countByGroup = new Map(counts.map((c) => [c.groupId, c.n]));
  const mineByGroup = new Map(mine.map((c) => [c.groupId, c]));
  const pointsByGroup = new Map<string, ReturnType<typeof pickupPointView>[]>();
  for (const r of pointRows) {
    const list = pointsByGroup.get(r.groupId);
    if (list) list.push(pickupPointView(r.point));
    else pointsByGroup.set(r.groupId, [pickupPointView(r.point)]);
  }
  return rows.map((g) => {
    const product = productById.get(g.productId)!;
    const mineRow = mineByGroup.get(g.id);
    return {
      id: g.id,
      title: g.title,
      description: g.description,
      status: g.status,
      product: { id: product.id, name: product.name, category: product.category, unit: product.unit },
      unitPrice: g.unitPrice,
      currency: g.currency,
      moq: g.moq,
      maxQuantity: g.maxQuantity,
      minPerTrader: g.minPerTrader,
      maxPerTrader: g.maxPerTrader,
      deadline: g.deadline.toISOString(),
      reservedQuantity: g.reservedQuantity,
      paidQuantity: g.paidQuantity,
      remainingQuantity: g.maxQuantity === null ? null : Math.max(0, g.maxQuantity - g.reservedQuantity - g.paidQuantity),
      moqProgress: Math.round((g.paidQuantity / g.moq) * 1000) / 10,
      participantCount: countByGroup.get(g.id) ?? 0,
      secondsLeft: Math.max(0, Math.floor((g.deadline.getTime() - now.getTime()) / 1000)),
      pickupPoints: pointsByGroup.get(g.id) ?? [],
      myContribution: mineRow ? contributionView(mineRow) : null,
      createdAt: g.createdAt.toISOString(),
    };
  });
}
