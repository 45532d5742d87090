// Per-trader features from the event store, as of a time: recency, frequency and monetary (RFM) of
// their payments, engagement, churn risk, loyalty tier and segment. One definition, read two ways:
// the ETL keeps analytics_traders current with it (as of now), and training reads it as of each of
// its cut-offs (api/modules/ml/training.ts), so a model graded on a hold-out learns only what was
// known before the hold-out began.
import { sql, type SQL } from 'drizzle-orm';
import type { TraderBehaviour } from '../../../ml/index.ts';
import type { Queryable } from '../../db/client.ts';

/**
 * The features of the traders `who` selects (a query of user_id; all traders with events if
 * omitted), from their events up to `at`. Frequency counts the groups a trader paid into; monetary
 * the USD goods paid (ZWG shares count in frequency); engagement ln(1 + what they did in the 30 days
 * before, not counting what they were shown).
 */
export function traderFeatures(at: Date, who?: SQL): SQL {
  return sql`
    with f as (
      select e.user_id,
        min(e.occurred_at) filter (where e.type = 'payment_success' and e.source = 'server') as first_paid,
        max(e.occurred_at) filter (where e.type = 'payment_success' and e.source = 'server') as last_paid,
        max(e.occurred_at) as last_seen,
        count(distinct e.group_id) filter (where e.type = 'payment_success' and e.source = 'server') as frequency,
        coalesce(sum((e.properties->>'goods')::bigint) filter (where e.type = 'payment_success' and e.source = 'server' and e.properties->>'currency' = 'USD'), 0) as monetary,
        count(*) filter (where e.occurred_at >= ${at}::timestamptz - interval '30 days' and e.type <> 'recommendation_shown') as recent
      from analytics_events e ${who ? sql`join (${who}) who on who.user_id = e.user_id` : sql``}
      where e.user_id is not null and e.occurred_at <= ${at}::timestamptz
      group by e.user_id
    ), m as (
      select f.*, extract(epoch from (${at}::timestamptz - f.last_paid)) / 86400 as recency,
        extract(epoch from (${at}::timestamptz - coalesce(f.last_paid, f.last_seen))) / 86400 as idle
      from f join users u on u.id = f.user_id
    )
    select user_id, first_paid, last_paid, last_seen, recency::float8 as recency, frequency::int as frequency, monetary::bigint as monetary,
      ln(1 + recent)::float8 as engagement,
      round((greatest(idle, 0) / (greatest(idle, 0) + 30))::numeric, 3)::float8 as churn_risk,
      case when frequency = 0 then 'new' when frequency <= 2 then 'bronze' when frequency <= 5 then 'silver' else 'gold' end as loyalty_tier,
      case when frequency = 0 then 'browser' when recency <= 30 and frequency >= 3 then 'champion' when recency <= 30 then 'active'
           when recency <= 90 then 'at_risk' else 'churned' end as segment
    from m`;
}

/** Every trader's features as of `at`, as the recommender takes them. */
export async function traderBehaviourAsOf(db: Queryable, at: Date): Promise<Record<string, TraderBehaviour>> {
  const { rows } = (await db.execute(
    sql`select user_id, recency, frequency, monetary, engagement from (${traderFeatures(at)}) t`,
  )) as unknown as { rows: { user_id: string; recency: number | null; frequency: number; monetary: string | number; engagement: number }[] };
  const out: Record<string, TraderBehaviour> = {};
  for (const r of rows) {
    out[r.user_id] = { recencyDays: r.recency === null ? null : Number(r.recency), frequency: Number(r.frequency), monetary: Number(r.monetary), engagement: Number(r.engagement) };
  }
  return out;
}
