// Analytics (BENCH_ONLY=analytics): ingest through POST /api/analytics/track in batches of 100
// next to a bare multi-row INSERT of the same rows into the same table, and the ETL over one
// million events next to the bare insert of those million rows, with this process's memory while
// the ETL runs at a quarter of the events and at all of them (flat: it is SQL, nothing is loaded).
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../api/config.ts';
import { openDatabase, type Database } from '../api/db/client.ts';
import { runAnalyticsEtl } from '../api/modules/analytics/etl.ts';
import { seedDemoData } from '../api/seed/demo.ts';
import { connections, duration, freshDatabaseEnv, startServer, tempDataDir } from './lib.ts';

const batch = 100;
const etlEvents = Number(process.env.BENCH_ETL_EVENTS ?? 1_000_000);

function events(groupIds: string[]) {
  const now = Date.now();
  return Array.from({ length: batch }, (_, i) =>
    i % 4 === 0
      ? { eventId: randomUUID(), type: 'page_view', page: '/groups', occurredAt: new Date(now - i * 1000).toISOString() }
      : { eventId: randomUUID(), type: 'group_view', groupId: groupIds[i % groupIds.length]!, occurredAt: new Date(now - i * 1000).toISOString() },
  );
}

/** Rows/s of the same rows inserted by `connections` loops, 100 a statement, for the bench's duration. */
async function bareInsertRate(database: Database, groupIds: string[], userId: string): Promise<number> {
  let rows = 0;
  const until = Date.now() + duration * 1000;
  const loop = async () => {
    while (Date.now() < until) {
      const list = events(groupIds).map((e) => ({ id: e.eventId, type: e.type, group: 'groupId' in e ? e.groupId : null, at: e.occurredAt }));
      await database.db.execute(sql`
        insert into analytics_events (event_id, source, type, user_id, group_id, properties, occurred_at)
        select (x->>'id')::uuid, 'client', x->>'type', ${userId}::uuid, (x->>'group')::uuid, '{}'::jsonb, (x->>'at')::timestamptz
        from jsonb_array_elements(${JSON.stringify(list)}::jsonb) x`);
      rows += batch;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: database.kind === 'postgres' ? connections : 1 }, loop));
  return rows / ((performance.now() - started) / 1000);
}

