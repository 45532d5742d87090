// The demo's analytics history (seedDemoData's transaction): the server's own events for the seeded
// purchase history (joins, payments and failed ones, refunds of expired groups, group outcomes), as the API would
// have recorded them, and four weeks of trader browsing with structure, so a fresh `npm start` has
// reports worth reading: busier Fridays and Saturdays (market days) and quiet Sundays; markets that
// browse far more than others for the joins they make (Harare CBD, about four times the views per
// trader) and ones that browse little (Mbare Musika, Epworth); and a cohort (the earliest registered
// fifth of the traders) whose browsing stops two weeks ago.
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { rng } from './random.ts';

type Rows<T> = { rows: T[] };

/** Views per trader and day, by market: how much each browses before (or instead of) joining. */
const browsing: Record<string, number> = { 'Harare CBD': 0.5, 'Mbare Musika': 0.12, Epworth: 0.08 };
const weekday = [0.3, 1, 0.9, 1, 1.1, 1.6, 1.8]; // Sunday .. Saturday

export async function seedDemoEvents(tx: Tx, now: Date): Promise<{ serverEvents: number; clientEvents: number }> {
  // The seeded history, mirrored as the server records it (domain-events.ts, reserve.ts).
  const server = (await tx.execute(sql`
    with j as (
      insert into analytics_events (event_id, source, type, user_id, group_id, properties, occurred_at)
      select gen_random_uuid(), 'server', 'join', c.trader_id, c.group_id,
        jsonb_build_object('contributionId', c.id, 'quantity', c.quantity, 'pickupPointId', c.pickup_point_id), c.created_at
      from contributions c returning 1
    ), p as (
      insert into analytics_events (event_id, source, type, user_id, group_id, properties, occurred_at)
      select gen_random_uuid(), 'server', case when p.status = 'failed' then 'payment_failed' else 'payment_success' end, p.trader_id, c.group_id,
        jsonb_build_object('paymentId', p.id, 'contributionId', c.id, 'goods', p.goods_amount, 'fee', p.fee_amount, 'amount', p.total_amount,
          'currency', p.currency, 'pickupPointId', c.pickup_point_id, 'quantity', c.quantity), p.verified_at
      from payments p join contributions c on c.id = p.contribution_id returning 1
    ), r as (
      insert into analytics_events (event_id, source, type, user_id, group_id, properties, occurred_at)
      select gen_random_uuid(), 'server', 'refund', p.trader_id, c.group_id,
        jsonb_build_object('paymentId', p.id, 'amount', p.total_amount, 'currency', p.currency, 'reason', 'group expired'), g.deadline
      from payments p join contributions c on c.id = p.contribution_id join groups g on g.id = c.group_id
      where p.status = 'refunded' and g.deadline <= ${now} returning 1
    ), g as (
      insert into analytics_events (event_id, source, type, group_id, properties, occurred_at)
      select gen_random_uuid(), 'server', 'group_closed', g.id,
        jsonb_build_object('groupId', g.id, 'from', 'open', 'to', case when g.status = 'expired' then 'expired' else 'funded' end),
        case when g.status = 'expired' then g.deadline else (select max(c.paid_at) from contributions c where c.group_id = g.id) end
      from groups g where g.status in ('completed', 'expired', 'funded') returning 1
    )
    select (select count(*) from j) + (select count(*) from p) + (select count(*) from r) + (select count(*) from g) as n`)) as unknown as Rows<{ n: string }>;

  // Four weeks of browsing, from a generator of its own (the rest of the demo stays as it was).
  const r = rng(20_261_203);
  const traders = ((await tx.execute(sql`select id, market, created_at from users where role = 'trader' order by created_at`)) as unknown as Rows<{ id: string; market: string; created_at: string | Date }>).rows;
  const groups = ((await tx.execute(sql`select id from groups where created_at >= ${new Date(now.getTime() - 60 * 86_400_000)} or status = 'open'`)) as unknown as Rows<{ id: string }>).rows;
  if (traders.length === 0 || groups.length === 0) return { serverEvents: Number(server.rows[0]?.n ?? 0), clientEvents: 0 };
  const churning = new Set(traders.slice(0, Math.floor(traders.length / 5)).map((t) => t.id));
  const events: { id: string; type: string; user: string; group: string | null; props: Record<string, unknown>; at: string }[] = [];
  const dayMs = 86_400_000;
  for (let d = 27; d >= 0; d -= 1) {
    const start = Math.floor((now.getTime() - d * dayMs) / dayMs) * dayMs;
    const factor = weekday[new Date(start).getUTCDay()]!;
    for (const t of traders) {
      if (churning.has(t.id) && d < 14) continue;
      if (!r.chance((browsing[t.market] ?? 0.15) * factor)) continue;
      const at = (offset: number) => new Date(Math.min(now.getTime() - 60_000, start + (7 + r.next() * 10) * 3_600_000 + offset)).toISOString();
      if (r.chance(0.3)) events.push({ id: r.uuid(), type: 'search', user: t.id, group: null, props: { query: r.pick(['cooking oil', 'mealie meal', 'sugar', 'rice', 'soap', 'cement', 'tomatoes']) }, at: at(0) });
      for (let v = r.int(1, 3); v > 0; v -= 1) events.push({ id: r.uuid(), type: 'group_view', user: t.id, group: r.pick(groups).id, props: {}, at: at(v * 60_000) });
    }
  }
  for (let i = 0; i < events.length; i += 1000) {
    await tx.execute(sql`
      insert into analytics_events (event_id, source, type, user_id, group_id, properties, occurred_at)
      select (x->>'id')::uuid, 'client', x->>'type', (x->>'user')::uuid, (x->>'group')::uuid, x->'props', (x->>'at')::timestamptz
      from jsonb_array_elements(${JSON.stringify(events.slice(i, i + 1000))}::jsonb) x`);
  }
  return { serverEvents: Number(server.rows[0]?.n ?? 0), clientEvents: events.length };
}
