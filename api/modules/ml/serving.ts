// Serving recommendations: the trader's context from the database (profile, groups joined,
// interactions since the model was trained), the open groups (cached for a few seconds, so a burst
// of requests builds them once), recommend() on the served model, and Group views for the answer.

import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { recommend, type Explanation, type Recommendation } from '../../../ml/index.ts';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { HttpProblem, badRequest, notFound } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { loadOpenGroups, toTrader, traderContext, type GroupView, type OpenGroups } from './dataset.ts';
import { logShown } from './events.ts';
import { variantFor, type Variant } from './experiments.ts';
import { servedModel } from './model-store.ts';
import { mlState, type ServedModel } from './state.ts';

/** How long the open-groups input is reused. Joins within it are still excluded for the joiner. */
export const openGroupsTtlMs = 5000;

/**
 * The open groups, rebuilt at most every few seconds. Past that age the cached ones are still used
 * while a rebuild runs in the background (stale-while-revalidate), so no request waits for a
 * rebuild except the very first, or the first after invalidateOpenGroups().
 */
export function openGroupsFor(ctx: AppContext): Promise<OpenGroups> {
  const state = mlState(ctx);
  const cached = state.openGroups;
  const now = Date.now();
  if (cached && now - cached.builtAt < openGroupsTtlMs) return cached.value;
  if (cached && state.rebuilding) return cached.value;
  const value = loadOpenGroups(ctx.db, new Date(now));
  const entry = { builtAt: now, value };
  if (!cached) {
    state.openGroups = entry;
    // A failed build is not kept.
    value.catch(() => {
      if (state.openGroups === entry) state.openGroups = null;
    });
    return value;
  }
  state.rebuilding = true;
  value
    .then(() => {
      if (state.openGroups === cached) state.openGroups = entry;
    })
    .catch(() => undefined) // the stale value keeps serving; the next request tries again
    .finally(() => (state.rebuilding = false));
  return cached.value;
}

/** Forgets the cached open groups (after a change the next request must see). */
export function invalidateOpenGroups(ctx: AppContext): void {
  mlState(ctx).openGroups = null;
}

export function modelUnavailable(ctx: AppContext): HttpProblem {
  const detail = mlState(ctx).training
    ? 'the recommendation model is still training; retry in a minute'
    : 'no recommendation model is active yet; it trains at start-up or when an admin trains one; retry in a minute';
  return new HttpProblem(503, 'model-unavailable', 'Recommendations unavailable', detail, undefined, undefined, { 'retry-after': '60' });
}

/** The route a list took, named for who the trader is: returning wins over the scoring path (never both). */
function pathName(e: Explanation): 'personalised' | 'cold_start' | 'returning' {
  if (e.audience === 'returning') return 'returning';
  return e.path === 'personalized' ? 'personalised' : 'cold_start';
}

interface Scored {
  served: ServedModel;
  variant: Variant;
  open: OpenGroups;
  now: number;
  recommendations: Recommendation[];
}

async function score(
  ctx: AppContext,
  userId: string,
  options: { limit: number; diversity: boolean; only?: ReadonlySet<string> },
): Promise<Scored | null> {
  // Read once: this request keeps this model even if another is activated meanwhile.
  const served = await servedModel(ctx);
  if (!served) return null;
  const [open, mine] = await Promise.all([openGroupsFor(ctx), traderContext(ctx.database.servingDb, userId, new Date(served.model.now))]);
  if (!mine) throw notFound(`User ${userId}`);
  const trader = toTrader(mine.profile, open.directory, ctx.config.payments.zwgPerUsd);
  const variant = variantFor(userId);
  const now = Date.now();
  let groups = open.forMarket(trader.market);
  if (options.only) groups = groups.filter((g) => options.only!.has(g.id));
  const recommendations = recommend(
    served.model,
    // The stated preferences as they are now (they may have changed since training).
    { traderId: userId, profile: { ...trader, behaviour: mine.behaviour }, joinedGroupIds: mine.joinedGroupIds, recentInteractions: mine.recent },
    groups,
    {
      now,
      limit: options.limit,
      marketCoordinates: open.directory.coordinates,
      diversity: options.diversity,
      // Those the model was not trained on (listed since) are scored from their text.
      products: open.products,
      ...(variant.hybridWeights ? { hybridWeights: variant.hybridWeights } : {}),
    },
  );
  return { served, variant, open, now, recommendations };
}

/** The cached view, with what moves by the second brought up to date. */
function liveView(view: GroupView, now: number): GroupView {
  return { ...view, secondsLeft: Math.max(0, Math.floor((Date.parse(view.deadline) - now) / 1000)), myContribution: null };
}

export async function recommendationsFor(ctx: AppContext, user: Pick<AuthUser, 'id' | 'role'>, limit: number, options: { log: boolean }) {
  const scored = await score(ctx, user.id, { limit, diversity: true });
  if (!scored) throw modelUnavailable(ctx);
  const { served, variant, open, now, recommendations } = scored;
  const items = recommendations.map((r) => ({
    recommendationId: randomUUID(),
    rank: r.rank,
    score: r.score,
    components: r.explanation.signals as Record<string, number>,
    explanation: { path: pathName(r.explanation), contributions: r.explanation.contributions as Record<string, number>, reasons: r.explanation.reasons },
    group: liveView(open.view(r.groupId)!, now),
    productId: r.productId,
  }));
  // Impressions are the experiment's denominator: only traders' own requests count.
  if (options.log && user.role === 'trader') {
    await logShown(ctx.database.servingDb, {
      traderId: user.id,
      modelVersion: served.version,
      variant: variant.name,
      items: items.map((i) => ({ id: i.recommendationId, groupId: i.group.id, productId: i.productId, score: i.score })),
    });
  }
  return {
    items: items.map(({ productId: _p, ...item }) => item),
    modelVersion: served.version,
    variant: variant.name,
    generatedAt: new Date(now).toISOString(),
  };
}

/**
 * Scores for GET /api/groups?sort=recommended: the same scores getRecommendations returns (relevance,
 * before the diversity re-ranking), for every open group among `groupIds` the viewer could join.
 * Null when no model is loaded: the listing then falls back to its default order.
 */
export async function groupScores(ctx: AppContext, viewer: Pick<AuthUser, 'id'>, groupIds: string[]): Promise<Map<string, number> | null> {
  const scored = await score(ctx, viewer.id, { limit: groupIds.length, diversity: false, only: new Set(groupIds) });
  if (!scored) return null;
  return new Map(scored.recommendations.map((r) => [r.groupId, r.score]));
}

/** What a trader is shown and why, for an admin: nothing is logged. */
export async function previewFor(ctx: AppContext, query: { userId?: string; email?: string; limit: number }) {
  if (!query.userId && !query.email) throw badRequest('query.userId', 'give userId or email');
  const [user] = await ctx.db
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(query.userId ? eq(users.id, query.userId) : eq(users.email, query.email!.trim().toLowerCase()));
  if (!user) throw notFound(query.userId ? `User ${query.userId}` : `User ${query.email}`);
  return recommendationsFor(ctx, user, query.limit, { log: false });
}
