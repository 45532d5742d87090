// Group buying under load: joins per second on ONE hot group and on ten at once (with the units
// oversold, which must be zero, and where the time goes), then browsing (GET /api/groups with
// each filter and sort, GET /api/groups/{id}) next to the bare route, on the demo data and again
// with 5,000 and 50,000 groups (most of them closed) and 100,000 contributions.
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { openDatabase } from '../api/db/client.ts';
import { loadGrowth } from './groups-data.ts';
import { explainBrowsing } from './groups-explain.ts';
import { cpuMs, cpuMsOfAll, freshDatabaseEnv, measure, report, startServer, tempDataDir, type Measurement, type Server } from './lib.ts';

const traders = Number(process.env.BENCH_TRADERS ?? 200);
const concurrency = Number(process.env.BENCH_JOIN_CONCURRENCY ?? 50);
const growth = (process.env.BENCH_GROWTH ?? '5000,50000').split(',').filter(Boolean).map(Number);
const contributionsAtScale = Number(process.env.BENCH_GROWTH_CONTRIBUTIONS ?? 100_000);
/** BENCH_EXPLAIN=true prints EXPLAIN (ANALYZE, BUFFERS) of each browsing statement at each data size. */
const explain = process.env.BENCH_EXPLAIN === 'true';
const password = 'bench-password-2026';

// The bench reads a handful of fields from API responses; typing each one adds nothing here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

async function json(url: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: Body }> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers ?? {}) },
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Body };
}

