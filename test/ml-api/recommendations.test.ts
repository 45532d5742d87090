import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsEvents, analyticsTraders, contributions, groups } from '../../api/db/schema.ts';
import { runAnalyticsEtl } from '../../api/modules/analytics/etl.ts';
import { openContributionStatuses } from '../../api/modules/groups/views.ts';
import { traderContext } from '../../api/modules/ml/dataset.ts';
import { invalidateOpenGroups } from '../../api/modules/ml/serving.ts';
import { onPostgres } from '../helpers/db.ts';
import { registerUser, bearer, type Session } from '../helpers/users.ts';
import { demoAdmin, demoApp, recommendations, train, traderInOpenGroup, traderWithHistory } from './helpers.ts';

let app: FastifyInstance;
let admin: Session;
let version: string;

beforeAll(async () => {
  app = await demoApp();
  admin = await demoAdmin(app);
  version = (await train(app, admin)).modelVersion!;
});
afterAll(() => app.close());

describe('recommendations for a trader with a purchase history', () => {
  it('are open groups with a score, components, an explanation with reasons, the model version and the variant', async () => {
    const trader = await traderWithHistory(app);
    const list = await recommendations(app, trader, 5);
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.modelVersion).toBe(version);
    expect(['A', 'B']).toContain(list.variant);
    expect(Date.parse(list.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    for (const [i, item] of list.items.entries()) {
      expect(item.rank).toBe(i + 1);
      expect(item.group.status).toBe('open');
      expect(item.group.myContribution).toBeNull();
      expect(item.recommendationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(item.score).toBeGreaterThan(0);
      expect(['personalised', 'cold_start']).toContain(item.explanation.path);
      expect(item.explanation.reasons.length).toBeGreaterThan(0);
      // The contributions explain the whole score.
      const sum = Object.values(item.explanation.contributions).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(item.score, 6);
      for (const v of Object.values(item.components)) expect(v).toBeGreaterThanOrEqual(0);
    }
    // The variant is a property of the trader: asking again keeps it.
    expect((await recommendations(app, trader, 5)).variant).toBe(list.variant);
  });

  it('show each group as GET /api/groups/{id} does, participants and pickup points included', async () => {
    const trader = await traderWithHistory(app);
    // Someone else joins the group shown first, so a compared group has a participant.
    const first = (await recommendations(app, trader, 50)).items[0]!.group;
    const other = await registerUser(app, { location: { market: 'Mbare Musika' } });
    const join = await app.inject({ method: 'POST', url: `/api/groups/${first.id}/join`, headers: bearer(other.accessToken), payload: { quantity: first.minPerTrader } });
    expect(join.statusCode, join.body).toBe(201);
    invalidateOpenGroups(app.ctx);
    const list = await recommendations(app, trader, 50);
    expect(list.items.find((i) => i.group.id === first.id)?.group.participantCount).toBe(first.participantCount + 1);
    for (const item of list.items) {
      const detail = (await app.inject({ url: `/api/groups/${item.group.id}`, headers: bearer(trader.accessToken) })).json();
      expect({ ...item.group, secondsLeft: 0 }).toEqual({ ...detail, secondsLeft: 0 });
    }
  });

  it('leave out groups the trader is in and groups that are full', async () => {
    const { session, groupId } = await traderInOpenGroup(app);
    const before = await recommendations(app, session, 50);
    expect(before.items.map((i) => i.group.id)).not.toContain(groupId);
    expect(before.items.length).toBeGreaterThan(1);

    // Fill the group this trader is shown first.
    const top = before.items[0]!.group;
    const [g] = await app.ctx.db.select().from(groups).where(eq(groups.id, top.id));
    await app.ctx.db.update(groups).set({ paidQuantity: g!.maxQuantity! - g!.reservedQuantity }).where(eq(groups.id, top.id));
    invalidateOpenGroups(app.ctx); // the open groups are cached for a few seconds
    const after = await recommendations(app, session, 50);
    expect(after.items.map((i) => i.group.id)).not.toContain(top.id);
    expect(after.items.map((i) => i.group.id)).not.toContain(groupId);
    await app.ctx.db.update(groups).set({ paidQuantity: g!.paidQuantity }).where(eq(groups.id, top.id));
    invalidateOpenGroups(app.ctx);
  });
});

describe("the trader's context read on each request", () => {
  it('holds their open groups and what they did after the model was trained, and nothing older', async () => {
    const { session, groupId } = await traderInOpenGroup(app);
    const traderId = session.user.id;
    const mine = await app.ctx.db
      .select({ groupId: contributions.groupId, groupStatus: groups.status, status: contributions.status, productId: groups.productId, paidAt: contributions.paidAt, createdAt: contributions.createdAt })
      .from(contributions)
      .innerJoin(groups, eq(groups.id, contributions.groupId))
      .where(eq(contributions.traderId, traderId));
    const times = mine.map((c) => (c.paidAt ?? c.createdAt).getTime()).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(2);
    // A model trained in the middle of their history: the later half is news to it.
    const since = new Date(times[Math.floor(times.length / 2)]!);
    const view = (at: number, source: 'server' | 'client' = 'server') =>
      ({ eventId: randomUUID(), source, type: 'group_view', userId: traderId, groupId, productId: mine[0]!.productId, occurredAt: new Date(at) }) as const;
    const inserted = await app.ctx.db
      .insert(analyticsEvents)
      // the app's own report of a view is analytics, not the recommender's signal
      .values([view(since.getTime() + 1000), view(since.getTime() - 1000), view(since.getTime() + 2000, 'client')])
      .returning({ id: analyticsEvents.id });
    const context = await traderContext(app.ctx.db, traderId, since);
    expect(context!.joinedGroupIds).toContain(groupId);
    expect(new Set(context!.joinedGroupIds)).toEqual(
      new Set(mine.filter((c) => c.groupStatus === 'open' && (openContributionStatuses as readonly string[]).includes(c.status)).map((c) => c.groupId)),
    );
    const later = mine.filter((c) => (c.paidAt ?? c.createdAt) > since);
    expect(later.length).toBeGreaterThan(0);
    expect(context!.recent.filter((i) => i.kind !== 'view').map((i) => `${i.productId}@${i.at}`).sort()).toEqual(
      later.map((c) => `${c.productId}@${(c.paidAt ?? c.createdAt).getTime()}`).sort(),
    );
    const views = context!.recent.filter((i) => i.kind === 'view').map((i) => i.at);
    expect(views).toContain(since.getTime() + 1000);
    expect(views.every((at) => Number(at) > since.getTime())).toBe(true);
    expect(views).not.toContain(since.getTime() + 2000);
    // And what the analytics ETL last found of them, which a trader new to the model is segmented by.
    await runAnalyticsEtl(app.ctx);
    const [features] = await app.ctx.db.select().from(analyticsTraders).where(eq(analyticsTraders.userId, traderId));
    expect((await traderContext(app.ctx.db, traderId, since))!.behaviour).toEqual({
      recencyDays: features!.recencyDays,
      frequency: features!.frequency,
      monetary: features!.monetary,
      engagement: features!.engagement,
    });
    expect(features!.frequency).toBeGreaterThan(0);
    await app.ctx.db.delete(analyticsEvents).where(inArray(analyticsEvents.id, inserted.map((r) => r.id)));
  });
});

describe('a trader who just signed up', () => {
  it('gets groups of the categories they said they buy (cold start)', async () => {
    const open = (await app.inject({ url: '/api/groups?limit=100', headers: bearer(admin.accessToken) })).json().items as { product: { category: string } }[];
    // A category with open groups, but not the most common one, so popularity alone would not pick it.
    const counts = new Map<string, number>();
    for (const g of open) counts.set(g.product.category, (counts.get(g.product.category) ?? 0) + 1);
    const category = [...counts.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
    const newcomer = await registerUser(app, {
      location: { market: 'glen view' },
      preferences: { categories: [category], budget: { min: 500, max: 100_000, currency: 'USD' }, preferredGroupSizes: ['medium'], purchaseFrequency: 'weekly' },
    });
    const list = await recommendations(app, newcomer, 5);
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items[0]!.group.product.category).toBe(category);
    expect(list.items[0]!.explanation.path).toBe('cold_start');
    expect(list.items[0]!.explanation.reasons.join(' ')).toMatch(new RegExp(`interest in ${category.replace('-', ' ')}`));
  });
});

describe('attribution and the A/B report', () => {
  it('logs what was shown, and attributes a click and a join made with its recommendationId', async () => {
    const trader = await traderWithHistory(app);
    const list = await recommendations(app, trader, 3);
    // The impressions are events of the analytics store, the server's own.
    const shown = await app.ctx.db
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, trader.user.id), eq(analyticsEvents.type, 'recommendation_shown')));
    expect(shown.map((e) => e.recommendationId)).toEqual(expect.arrayContaining(list.items.map((i) => i.recommendationId)));
    expect(shown.every((e) => e.source === 'server' && e.properties.modelVersion === version && e.properties.variant === list.variant)).toBe(true);
    const shownById = new Map(shown.map((e) => [e.recommendationId, e]));
    for (const item of list.items) {
      expect(shownById.get(item.recommendationId)).toMatchObject({
        eventId: item.recommendationId,
        groupId: item.group.id,
        productId: item.group.product.id,
        properties: { rank: item.rank, score: expect.closeTo(item.score, 12) },
      });
    }

    const before = (await app.inject({ url: '/api/admin/ml/experiments', headers: bearer(admin.accessToken) })).json();
    const pick = list.items[0]!;
    const click = await app.inject({ method: 'POST', url: `/api/ml/recommendations/${pick.recommendationId}/click`, headers: bearer(trader.accessToken) });
    expect(click.statusCode, click.body).toBe(204);
    const join = await app.inject({
      method: 'POST',
      url: `/api/groups/${pick.group.id}/join`,
      headers: bearer(trader.accessToken),
      payload: { quantity: 1, recommendationId: pick.recommendationId },
    });
    expect(join.statusCode, join.body).toBe(201);
    const [c] = await app.ctx.db.select().from(contributions).where(eq(contributions.id, join.json().id));
    expect(c!.recommendationId).toBe(pick.recommendationId);
    // The app reports the same click through the tracker: still one click.
    const tracked = await app.inject({
      method: 'POST',
      url: '/api/analytics/track',
      headers: bearer(trader.accessToken),
      payload: { events: [{ eventId: randomUUID(), type: 'recommendation_clicked', occurredAt: new Date().toISOString(), groupId: pick.group.id, recommendationId: pick.recommendationId }] },
    });
    expect(tracked.json().accepted, tracked.body).toBe(1);
    const events = await app.ctx.db.select().from(analyticsEvents).where(eq(analyticsEvents.recommendationId, pick.recommendationId));
    expect(events.map((e) => `${e.source}:${e.type}`).sort()).toEqual(['client:recommendation_clicked', 'server:join', 'server:recommendation_clicked', 'server:recommendation_shown']);

    const after = (await app.inject({ url: '/api/admin/ml/experiments', headers: bearer(admin.accessToken) })).json();
    type Report = { variants: { name: string; shown: number; clicks: number; joins: number; ctr: number; joinRate: number }[] };
    const row = (r: Report) => r.variants.find((v) => v.name === list.variant)!;
    expect(after.variants.map((v: { name: string }) => v.name)).toEqual(['A', 'B']);
    expect(row(after).clicks - row(before).clicks).toBe(1);
    expect(row(after).joins - row(before).joins).toBe(1);
    expect(row(after).shown).toBeGreaterThanOrEqual(3);
    expect(row(after).ctr).toBeCloseTo(row(after).clicks / row(after).shown, 10);
    expect(row(after).joinRate).toBeCloseTo(row(after).joins / row(after).shown, 10);

    // The ETL's per-variant counters read the same events, and agree with the A/B report.
    await runAnalyticsEtl(app.ctx);
    const recs = (await app.inject({ url: '/api/admin/reports/recommendations', headers: bearer(admin.accessToken) })).json();
    const variant = recs.variants.find((v: { variant: string }) => v.variant === list.variant);
    expect(variant).toMatchObject({ shown: row(after).shown, clicked: row(after).clicks, joined: row(after).joins });

    // The joined group is no longer recommended to them.
    expect((await recommendations(app, trader, 50)).items.map((i) => i.group.id)).not.toContain(pick.group.id);
  });

  it('does not credit a recommendation shown to someone else, and 404s their click', async () => {
    const trader = await traderWithHistory(app);
    const pick = (await recommendations(app, trader, 3)).items[1]!;
    const other = await registerUser(app, { location: { market: 'Mbare Musika' } });
    const click = await app.inject({ method: 'POST', url: `/api/ml/recommendations/${pick.recommendationId}/click`, headers: bearer(other.accessToken) });
    expect(click.statusCode).toBe(404);
    const join = await app.inject({ method: 'POST', url: `/api/groups/${pick.group.id}/join`, headers: bearer(other.accessToken), payload: { quantity: 1, recommendationId: pick.recommendationId } });
    expect(join.statusCode, join.body).toBe(201);
    const [c] = await app.ctx.db.select().from(contributions).where(eq(contributions.id, join.json().id));
    expect(c!.recommendationId).toBeNull();
  });

  it('serves on connections that do not wait for the disk flush and plan prepared statements once (PostgreSQL); money keeps waiting', async () => {
    const setting = async (db: typeof app.ctx.db, name: 'synchronous_commit' | 'plan_cache_mode') =>
      ((await db.execute(sql.raw(`show ${name}`))) as unknown as { rows: Record<string, string>[] }).rows[0]![name];
    if (onPostgres()) {
      expect(await setting(app.ctx.database.servingDb, 'synchronous_commit')).toBe('off');
      expect(await setting(app.ctx.database.servingDb, 'plan_cache_mode')).toBe('force_generic_plan');
      expect(await setting(app.ctx.db, 'synchronous_commit')).toBe('on');
      expect(await setting(app.ctx.db, 'plan_cache_mode')).toBe('auto');
    } else {
      expect(app.ctx.database.servingDb).toBe(app.ctx.db); // PGlite is one session
    }
  });

  it('records a trader opening a group page as a view', async () => {
    const trader = await traderWithHistory(app);
    const group = (await recommendations(app, trader, 1)).items[0]!.group;
    await app.inject({ url: `/api/groups/${group.id}`, headers: bearer(trader.accessToken) });
    await app.inject({ url: `/api/groups/${group.id}`, headers: bearer(trader.accessToken) }); // a reload is not a second view
    const views = await app.ctx.db
      .select()
      .from(analyticsEvents)
      .where(and(eq(analyticsEvents.userId, trader.user.id), eq(analyticsEvents.groupId, group.id), eq(analyticsEvents.type, 'group_view')));
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ source: 'server', productId: group.product.id });
    // Admins browsing are not traders' signal.
    await app.inject({ url: `/api/groups/${group.id}`, headers: bearer(admin.accessToken) });
    const adminViews = await app.ctx.db.select().from(analyticsEvents).where(and(eq(analyticsEvents.userId, admin.user.id), eq(analyticsEvents.type, 'group_view')));
    expect(adminViews).toHaveLength(0);
  });
});

