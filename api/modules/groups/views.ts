import { eq, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { contributions, groups, products } from '../../db/schema.ts';

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

/** What Group views are built from besides the group rows (which carry their pickup points), each by group id (products by id). */
export interface GroupViewInputs {
  products: Map<string, GroupProduct>;
  /** Open contributions. */
  participantCounts: Map<string, number>;
  /** The viewer's own open contribution. */
  mine: Map<string, ContributionRow>;
}

/**
 * A Group view is read in one statement: the group (with its pickup points, which the database
 * keeps on the row: migration 0022), its product, its participant count and the viewer's own open
 * contribution, the last two as subqueries of each row (each an index lookup). Reading them as
 * more queries after the page cost a round trip each, and those round trips (and building their
 * SQL) were most of what a page of groups cost; aggregating each group's pickup points from two
 * tables was a third of what PostgreSQL spent on a page.
 * Each row comes back as one JSON value (and the sort key), not 25 columns: both drivers decode a
 * value per column and Drizzle maps each one, which made reading a page 1.9 ms on PGlite, against
 * 1.2 ms as JSON (and 16 % of the API's busy time on PostgreSQL).
 * Callers add the WHERE, ORDER BY and LIMIT (and the sort key for a cursor); capacity and the
 * viewer's contribution are read afresh every time (never cached).
 */
export function selectGroupViews(db: Queryable, viewerId: string | Placeholder | undefined, sortKey: SQL = sql`null`) {
  const open = sql.raw(openContributionStatuses.map((s) => `'${s}'`).join(', '));
  const mine = viewerId
    ? sql`(select json_build_object('id', c.id, 'traderId', c.trader_id, 'pickupPointId', c.pickup_point_id, 'quantity', c.quantity,
        'unitPrice', c.unit_price, 'currency', c.currency, 'status', c.status, 'reservedUntil', c.reserved_until, 'paidAt', c.paid_at,
        'createdAt', c.created_at)
        from ${contributions} c where c.group_id = ${groups.id} and c.trader_id = ${viewerId}::uuid and c.status in (${open}))`
    : sql`null::json`;
  return db
    .select({
      view: sql<GroupJson>`json_build_object('id', ${groups.id}, 'productId', ${groups.productId}, 'title', ${groups.title},
        'description', ${groups.description}, 'status', ${groups.status}, 'moq', ${groups.moq}, 'maxQuantity', ${groups.maxQuantity},
        'minPerTrader', ${groups.minPerTrader}, 'maxPerTrader', ${groups.maxPerTrader}, 'deadline', ${groups.deadline},
        'unitPrice', ${groups.unitPrice}, 'currency', ${groups.currency}, 'reservedQuantity', ${groups.reservedQuantity},
        'paidQuantity', ${groups.paidQuantity}, 'pickupPoints', ${groups.pickupPoints}, 'createdAt', ${groups.createdAt},
        'productName', ${products.name}, 'productCategory', ${products.category}, 'productUnit', ${products.unit},
        'participantCount', (select count(*)::int from ${contributions} c where c.group_id = ${groups.id} and c.status in (${open})),
        'mine', ${mine})`,
      /** The sort key of a page's rows, for its cursor. */
      key: sql<string | number | null>`${sortKey}`,
    })
    .from(groups)
    .innerJoin(products, eq(products.id, groups.productId));
}

/** A row of selectGroupViews as both drivers hand it back, parsed (timestamps as PostgreSQL writes them in JSON). */
interface GroupJson {
  id: string;
  productId: string;
  title: string;
  description: string;
  status: GroupRow['status'];
  moq: number;
  maxQuantity: number | null;
  minPerTrader: number;
  maxPerTrader: number | null;
  deadline: string;
  unitPrice: number;
  currency: GroupRow['currency'];
  reservedQuantity: number;
  paidQuantity: number;
  pickupPoints: GroupRow['pickupPoints'];
  createdAt: string;
  productName: string;
  productCategory: string;
  productUnit: string;
  participantCount: number;
  mine: MineJson | null;
}

/** The viewer's contribution as the statement returns it. */
interface MineJson {
  id: string;
  traderId: string;
  pickupPointId: string;
  quantity: number;
  unitPrice: number;
  currency: ContributionRow['currency'];
  status: ContributionRow['status'];
  reservedUntil: string | null;
  paidAt: string | null;
  createdAt: string;
}

export type GroupViewRow = Awaited<ReturnType<ReturnType<typeof selectGroupViews>['execute']>>[number];

const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString());

/** The Group shape of one row of selectGroupViews. */
export function groupViewOf(r: GroupViewRow, now = new Date()) {
  const g = r.view;
  const m = g.mine;
  return groupView(
    { ...g, deadline: new Date(g.deadline), createdAt: new Date(g.createdAt) },
    { id: g.productId, name: g.productName, category: g.productCategory, unit: g.productUnit },
    g.participantCount,
    m && {
      id: m.id,
      groupId: g.id,
      traderId: m.traderId,
      pickupPointId: m.pickupPointId,
      quantity: m.quantity,
      unitPrice: m.unitPrice,
      currency: m.currency,
      amount: m.quantity * m.unitPrice,
      status: m.status,
      reservedUntil: iso(m.reservedUntil),
      paidAt: iso(m.paidAt),
      createdAt: iso(m.createdAt)!,
    },
    now,
  );
}

/** The views of `rows` (already read), in their order, with one statement. */
export async function groupViews(db: Queryable, rows: { id: string }[], viewerId: string | undefined, now = new Date()) {
  if (rows.length === 0) return [];
  const read = await selectGroupViews(db, viewerId).where(idIn(groups.id, rows.map((g) => g.id)));
  const byId = new Map(read.map((r) => [r.view.id, r]));
  return rows.flatMap((g) => {
    const r = byId.get(g.id);
    return r ? [groupViewOf(r, now)] : [];
  });
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

/** The Group shape of each row, in the order of `rows`. */
export function buildGroupViews(rows: GroupRow[], inputs: GroupViewInputs, now: Date) {
  return rows.map((g) => {
    const mineRow = inputs.mine.get(g.id);
    return groupView(
      g,
      inputs.products.get(g.productId)!,
      inputs.participantCounts.get(g.id) ?? 0,
      mineRow ? contributionView(mineRow) : null,
      now,
    );
  });
}

/** What a Group view shows of the group's own row. */
type GroupFacts = Pick<
  GroupRow,
  'id' | 'title' | 'description' | 'status' | 'unitPrice' | 'currency' | 'moq' | 'maxQuantity' | 'minPerTrader' | 'maxPerTrader' | 'deadline' | 'reservedQuantity' | 'paidQuantity' | 'pickupPoints' | 'createdAt'
>;

function groupView(
  g: GroupFacts,
  product: Pick<GroupProduct, 'id' | 'name' | 'category' | 'unit'>,
  participantCount: number,
  myContribution: ReturnType<typeof contributionView> | null,
  now: Date,
) {
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
    participantCount,
    secondsLeft: Math.max(0, Math.floor((g.deadline.getTime() - now.getTime()) / 1000)),
    pickupPoints: g.pickupPoints,
    myContribution,
    createdAt: g.createdAt.toISOString(),
  };
}
