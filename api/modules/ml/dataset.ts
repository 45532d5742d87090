// The database, as the recommender sees it: plain traders, products and timestamped interactions for
// training, and the open groups (with pickup coordinates, committed units and who joined) for
// serving. ml/ never touches the database; this module is the only translation between the two.

import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { haversineKm, InteractionPacker, type Group as MlGroup, type Interaction, type MarketCoordinates, type PackedDataset, type Product, type Trader, type TraderBehaviour } from '../../../ml/index.ts';
import type { Queryable } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { prepared } from '../../db/prepared.ts';
import { analyticsEvents, analyticsTraders, contributions, groups, pickupPoints, products, signalEventCondition, userPreferences, users } from '../../db/schema.ts';
import { markets as harareMarkets } from '../../seed/harare.ts';
import { buildGroupViews, openContributionStatuses, productsByIds } from '../groups/views.ts';

export type GroupView = ReturnType<typeof buildGroupViews>[number];

// ---------------------------------------------------------------------------------------------
// Markets: traders type their market freely at sign-up ("mbare musika"); distances need the
// canonical name and its coordinates.

export interface MarketDirectory {
  coordinates: MarketCoordinates;
  /** The known spelling of a market name (case and spacing ignored), or the name as given. */
  canonical(name: string): string;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

export async function marketDirectory(db: Queryable): Promise<MarketDirectory> {
  const coordinates: MarketCoordinates = {};
  for (const m of harareMarkets) coordinates[m.name] = { lat: m.lat, lng: m.lng };
  // Pickup points with coordinates teach us markets the reference list does not have.
  const rows = await db
    .select({ market: pickupPoints.market, lat: sql<number>`avg(${pickupPoints.lat})::float8`, lng: sql<number>`avg(${pickupPoints.lng})::float8` })
    .from(pickupPoints)
    .where(sql`${pickupPoints.lat} is not null and ${pickupPoints.lng} is not null`)
    .groupBy(pickupPoints.market);
  for (const r of rows) if (!coordinates[r.market]) coordinates[r.market] = { lat: Number(r.lat), lng: Number(r.lng) };
  const byNorm = new Map(Object.keys(coordinates).map((name) => [norm(name), name]));
  return { coordinates, canonical: (name) => byNorm.get(norm(name)) ?? name.trim() };
}

// ---------------------------------------------------------------------------------------------
// Traders

export const traderProfileColumns = {
  id: users.id,
  market: users.market,
  createdAt: users.createdAt,
  categories: userPreferences.categories,
  budgetMin: userPreferences.budgetMin,
  budgetMax: userPreferences.budgetMax,
  currency: userPreferences.currency,
  groupSizes: userPreferences.groupSizes,
  frequency: userPreferences.purchaseFrequency,
};

export interface TraderProfileRow {
  id: string;
  market: string;
  createdAt: Date;
  categories: string[] | null;
  budgetMin: number | null;
  budgetMax: number | null;
  currency: string | null;
  groupSizes: string[] | null;
  frequency: string | null;
}

/**
 * A user row (with preferences, if any) as an ml Trader. Budgets in ZWG are converted to USD cents,
 * the currency groups are priced in. Without stated preferences the budget is marked with an unknown
 * currency: ml then treats budget fit as neutral instead of claiming "fits your budget".
 */
export function toTrader(row: TraderProfileRow, directory: Pick<MarketDirectory, 'canonical'>, zwgPerUsd: number): Trader {
  const market = directory.canonical(row.market);
  if (row.budgetMax === null || row.budgetMin === null) {
    return { id: row.id, market, categories: row.categories ?? [], budgetMin: 1000, budgetMax: 10000, currency: 'unknown', groupSizes: [], frequency: 'unknown', createdAt: row.createdAt };
  }
  const zwg = row.currency === 'ZWG';
  const usd = (v: number) => (zwg ? Math.round(v / zwgPerUsd) : v);
  return {
    id: row.id,
    market,
    categories: row.categories ?? [],
    budgetMin: usd(row.budgetMin),
    budgetMax: usd(row.budgetMax),
    currency: zwg ? 'USD' : (row.currency ?? 'USD'),
    groupSizes: row.groupSizes ?? [],
    frequency: row.frequency ?? 'unknown',
    createdAt: row.createdAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Interactions

type ContributionFact = { traderId: string; productId: string; quantity: number; paidAt: Date | null; createdAt: Date };

/**
 * One interaction per contribution: 'paid' at its payment time when it was ever paid (refunds of
 * groups that missed their MOQ included: the trader wanted the goods), else 'join' when it was
 * made. The join events of the analytics store are the same joins; counting them too would count
 * every join twice.
 */
export function contributionInteraction(c: ContributionFact): Interaction {
  return c.paidAt
    ? { traderId: c.traderId, productId: c.productId, kind: 'paid', at: c.paidAt.getTime(), quantity: c.quantity }
    : { traderId: c.traderId, productId: c.productId, kind: 'join', at: c.createdAt.getTime(), quantity: c.quantity };
}

/** The signal events' types (signalEventCondition) as the kinds ml knows. */
const signalKind = sql<'view' | 'click'>`case when type = 'recommendation_clicked' then 'click' else 'view' end`;

/** Rows per query when reading interactions: each page is one short block of the event loop. */
const pageSize = 10_000;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Reads a table in pages by id (keyset), yielding to the event loop between pages. With PGlite the
 * database runs on this thread, so one query over every interaction would stall requests for as
 * long as it takes; pages keep each stall short. The id order also makes the result deterministic.
 */
async function paged<T extends { id: string | number }>(fetch: (after: T['id'] | null, limit: number) => Promise<T[]>, each: (row: T) => void): Promise<void> {
  let after: T['id'] | null = null;
  for (;;) {
    const rows = await fetch(after, pageSize);
    for (const row of rows) each(row);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
    await yieldToLoop();
  }
}

/**
 * Everything the model learns from, as of `now`. The interactions are packed into columns as the
 * pages arrive: as objects they would hold some 110 MB of this thread's heap at 500,000 for as
 * long as the worker trains.
 */
export async function buildDataset(db: Queryable, options: { now: Date; zwgPerUsd: number }): Promise<PackedDataset> {
  const { now } = options;
  const [directory, traderRows, productRows] = await Promise.all([
    marketDirectory(db),
    db.select(traderProfileColumns).from(users).leftJoin(userPreferences, eq(userPreferences.userId, users.id)).where(eq(users.role, 'trader')).orderBy(users.id),
    db
      .select({ id: products.id, name: products.name, description: products.description, category: products.category, unitPrice: products.unitPrice, currency: products.currency, createdAt: products.createdAt })
      .from(products)
      .orderBy(products.id),
  ]);
  const traders = traderRows.map((r) => toTrader(r, directory, options.zwgPerUsd));
  const known = new Set(traders.map((t) => t.id));
  const interactions = new InteractionPacker(
    traders.map((t) => t.id),
    productRows.map((p) => p.id),
  );
  await paged<{ id: string; traderId: string; productId: string; quantity: number; paidAt: Date | null; createdAt: Date }>(
    (after, limit) =>
      db
        .select({ id: contributions.id, traderId: contributions.traderId, productId: groups.productId, quantity: contributions.quantity, paidAt: contributions.paidAt, createdAt: contributions.createdAt })
        .from(contributions)
        .innerJoin(groups, eq(groups.id, contributions.groupId))
        .where(and(lte(contributions.createdAt, now), after !== null ? gt(contributions.id, after) : undefined))
        .orderBy(contributions.id)
        .limit(limit),
    (c) => {
      if (known.has(c.traderId)) interactions.add(contributionInteraction(c));
    },
  );
  await paged<{ id: number; traderId: string | null; productId: string | null; kind: 'view' | 'click'; at: Date }>(
    (after, limit) =>
      db
        .select({ id: analyticsEvents.id, traderId: analyticsEvents.userId, productId: analyticsEvents.productId, kind: signalKind, at: analyticsEvents.occurredAt })
        .from(analyticsEvents)
        .where(and(signalEventCondition, lte(analyticsEvents.occurredAt, now), after !== null ? gt(analyticsEvents.id, after) : undefined))
        .orderBy(analyticsEvents.id)
        .limit(limit),
    (e) => {
      // signalEventCondition: both ids are set
      if (known.has(e.traderId!)) interactions.add({ traderId: e.traderId!, productId: e.productId!, kind: e.kind, at: e.at.getTime() });
    },
  );
  return { traders, products: productRows, interactions: interactions.finish(), now };
}

export interface TraderContextRow {
  profile: TraderProfileRow;
  behaviour: TraderBehaviour | undefined;
  /** Interactions after `since` (the model's data time), folded into the trader's vectors per request. */
  recent: Interaction[];
  /** Open groups the trader holds an open contribution in (the only groups they could be shown). */
  joinedGroupIds: string[];
}

type Json = string | number | null;

const traderContextQuery = (db: Queryable) =>
  db
    .select({
      ...traderProfileColumns,
      contributions: sql<Json[][]>`coalesce((
        select json_agg(json_build_array(c.group_id, c.status, g.product_id, c.quantity, c.paid_at, c.created_at))
        from ${contributions} c join ${groups} g on g.id = c.group_id
        where c.trader_id = ${users.id}
          -- only what is used below: holdings in open groups, and what arrived after the model's data
          and ((g.status = 'open' and c.status in (${sql.raw(openContributionStatuses.map((st) => `'${st}'`).join(', '))}))
               or coalesce(c.paid_at, c.created_at) > ${sql.placeholder('since')}::timestamptz)), '[]'::json)`,
      events: sql<Json[][]>`coalesce((
        select json_agg(json_build_array(product_id, ${signalKind}, occurred_at))
        from ${analyticsEvents}
        where user_id = ${users.id} and occurred_at > ${sql.placeholder('since')}::timestamptz and ${signalEventCondition}), '[]'::json)`,
      // What the analytics ETL last found of them (at most a job interval old; it moves slowly).
      behaviour: sql<Json[] | null>`(select json_build_array(t.recency_days, t.frequency, t.monetary, t.engagement)
        from ${analyticsTraders} t where t.user_id = ${users.id})`,
    })
    .from(users)
    .leftJoin(userPreferences, eq(userPreferences.userId, users.id))
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('trader_context');

/**
 * Everything serving needs about one trader, in one round trip (this runs on every recommendation
 * request): profile and preferences, their contributions, and their views and clicks since `since`.
 */
export async function traderContext(db: Queryable, traderId: string, since: Date): Promise<TraderContextRow | undefined> {
  const [row] = await prepared(db, 'trader_context', traderContextQuery).execute({ id: traderId, since: since.toISOString() });
  if (!row) return undefined;
  const { contributions: mine, events, behaviour: features, ...profile } = row;
  const b = typeof features === 'string' ? (JSON.parse(features) as Json[]) : features;
  const behaviour: TraderBehaviour | undefined = b
    ? { recencyDays: b[0] === null ? null : Number(b[0]), frequency: Number(b[1]), monetary: Number(b[2]), engagement: Number(b[3]) }
    : undefined;
  const open = new Set<string>(openContributionStatuses);
  const recent: Interaction[] = [];
  const joinedGroupIds: string[] = [];
  const time = (v: Json) => (v === null ? null : new Date(v).getTime());
  for (const [groupId, status, productId, quantity, paidAt, createdAt] of typeof mine === 'string' ? (JSON.parse(mine) as Json[][]) : mine) {
    if (open.has(String(status))) joinedGroupIds.push(String(groupId));
    const paid = time(paidAt!);
    const at = paid ?? time(createdAt!)!;
    if (at > since.getTime()) {
      recent.push({ traderId, productId: String(productId), kind: paid !== null ? 'paid' : 'join', at, quantity: Number(quantity) });
    }
  }
  for (const [productId, kind, createdAt] of typeof events === 'string' ? (JSON.parse(events) as Json[][]) : events) {
    recent.push({ traderId, productId: String(productId), kind: kind as 'view' | 'click', at: time(createdAt!)! });
  }
  return { profile, behaviour, recent, joinedGroupIds };
}

// ---------------------------------------------------------------------------------------------
// Open groups, for serving

export interface PickupOption {
  market: string;
  lat: number | null;
  lng: number | null;
}

export interface OpenGroup extends MlGroup {
  pickupOptions: PickupOption[];
}

export interface OpenGroups {
  builtAt: number;
  groups: OpenGroup[];
  /** The Group view (as GET /api/groups/{id} shows it, without the viewer's own contribution). */
  view(groupId: string): GroupView | undefined;
  /** Products of the open groups: the ones a model was not trained on are scored from their text. */
  products: Product[];
  directory: MarketDirectory;
  /** The groups with, for each, the pickup point nearest to this market. */
  forMarket(market: string): MlGroup[];
}

export async function loadOpenGroups(db: Queryable, now = new Date()): Promise<OpenGroups> {
  const rows = await db
    .select()
    .from(groups)
    .where(and(eq(groups.status, 'open'), gt(groups.deadline, now)))
    .orderBy(groups.deadline, groups.id);
  const ids = rows.map((g) => g.id);
  // Built in the background while the cached groups keep serving (openGroupsFor), so the queries
  // go one after another: run together, they took both of the database's cores from the requests
  // being answered meanwhile.
  const directory = await marketDirectory(db);
  const participants = await db
    .select({ groupId: contributions.groupId, traderId: contributions.traderId })
    .from(contributions)
    .where(and(idIn(contributions.groupId, ids), inArray(contributions.status, [...openContributionStatuses])));
  const productById = await productsByIds(db, [...new Set(rows.map((g) => g.productId))]);
  const participantsByGroup = new Map<string, string[]>();
  for (const p of participants) {
    const list = participantsByGroup.get(p.groupId);
    if (list) list.push(p.traderId);
    else participantsByGroup.set(p.groupId, [p.traderId]);
  }
  const viewInputs = {
    products: productById,
    participantCounts: new Map([...participantsByGroup].map(([groupId, traders]) => [groupId, traders.length])),
    mine: new Map(),
  };

  const openGroups: OpenGroup[] = rows.map((g) => ({
    id: g.id,
    productId: g.productId,
    pickupMarket: '',
    unitPrice: g.unitPrice,
    currency: g.currency,
    moq: g.moq,
    // Reserved units count: they hold capacity, and most reservations are paid.
    committedQty: g.reservedQuantity + g.paidQuantity,
    maxQty: g.maxQuantity,
    deadline: g.deadline.getTime(),
    status: g.status,
    participantIds: participantsByGroup.get(g.id) ?? [],
    pickupOptions: g.pickupPoints.map((p) => ({ market: directory.canonical(p.market), lat: p.lat, lng: p.lng })),
  }));

  // What a snapshot builds stays alive until the next one, so each scavenge in between copies it:
  // views are built for the groups that are shown, when first shown, and a group with one pickup
  // point (or none) looks the same from every market, so only groups with a choice of points are
  // copied per market.
  const rowById = new Map(rows.map((g) => [g.id, g]));
  const views = new Map<string, GroupView>();
  const shared = openGroups.map((g) => withNearestPoint(g, undefined));
  const anyChoice = openGroups.some((g) => g.pickupOptions.length > 1);
  const byMarket = new Map<string, MlGroup[]>();
  return {
    builtAt: now.getTime(),
    groups: openGroups,
    view(groupId) {
      let view = views.get(groupId);
      const row = rowById.get(groupId);
      if (!view && row) views.set(groupId, (view = buildGroupViews([row], viewInputs, now)[0]!));
      return view;
    },
    products: [...productById.values()],
    directory,
    forMarket(market) {
      if (!anyChoice) return shared;
      let list = byMarket.get(market);
      if (!list) {
        const from = directory.coordinates[market];
        list = openGroups.map((g, i) => (g.pickupOptions.length > 1 ? withNearestPoint(g, from) : shared[i]!));
        byMarket.set(market, list);
      }
      return list;
    },
  };
}

/**
 * A group with several pickup points is as close as its nearest one. Every group is built by this
 * one literal, so all have the same shape: the scorer reads these fields of every open group on
 * every request, and objects made by rest/spread with optional keys made those reads several
 * times slower.
 */
function withNearestPoint(g: OpenGroup, from: { lat: number; lng: number } | undefined): MlGroup {
  let best: PickupOption | undefined = g.pickupOptions[0];
  if (from) {
    let bestKm = Infinity;
    for (const p of g.pickupOptions) {
      if (p.lat === null || p.lng === null) continue;
      const km = haversineKm(from, { lat: p.lat, lng: p.lng });
      if (km < bestKm) {
        bestKm = km;
        best = p;
      }
    }
  }
  const located = best !== undefined && best.lat !== null && best.lng !== null;
  return {
    id: g.id,
    productId: g.productId,
    pickupMarket: best?.market ?? g.pickupMarket,
    pickupLat: located ? best!.lat! : undefined,
    pickupLng: located ? best!.lng! : undefined,
    unitPrice: g.unitPrice,
    currency: g.currency,
    moq: g.moq,
    committedQty: g.committedQty,
    maxQty: g.maxQty,
    deadline: g.deadline,
    status: g.status,
    participantIds: g.participantIds,
  };
}