describe('GET /api/groups?sort=recommended', () => {
  it('orders open groups by the recommendation scores, then the rest, across pages', async () => {
    const { session } = await traderInOpenGroup(app);
    const recs = await recommendations(app, session, 50);
    // Equal scores (e.g. groups of products this trader has no affinity for) go by id, as pages need.
    const byScore = [...recs.items].sort((a, b) => b.score - a.score || (a.group.id < b.group.id ? 1 : -1)).map((i) => i.group.id);
    const all = (await app.inject({ url: '/api/groups?sort=recommended&limit=100', headers: bearer(session.accessToken) })).json();
    const ids = all.items.map((g: { id: string }) => g.id);
    expect(ids.slice(0, byScore.length)).toEqual(byScore);
    // Groups that cannot be recommended (joined, full) are still listed, after the others.
    const total = (await app.inject({ url: '/api/groups?limit=100', headers: bearer(session.accessToken) })).json().items.length;
    expect(ids).toHaveLength(total);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/groups?sort=recommended&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await app.inject({ url, headers: bearer(session.accessToken) })).json();
      paged.push(...page.items.map((g: { id: string }) => g.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(ids);
  });
});

describe('admin preview', () => {
  it('shows an admin what a trader sees, by email or id, without logging it', async () => {
    const trader = await traderWithHistory(app);
    const count = async () => (await app.ctx.db.select().from(analyticsEvents).where(eq(analyticsEvents.type, 'recommendation_shown'))).length;
    const before = await count();
    const byEmail = await app.inject({ url: `/api/admin/ml/recommendations?email=${encodeURIComponent(trader.user.email)}&limit=5`, headers: bearer(admin.accessToken) });
    expect(byEmail.statusCode, byEmail.body).toBe(200);
    const byId = await app.inject({ url: `/api/admin/ml/recommendations?userId=${trader.user.id}&limit=5`, headers: bearer(admin.accessToken) });
    const own = await recommendations(app, trader, 5);
    const groupIds = (l: { items: { group: { id: string } }[] }) => l.items.map((i) => i.group.id);
    expect(groupIds(byEmail.json())).toEqual(groupIds(own));
    expect(groupIds(byId.json())).toEqual(groupIds(own));
    expect(byEmail.json().variant).toBe(own.variant);
    expect(await count()).toBe(before + own.items.length); // only the trader's own request was logged

    const neither = await app.inject({ url: '/api/admin/ml/recommendations', headers: bearer(admin.accessToken) });
    expect(neither.statusCode).toBe(400);
    expect(neither.json().errors[0].field).toBe('query.userId');
    const nobody = await app.inject({ url: '/api/admin/ml/recommendations?email=nobody%40example.com', headers: bearer(admin.accessToken) });
    expect(nobody.statusCode).toBe(404);
  });
});

describe('roles', () => {
  it('keeps traders out of the admin ML routes', async () => {
    const trader = await traderWithHistory(app);
    const h = bearer(trader.accessToken);
    const calls = [
      { method: 'GET' as const, url: '/api/admin/ml/models' },
      { method: 'POST' as const, url: '/api/admin/ml/train', payload: {} },
      { method: 'GET' as const, url: '/api/admin/ml/health' },
      { method: 'GET' as const, url: '/api/admin/ml/experiments' },
      { method: 'POST' as const, url: '/api/admin/ml/evaluate', payload: {} },
      { method: 'POST' as const, url: `/api/admin/ml/models/${version}/activate` },
      { method: 'GET' as const, url: `/api/admin/ml/recommendations?userId=${trader.user.id}` },
      { method: 'GET' as const, url: '/api/admin/ml/runs/00000000-0000-4000-8000-000000000000' },
    ];
    for (const call of calls) {
      const res = await app.inject({ ...call, headers: h });
      expect(res.statusCode, `${call.method} ${call.url}`).toBe(403);
    }
    const anonymous = await app.inject({ url: '/api/ml/recommendations' });
    expect(anonymous.statusCode).toBe(401);
  });
});
