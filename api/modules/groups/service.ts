import { and, eq, exists, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { after, decodeCursor, encodeCursor, page, type CursorValue, type SortKey } from '../../db/pagination.ts';
import { prepared } from '../../db/prepared.ts';
import { groupEvents, groupPickupPoints, groups, pickupPoints, products, quoteRequests, supplierMembers, supplierOrders, suppliers } from '../../db/schema.ts';
import { badRequest, conflict, notFound } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { pickupPointsByIds, tierPrice } from '../catalog/service.ts';
import { groupOrderSummary } from '../orders/service.ts';
import { groupViewOf, groupViews, readViews, selectGroupViews, type GroupRow } from './views.ts';
import type { Body, Query } from '../../openapi/contract.ts';

export async function lockGroup(tx: Queryable, id: string): Promise<GroupRow> {
  const [row] = await tx.select().from(groups).where(eq(groups.id, id)).for('update');
  if (!row) throw notFound(`Group ${id}`);
  return row;
}

/** The statement GET /api/groups/{id} reads a group with (values: id). */
export const groupViewStatement = (db: Queryable) =>
  prepared(db, 'group_view', (db) => selectGroupViews(db).where(eq(groups.id, sql.placeholder('id'))).prepare('group_view'));

export async function getGroup(db: Queryable, viewer: AuthUser, id: string) {
  const { rows, viewer: reader } = await readViews(db, `group_view ${id}`, viewer.id, () => groupViewStatement(db).execute({ id }));
  const row = rows[0];
  // Drafts are the admins' work in progress: to anyone else they do not exist yet.
  if (!row || (row.view.status === 'draft' && viewer.role !== 'admin')) throw notFound(`Group ${id}`);
  // A supplier sees only its own organisation's groups; another's is as if it did not exist.
  if (viewer.role === 'supplier' && !(await suppliesGroup(db, viewer.id, id))) throw notFound(`Group ${id}`);
  // Open groups have no order yet: only groups past funding pay for reading it.
  if (!orderedStatuses.has(row.view.status)) return groupViewOf(row, reader);
  return { ...groupViewOf(row, reader), order: await groupOrderSummary(db, id) };
}

const orderedStatuses = new Set(['funded', 'ordered', 'shipped', 'delivered', 'ready_for_pickup', 'completed', 'cancelled']);

/**
 * A supplier's own groups: those of its organisation's products, and those it got an order for
 * or was asked to quote on. Bound by the supplier user's id, resolved to the organisation inside.
 */
const suppliedBy = (userId: unknown) => sql`exists (
  select 1 from ${supplierMembers} m
  where m.user_id = ${userId}::uuid and (
    exists (select 1 from ${products} p where p.id = ${groups.productId} and p.supplier_id = m.supplier_id)
    or exists (select 1 from ${supplierOrders} o where o.group_id = ${groups.id} and o.supplier_id = m.supplier_id)
    or exists (select 1 from ${quoteRequests} r where r.group_id = ${groups.id} and m.supplier_id = any(r.invited_supplier_ids))))`;

async function suppliesGroup(db: Queryable, userId: string, groupId: string) {
  const rows = await db.select({ id: groups.id }).from(groups).where(and(eq(groups.id, groupId), suppliedBy(userId)));
  return rows.length > 0;
}

export type GroupQuery = Query<'listGroups'>;

/**
 * Scores open groups for a viewer (the recommender's, passed in by the route so this module does not
 * depend on it). Groups it leaves out (joined, full) rank after the scored ones; null = no model.
 */
export type GroupRanker = (viewer: AuthUser, groupIds: string[]) => Promise<Map<string, number> | null>;

/** sort=recommended ranks in memory, so it looks at no more open groups than this. */
const recommendedScanLimit = 2000;

// Each sort is a plain column or expression that an index on (status, it, id) serves (migration
// 0004), so a page is read from the index in order however many groups there are. Timestamps go
// into the cursor as PostgreSQL's own text (exact to the microsecond, with its offset).
const sorts: Record<Exclude<GroupQuery['sort'], 'recommended'>, SortKey> = {
  deadline: { expr: sql`${groups.deadline}`, key: sql`${groups.deadline}::text`, type: 'timestamptz', direction: 'asc' },
  progress: { expr: sql`(${groups.paidQuantity}::float8 / ${groups.moq})`, type: 'float8', direction: 'desc' },
  price: { expr: sql`${groups.unitPrice}`, type: 'int', direction: 'asc' },
  newest: { expr: sql`${groups.createdAt}`, key: sql`${groups.createdAt}::text`, type: 'timestamptz', direction: 'desc' },
};

/** The filters of GET /api/groups, each bound by name (a placeholder of a prepared statement, or its value). */
const filters = {
  category: (v: unknown) => sql`${groups.category} = ${v}::text`,
  market: (v: unknown) => groupAt(sql`lower(${pickupPoints.market}) = lower(${v}::text)`),
  pickupPointId: (v: unknown) => groupAt(sql`${pickupPoints.id} = ${v}::uuid`),
  minPrice: (v: unknown) => sql`${groups.unitPrice} >= ${v}::int`,
  maxPrice: (v: unknown) => sql`${groups.unitPrice} <= ${v}::int`,
  minProgress: (v: unknown) => sql`${groups.paidQuantity} * 100 >= ${v}::float8 * ${groups.moq}`,
  closingBefore: (v: unknown) => sql`${groups.deadline} <= ${v}::timestamptz`,
  // Not a query parameter: set for suppliers (their own groups only). Last, so the traders'
  // statement names (a bit per filter) stay as they were.
  suppliedBy: (v: unknown) => suppliedBy(v),
} satisfies Record<string, (v: unknown) => SQL | undefined>;
type Filter = keyof typeof filters;
const filterNames = Object.keys(filters) as Filter[];

const groupAt = (condition: SQL) =>
  exists(
    sql`(select 1 from ${groupPickupPoints} join ${pickupPoints} on ${pickupPoints.id} = ${groupPickupPoints.pickupPointId}
      where ${groupPickupPoints.groupId} = ${groups.id} and ${condition})`,
  );

/** The values of the filters that apply (those the query gives, and suppliers' own groups), and their names. */
function filtersOf(viewer: AuthUser, query: GroupQuery) {
  const values: Partial<Record<Filter, unknown>> = {};
  for (const name of filterNames) {
    if (name === 'suppliedBy') continue;
    const v = query[name];
    if (v !== undefined && v !== '') values[name] = v;
  }
  if (viewer.role === 'supplier') values.suppliedBy = viewer.id;
  return { values, given: filterNames.filter((f) => f in values) };
}

type SqlSort = Exclude<GroupQuery['sort'], 'recommended'>;

/**
 * One prepared statement per sort, cursor or not, and set of filters given: built once (no query
 * building per request) and, on PostgreSQL, parsed once per connection and then planned for
 * the values given. Planning the statement afresh took PostgreSQL as long again as running it.
 */
function listStatement(db: Queryable, sort: SqlSort, withCursor: boolean, given: Filter[]) {
  const mask = filterNames.reduce((m, name, i) => (given.includes(name) ? m | (1 << i) : m), 0);
  const name = `groups_list_${sort}_${withCursor ? 'after' : 'first'}_${mask}`;
  const statement = prepared(db, name, (db) => {
    const key = sorts[sort];
    const conditions: SQL[] = [eq(groups.status, sql.placeholder('status'))];
    for (const f of given) conditions.push(filters[f](sql.placeholder(f)));
    if (withCursor) conditions.push(after(key, groups.id, sql.placeholder('afterKey'), sql.placeholder('afterId')));
    const order = key.direction === 'asc' ? sql`${key.expr} asc, ${groups.id} asc` : sql`${key.expr} desc, ${groups.id} desc`;
    return selectGroupViews(db, key.key ?? key.expr)
      .where(and(...conditions))
      .orderBy(order)
      .limit(sql.placeholder('limit'))
      .prepare(name);
  });
  return { name, statement };
}

/**
 * The statement a page of GET /api/groups is read with, sorted in SQL, and the values it is run
 * with (the bench explains it with them). Without a model (or for groups that are not open)
 * "recommended" is the default order.
 */
export function listGroupsStatement(db: Queryable, viewer: AuthUser, query: GroupQuery, { values, given } = filtersOf(viewer, query)) {
  const sort: SqlSort = query.sort === 'recommended' ? 'deadline' : query.sort;
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const { name, statement } = listStatement(db, sort, cursor !== undefined, given);
  return {
    name,
    statement,
    values: {
      ...values,
      status: query.status ?? 'open',
      limit: query.limit + 1,
      ...(cursor ? { afterKey: String(cursor.key), afterId: cursor.id } : {}),
    },
  };
}

export async function listGroups(db: Queryable, viewer: AuthUser, query: GroupQuery, ranker?: GroupRanker) {
  const status = query.status ?? 'open';
  if (status === 'draft' && viewer.role !== 'admin') return { items: [], nextCursor: null };
  const { values, given } = filtersOf(viewer, query);
  if (query.sort === 'recommended' && status === 'open' && ranker) {
    const conditions = [eq(groups.status, status), ...given.map((f) => filters[f](values[f]))];
    const ranked = await listRecommended(db, viewer, query, conditions, ranker);
    if (ranked) return ranked;
  }
  const { name, statement, values: bound } = listGroupsStatement(db, viewer, query, { values, given });
  // The page is the same for every viewer with the same filters (a supplier's own groups are a
  // filter), so it is kept under the statement and its values.
  const { rows, viewer: reader } = await readViews(db, `${name} ${JSON.stringify(bound)}`, viewer.id, () => statement.execute(bound));
  const now = new Date();
  const result = page(rows, query.limit, (r) => encodeCursor(r.key as CursorValue, r.view.id));
  return { items: result.items.map((r) => groupViewOf(r, reader, now)), nextCursor: result.nextCursor };
}

/**
 * Best score first; groups the ranker left out follow, soonest deadline first. Keyset on
 * (key, id) like the SQL sorts, computed in memory: the key is the score (0 and up), or for an
 * unscored group a number below -1 that is higher the sooner it closes.
 */
async function listRecommended(db: Queryable, viewer: AuthUser, query: GroupQuery, conditions: SQL[], ranker: GroupRanker) {
  // Only what ranking needs: the page's views are read afterwards, for its 20 groups alone.
  const rows = await db
    .select({ id: groups.id, deadline: groups.deadline })
    .from(groups)
    .where(and(...conditions))
    .orderBy(groups.deadline, groups.id)
    .limit(recommendedScanLimit);
  const scores = await ranker(viewer, rows.map((g) => g.id));
  if (!scores) return null;
  const keyOf = (g: { id: string; deadline: Date }) => scores.get(g.id) ?? -1 - g.deadline.getTime() / 1e13;
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
  const [supplier] = await ctx.db.select({ status: suppliers.status, name: suppliers.name }).from(suppliers).where(eq(suppliers.id, product.supplierId));
  if (supplier?.status !== 'verified') {
    throw conflict(`${supplier?.name ?? 'The supplier'} is ${supplier?.status ?? 'unknown'}; groups sell only verified organisations' products`, {
      currentState: supplier?.status,
    });
  }
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
