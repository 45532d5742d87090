// Admin reports over a date range and slice, read from what the ETL built (analytics_daily,
// analytics_daily_recs, analytics_traders) and, for the figures that count distinct traders, from
// the raw events of the range. Every ratio is the range's (sums divided at the end), never an
// average of daily ratios.
import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { badRequest } from '../../errors.ts';
import { eventMarket } from './market.ts';
import type { OperationId, Query, Reply } from '../../openapi/contract.ts';

type Rows<T> = { rows: T[] };
const rows = async <T>(db: Queryable, q: SQL) => ((await db.execute(q)) as unknown as Rows<T>).rows;

/** A report's JSON body (its CSV is the other media type of the same response). */
export type JsonReply<K extends OperationId> = Exclude<Reply<K>, string>;
export type ReportQuery = Query<'getKpiReport'>;
export type KpiReport = JsonReply<'getKpiReport'>;
type Figures = KpiReport['totals'];
type Money = Record<string, number>;

const dayMs = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export interface Range {
  from: string;
  to: string;
  market: string | null;
  category: string | null;
  supplierId: string | null;
}

/** The range asked for: days (UTC), both ends included; the 30 days up to today by default. */
export function rangeOf(query: ReportQuery, now = new Date()): Range {
  const to = query.to ?? isoDay(now);
  const from = query.from ?? isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * dayMs));
  if (from > to) throw badRequest('query.from', `must not be after to (${to})`);
  if ((Date.parse(to) - Date.parse(from)) / dayMs > 731) throw badRequest('query.from', 'the range may span at most two years');
  return { from, to, market: query.market ?? null, category: query.category ?? null, supplierId: query.supplierId ?? null };
}

/** The slice as conditions on analytics_daily. */
function dailySlice(r: Range): SQL {
  return sql`d.day between ${r.from}::date and ${r.to}::date
    ${r.market ? sql`and d.market = ${r.market}` : sql``}
    ${r.category ? sql`and d.category = ${r.category}` : sql``}
    ${r.supplierId ? sql`and d.supplier_id = ${r.supplierId}` : sql``}`;
}

