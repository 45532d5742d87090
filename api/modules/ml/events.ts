// What the recommender served and saw, written to the analytics store (api/modules/analytics) as the
// server's own events: impressions (recommendation_shown, one per item, whose event_id is the
// recommendationId handed to the client), clicks on them (recommendation_clicked) and group pages
// opened (group_view). They are the experiment's outcomes, views and clicks are training signal
// (signalEventCondition), and the ETL's recommendation KPIs count them: one log for all three.

import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { analyticsEvents } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { mlState } from './state.ts';

/** What one recommendation request showed one trader. */
export interface Impressions {
  traderId: string;
  modelVersion: string;
  variant: string;
  /** In rank order; each id is the recommendationId the client was given. */
  items: { id: string; groupId: string; productId: string; score: number }[];
}

/**
 * One recommendation_shown event per recommended item, in one statement whatever the number of
 * items: what the rows share as plain parameters, the rest as one array per column (unnest), the
 * rank from the array position. (Not a Drizzle prepared insert: its INSERT ... SELECT names every
 * column, the generated id too.)
 */
export async function logShown(db: Queryable, shown: Impressions): Promise<void> {
  if (!shown.items.length) return;
  const column = <K extends keyof Impressions['items'][number]>(key: K) => sql.param(shown.items.map((r) => r[key]));
  await db.execute(sql`
    insert into analytics_events (event_id, source, type, user_id, group_id, product_id, recommendation_id, properties, occurred_at)
    select id, 'server', 'recommendation_shown', ${shown.traderId}::uuid, group_id, product_id, id,
           jsonb_build_object('modelVersion', ${shown.modelVersion}::text, 'variant', ${shown.variant}::text, 'score', score, 'rank', rank),
           now()
    from unnest(${column('id')}::uuid[], ${column('groupId')}::uuid[], ${column('productId')}::uuid[], ${column('score')}::float8[])
      with ordinality as t(id, group_id, product_id, score, rank)`);
}

export interface ShownRow {
  recommendationId: string;
  groupId: string;
  productId: string;
  modelVersion: string;
  variant: string;
  score: number;
  rank: number;
}

/** The impression a recommendationId names, if it was shown to this trader (by its unique event_id). */
export async function shownTo(db: Queryable, traderId: string, recommendationId: string): Promise<ShownRow | undefined> {
  const { rows } = (await db.execute(sql`
    select event_id as "recommendationId", group_id as "groupId", product_id as "productId",
           properties->>'modelVersion' as "modelVersion", properties->>'variant' as "variant",
           (properties->>'score')::float8 as score, (properties->>'rank')::int as rank
    from analytics_events
    where event_id = ${recommendationId}::uuid and type = 'recommendation_shown' and source = 'server' and user_id = ${traderId}::uuid`)) as unknown as { rows: ShownRow[] };
  return rows[0];
}

/** The trader opened a recommended group. Only their own recommendations can be clicked. */
export async function recordClick(ctx: AppContext, user: AuthUser, recommendationId: string): Promise<void> {
  const shown = await shownTo(ctx.db, user.id, recommendationId);
  if (!shown) throw notFound(`Recommendation ${recommendationId}`);
  await ctx.database.servingDb.insert(analyticsEvents).values({
    eventId: crypto.randomUUID(),
    source: 'server',
    type: 'recommendation_clicked',
    userId: user.id,
    groupId: shown.groupId,
    productId: shown.productId,
    recommendationId,
    properties: { modelVersion: shown.modelVersion, variant: shown.variant, score: shown.score, rank: shown.rank },
    occurredAt: new Date(),
  });
}

/**
 * Called inside the join transaction, when the join carries a recommendationId: the id to store on
 * the contribution (and on the join's own event, api/modules/groups/reserve.ts), but only for a
 * recommendation shown to this trader for this group. Attribution is bookkeeping, so an unknown or
 * borrowed id neither fails the join nor credits a variant.
 */
export async function attributeJoin(tx: Queryable, join: { traderId: string; groupId: string; recommendationId: string | undefined }): Promise<string | null> {
  if (!join.recommendationId) return null;
  const shown = await shownTo(tx, join.traderId, join.recommendationId);
  return shown && shown.groupId === join.groupId ? shown.recommendationId : null;
}

/** A page opened again within this window is not another view. */
const viewWindowMs = 10 * 60_000;

/** A trader opened a group's page (GET /api/groups/{id}). */
export async function logView(ctx: AppContext, user: AuthUser, group: { id: string; product: { id: string } }): Promise<void> {
  if (user.role !== 'trader') return;
  const seen = mlState(ctx).recentViews;
  const key = `${user.id}:${group.id}`;
  const now = Date.now();
  if (now - (seen.get(key) ?? 0) < viewWindowMs) return;
  if (seen.size > 50_000) for (const [k, at] of seen) if (now - at >= viewWindowMs) seen.delete(k);
  if (seen.size > 100_000) seen.clear(); // a flood of distinct pages: forget rather than grow
  seen.set(key, now);
  await ctx.database.servingDb.insert(analyticsEvents).values({
    eventId: crypto.randomUUID(),
    source: 'server',
    type: 'group_view',
    userId: user.id,
    groupId: group.id,
    productId: group.product.id,
    occurredAt: new Date(now),
  });
}
