// The analytics ETL (job analytics-etl): incremental by a watermark on the event store, and safe to
// rerun. Each run reads the events committed since the last one (by writing transaction, so one
// committed late is never skipped), finds the days they belong to, and rebuilds those days' counters
// whole from the raw events: a rerun over the same events writes the same rows, and a late event
// rebuilds the day it happened on. All of it is SQL, so the events stream through PostgreSQL and
// nothing is loaded into this process whatever their number.
import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable, Tx } from '../../db/client.ts';
import { eventPickupPoint, groupHomeMarkets } from './market.ts';
import { traderFeatures } from './trader-features.ts';

type Rows<T> = { rows: T[] };
const rows = async <T>(db: Queryable, q: SQL) => ((await db.execute(q)) as unknown as Rows<T>).rows;

const watermark = 'events';

/**
 * The days (UTC) whose counters the events of [horizon, xmin) change: the days they happened on,
 * and for a payment the day of the join it pays (conversion counts a join on its own day).
 */
async function touchedDays(tx: Tx, horizon: string, xmin: string): Promise<{ days: string[]; events: number }> {
  const own = await rows<{ day: string; n: string }>(
    tx,
    sql`select (occurred_at at time zone 'UTC')::date::text as day, count(*) as n from analytics_events
      where tx >= ${horizon}::xid8 and tx < ${xmin}::xid8 group by 1`,
  );
  // A payment rebuilds the day of the join it pays: the server's join event is at the contribution's creation.
  const joins = await rows<{ day: string }>(
    tx,
    sql`select distinct (c.created_at at time zone 'UTC')::date::text as day from analytics_events e
      join contributions c on c.id = (e.properties->>'contributionId')::uuid
      where e.tx >= ${horizon}::xid8 and e.tx < ${xmin}::xid8 and e.type = 'payment_success' and e.source = 'server'`,
  );
  return { days: [...new Set([...own, ...joins].map((r) => r.day))].sort(), events: own.reduce((sum, r) => sum + Number(r.n), 0) };
}

/** Rebuilds analytics_daily for `days` from the raw events. */
async function rebuildDays(tx: Tx, days: string[]): Promise<void> {
  const list = sql`${`{${days.join(',')}}`}::date[]`;
  await tx.execute(sql`delete from analytics_daily where day = any(${list})`);
  await tx.execute(sql`
    insert into analytics_daily (day, market, category, supplier_id, currency, views, joins, paid_joins, payments_succeeded,
      payments_failed, goods_amount, fee_amount, refund_amount, passes_issued, pickups, groups_closed, groups_succeeded,
      succeeded_participants, succeeded_goods)
    select day, market, category, supplier_id, currency,
      -- a page opened by one trader (or device) is one view per group and day, whether the app
      -- reported it, the server saw it (GET /api/groups/{id}), or both
      count(distinct viewer || ':' || group_id) filter (where type = 'group_view'),
      count(*) filter (where type = 'join' and server),
      count(*) filter (where type = 'join' and server and paid),
      count(*) filter (where type = 'payment_success' and server),
      count(*) filter (where type = 'payment_failed'),
      coalesce(sum((properties->>'goods')::bigint) filter (where type = 'payment_success' and server), 0),
      coalesce(sum((properties->>'fee')::bigint) filter (where type = 'payment_success' and server), 0),
      coalesce(sum((properties->>'amount')::bigint) filter (where type = 'refund'), 0),
      count(*) filter (where type = 'pass_issued'),
      count(*) filter (where type = 'pickup' and server),
      count(*) filter (where type = 'group_closed'),
      count(*) filter (where type = 'group_closed' and succeeded),
      coalesce(sum(participants) filter (where type = 'group_closed' and succeeded), 0),
      coalesce(sum(group_goods) filter (where type = 'group_closed' and succeeded), 0)
    from (
      select (e.occurred_at at time zone 'UTC')::date as day,
        coalesce(pp.market, home.market, '') as market,
        coalesce(p.category, '') as category,
        coalesce(p.supplier_id::text, '') as supplier_id,
        case when e.type in ('payment_success', 'refund') and e.source = 'server' then coalesce(e.properties->>'currency', '')
             when e.type = 'group_closed' then g.currency else '' end as currency,
        e.type, e.source = 'server' as server, e.properties, e.group_id, coalesce(e.user_id::text, e.device_id) as viewer,
        c.paid_at is not null as paid,
        e.properties->>'to' = 'funded' as succeeded,
        gc.participants, gc.goods as group_goods
      from analytics_events e
      left join groups g on g.id = e.group_id
      left join products p on p.id = coalesce(e.product_id, g.product_id)
      left join pickup_points pp on pp.id = ${eventPickupPoint}
      left join ${groupHomeMarkets} home on home.group_id = e.group_id
      -- Only the server's own events name contributions (a client's properties are its own).
      left join contributions c on e.type = 'join' and e.source = 'server' and c.id = (e.properties->>'contributionId')::uuid
      left join lateral (
        select count(*) as participants, sum(c2.quantity::bigint * c2.unit_price) as goods from contributions c2
        where c2.group_id = e.group_id and c2.status in ('paid', 'refunded')
      ) gc on e.type = 'group_closed' and e.properties->>'to' = 'funded'
      where e.occurred_at >= ${days[0]}::date and e.occurred_at < ${days[days.length - 1]}::date + 1
        and (e.occurred_at at time zone 'UTC')::date = any(${list})
    ) x
    group by day, market, category, supplier_id, currency`);
}