/** The slice as conditions on raw events `e` (their group's product; the market as the ETL counts it). */
function eventSlice(r: Range): SQL {
  return sql`e.occurred_at >= ${r.from}::date and e.occurred_at < ${r.to}::date + 1
    ${r.category || r.supplierId ? sql`and exists (select 1 from groups g join products p on p.id = g.product_id where g.id = e.group_id
        ${r.category ? sql`and p.category = ${r.category}` : sql``} ${r.supplierId ? sql`and p.supplier_id = ${r.supplierId}::uuid` : sql``})` : sql``}
    ${r.market ? sql`and ${eventMarket} = ${r.market}` : sql``}`;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

interface DailyRow {
  day: string;
  currency: string;
  views: string;
  joins: string;
  paid_joins: string;
  payments_succeeded: string;
  payments_failed: string;
  goods: string;
  fees: string;
  refunds: string;
  passes: string;
  pickups: string;
  closed: string;
  succeeded: string;
  participants: string;
  succeeded_goods: string;
}

class Tally {
  views = 0;
  joins = 0;
  paidJoins = 0;
  paymentsSucceeded = 0;
  paymentsFailed = 0;
  passesIssued = 0;
  pickups = 0;
  groupsClosed = 0;
  groupsSucceeded = 0;
  participants = 0;
  shown = 0;
  clicked = 0;
  goods: Money = {};
  fees: Money = {};
  refunds: Money = {};
  succeededGoods: Money = {};

  add(r: DailyRow) {
    this.views += Number(r.views);
    this.joins += Number(r.joins);
    this.paidJoins += Number(r.paid_joins);
    this.paymentsSucceeded += Number(r.payments_succeeded);
    this.paymentsFailed += Number(r.payments_failed);
    this.passesIssued += Number(r.passes);
    this.pickups += Number(r.pickups);
    this.groupsClosed += Number(r.closed);
    this.groupsSucceeded += Number(r.succeeded);
    this.participants += Number(r.participants);
    if (r.currency) {
      const add = (m: Money, v: string) => {
        if (Number(v) !== 0) m[r.currency] = (m[r.currency] ?? 0) + Number(v);
      };
      add(this.goods, r.goods);
      add(this.fees, r.fees);
      add(this.refunds, r.refunds);
      add(this.succeededGoods, r.succeeded_goods);
    }
  }

  figures(): Figures {
    return {
      views: this.views,
      joins: this.joins,
      paidJoins: this.paidJoins,
      conversion: ratio(this.paidJoins, this.joins),
      groupsClosed: this.groupsClosed,
      groupsSucceeded: this.groupsSucceeded,
      groupSuccessRate: ratio(this.groupsSucceeded, this.groupsClosed),
      averageGroupSize: ratio(this.participants, this.groupsSucceeded),
      revenuePerGroup: Object.fromEntries(Object.entries(this.succeededGoods).map(([c, v]) => [c, Math.round(v / this.groupsSucceeded)])),
      goods: this.goods,
      fees: this.fees,
      refunds: this.refunds,
      paymentsSucceeded: this.paymentsSucceeded,
      paymentsFailed: this.paymentsFailed,
      paymentSuccessRate: ratio(this.paymentsSucceeded, this.paymentsSucceeded + this.paymentsFailed),
      passesIssued: this.passesIssued,
      pickups: this.pickups,
      pickupSuccessRate: ratio(this.pickups, this.passesIssued),
      recommendationsShown: this.shown,
      recommendationsClicked: this.clicked,
      recommendationCtr: ratio(this.clicked, this.shown),
    };
  }
}

function daysOf(r: Range): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${r.from}T00:00:00Z`); t <= Date.parse(`${r.to}T00:00:00Z`); t += dayMs) out.push(isoDay(new Date(t)));
  return out;
}

export async function kpiReport(ctx: AppContext, query: ReportQuery): Promise<KpiReport> {
  const r = rangeOf(query);
  const daily = await rows<DailyRow>(
    ctx.db,
    sql`select d.day::text as day, d.currency, sum(views) as views, sum(joins) as joins, sum(paid_joins) as paid_joins,
        sum(payments_succeeded) as payments_succeeded, sum(payments_failed) as payments_failed, sum(goods_amount) as goods,
        sum(fee_amount) as fees, sum(refund_amount) as refunds, sum(passes_issued) as passes, sum(pickups) as pickups,
        sum(groups_closed) as closed, sum(groups_succeeded) as succeeded, sum(succeeded_participants) as participants,
        sum(succeeded_goods) as succeeded_goods
      from analytics_daily d where ${dailySlice(r)} group by d.day, d.currency`,
  );
  const recs = await rows<{ day: string; shown: string; clicked: string }>(
    ctx.db,
    sql`select day::text as day, sum(shown) as shown, sum(clicked) as clicked from analytics_daily_recs where day between ${r.from}::date and ${r.to}::date group by day`,
  );
  const perDay = new Map(daysOf(r).map((d) => [d, new Tally()]));
  const total = new Tally();
  for (const row of daily) {
    perDay.get(row.day)?.add(row);
    total.add(row);
  }
  for (const row of recs) {
    const t = perDay.get(row.day);
    if (t) {
      t.shown += Number(row.shown);
      t.clicked += Number(row.clicked);
    }
    total.shown += Number(row.shown);
    total.clicked += Number(row.clicked);
  }
  const [repeat] = await rows<{ payers: string; repeaters: string }>(
    ctx.db,
    sql`select count(*) as payers, count(*) filter (where groups >= 2) as repeaters from (
        select e.user_id, count(distinct e.group_id) as groups from analytics_events e
        where e.type = 'payment_success' and e.source = 'server' and e.user_id is not null and ${eventSlice(r)}
        group by e.user_id) t`,
  );
  const [first] = await rows<{ median: number | null }>(
    ctx.db,
    sql`select percentile_cont(0.5) within group (order by extract(epoch from (t.first_paid_at - u.created_at)) / 86400) as median
      from analytics_traders t join users u on u.id = t.user_id
      where t.first_paid_at >= ${r.from}::date and t.first_paid_at < ${r.to}::date + 1`,
  );
  const reasons = await rows<{ reason: string; n: string }>(
    ctx.db,
    sql`select reason, count(*) as n from analytics_quarantine where quarantined_at >= ${r.from}::date and quarantined_at < ${r.to}::date + 1 group by reason`,
  );
  const [mark] = await rows<{ at: string | Date | null }>(ctx.db, sql`select updated_at as at from analytics_watermarks where name = 'events' and updated_at > '-infinity'`);
  return {
    range: r,
    totals: total.figures(),
    repeatParticipation: ratio(Number(repeat?.repeaters ?? 0), Number(repeat?.payers ?? 0)),
    medianDaysToFirstGroup: first?.median === null || first?.median === undefined ? null : Math.round(Number(first.median) * 10) / 10,
    days: [...perDay].map(([day, t]) => ({ day, figures: t.figures() })),
    dataQuality: { quarantined: reasons.reduce((s, x) => s + Number(x.n), 0), reasons: Object.fromEntries(reasons.map((x) => [x.reason, Number(x.n)])) },
    etl: { lastRunAt: mark?.at ? new Date(mark.at).toISOString() : null },
  };
}

export async function revenueReport(ctx: AppContext, query: ReportQuery): Promise<JsonReply<'getRevenueReport'>> {
  const r = rangeOf(query);
  const list = await rows<{ day: string; currency: string; goods: string; fees: string; refunds: string }>(
    ctx.db,
    sql`select d.day::text as day, d.currency, sum(goods_amount) as goods, sum(fee_amount) as fees, sum(refund_amount) as refunds
      from analytics_daily d where ${dailySlice(r)} and d.currency <> '' group by d.day, d.currency
      having sum(goods_amount) + sum(fee_amount) + sum(refund_amount) > 0 order by d.day, d.currency`,
  );
  const days = list.map((x) => ({ day: x.day, currency: x.currency, goods: Number(x.goods), fees: Number(x.fees), refunds: Number(x.refunds) }));
  const sum = (k: 'goods' | 'fees' | 'refunds') => days.reduce<Money>((m, d) => ({ ...m, [d.currency]: (m[d.currency] ?? 0) + d[k] }), {});
  return { range: r, days, totals: { goods: sum('goods'), fees: sum('fees'), refunds: sum('refunds') } };
}

export async function funnelReport(ctx: AppContext, query: ReportQuery): Promise<JsonReply<'getFunnelReport'>> {
  const r = rangeOf(query);
  const [c] = await rows<{ viewed: string; joined: string; paid: string; collected: string }>(
    ctx.db,
    sql`select count(distinct actor) filter (where type = 'group_view') as viewed,
        count(distinct actor) filter (where type = 'join' and server) as joined,
        count(distinct actor) filter (where type = 'payment_success' and server) as paid,
        count(distinct actor) filter (where type = 'pickup' and server) as collected
      from (select coalesce(e.user_id::text, 'device:' || e.device_id) as actor, e.type, e.source = 'server' as server
        from analytics_events e where e.type in ('group_view', 'join', 'payment_success', 'pickup') and ${eventSlice(r)}) t`,
  );
  const counts = [Number(c?.viewed ?? 0), Number(c?.joined ?? 0), Number(c?.paid ?? 0), Number(c?.collected ?? 0)];
  const steps = (['viewed', 'joined', 'paid', 'collected'] as const).map((step, i) => ({ step, actors: counts[i]!, shareOfPrevious: i === 0 ? null : ratio(counts[i]!, counts[i - 1]!) }));
  return { range: r, steps };
}

export async function cohortReport(ctx: AppContext, query: ReportQuery): Promise<JsonReply<'getCohortReport'>> {
  const r = rangeOf(query);
  const sizes = await rows<{ week: string; traders: string }>(
    ctx.db,
    sql`select date_trunc('week', created_at at time zone 'UTC')::date::text as week, count(*) as traders from users
      where role = 'trader' and created_at >= ${r.from}::date and created_at < ${r.to}::date + 1 group by 1 order by 1`,
  );
  const active = await rows<{ week: string; k: number; n: string }>(
    ctx.db,
    sql`with c as (
        select id, date_trunc('week', created_at at time zone 'UTC') as week from users
        where role = 'trader' and created_at >= ${r.from}::date and created_at < ${r.to}::date + 1
      )
      select c.week::date::text as week, floor(extract(epoch from ((e.occurred_at at time zone 'UTC') - c.week)) / 604800)::int as k, count(distinct c.id) as n
      from c join analytics_events e on e.user_id = c.id and e.type = 'payment_success' and e.source = 'server'
      group by 1, 2`,
  );
  const cohorts = sizes.map((s) => {
    const traders = Number(s.traders);
    const retention = Array.from({ length: 8 }, (_, k) => {
      const n = Number(active.find((a) => a.week === s.week && Number(a.k) === k)?.n ?? 0);
      return traders > 0 ? n / traders : 0;
    });
    return { week: s.week, traders, retention };
  });
  return { range: r, cohorts };
}

export async function segmentReport(ctx: AppContext, query: ReportQuery): Promise<JsonReply<'getSegmentReport'>> {
  const r = rangeOf(query);
  const list = await rows<{ segment: string; tier: 'new' | 'bronze' | 'silver' | 'gold'; traders: string; frequency: number; recency: number | null; monetary: string; churn: number }>(
    ctx.db,
    sql`select segment, loyalty_tier as tier, count(*) as traders, avg(frequency)::float8 as frequency, avg(recency_days)::float8 as recency,
        sum(monetary) as monetary, avg(churn_risk)::float8 as churn
      from analytics_traders group by segment, loyalty_tier order by count(*) desc, segment, loyalty_tier`,
  );
  return {
    range: r,
    segments: list.map((s) => ({
      segment: s.segment,
      loyaltyTier: s.tier,
      traders: Number(s.traders),
      averageFrequency: Math.round(Number(s.frequency) * 100) / 100,
      averageRecencyDays: s.recency === null ? null : Math.round(Number(s.recency) * 10) / 10,
      monetaryUsd: Number(s.monetary),
      averageChurnRisk: Math.round(Number(s.churn) * 1000) / 1000,
    })),
  };
}

export async function recommendationReport(ctx: AppContext, query: ReportQuery): Promise<JsonReply<'getRecommendationReport'>> {
  const r = rangeOf(query);
  const list = await rows<{ variant: string; shown: string; clicked: string; joined: string }>(
    ctx.db,
    sql`select variant, sum(shown) as shown, sum(clicked) as clicked, sum(joined) as joined from analytics_daily_recs
      where day between ${r.from}::date and ${r.to}::date group by variant order by variant`,
  );
  return {
    range: r,
    variants: list.map((v) => {
      const shown = Number(v.shown);
      return { variant: v.variant, shown, clicked: Number(v.clicked), joined: Number(v.joined), ctr: ratio(Number(v.clicked), shown), joinRate: ratio(Number(v.joined), shown) };
    }),
  };
}
