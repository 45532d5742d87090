import { and, eq, exists, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { decodeCursor, encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { groupEvents, groupPickupPoints, groups, pickupPoints, products } from '../../db/schema.ts';
import { badRequest, conflict, notFound } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { pickupPointsByIds, tierPrice } from '../catalog/service.ts';
import { groupViews, type GroupRow } from './views.ts';
import type { Body, Query } from '../../openapi/contract.ts';

export async function lockGroup(tx: Queryable, id: string): Promise<GroupRow> {
  const [row] = await tx.select().from(groups).where(eq(groups.id, id)).for('update');
  if (!row) throw notFound(`Group ${id}`);
  return row;
}

export async function getGroup(db: Queryable, viewer: AuthUser, id: string) {
  const [row] = await db.select().from(groups).where(eq(groups.id, id));
  // Drafts are the admins' work in progress: to anyone else they do not exist yet.
  if (!row || (row.status === 'draft' && viewer.role !== 'admin')) throw notFound(`Group ${id}`);
  const [view] = await groupViews(db, [row], viewer.id);
  return view!;
}

export type GroupQuery = Query<'listGroups'>;

/**
 * Scores open groups for a viewer (the recommender's, passed in by the route so this module does not
 * depend on it). Groups it leaves out (joined, full) rank after the scored ones; null = no model.
 */
export type GroupRanker = (viewer: AuthUser, groupIds: string[]) => Promise<Map<string, number> | null>;

/** sort=recommended ranks in memory, so it looks at no more open groups than this. */
const recommendedScanLimit = 2000;

const sorts: Record<Exclude<GroupQuery['sort'], 'recommended'>, SortKey> = {
  deadline: { expr: sql`extract(epoch from ${groups.deadline})::float8`, type: 'float8', direction: 'asc' },
  progress: { expr: sql`(${groups.paidQuantity}::float8 / ${groups.moq})`, type: 'float8', direction: 'desc' },
  price: { expr: sql`${groups.unitPrice}::float8`, type: 'float8', direction: 'asc' },
  newest: { expr: sql`extract(epoch from ${groups.createdAt})::float8`, type: 'float8', direction: 'desc' },
};

export async function listGroups(db: Queryable, viewer: AuthUser, query: GroupQuery, ranker?: GroupRanker) {
  const status = query.status ?? 'open';
  if (status === 'draft' && viewer.role !== 'admin') return { items: [], nextCursor: null };
  const conditions: SQL[] = [eq(groups.status, status)];
  if (query.category) {
    conditions.push(exists(db.select({ one: sql`1` }).from(products).where(and(eq(products.id, groups.productId), eq(products.category, query.category)))));
  }
  if (query.market || query.pickupPointId) {
    const pointConditions: SQL[] = [eq(groupPickupPoints.groupId, groups.id)];
    if (query.market) pointConditions.push(sql`lower(${pickupPoints.market}) = lower(${query.market})`);
    if (query.pickupPointId) pointConditions.push(eq(pickupPoints.id, query.pickupPointId));
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(groupPickupPoints)
          .innerJoin(pickupPoints, eq(pickupPoints.id, groupPickupPoints.pickupPointId))
          .where(and(...pointConditions)),
      ),
    );
  }
  if (query.minPrice !== undefined) conditions.push(gte(groups.unitPrice, query.minPrice));
  if (query.maxPrice !== undefined) conditions.push(lte(groups.unitPrice, query.maxPrice));
  if (query.minProgress !== undefined) conditions.push(sql`${groups.paidQuantity} * 100 >= ${query.minProgress} * ${groups.moq}`);
  if (query.closingBefore) conditions.push(lte(groups.deadline, new Date(query.closingBefore)));
  if (query.sort === 'recommended' && status === 'open' && ranker) {
    const ranked = await listRecommended(db, viewer, query, conditions, ranker);
    if (ranked) return ranked;
  }
  // Without a model (or for groups that are not open) "recommended" is the default order.
  const sort = sorts[query.sort === 'recommended' ? 'deadline' : query.sort];
  const { where, order } = keyset(sort, groups.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ group: groups, key: sql<number>`${sort.expr}` })
    .from(groups)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.group.id));
  return { items: await groupViews(db, result.items.map((r) => r.group), viewer.id), nextCursor: result.nextCursor };
}

/**
 * Best score first; groups the ranker left out follow, soonest deadline first. Keyset on
 * (key, id) like the SQL sorts, computed in memory: the key is the score (0 and up), or for an
 * unscored group a number below -1 that is higher the sooner it closes.
 */
async function listRecommended(db: Queryable, viewer: AuthUser, query: GroupQuery, conditions: SQL[], ranker: GroupRanker) {
  const rows = await db.select().from(groups).where(and(...conditions)).orderBy(groups.deadline, groups.id).limit(recommendedScanLimit);
  const scores = await ranker(viewer, rows.map((g) => g.id));
  if (!scores) return null;
  const keyOf = (g: GroupRow) => scores.get(g.id) ?? -1 - g.deadline.getTime() / 1e13;
  let ranked = rows.map((group) => ({ group, key: keyOf(group) })).sort((a, b) => b.key - a.key || (a.group.id < b.group.id ? 1 : -1));
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    const key = Number(c.key);
    ranked = ranked.filter((r) => r.key < key || (r.key === key && r.group.id < c.id));
  }
  const result = page(ranked, query.limit, (r) => encodeCursor(r.key, r.group.id));
  return { items: await groupViews(db, result.items.map((r) => r.group), viewer.id), nextCursor: result.nextCursor };
}