/**
 * Recommendation counters per day and model variant for `days`: the server's impressions, and the
 * distinct recommendations clicked (the app's report of a click and the server's are one click) and
 * joined, each under the variant its impression was served with.
 */
async function rebuildRecommendationDays(tx: Tx, days: string[]): Promise<void> {
  const list = sql`${`{${days.join(',')}}`}::date[]`;
  await tx.execute(sql`delete from analytics_daily_recs where day = any(${list})`);
  await tx.execute(sql`
    insert into analytics_daily_recs (day, variant, shown, clicked, joined)
    select day, variant, count(*) filter (where type = 'recommendation_shown'),
      count(distinct recommendation_id) filter (where type = 'recommendation_clicked'),
      count(distinct recommendation_id) filter (where type = 'join')
    from (
      select (e.occurred_at at time zone 'UTC')::date as day, s.properties->>'variant' as variant, e.type, e.recommendation_id
      from analytics_events e
      join analytics_events s on s.event_id = e.recommendation_id and s.type = 'recommendation_shown' and s.source = 'server' and s.user_id = e.user_id
      where e.recommendation_id is not null
        and (e.type = 'recommendation_clicked' or (e.type in ('recommendation_shown', 'join') and e.source = 'server'))
        and e.occurred_at >= ${days[0]}::date and e.occurred_at < ${days[days.length - 1]}::date + 1
        and (e.occurred_at at time zone 'UTC')::date = any(${list})
    ) x
    where variant is not null
    group by day, variant`);
}

/**
 * Per-trader features (trader-features.ts) for the traders with new events, and for those not
 * refreshed for a day (recency and churn risk move with the clock even when a trader does nothing).
 */
async function refreshTraders(tx: Tx, horizon: string, xmin: string, now: Date): Promise<number> {
  const who = sql`
    select distinct user_id from analytics_events where tx >= ${horizon}::xid8 and tx < ${xmin}::xid8 and user_id is not null
    union
    select user_id from (select user_id from analytics_traders where updated_at < ${now}::timestamptz - interval '1 day' order by updated_at limit 10000) stale`;
  const refreshed = await rows<unknown>(
    tx,
    sql`
    insert into analytics_traders (user_id, first_paid_at, last_paid_at, last_seen_at, recency_days, frequency, monetary, engagement,
      churn_risk, loyalty_tier, segment, updated_at)
    select user_id, first_paid, last_paid, last_seen, recency, frequency, monetary, engagement, churn_risk, loyalty_tier, segment, ${now}::timestamptz
    from (${traderFeatures(now, who)}) t
    on conflict (user_id) do update set first_paid_at = excluded.first_paid_at, last_paid_at = excluded.last_paid_at,
      last_seen_at = excluded.last_seen_at, recency_days = excluded.recency_days, frequency = excluded.frequency,
      monetary = excluded.monetary, engagement = excluded.engagement, churn_risk = excluded.churn_risk,
      loyalty_tier = excluded.loyalty_tier, segment = excluded.segment, updated_at = excluded.updated_at
    returning 1`,
  );
  return refreshed.length;
}

/** Raw events (and quarantined ones) older than ANALYTICS_RETENTION_DAYS, once the counters hold them. */
async function pruneRaw(ctx: AppContext, now: Date): Promise<number> {
  const cut = new Date(now.getTime() - ctx.config.analytics.retentionDays * 86_400_000);
  let pruned = 0;
  for (;;) {
    const gone = await rows<unknown>(
      ctx.db,
      sql`delete from analytics_events where id in (select id from analytics_events where occurred_at < ${cut} limit 10000) returning 1`,
    );
    pruned += gone.length;
    if (gone.length < 10000) break;
  }
  await ctx.db.execute(sql`delete from analytics_quarantine where quarantined_at < ${cut}`);
  return pruned;
}

/** Job (analytics-etl). */
export async function runAnalyticsEtl(ctx: AppContext, now = new Date()) {
  const result = await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`insert into analytics_watermarks (name, horizon, updated_at) values (${watermark}, '0'::xid8, '-infinity') on conflict do nothing`);
    const [mark] = await rows<{ horizon: string }>(
      tx,
      sql`select horizon::text as horizon from analytics_watermarks where name = ${watermark} for update`,
    );
    const [snap] = await rows<{ xmin: string }>(tx, sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`);
    const { horizon } = mark!;
    const xmin = snap!.xmin;
    const { days, events } = await touchedDays(tx, horizon, xmin);
    if (days.length) {
      await rebuildDays(tx, days);
      await rebuildRecommendationDays(tx, days);
    }
    const traders = await refreshTraders(tx, horizon, xmin, now);
    await tx.execute(sql`update analytics_watermarks set horizon = ${xmin}::xid8, updated_at = ${now} where name = ${watermark}`);
    return { events, days: days.length, traders };
  });
  return { ...result, pruned: await pruneRaw(ctx, now) };
}
