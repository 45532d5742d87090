// Event ingestion and the analytics ETL: what the API takes and refuses, duplicates, anonymous
// devices linked to the trader, quarantine, and KPIs that equal the numbers worked out by hand from
// a known set of joins, payments and views; a rerun changes nothing; a late event rebuilds its day.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analyticsDaily, analyticsEvents, analyticsQuarantine, analyticsTraders, payments } from '../../api/db/schema.ts';
import { runAnalyticsEtl } from '../../api/modules/analytics/etl.ts';
import { traderBehaviourAsOf } from '../../api/modules/analytics/trader-features.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, payInSandbox, trader } from '../helpers/fixtures.ts';
import { bearer, userWithRole } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp({ ANALYTICS_TRACK_PER_MINUTE: '30', PLATFORM_FEE_PERCENT: '10' });
});
beforeEach(() => resetDatabase(app.ctx.database));
afterAll(() => app.close());

const dayMs = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const ev = (type: string, extra: Record<string, unknown> = {}, at = new Date()) => ({ eventId: randomUUID(), type, occurredAt: at.toISOString(), ...extra });
const track = (payload: unknown, token?: string) =>
  app.inject({ method: 'POST', url: '/api/analytics/track', headers: token ? bearer(token) : {}, payload: payload as object });

describe('POST /api/analytics/track', () => {
  it('checks each event against its type, ignores duplicates, quarantines what cannot count and links a device to its trader', async () => {
    const m = await market(app);
    const group = await openGroup(app, m);
    const device = `dev-${randomUUID()}`;

    const anonymous = await track({ events: [ev('page_view', { page: '/groups' })] });
    expect(anonymous.statusCode).toBe(400);
    expect(anonymous.json().errors).toEqual([{ field: 'body.deviceId', message: expect.stringContaining('required without a token') }]);
    const noGroup = await track({ deviceId: device, events: [ev('page_view', { page: '/' }), ev('group_view')] });
    expect(noGroup.statusCode).toBe(400);
    expect(noGroup.json().errors).toEqual([{ field: 'body.events.1.groupId', message: 'is required' }]);
    const badType = await track({ deviceId: device, events: [ev('purchase', { groupId: group.id })] });
    expect(badType.json().errors[0].field).toBe('body.events.0.type');
    expect(await app.ctx.db.select().from(analyticsEvents).where(eq(analyticsEvents.source, 'client'))).toEqual([]);

    const batch = { deviceId: device, events: [ev('page_view', { page: '/groups' }), ev('group_view', { groupId: group.id }), ev('search', { query: 'cooking oil', resultCount: 3 })] };
    const first = await track(batch);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toEqual({ accepted: 3, duplicates: 0, quarantined: [] });
    expect((await track(batch)).json()).toEqual({ accepted: 0, duplicates: 3, quarantined: [] });

    const future = ev('group_view', { groupId: group.id }, new Date(Date.now() + 3_600_000));
    const stale = ev('page_view', { page: '/' }, new Date(Date.now() - 31 * dayMs));
    const ghost = ev('group_view', { groupId: randomUUID() });
    const mixed = await track({ deviceId: device, events: [future, stale, ghost, ev('share', { groupId: group.id, channel: 'whatsapp' })] });
    expect(mixed.json()).toEqual({
      accepted: 1,
      duplicates: 0,
      quarantined: [
        { eventId: future.eventId, reason: 'occurredAt is more than 5 minutes ahead of the server clock' },
        { eventId: stale.eventId, reason: 'occurredAt is older than ANALYTICS_MAX_LATENESS_DAYS (30 days)' },
        { eventId: ghost.eventId, reason: 'groupId names no group' },
      ],
    });
    expect(await app.ctx.db.select().from(analyticsQuarantine)).toHaveLength(3);

    // The trader signs in on that device: its anonymous past is theirs, and so is what follows.
    const t = await trader(app);
    expect((await track({ deviceId: device, events: [ev('group_view', { groupId: group.id })] }, t.accessToken)).json().accepted).toBe(1);
    const mine = await app.ctx.db.select().from(analyticsEvents).where(eq(analyticsEvents.deviceId, device));
    expect(mine).toHaveLength(5);
    expect(new Set(mine.map((e) => e.userId))).toEqual(new Set([t.user.id]));
    expect(mine.find((e) => e.type === 'search')!.properties).toEqual({ query: 'cooking oil', resultCount: 3 });
    expect((await track({ deviceId: device, events: [ev('page_view', { page: '/me' })] })).json().accepted).toBe(1);
    expect((await app.ctx.db.select().from(analyticsEvents).where(eq(analyticsEvents.deviceId, device))).every((e) => e.userId === t.user.id)).toBe(true);
  });

  it('limits batches per trader (429 with Retry-After)', async () => {
    const t = await trader(app);
    const codes: number[] = [];
    for (let i = 0; i < 31; i += 1) codes.push((await track({ events: [ev('page_view', { page: '/' })] }, t.accessToken)).statusCode);
    expect(codes.slice(0, 30).every((c) => c === 202)).toBe(true);
    expect(codes[30]).toBe(429);
  });
});