async function benchIngest(env: Record<string, string>, dataDir: string): Promise<void> {
  const api = await startServer('api/main.ts', { ...env, DATA_DIR: dataDir, SEED_DEMO_DATA: 'true', JOBS_ENABLED: 'false', ML_TRAIN_ON_START: 'false', ANALYTICS_TRACK_PER_MINUTE: '100000000' }, 3931);
  let groupIds: string[] = [];
  let token = '';
  try {
    const reg = await fetch(`${api.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${Date.now()}@example.co.zw`, password: 'bench-password-2026', name: 'Bench Trader', phone: '0772000000', location: { market: 'Mbare Musika' } }),
    });
    token = ((await reg.json()) as { accessToken: string }).accessToken;
    groupIds = ((await (await fetch(`${api.url}/api/groups?limit=50`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { id: string }[] }).items.map((g) => g.id);
    const probe = await fetch(`${api.url}/api/analytics/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ events: events(groupIds) }) });
    if (probe.status !== 202) throw new Error(`track answered ${probe.status}: ${await probe.text()}`);
    const result = await autocannon({
      url: `${api.url}/api/analytics/track`,
      duration,
      connections,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ events: events(groupIds) }) }),
        },
      ],
    });
    const accepted = result['2xx'] * batch;
    const apiRate = accepted / duration;
    await api.stop();
    // The same rows into the same table, through a connection of this process (the API's PGlite files
    // are free once it stopped).
    const database = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: path.join(dataDir, 'pgdata') });
    try {
      const [u] = ((await database.db.execute(sql`select id from users limit 1`)) as unknown as { rows: { id: string }[] }).rows;
      const bare = await bareInsertRate(database, groupIds, u!.id);
      console.log(`\nAnalytics ingest on ${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'} (${duration} s, ${connections} connections, batches of ${batch})`);
      console.log(`  bare multi-row INSERT      ${bare.toFixed(0).padStart(8)} events/s  1.00 (baseline)`);
      console.log(`  POST /api/analytics/track  ${apiRate.toFixed(0).padStart(8)} events/s  ${(apiRate / bare).toFixed(3)} of bare (target >= 0.5); p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`);
    } finally {
      await database.close();
    }
  } finally {
    await api.stop();
  }
}

/** `n` events over 60 days: views, pages, searches, and the server's joins, payments and pickups. */
async function insertEvents(database: Database, n: number): Promise<number> {
  const started = performance.now();
  await database.db.execute(sql`
    with t as (select array_agg(id) as ids from users where role = 'trader'),
         g as (select array_agg(id) as ids from groups),
         p as (select array_agg(id) as ids from pickup_points)
    insert into analytics_events (event_id, source, type, user_id, group_id, properties, occurred_at)
    select gen_random_uuid(),
      case when k < 80 then 'client' else 'server' end,
      case when k < 60 then 'group_view' when k < 75 then 'page_view' when k < 80 then 'search'
           when k < 90 then 'join' when k < 97 then 'payment_success' when k < 98 then 'payment_failed' else 'pickup' end,
      t.ids[1 + i % array_length(t.ids, 1)],
      case when k between 75 and 79 then null else g.ids[1 + i % array_length(g.ids, 1)] end,
      case when k >= 80 then jsonb_build_object('pickupPointId', p.ids[1 + i % array_length(p.ids, 1)], 'goods', 1000 + i % 5000, 'fee', 100 + i % 500, 'currency', 'USD')
           else '{}'::jsonb end,
      now() - make_interval(secs => (s.i::bigint * 104729) % 5184000)
    from generate_series(1, ${n}::int) as s(i), lateral (select (s.i::bigint * 7919) % 100 as k) kk, t, g, p`);
  return performance.now() - started;
}

async function benchEtl(env: Record<string, string>, dataDir: string): Promise<void> {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: path.join(dataDir, 'etl') });
  try {
    await database.migrate();
    await seedDemoData(database.db);
    const ctx = { config: loadConfig({ ...process.env, ...env, NODE_ENV: 'test' }), database, db: database.db, keys: undefined as never };
    await runAnalyticsEtl(ctx); // the demo's own events, so the runs below time the bench's
    const rows: string[] = [];
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    try {
      for (const n of [etlEvents / 4, (etlEvents * 3) / 4]) {
        const insertMs = await insertEvents(database, n);
        peak = process.memoryUsage().rss;
        const before = peak;
        const started = performance.now();
        const result = await runAnalyticsEtl(ctx);
        const etlMs = performance.now() - started;
        rows.push(
          `  ${String(result.events).padStart(8)} events  bare insert ${(insertMs / 1000).toFixed(1).padStart(6)} s  ETL ${(etlMs / 1000).toFixed(1).padStart(6)} s (${(etlMs / insertMs).toFixed(2)}x the insert; ${result.days} days rebuilt)  RSS ${(before / 2 ** 20).toFixed(0)} MB -> peak ${(peak / 2 ** 20).toFixed(0)} MB`,
        );
      }
      // All of them at once: the days the first runs built are rebuilt from all the events.
      await database.db.execute(sql`update analytics_watermarks set horizon = '0'::xid8 where name = 'events'`);
      peak = process.memoryUsage().rss;
      const before = peak;
      const started = performance.now();
      const all = await runAnalyticsEtl(ctx);
      const etlMs = performance.now() - started;
      rows.push(`  ${String(all.events).padStart(8)} events  (all, rebuilt from the start)  ETL ${(etlMs / 1000).toFixed(1).padStart(6)} s (target < 60 s)  RSS ${(before / 2 ** 20).toFixed(0)} MB -> peak ${(peak / 2 ** 20).toFixed(0)} MB`);
    } finally {
      clearInterval(sampler);
    }
    console.log(`\nAnalytics ETL on ${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'} (events over 60 days; RSS of this process${env.DATABASE_URL ? '' : ', which holds PGlite'})`);
    for (const r of rows) console.log(r);
  } finally {
    await database.close();
  }
}

export async function benchAnalytics(): Promise<void> {
  await benchIngest(await freshDatabaseEnv(), tempDataDir());
  await benchEtl(await freshDatabaseEnv(), tempDataDir());
}
