import { eq, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { prepared } from '../../db/prepared.ts';
import { contributions, groups, products } from '../../db/schema.ts';
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
 * The statement is the same for every viewer (the viewer's own contributions are read beside it,
 * for the page's groups alone), so its rows are kept with the snapshot they were read in (readViews).
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
 * The viewer's own open contributions in the given groups (at most one each), read afresh on
 * every request, and the snapshot this was read in, which kept rows must match to be served
 * (readViews). Requests in the same turn of the event loop share one statement
 * (db/turn-batch.ts), and so the snapshot. Keyed by "viewer group,group,…", so each request gets
 * back its own viewer's contributions in its groups.
 */
const sharesStatement = (db: Queryable) =>
  prepared(db, 'group_viewer_shares', (db) =>
    db
      .select({
        snapshot: snapshotColumn,
        mine: sql<MineJson[]>`(select coalesce(json_agg(json_build_object('id', c.id, 'groupId', c.group_id, 'traderId', c.trader_id,
          'pickupPointId', c.pickup_point_id, 'quantity', c.quantity, 'unitPrice', c.unit_price, 'currency', c.currency, 'status', c.status,
          'reservedUntil', c.reserved_until, 'paidAt', c.paid_at, 'createdAt', c.created_at)), '[]'::json)
          from ${contributions} c
          where c.group_id = any(${sql.placeholder('groups')}::uuid[]) and c.trader_id = any(${sql.placeholder('traders')}::uuid[]) and c.status in (${openList}))`,
      })
      .from(sql`(values (1)) as one`)
      .prepare('group_viewer_shares'),
  );

interface Shares {
  snapshot: string | null;
  mine: MineJson[];
}

async function readShares(db: Queryable, keys: string[]): Promise<Map<string, Shares>> {
  const wanted = new Set<string>();
  const traders = new Set<string>();
  const groupIds = new Set<string>();
  for (const key of keys) {
    const [viewer, ids] = key.split(' ') as [string, string];
    traders.add(viewer);
    for (const id of ids.split(',')) {
      groupIds.add(id);
      wanted.add(`${viewer} ${id}`);
    }
  }
  // Every viewer of the batch in every group of the batch: with several viewers that is more
  // pairs than were asked for, and the ones nobody asked for are dropped here (one index scan of
  // the open contributions of these groups beats a join on each pair).
  const [row] = await sharesStatement(db).execute({ traders: [...traders], groups: [...groupIds] });
  const byViewer = new Map<string, MineJson[]>();
  for (const m of row?.mine ?? []) {
    if (wanted.has(`${m.traderId} ${m.groupId}`)) byViewer.set(m.traderId, [...(byViewer.get(m.traderId) ?? []), m]);
  }
  return new Map(keys.map((key) => [key, { snapshot: row?.snapshot ?? null, mine: byViewer.get(key.split(' ')[0]!) ?? [] }]));
}

/** What a viewer's Group views need of the viewer: their open contribution in each group, by group id. */
export interface Viewer {
  mine: Map<string, MineJson>;
}

/** The viewer's shares in `groupIds` and the current snapshot (null inside a transaction that has written). */
async function viewerOf(db: Queryable, viewerId: string, groupIds: string[]): Promise<Viewer & { snapshot: string | null }> {
  const ids = groupIds.filter(isUuid);
  const shares = isUuid(viewerId) && ids.length > 0 ? await turnBatch(db, 'group_viewer_shares', (keys) => readShares(db, keys)).load(`${viewerId} ${ids.join(',')}`) : undefined;
  return { snapshot: shares?.snapshot ?? null, mine: new Map((shares?.mine ?? []).map((m) => [m.groupId, m])) };
}

/** At most this many pages and groups are kept (about 30 KB for a page of 20). */
const cachedViews = 500;

/**
 * The rows of a statement built on selectGroupViews, named by `key` (the statement and its
 * values), and the viewer's shares in them. Rows kept from an earlier read are served if the
 * snapshot read with the viewer's shares in their groups is the one they were read in (nothing
 * has committed since: snapshot-cache.ts): one small statement in all. Otherwise the statement
 * runs (and its rows are kept with its own snapshot), and the viewer's shares are read for its
 * groups if the first read did not cover them.
 */
export async function readViews(db: Queryable, key: string, viewerId: string, read: () => Promise<GroupViewRow[]>): Promise<{ rows: GroupViewRow[]; viewer: Viewer }> {
  const cache = snapshotCache<GroupViewRow[]>(db, 'group_views', cachedViews);
  const kept = cache?.peek(key);
  const keptIds = kept?.value.map((r) => r.view.id) ?? [];
  const viewer = kept ? await viewerOf(db, viewerId, keptIds) : undefined;
  // A read with nothing kept counts as a miss too, so the metrics' misses are every read done afresh.
  if (kept && viewer && cache!.isCurrent(kept, viewer.snapshot)) return { rows: kept.value, viewer };
  if (!kept) cache?.isCurrent(undefined, null);
  const rows = await read();
  // An empty result has no row to say its snapshot; it is read again next time.
  if (rows.length > 0) cache?.set(key, rows[0]!.snapshot, rows);
  const covered = viewer && rows.every((r) => keptIds.includes(r.view.id));
  return { rows, viewer: covered ? viewer : await viewerOf(db, viewerId, rows.map((r) => r.view.id)) };
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

/** The views of `rows` (already read), in their order, as `viewerId` sees them. */
export async function groupViews(db: Queryable, rows: { id: string }[], viewerId: string, now = new Date()) {
  if (rows.length === 0) return [];
  const ids = rows.map((g) => g.id);
  const [read, viewer] = await Promise.all([selectGroupViews(db).where(idIn(groups.id, ids)), viewerOf(db, viewerId, ids)]);
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