describe('analytics ETL and reports', () => {
  it('computes the KPIs of a known day by hand, reruns to the same rows, and rebuilds the day a late event belongs to', async () => {
    const m = await market(app);
    const admin = await userWithRole(app, 'admin');
    const group = await openGroup(app, m); // MOQ 10
    const join = async (quantity: number) => {
      const t = await trader(app);
      const res = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: bearer(t.accessToken), payload: { quantity, pickupPointId: m.pointIds[0] } });
      expect(res.statusCode, res.body).toBe(201);
      return { t, contributionId: res.json().id as string };
    };
    const a = await join(2);
    const b = await join(1);
    const c = await join(8);
    await payInSandbox(app, a.t, a.contributionId, 'pay');
    await payInSandbox(app, b.t, b.contributionId, 'fail');
    await payInSandbox(app, c.t, c.contributionId, 'pay'); // 10 paid: funded
    // Views from two devices (one twice) and the signed-in trader a, whose app reports the page the
    // server also saw it open: a viewer opening a group's page is one view per day, however it is
    // recorded and however often.
    const d1 = `dev-${randomUUID()}`;
    const d2 = `dev-${randomUUID()}`;
    await track({ deviceId: d1, events: [ev('group_view', { groupId: group.id }), ev('group_view', { groupId: group.id })] });
    await track({ deviceId: d2, events: [ev('group_view', { groupId: group.id })] });
    expect((await app.inject({ url: `/api/groups/${group.id}`, headers: bearer(a.t.accessToken) })).statusCode).toBe(200);
    await track({ events: [ev('group_view', { groupId: group.id })] }, a.t.accessToken);
    // b's join and failed payment happened yesterday.
    const today = isoDay(Date.now());
    const yesterday = isoDay(Date.now() - dayMs);
    await app.ctx.db.execute(sql`update analytics_events set occurred_at = occurred_at - interval '1 day' where user_id = ${b.t.user.id}::uuid and source = 'server'`);

    const first = await runAnalyticsEtl(app.ctx);
    expect(first).toMatchObject({ days: 2, pruned: 0 });
    expect(first.events).toBeGreaterThanOrEqual(3 + 2 + 1 + 1 + 5); // joins, payments, the group's close, views

    // By hand: unit price u; a paid 2u, c paid 8u; fees 10% of goods; b joined and failed yesterday.
    const u = group.unitPrice;
    const paid = await app.ctx.db.select().from(payments).where(eq(payments.status, 'successful'));
    expect(paid.map((p) => p.goodsAmount).sort((x, y) => x - y)).toEqual([2 * u, 8 * u]);
    const fee = paid.reduce((s, p) => s + p.feeAmount, 0);
    expect(fee).toBe(Math.round(0.1 * 2 * u) + Math.round(0.1 * 8 * u));

    const res = await app.inject({ method: 'GET', url: `/api/admin/reports/kpis?from=${yesterday}&to=${today}`, headers: bearer(admin.accessToken) });
    expect(res.statusCode, res.body).toBe(200);
    const kpis = res.json();
    expect(kpis.totals).toMatchObject({
      views: 3,
      joins: 3,
      paidJoins: 2,
      conversion: 2 / 3,
      paymentsSucceeded: 2,
      paymentsFailed: 1,
      paymentSuccessRate: 2 / 3,
      groupsClosed: 1,
      groupsSucceeded: 1,
      groupSuccessRate: 1,
      averageGroupSize: 2,
      goods: { USD: 10 * u },
      fees: { USD: fee },
      revenuePerGroup: { USD: 10 * u },
      refunds: {},
    });
    expect(kpis.repeatParticipation).toBe(0);
    expect(kpis.days.map((d: { day: string }) => d.day)).toEqual([yesterday, today]);
    expect(kpis.days[0].figures).toMatchObject({ joins: 1, paidJoins: 0, paymentsFailed: 1, paymentsSucceeded: 0, views: 0 });
    expect(kpis.days[1].figures).toMatchObject({ joins: 2, paidJoins: 2, paymentsSucceeded: 2, views: 3 });
    expect(kpis.etl.lastRunAt).toEqual(expect.any(String));

    // Sliced by market: joins and payments count at their pickup point (Mbare Musika); views and the
    // group's outcome at the group's home market, the first of its markets (Glen View).
    const glen = await app.inject({ method: 'GET', url: `/api/admin/reports/kpis?from=${yesterday}&to=${today}&market=Glen%20View`, headers: bearer(admin.accessToken) });
    expect(glen.json().totals).toMatchObject({ joins: 0, views: 3, groupsSucceeded: 1, goods: {} });
    const mbare = await app.inject({ method: 'GET', url: `/api/admin/reports/kpis?from=${yesterday}&to=${today}&market=Mbare%20Musika&category=cooking-oil`, headers: bearer(admin.accessToken) });
    expect(mbare.json().totals).toMatchObject({ joins: 3, views: 0, paymentsSucceeded: 2, goods: { USD: 10 * u } });
    const otherCategory = await app.inject({ method: 'GET', url: `/api/admin/reports/kpis?from=${yesterday}&to=${today}&category=maize-meal`, headers: bearer(admin.accessToken) });
    expect(otherCategory.json().totals).toMatchObject({ joins: 0, views: 0 });

    // The funnel: 3 actors viewed (d1, d2, a), 3 joined, 2 paid, none collected yet.
    const funnel = await app.inject({ method: 'GET', url: `/api/admin/reports/funnel?from=${yesterday}&to=${today}`, headers: bearer(admin.accessToken) });
    expect(funnel.json().steps.map((s: { actors: number }) => s.actors)).toEqual([3, 3, 2, 0]);

    // The trader features, by hand: a paid 2u today into one group, b paid nothing (failed).
    const [aPaid] = await app.ctx.db.select().from(payments).where(and(eq(payments.status, 'successful'), eq(payments.goodsAmount, 2 * u)));
    const paidAt = aPaid!.updatedAt;
    const asOfNow = await traderBehaviourAsOf(app.ctx.db, new Date());
    expect(asOfNow[a.t.user.id]).toMatchObject({ frequency: 1, monetary: 2 * u, recencyDays: expect.closeTo(0, 1) });
    expect(asOfNow[b.t.user.id]).toMatchObject({ frequency: 0, monetary: 0, recencyDays: null });
    // As of just before a's payment, the payment is not known: what training sees at a cut-off there.
    const before = await traderBehaviourAsOf(app.ctx.db, new Date(paidAt.getTime() - 2000));
    expect(before[a.t.user.id] ?? { frequency: 0 }).toMatchObject({ frequency: 0 });
    // The ETL keeps the same definition current.
    const [kept] = await app.ctx.db.select().from(analyticsTraders).where(eq(analyticsTraders.userId, a.t.user.id));
    expect(kept).toMatchObject({ frequency: 1, monetary: 2 * u, loyaltyTier: 'bronze', segment: 'active', engagement: asOfNow[a.t.user.id]!.engagement });

    // A rerun changes nothing.
    const rows = await app.ctx.db.select().from(analyticsDaily).orderBy(asc(analyticsDaily.day), asc(analyticsDaily.market), asc(analyticsDaily.currency));
    expect(await runAnalyticsEtl(app.ctx)).toMatchObject({ events: 0, days: 0 });
    expect(await app.ctx.db.select().from(analyticsDaily).orderBy(asc(analyticsDaily.day), asc(analyticsDaily.market), asc(analyticsDaily.currency))).toEqual(rows);

    // A view from five days ago arrives late: that day is rebuilt, the others are as they were.
    const fiveAgo = isoDay(Date.now() - 5 * dayMs);
    await track({ deviceId: d2, events: [ev('group_view', { groupId: group.id }, new Date(Date.now() - 5 * dayMs))] });
    expect(await runAnalyticsEtl(app.ctx)).toMatchObject({ events: 1, days: 1 });
    const late = (await app.inject({ method: 'GET', url: `/api/admin/reports/kpis?from=${fiveAgo}&to=${today}`, headers: bearer(admin.accessToken) })).json();
    expect(late.days[0]).toMatchObject({ day: fiveAgo, figures: { views: 1 } });
    expect(late.totals.views).toBe(4);
    expect(late.days.at(-1).figures).toEqual(kpis.days[1].figures);

    // Quarantined events are counted in the report, by reason.
    await track({ deviceId: d2, events: [ev('page_view', { page: '/' }, new Date(Date.now() + 86_400_000))] });
    const quality = (await app.inject({ method: 'GET', url: `/api/admin/reports/kpis`, headers: bearer(admin.accessToken) })).json().dataQuality;
    expect(quality).toEqual({ quarantined: 1, reasons: { 'occurredAt is more than 5 minutes ahead of the server clock': 1 } });

    // CSV: the same figures, a row per day and a total.
    const csv = await app.inject({ method: 'GET', url: `/api/admin/reports/kpis?from=${yesterday}&to=${today}&format=csv`, headers: bearer(admin.accessToken) });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain(`connectsphere-kpis-${yesterday}-${today}.csv`);
    const table = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(table.map((r) => r.day)).toEqual([yesterday, today, 'total']);
    expect(table[2]).toMatchObject({ joins: '3', paid_joins: '2', goods_USD: String(10 * u), fees_USD: String(fee) });
    const viaAccept = await app.inject({ method: 'GET', url: `/api/admin/reports/revenue?from=${yesterday}&to=${today}`, headers: { ...bearer(admin.accessToken), accept: 'text/csv' } });
    expect(viaAccept.body.split('\r\n')[0]).toBe('day,currency,goods,fees,refunds');
    expect(viaAccept.body).toContain(`${today},USD,${10 * u},${fee},0`);

    // The traders' features: a and c paid into one group each (bronze), b never paid.
    const segments = (await app.inject({ method: 'GET', url: '/api/admin/reports/segments', headers: bearer(admin.accessToken) })).json().segments;
    expect(segments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ segment: 'active', loyaltyTier: 'bronze', traders: 2, monetaryUsd: 10 * u }),
        expect.objectContaining({ segment: 'browser', loyaltyTier: 'new', traders: 1 }),
      ]),
    );
    const cohorts = (await app.inject({ method: 'GET', url: '/api/admin/reports/cohorts', headers: bearer(admin.accessToken) })).json().cohorts;
    expect(cohorts.reduce((s: number, x: { traders: number }) => s + x.traders, 0)).toBe(3);

    // The funded group is cancelled: its payments are refunded, but it closed once (when funded), not
    // a second time; a group cancelled while open closes as a failure.
    const cancel = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/transitions`, headers: bearer(admin.accessToken), payload: { to: 'cancelled', reason: 'supplier out of stock' } });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const open = await openGroup(app, m);
    expect((await app.inject({ method: 'POST', url: `/api/groups/${open.id}/transitions`, headers: bearer(admin.accessToken), payload: { to: 'cancelled', reason: 'no demand' } })).statusCode).toBe(200);
    await runAnalyticsEtl(app.ctx);
    const after = (await app.inject({ method: 'GET', url: `/api/admin/reports/kpis?from=${yesterday}&to=${today}`, headers: bearer(admin.accessToken) })).json().totals;
    expect(after).toMatchObject({ groupsClosed: 2, groupsSucceeded: 1, groupSuccessRate: 0.5 });
    expect(after.refunds.USD).toBeGreaterThan(0);
  });

  it('refuses a range that ends before it starts, and non-admins', async () => {
    const admin = await userWithRole(app, 'admin');
    const bad = await app.inject({ method: 'GET', url: '/api/admin/reports/kpis?from=2026-11-10&to=2026-11-01', headers: bearer(admin.accessToken) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('query.from');
    const t = await trader(app);
    expect((await app.inject({ method: 'GET', url: '/api/admin/reports/kpis', headers: bearer(t.accessToken) })).statusCode).toBe(403);
  });
});
