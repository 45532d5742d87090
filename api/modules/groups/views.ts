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

export type PickupPointView = ReturnType<typeof pickupPointView>;

/** The product facts groups carry: what a Group view shows and what the recommender reads. */
export interface GroupProduct {
  id: string;
  name: string;
  description: string;
  category: string;
  unit: string;
  unitPrice: number;
  currency: string;
  createdAt: Date;
}

/** What Group views are built from besides the group rows, each by group id (products by id). */
export interface GroupViewInputs {
  products: Map<string, GroupProduct>;
  /** Ordered by name. */
  pickupPoints: Map<string, PickupPointView[]>;
  /** Open contributions. */
  participantCounts: Map<string, number>;
  /** The viewer's own open contribution. */
  mine: Map<string, ContributionRow>;
}

/** Builds the Group shape for many rows with a fixed number of queries (no N+1). */
export async function groupViews(db: Queryable, rows: GroupRow[], viewerId: string | undefined, now = new Date()) {
  if (rows.length === 0) return [];
  const ids = rows.map((g) => g.id);
  const [products, pickupPoints, counts, mine] = await Promise.all([
    productsByIds(db, [...new Set(rows.map((g) => g.productId))]),
    pickupPointsOfGroups(db, ids),
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
  return buildGroupViews(
    rows,
    { products, pickupPoints, participantCounts: new Map(counts.map((c) => [c.groupId, c.n])), mine: new Map(mine.map((c) => [c.groupId, c])) },
    now,
  );
}

export async function productsByIds(db: Queryable, ids: string[]): Promise<Map<string, GroupProduct>> {
  const rows = await db
    .select({
      id: products.id,
      name: products.name,
      description: products.description,
      category: products.category,
      unit: products.unit,
      unitPrice: products.unitPrice,
      currency: products.currency,
      createdAt: products.createdAt,
    })
    .from(products)
    .where(idIn(products.id, ids));
  return new Map(rows.map((p) => [p.id, p]));
}

export async function pickupPointsOfGroups(db: Queryable, groupIds: string[]): Promise<Map<string, PickupPointView[]>> {
  const rows = await db
    .select({ groupId: groupPickupPoints.groupId, point: pickupPoints })
    .from(groupPickupPoints)
    .innerJoin(pickupPoints, eq(pickupPoints.id, groupPickupPoints.pickupPointId))
    .where(idIn(groupPickupPoints.groupId, groupIds))
    .orderBy(pickupPoints.name);
  const byGroup = new Map<string, PickupPointView[]>();
  for (const r of rows) {
    const list = byGroup.get(r.groupId);
    if (list) list.push(pickupPointView(r.point));
    else byGroup.set(r.groupId, [pickupPointView(r.point)]);
  }
  return byGroup;
}

/** The Group shape of each row, in the order of `rows`. */
export function buildGroupViews(rows: GroupRow[], inputs: GroupViewInputs, now: Date) {
  return rows.map((g) => {
    const product = inputs.products.get(g.productId)!;
    const mineRow = inputs.mine.get(g.id);
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
      participantCount: inputs.participantCounts.get(g.id) ?? 0,
      secondsLeft: Math.max(0, Math.floor((g.deadline.getTime() - now.getTime()) / 1000)),
      pickupPoints: inputs.pickupPoints.get(g.id) ?? [],
      myContribution: mineRow ? contributionView(mineRow) : null,
      createdAt: g.createdAt.toISOString(),
    };
  });
}
