import { eq, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { prepared } from '../../db/prepared.ts';
import { contributions, groups, products, users } from '../../db/schema.ts';
import { snapshotCache, snapshotColumn } from '../../db/snapshot-cache.ts';
import { isUuid, turnBatch } from '../../db/turn-batch.ts';

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
 * keeps on the row: migration 0022), its product and its participant count (a subquery of each
 * row, an index lookup). Reading them as more queries after the page cost a round trip each, and
 * those round trips (and building their SQL) were most of what a page of groups cost; aggregating
 * each group's pickup points from two tables was a third of what PostgreSQL spent on a page.
 * Each row comes back as one JSON value (and the sort key), not 25 columns: both drivers decode a
 * value per column and Drizzle maps each one, which made reading a page 1.9 ms on PGlite, against
 * 1.2 ms as JSON (and 16 % of the API's busy time on PostgreSQL).
 * The statement is the same for every viewer (the viewer's own contributions come from
 * readViewer), so its rows are kept with the snapshot they were read in (readViews).
 * Callers add the WHERE, ORDER BY and LIMIT (and the sort key for a cursor).
 */
export function selectGroupViews(db: Queryable, sortKey: SQL = sql`null`) {
  return db
    .select({
      view: sql<GroupJson>`json_build_object('id', ${groups.id}, 'productId', ${groups.productId}, 'title', ${groups.title},
        'description', ${groups.description}, 'status', ${groups.status}, 'moq', ${groups.moq}, 'maxQuantity', ${groups.maxQuantity},
        'minPerTrader', ${groups.minPerTrader}, 'maxPerTrader', ${groups.maxPerTrader}, 'deadline', ${groups.deadline},
        'unitPrice', ${groups.unitPrice}, 'currency', ${groups.currency}, 'reservedQuantity', ${groups.reservedQuantity},
        'paidQuantity', ${groups.paidQuantity}, 'pickupPoints', ${groups.pickupPoints}, 'createdAt', ${groups.createdAt},
        'productName', ${products.name}, 'productCategory', ${products.category}, 'productUnit', ${products.unit},
        'participantCount', (select count(*)::int from ${contributions} c where c.group_id = ${groups.id} and c.status in (${openList})))`,
      /** The sort key of a page's rows, for its cursor. */
      key: sql<string | number | null>`${sortKey}`,
      snapshot: snapshotColumn,
    })
    .from(groups)
    .innerJoin(products, eq(products.id, groups.productId));
}

const openList = sql.raw(openContributionStatuses.map((s) => `'${s}'`).join(', '));

/**
 * What a viewer's Group views need of the viewer, read afresh on every request: their open
 * contributions (a trader has few; contributions_trader_idx) and the snapshot this was read in,
 * which the kept rows of readViews must match to be served. Requests in the same turn of the
 * event loop share the statement (db/turn-batch.ts), and so the snapshot.
 */
const viewersStatement = (db: Queryable) =>
  prepared(db, 'group_viewers', (db) =>
    db
      .select({
        id: users.id,
        snapshot: snapshotColumn,
        mine: sql<MineJson[]>`(select coalesce(json_agg(json_build_object('id', c.id, 'groupId', c.group_id, 'traderId', c.trader_id,
          'pickupPointId', c.pickup_point_id, 'quantity', c.quantity, 'unitPrice', c.unit_price, 'currency', c.currency, 'status', c.status,
          'reservedUntil', c.reserved_until, 'paidAt', c.paid_at, 'createdAt', c.created_at)), '[]'::json)
          from ${contributions} c where c.trader_id = "users"."id" and c.status in (${openList}))`,
      })
      .from(users)
      .where(sql`${users.id} = any(${sql.placeholder('ids')}::uuid[])`)
      .prepare('group_viewers'),
  );

export interface Viewer {
  /** The snapshot the viewer was read in (null inside a transaction that has written). */
  snapshot: string | null;
  /** The viewer's open contribution in each group, by group id. */
  mine: Map<string, MineJson>;
}

export async function readViewer(db: Queryable, viewerId: string): Promise<Viewer> {
  const row = isUuid(viewerId)
    ? await turnBatch(db, 'group_viewers', async (ids) => new Map((await viewersStatement(db).execute({ ids })).map((r) => [r.id, r]))).load(viewerId)
    : undefined;
  return { snapshot: row?.snapshot ?? null, mine: new Map((row?.mine ?? []).map((m) => [m.groupId, m])) };
}

/** At most this many pages and groups are kept (about 30 KB for a page of 20). */
const cachedViews = 500;

/**
 * The rows of a statement built on selectGroupViews, named by `key` (the statement and its
 * values): the ones kept from an earlier read if that read's snapshot is the viewer's (nothing has
 * committed since: snapshot-cache.ts), else read now and kept with their own snapshot.
 */
export async function readViews(db: Queryable, key: string, viewer: Viewer, read: () => Promise<GroupViewRow[]>): Promise<GroupViewRow[]> {
  const cache = snapshotCache<GroupViewRow[]>(db, 'group_views', cachedViews);
  const kept = viewer.snapshot === null ? undefined : cache?.get(key, viewer.snapshot);
  if (kept) return kept;
  const rows = await read();
  // An empty result has no row to say its snapshot; it is read again next time.
  if (rows.length > 0) cache?.set(key, rows[0]!.snapshot, rows);
  return rows;
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
}

/** One of the viewer's contributions as readViewer returns it. */
interface MineJson {
  id: string;
  groupId: string;
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

/**
 * What a Group view shows of a row that is the same for every viewer at every moment, built once
 * per row read (kept rows are served again: parsing and formatting their timestamps was the
 * largest part of what serving a kept page cost), with the deadline for secondsLeft.
 */
const shared = new WeakMap<GroupJson, { view: ReturnType<typeof groupView>; deadline: number }>();

function sharedView(g: GroupJson) {
  let built = shared.get(g);
  if (!built) {
    const deadline = new Date(g.deadline);
    const view = groupView(
      { ...g, deadline, createdAt: new Date(g.createdAt) },
      { id: g.productId, name: g.productName, category: g.productCategory, unit: g.productUnit },
      g.participantCount,
      null,
      deadline,
    );
    shared.set(g, (built = { view, deadline: deadline.getTime() }));
  }
  return built;
}

/** The Group shape of one row of selectGroupViews, as `viewer` sees it at `now`. */
export function groupViewOf(r: GroupViewRow, viewer: Viewer, now = new Date()) {
  const { view, deadline } = sharedView(r.view);
  const m = viewer.mine.get(view.id);
  return {
    ...view,
    secondsLeft: Math.max(0, Math.floor((deadline - now.getTime()) / 1000)),
    myContribution: m
      ? {
          id: m.id,
          groupId: view.id,
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
        }
      : null,
  };
}

/** The views of `rows` (already read), in their order, with one statement. */
export async function groupViews(db: Queryable, rows: { id: string }[], viewer: Viewer, now = new Date()) {
  if (rows.length === 0) return [];
  const read = await selectGroupViews(db).where(idIn(groups.id, rows.map((g) => g.id)));
  const byId = new Map(read.map((r) => [r.view.id, r]));
  return rows.flatMap((g) => {
    const r = byId.get(g.id);
    return r ? [groupViewOf(r, viewer, now)] : [];
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