export type GroupInput = Body<'createGroup'>;

function assertLimits(g: { moq: number; maxQuantity: number | null; minPerTrader: number; maxPerTrader: number | null; deadline: Date }) {
  if (g.deadline.getTime() <= Date.now()) throw badRequest('body.deadline', 'must be in the future');
  if (g.maxQuantity !== null && g.maxQuantity < g.moq) throw badRequest('body.maxQuantity', 'must be at least the MOQ');
  if (g.maxPerTrader !== null && g.maxPerTrader < g.minPerTrader) throw badRequest('body.maxPerTrader', 'must be at least minPerTrader');
  if (g.maxQuantity !== null && g.minPerTrader > g.maxQuantity) throw badRequest('body.minPerTrader', 'must not exceed maxQuantity');
}

export async function createGroup(ctx: AppContext, admin: AuthUser, input: GroupInput) {
  const [product] = await ctx.db.select().from(products).where(eq(products.id, input.productId));
  if (!product || !product.active) throw badRequest('body.productId', 'is not an active product');
  const points = await pickupPointsByIds(ctx.db, input.pickupPointIds);
  if (points.length !== input.pickupPointIds.length) throw badRequest('body.pickupPointIds', 'contains an unknown pickup point');
  const values = {
    productId: product.id,
    title: input.title ?? `${product.name} (${product.unit})`,
    description: input.description ?? product.description,
    status: input.status ?? ('open' as const),
    moq: input.moq,
    maxQuantity: input.maxQuantity ?? null,
    minPerTrader: input.minPerTrader ?? 1,
    maxPerTrader: input.maxPerTrader ?? null,
    deadline: new Date(input.deadline),
    // The group's price is the tier its MOQ reaches: traders see the bulk price they are pooling for.
    unitPrice: tierPrice(product, input.moq),
    currency: product.currency,
    createdBy: admin.id,
  };
  assertLimits(values);
  const id = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(groups).values(values).returning();
    await tx.insert(groupPickupPoints).values(input.pickupPointIds.map((pickupPointId) => ({ groupId: row!.id, pickupPointId })));
    await tx.insert(groupEvents).values({ groupId: row!.id, fromStatus: null, toStatus: row!.status, actorId: admin.id, reason: 'created' });
    return row!.id;
  });
  return getGroup(ctx.db, admin, id);
}

export type GroupChange = Body<'updateGroup'>;

export async function updateGroup(ctx: AppContext, admin: AuthUser, id: string, change: GroupChange) {
  await ctx.db.transaction(async (tx) => {
    const g = await lockGroup(tx, id);
    if (g.status !== 'draft' && g.status !== 'open') {
      throw conflict(`Only draft or open groups can be edited; this one is ${g.status}`, { currentState: g.status });
    }
    const next = {
      moq: change.moq ?? g.moq,
      maxQuantity: change.maxQuantity === undefined ? g.maxQuantity : change.maxQuantity,
      minPerTrader: change.minPerTrader ?? g.minPerTrader,
      maxPerTrader: change.maxPerTrader === undefined ? g.maxPerTrader : change.maxPerTrader,
      deadline: change.deadline ? new Date(change.deadline) : g.deadline,
    };
    assertLimits(next);
    if (next.maxQuantity !== null && next.maxQuantity < g.reservedQuantity + g.paidQuantity) {
      throw badRequest('body.maxQuantity', `must be at least the ${g.reservedQuantity + g.paidQuantity} units already committed`);
    }
    let unitPrice = g.unitPrice;
    if (change.moq !== undefined && change.moq !== g.moq) {
      if (g.reservedQuantity + g.paidQuantity > 0) throw conflict('The MOQ sets the price; it cannot change once traders have joined');
      const [product] = await tx.select().from(products).where(eq(products.id, g.productId));
      unitPrice = tierPrice(product!, next.moq);
    }
    await tx
      .update(groups)
      .set({ ...next, unitPrice, title: change.title ?? g.title, description: change.description ?? g.description, updatedAt: new Date() })
      .where(eq(groups.id, id));
  });
  return getGroup(ctx.db, admin, id);
}

export async function groupPointIds(db: Queryable, groupId: string): Promise<string[]> {
  const rows = await db
    .select({ id: groupPickupPoints.pickupPointId })
    .from(groupPickupPoints)
    .innerJoin(pickupPoints, eq(pickupPoints.id, groupPickupPoints.pickupPointId))
    .where(eq(groupPickupPoints.groupId, groupId))
    .orderBy(pickupPoints.name);
  return rows.map((r) => r.id);
}

export async function groupsByIds(db: Queryable, ids: string[]) {
  return ids.length ? db.select().from(groups).where(idIn(groups.id, ids)) : [];
}