/** Runs `tasks` with at most `limit` in flight; returns the wall time in ms and each task's own time. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<{ ms: number; results: T[]; times: number[] }> {
  const results: T[] = [];
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        const t = performance.now();
        results[i] = await tasks[i]!();
        times[i] = performance.now() - t;
      }
    }),
  );
  return { ms: performance.now() - started, results, times };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

/** Statements the API has sent to PostgreSQL so far (its /metrics). */
async function statementsSent(api: Server): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  return Number(/^db_statements_total (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Group views the API served from the same database snapshot and read afresh so far (its /metrics). */
async function readCacheCounts(api: Server): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const count = (result: string) => Number(new RegExp(`^db_read_cache_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hits: count('hit'), misses: count('miss') };
}

/**
 * Samples the API's PostgreSQL sessions every 10 ms while `run` runs: how many were running a
 * statement, waiting for a lock (the hot group's row) or sitting in an open transaction.
 */
async function sampleSessions<T>(databaseUrl: string | undefined, run: () => Promise<T>) {
  if (!databaseUrl) return { value: await run(), sessions: undefined };
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const totals = { samples: 0, active: 0, lockWait: 0, idleInTransaction: 0 };
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const { rows } = await client.query<{ active: number; lock: number; idle: number }>(
        `select count(*) filter (where state = 'active' and coalesce(wait_event_type, '') <> 'Lock')::int as active,
                count(*) filter (where wait_event_type = 'Lock')::int as lock,
                count(*) filter (where state like 'idle in transaction%')::int as idle
           from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      totals.samples += 1;
      totals.active += rows[0]!.active;
      totals.lockWait += rows[0]!.lock;
      totals.idleInTransaction += rows[0]!.idle;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    return { value: await run(), sessions: totals };
  } finally {
    done = true;
    await sampler;
    await client.end();
  }
}

interface JoinTarget {
  id: string;
  capacity: number;
}

async function createGroups(api: Server, token: string, n: number, capacity: number): Promise<JoinTarget[]> {
  const products = (await json(`${api.url}/api/products?limit=${Math.min(n, 50)}`, { token })).body.items as { id: string }[];
  const point = (await json(`${api.url}/api/pickup-points`, { token })).body.items[0] as { id: string };
  const made: JoinTarget[] = [];
  for (let i = 0; i < n; i++) {
    const group = await json(`${api.url}/api/groups`, {
      method: 'POST',
      token,
      body: JSON.stringify({ productId: products[i % products.length]!.id, moq: 10, maxQuantity: capacity, maxPerTrader: 3, deadline: new Date(Date.now() + 86_400_000).toISOString(), pickupPointIds: [point.id] }),
    });
    made.push({ id: group.body.id as string, capacity });
  }
  return made;
}

/** Every trader joins every group (3 units each), `concurrency` requests in flight; prints the run. */
async function joinRun(api: Server, env: Record<string, string>, title: string, admin: string, targets: JoinTarget[], sessions: string[]) {
  // undici's request on keep-alive connections, not fetch: on two cores the load generator's own
  // CPU is taken from the API and PostgreSQL, and fetch spends several times more per request.
  const client = new Pool(api.url, { connections: concurrency });
  const join = async (groupId: string, token: string) => {
    const res = await client.request({
      path: `/api/groups/${groupId}/join`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"quantity":3}',
    });
    await res.body.dump();
    return { status: res.statusCode };
  };
  const tasks = targets.flatMap((g) => sessions.map((t) => () => join(g.id, t)));
  // Round robin over the groups, so each has requests in flight at once.
  const order = sessions.flatMap((_, i) => targets.map((_, g) => tasks[g * sessions.length + i]!));
  const before = await statementsSent(api);
  const cpuBefore = cpuMs(api.process.pid!);
  const dbCpuBefore = env.DATABASE_URL ? cpuMsOfAll('postgres') : 0;
  const clientCpuBefore = process.cpuUsage();
  const { value: joins, sessions: s } = await sampleSessions(env.DATABASE_URL, () => pool(order, concurrency));
  const cpu = cpuMs(api.process.pid!) - cpuBefore;
  const dbCpu = env.DATABASE_URL ? cpuMsOfAll('postgres') - dbCpuBefore : 0;
  const clientUsage = process.cpuUsage(clientCpuBefore);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1000;
  await client.close();
  const statements = (await statementsSent(api)) - before;
  const ok = joins.results.filter((r) => r.status === 201).length;
  const full = joins.results.filter((r) => r.status === 409).length;
  let oversold = 0;
  let reserved = 0;
  for (const g of targets) {
    const after = (await json(`${api.url}/api/groups/${g.id}`, { token: admin })).body as { reservedQuantity: number; paidQuantity: number };
    reserved += after.reservedQuantity;
    oversold += Math.max(0, after.reservedQuantity + after.paidQuantity - g.capacity);
  }
  const n = order.length;
  console.log(`\n${title} (${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}): ${sessions.length} traders x ${targets.length} group(s), ${concurrency} requests at a time`);
  console.log(`  joins/s ${(n / (joins.ms / 1000)).toFixed(0)}  accepted ${ok}  refused (full) ${full}  other ${n - ok - full}`);
  console.log(`  capacity ${targets.reduce((a, g) => a + g.capacity, 0)}  reserved ${reserved}  oversold ${oversold}${oversold === 0 ? ' (as it must be)' : '  <-- OVERSOLD'}`);
  console.log(`  per join: p50 ${quantile(joins.times, 0.5).toFixed(1)} ms  p99 ${quantile(joins.times, 0.99).toFixed(1)} ms` + `  API CPU ${(cpu / n).toFixed(2)} ms` + (env.DATABASE_URL ? `  statements (round trips to PostgreSQL, auth included) ${(statements / n).toFixed(1)}` : ''));
  // The machine's CPU per join by who spent it. PostgreSQL's figure is every postgres process on the
  // machine (the session sampler's own queries included); the load generator's is this process.
  const machine = os.cpus().length * joins.ms;
  console.log(
    `  CPU per join: API ${(cpu / n).toFixed(2)} ms` +
      (env.DATABASE_URL ? `  PostgreSQL ${(dbCpu / n).toFixed(2)} ms` : '') +
      `  load generator ${(clientCpu / n).toFixed(2)} ms  (${((100 * (cpu + dbCpu + clientCpu)) / machine).toFixed(0)}% of the machine's ${os.cpus().length} cores over the run)`,
  );
  if (s && s.samples > 0) {
    console.log(
      `  API sessions on PostgreSQL, mean of ${s.samples} samples: running a statement ${(s.active / s.samples).toFixed(1)}  waiting for a lock ${(s.lockWait / s.samples).toFixed(1)}  idle in a transaction ${(s.idleInTransaction / s.samples).toFixed(1)}`,
    );
  }
  if (oversold > 0) process.exitCode = 1;
}

interface Browse {
  name: string;
  path: string;
}

/** The browsing scenarios: each filter and sort of GET /api/groups, and one group's page. */
async function browsing(api: Server, token: string, groupId: string): Promise<Browse[]> {
  const first = (await json(`${api.url}/api/groups?limit=1`, { token })).body.items[0] as Body;
  const point = first.pickupPoints[0] as { id: string; market: string };
  const closing = new Date(Date.now() + 5 * 86_400_000).toISOString();
  return [
    { name: 'GET /api/groups (deadline, default)', path: '/api/groups?limit=20' },
    { name: '  sort=progress', path: '/api/groups?limit=20&sort=progress' },
    { name: '  sort=price', path: '/api/groups?limit=20&sort=price' },
    { name: '  sort=newest', path: '/api/groups?limit=20&sort=newest' },
    { name: '  sort=recommended (no model)', path: '/api/groups?limit=20&sort=recommended' },
    { name: `  category=${first.product.category}`, path: `/api/groups?limit=20&category=${first.product.category}` },
    { name: `  market=${point.market}`, path: `/api/groups?limit=20&market=${encodeURIComponent(point.market)}` },
    { name: '  pickupPointId', path: `/api/groups?limit=20&pickupPointId=${point.id}` },
    { name: '  minPrice=1000&maxPrice=6000', path: '/api/groups?limit=20&minPrice=1000&maxPrice=6000' },
    { name: '  minProgress=10', path: '/api/groups?limit=20&minProgress=10' },
    { name: '  closingBefore (5 days)', path: `/api/groups?limit=20&closingBefore=${encodeURIComponent(closing)}` },
    { name: '  status=completed', path: '/api/groups?limit=20&status=completed' },
    { name: 'GET /api/groups/{id}', path: `/api/groups/${groupId}` },
  ];
}

async function measureBrowsing(api: Server, token: string, scenarios: Browse[]): Promise<Measurement[]> {
  const rows: Measurement[] = [];
  // A second of every scenario first, not measured: the API has just started for each data size,
  // and the first scenario measured would otherwise run partly on code not yet compiled.
  for (const s of scenarios) await measure(s.name, { url: `${api.url}${s.path}`, headers: { authorization: `Bearer ${token}` }, duration: 1 });
  const before = await readCacheCounts(api);
  for (const s of scenarios) rows.push(await measure(s.name, { url: `${api.url}${s.path}`, headers: { authorization: `Bearer ${token}` } }, api));
  // Nothing writes while the bench browses, so with READ_CACHE on almost every read is a hit:
  // say so, and READ_CACHE=false npm run bench measures every read done afresh.
  const after = await readCacheCounts(api);
  console.log(
    process.env.READ_CACHE === 'false'
      ? '\nBrowsing: every read done afresh (READ_CACHE=false)'
      : `\nBrowsing: ${after.hits - before.hits} reads served from the same snapshot, ${after.misses - before.misses} read afresh`,
  );
  return rows;
}

const login = async (api: Server, email: string) =>
  (await json(`${api.url}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email, password }) })).body.accessToken as string;

export async function benchGroups(bare: Server): Promise<void> {
  // The bare route is measured again next to each data size: the machine's load moves meanwhile.
  const bareNow = () => measure('bare Fastify GET /health', { url: `${bare.url}/health` });
  const dataDir = tempDataDir();
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    // The demo data is what the browsing figures are measured on, on PostgreSQL too.
    SEED_DEMO_DATA: 'true',
    JOBS_ENABLED: 'false',
    ML_TRAIN_ON_START: 'false',
    LOGIN_MAX_PER_ACCOUNT: '100000000',
    LOGIN_MAX_PER_ADDRESS: '100000000',
    LOGIN_MAX_PER_ACCOUNT_ADDRESS: '100000000',
    REGISTER_MAX_PER_ADDRESS: '100000000',
  };
  Object.assign(env, await freshDatabaseEnv());
  const adminEmail = 'admin@demo.connectsphere.co.zw';
  const traderEmail = (i: number) => `bench-${i}@example.co.zw`;
  let api = await startServer('api/main.ts', env, 3903);
  let groupId: string;
  let scenarios: Browse[];
  const bySize: { label: string; baseline: Measurement; rows: Measurement[] }[] = [];
  try {
    const admin = (await json(`${api.url}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: adminEmail, password: 'harare-demo-2026' }) })).body.accessToken as string;
    const sessions = (
      await pool(
        Array.from({ length: traders }, (_, i) => async () =>
          (
            await json(`${api.url}/api/auth/register`, {
              method: 'POST',
              body: JSON.stringify({ email: traderEmail(i), name: 'Bench Trader', password, phone: '0772000000', location: { market: 'Mbare Musika' } }),
            })
          ).body.accessToken as string,
        ),
        8,
      )
    ).results;
    // Room for two thirds of the traders at 3 units each: the rest must be refused, not oversold.
    const capacity = Math.floor((traders * 2) / 3) * 3;
    // A first run on a group of its own warms the join path up (JIT, prepared statements); a run of
    // 200 joins lasts a fraction of a second, so cold code would be most of what it measured.
    const [warm] = await createGroups(api, admin, 1, capacity);
    await joinRun(api, env, 'Warm-up: joins on a group of their own (not a result)', admin, [warm!], sessions);
    const [hot] = await createGroups(api, admin, 1, capacity);
    await joinRun(api, env, 'Joins on one hot group', admin, [hot!], sessions);
    const ten = await createGroups(api, admin, 10, capacity);
    await joinRun(api, env, 'Joins on 10 groups at once', admin, ten, sessions);

    groupId = hot!.id;
    scenarios = await browsing(api, sessions[0]!, groupId);
    bySize.push({ label: 'demo data', baseline: await bareNow(), rows: await measureBrowsing(api, sessions[0]!, scenarios) });
  } finally {
    await api.stop();
  }

  const openData = () => openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: path.join(dataDir, 'pgdata') });
  if (explain) {
    // Between runs: PGlite's folder is one process's at a time.
    const database = await openData();
    console.log('\nPlans on the demo data');
    await explainBrowsing(database, traderEmail(0), scenarios);
    await database.close();
  }
  let loadedGroups = 0;
  let loadedContributions = 0;
  for (const groups of growth) {
    const database = await openData();
    const started = performance.now();
    const more = { groups: groups - loadedGroups, contributions: Math.max(0, contributionsAtScale - loadedContributions) };
    const { openGroups } = await loadGrowth(database.db, more);
    loadedGroups = groups;
    loadedContributions += more.contributions;
    const label = `${groups.toLocaleString('en')} groups (${openGroups.toLocaleString('en')} open), ${loadedContributions.toLocaleString('en')} contributions`;
    console.log(`\nLoaded ${label} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (explain) {
      console.log(`\nPlans at ${label}`);
      await explainBrowsing(database, traderEmail(0), scenarios);
    }
    await database.close();
    api = await startServer('api/main.ts', env, 3903);
    try {
      const token = await login(api, traderEmail(0));
      bySize.push({ label, baseline: await bareNow(), rows: await measureBrowsing(api, token, scenarios) });
    } finally {
      await api.stop();
    }
  }

  for (const { label, baseline, rows } of bySize) report(`Browsing on ${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${label}`, baseline, rows);
  if (bySize.length > 1) {
    // Flat as the data grows: each scenario's ratio at the largest size next to the demo data's, and
    // next to the smallest grown size's: a filter matches only 3-11 of the demo's groups, so its
    // demo page is a short one, while from 5,000 groups on every page is a full one. The API's CPU
    // per request, which the machine's other load moves least, is shown the same way.
    const first = bySize[0]!;
    const grown = bySize[1]!;
    const last = bySize[bySize.length - 1]!;
    const ratio = (size: typeof first, i: number) => size.rows[i]!.requestsPerSecond / size.baseline.requestsPerSecond;
    const cpu = (size: typeof first, i: number) => size.rows[i]!.cpuMsPerRequest ?? NaN;
    console.log(
      `\nThroughput vs bare at ${last.label}, over the same on the demo data and at ${grown.label.split(',')[0]} (target: at least 0.75); ` +
        'then the API CPU per request there, as a multiple of the same two',
    );
    for (let i = 0; i < first.rows.length; i++) {
      const change = ratio(last, i) / ratio(first, i);
      const fromGrown = ratio(last, i) / ratio(grown, i);
      console.log(
        `  ${first.rows[i]!.name.padEnd(40)} ${change.toFixed(2)}${change < 0.75 ? ' <-- falls' : '          '}  ${fromGrown.toFixed(2)}${fromGrown < 0.75 ? ' <-- falls' : '          '}` +
          `  CPU ×${(cpu(last, i) / cpu(first, i)).toFixed(2)} / ×${(cpu(last, i) / cpu(grown, i)).toFixed(2)}`,
      );
    }
  }
}
