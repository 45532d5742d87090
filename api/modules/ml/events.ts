// Writing interaction_events: impressions, clicks, joins attributed to a recommendation, and group
// page views. These are the experiment's outcomes and (views, clicks) part of the training signal.

import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { prepared } from '../../db/prepared.ts';
import { interactionEvents } from '../../db/schema.ts';
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
 * One 'shown' row per recommended item. Every recommendation request writes these, so they go in
 * as one prepared statement whatever the number of items: what the rows share as plain
 * parameters, the rest as one array per column (unnest), the rank from the array position.
 */
export async function logShown(db: Queryable, shown: Impressions): Promise<void> {
  if (!shown.items.length) return;
  const column = <K extends keyof Impressions['items'][number]>(key: K) => shown.items.map((r) => r[key]);
  await prepared(db, 'log_shown', (d) =>
    d
      .insert(interactionEvents)
      .select(
        sql`select id, ${sql.placeholder('trader')}::uuid, group_id, product_id, 'shown'::interaction_kind, id,
                   ${sql.placeholder('version')}::text, ${sql.placeholder('variant')}::text, score, rank, now()
            from unnest(${sql.placeholder('ids')}::uuid[], ${sql.placeholder('groups')}::uuid[], ${sql.placeholder('products')}::uuid[],
                        ${sql.placeholder('scores')}::float8[]) with ordinality as t(id, group_id, product_id, score, rank)`,
      )
      .prepare('log_shown'),
  ).execute({
    trader: shown.traderId,
    version: shown.modelVersion,
    variant: shown.variant,
    ids: column('id'),
    groups: column('groupId'),
    products: column('productId'),
    scores: column('score'),
  });
}

async function shownRow(db: Queryable, traderId: string, recommendationId: string) {
  const [row] = await db
    .select()
    .from(interactionEvents)
    .where(and(eq(interactionEvents.recommendationId, recommendationId), eq(interactionEvents.kind, 'shown'), eq(interactionEvents.traderId, traderId)));
  return row;
}

/** The trader opened a recommended group. Only their own recommendations can be clicked. */
export async function recordClick(ctx: AppContext, user: AuthUser, recommendationId: string): Promise<void> {
  const shown = await shownRow(ctx.db, user.id, recommendationId);
  if (!shown) throw notFound(`Recommendation ${recommendationId}`);
  await ctx.database.servingDb.insert(interactionEvents).values({
    traderId: user.id,
    groupId: shown.groupId,
    productId: shown.productId,
    kind: 'click',
    recommendationId,
    modelVersion: shown.modelVersion,
    variant: shown.variant,
    score: shown.score,
    rank: shown.rank,
  });
}

/**
 * Called inside the join transaction, when the join carries a recommendationId. Returns the id to
 * store on the contribution and logs the attributed join, but only for a recommendation shown to
 * this trader for this group: attribution is bookkeeping, so an unknown or borrowed id neither
 * fails the join nor credits a variant. Joins without one cost nothing extra here (the group row is
 * locked meanwhile); the training data reads joins from contributions anyway.
 */
export async function logJoin(
  tx: Queryable,
  join: { traderId: string; groupId: string; productId: string; recommendationId: string | undefined },
): Promise<string | null> {
  if (!join.recommendationId) return null;
  const shown = await shownRow(tx, join.traderId, join.recommendationId);
  if (!shown || shown.groupId !== join.groupId) return null;
  await tx.insert(interactionEvents).values({
    traderId: join.traderId,
    groupId: join.groupId,
    productId: join.productId,
    kind: 'join',
    recommendationId: shown.recommendationId,
    modelVersion: shown.modelVersion,
    variant: shown.variant,
    score: shown.score,
    rank: shown.rank,
  });
  return shown.recommendationId;
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
  await ctx.database.servingDb.insert(interactionEvents).values({ traderId: user.id, groupId: group.id, productId: group.product.id, kind: 'view' });
}
