// Bulk data for the browsing bench: many groups, most of them closed long ago, and a purchase
// history of contributions, added next to the demo data (its products, pickup points and
// accounts) straight into the database, as if the API had been running for years.
import { sql } from 'drizzle-orm';
import type { Db } from '../api/db/client.ts';

export interface GrowthSize {
  groups: number;
  contributions: number;
}

/** One group in `openEvery` is open; the rest are completed, expired or cancelled. */
const openEvery = 20;
const traders = 2_000;

export async function loadGrowth(db: Db, size: GrowthSize): Promise<{ openGroups: number }> {
  const tag = `growth-${Date.now()}`;
  await db.execute(sql`
    insert into users (email, name, phone, password_hash, role, market)
    select ${tag} || '-' || i || '@example.co.zw', 'Growth Trader ' || i, '0772000000', 'not-a-hash', 'trader',
      (array['Mbare Musika', 'Glen View', 'Budiriro', 'Highfield', 'Chitungwiza'])[1 + i % 5]
    from generate_series(1, ${traders}) i`);
  await db.execute(sql`
    insert into analytics_profiles (user_id, signup_market)
    select id, market from users where email like ${`${tag}-%`}`);
  // Closed groups' deadlines lie in the past two years; open ones in the next two weeks.
  await db.execute(sql`
    with p as (select id, name, unit, unit_price, currency, row_number() over (order by id) - 1 as n, count(*) over () as total from products)
    insert into groups (product_id, title, description, status, moq, max_quantity, max_per_trader, deadline, unit_price, currency, reserved_quantity, paid_quantity, created_at)
    select p.id, p.name || ' (' || p.unit || ') #' || i, ${tag},
      (case when i % ${openEvery} = 0 then 'open' else (array['completed', 'expired', 'cancelled'])[1 + i % 3] end)::group_status,
      10 + i % 90, 300, 20,
      case when i % ${openEvery} = 0 then now() + (1 + i % 14) * interval '1 day' + (i % 1000) * interval '1 second'
           else now() - (1 + i % 730) * interval '1 day' end,
      p.unit_price, p.currency, 0,
      case when i % ${openEvery} = 0 then i % 60 else 0 end,
      now() - (i % 900) * interval '1 day' - (i % 86400) * interval '1 second'
    from generate_series(1, ${size.groups}) i join p on p.n = i % p.total`);
  await db.execute(sql`
    insert into group_pickup_points (group_id, pickup_point_id)
    select g.id, pp.id from (select id, row_number() over (order by id) as n from groups where description = ${tag}) g
    join (select id, row_number() over (order by id) - 1 as n, count(*) over () as total from pickup_points) pp on pp.n = g.n % pp.total`);
  // Each contribution is a distinct (group, trader) pair; those of open groups are open (pending
  // or paid), those of closed groups paid or refunded as their group ended.
  await db.execute(sql`
    with g as (select id, status, unit_price, currency, row_number() over (order by id) - 1 as n, count(*) over () as total
               from groups where description = ${tag}),
         t as (select id, row_number() over (order by id) - 1 as n from users where email like ${`${tag}-%`}),
         pp as (select group_id, min(pickup_point_id::text)::uuid as point from group_pickup_points group by group_id)
    insert into contributions (group_id, trader_id, pickup_point_id, quantity, unit_price, currency, status, reserved_until, paid_at)
    select g.id, t.id, pp.point, 1 + i % 5, g.unit_price, g.currency,
      (case when g.status = 'open' then (case when i % 3 = 0 then 'pending_payment' else 'paid' end)
            when g.status = 'completed' then 'paid' else 'refunded' end)::contribution_status,
      now() + interval '1 hour', now() - interval '1 day'
    from generate_series(0, ${size.contributions - 1}) i
    join g on g.n = i % g.total
    join t on t.n = (i / g.total + i) % ${traders}
    join pp on pp.group_id = g.id
    on conflict do nothing`);
  // A bulk load leaves the planner without statistics until autovacuum gets to the tables, and
  // its dirty pages for the checkpointer to write while the next scenarios are measured.
  await db.execute(sql`vacuum analyze`);
  await db.execute(sql`checkpoint`);
  const rows = (await db.execute<{ n: number }>(sql`select count(*)::int as n from groups where status = 'open'`)) as unknown as { rows: { n: number }[] };
  return { openGroups: rows.rows[0]!.n };
}
