import { sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { badRequest } from '../../errors.ts';
import type { Query } from '../../openapi/contract.ts';
import type { OrganisationActor } from '../suppliers/membership.ts';

const dayMs = 86_400_000;

type Row = {
  orders: number;
  units: number;
  delivered: number;
  avg_fulfilment_seconds: number | null;
  with_eta: number;
  on_time: number;
  rating_avg: number | null;
  rating_count: number;
  buyers: number;
  repeat_buyers: number;
  revenue: { currency: string; amount: number }[] | null;
};

/**
 * The organisation's figures for [from, to), computed in one SQL statement, every part filtered by
 * the caller's organisation:
 * - orders, units and revenue (goods net of VAT, per currency): orders accepted in the range that
 *   were not rejected or cancelled afterwards;
 * - average fulfilment (accepted → delivered) and on-time rate (delivered by the ETA, among those
 *   that had one): orders delivered in the range;
 * - rating: ratings of its products made in the range;
 * - buyers and repeat buyers: traders with a paid share in the groups of those orders, and those
 *   among them who bought from it in two or more groups.
 */
export async function supplierAnalytics(db: Queryable, actor: OrganisationActor, query: Query<'getSupplierAnalytics'>) {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * dayMs);
  if (!(from < to)) throw badRequest('query.from', 'must be before to');
  const org = actor.organisation.id;
  const result = await db.execute<Row>(sql`
    with live as (
      select * from supplier_orders
      where supplier_id = ${org} and accepted_at >= ${from} and accepted_at < ${to}
        and status not in ('pending', 'rejected', 'cancelled')
    ),
    delivered as (
      select * from supplier_orders
      where supplier_id = ${org} and delivered_at >= ${from} and delivered_at < ${to} and accepted_at is not null
    ),
    buyers as (
      select c.trader_id, count(distinct c.group_id) as groups
      from contributions c join live o on o.group_id = c.group_id
      where c.status = 'paid'
      group by c.trader_id
    )
    select
      (select count(*)::int from live) as orders,
      (select coalesce(sum(quantity), 0)::int from live) as units,
      (select coalesce(json_agg(json_build_object('currency', currency, 'amount', amount) order by currency), '[]'::json)
         from (select currency, sum(subtotal)::bigint as amount from live group by currency) r) as revenue,
      (select count(*)::int from delivered) as delivered,
      (select avg(extract(epoch from delivered_at - accepted_at))::float8 from delivered) as avg_fulfilment_seconds,
      (select count(*)::int from delivered where eta is not null) as with_eta,
      (select count(*)::int from delivered where eta is not null and delivered_at <= eta) as on_time,
      (select avg(score)::float8 from ratings where supplier_id = ${org} and created_at >= ${from} and created_at < ${to}) as rating_avg,
      (select count(*)::int from ratings where supplier_id = ${org} and created_at >= ${from} and created_at < ${to}) as rating_count,
      (select count(*)::int from buyers) as buyers,
      (select count(*)::int from buyers where groups >= 2) as repeat_buyers
  `);
  const row = (result as unknown as { rows: Row[] }).rows[0]!;
  const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    revenue: (row.revenue ?? []).map((r) => ({ currency: r.currency as 'USD' | 'ZWG', amount: Number(r.amount) })),
    orders: row.orders,
    units: row.units,
    deliveredOrders: row.delivered,
    averageFulfilmentHours: row.avg_fulfilment_seconds === null ? null : round(row.avg_fulfilment_seconds / 3600, 2),
    onTimeRate: row.with_eta === 0 ? null : round(row.on_time / row.with_eta, 4),
    rating: { average: row.rating_avg === null ? null : round(row.rating_avg, 2), count: row.rating_count },
    buyers: row.buyers,
    repeatBuyers: row.repeat_buyers,
  };
}
