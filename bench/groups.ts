// Group buying under load: joins per second on ONE group with many concurrent traders (and the
// units oversold, which must be zero), and GET /api/groups throughput next to the bare route.
import { freshDatabaseEnv, measure, report, startServer, tempDataDir, type Measurement } from './lib.ts';

const traders = Number(process.env.BENCH_TRADERS ?? 200);
const concurrency = Number(process.env.BENCH_JOIN_CONCURRENCY ?? 50);

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

/** Runs `tasks` with at most `limit` in flight; returns the wall time in ms. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<{ ms: number; results: T[] }> {
  const results: T[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return { ms: performance.now() - started, results };
}

export async function benchGroups(baseline: Measurement): Promise<void> {
  const env: Record<string, string> = {
    DATA_DIR: tempDataDir(),
    JOBS_ENABLED: 'false',
    ML_TRAIN_ON_START: 'false',
    LOGIN_MAX_PER_ACCOUNT: '100000000',
    LOGIN_MAX_PER_ADDRESS: '100000000',
  };
  Object.assign(env, await freshDatabaseEnv());
  const api = await startServer('api/main.ts', env, 3903);
  try {
    const admin = await json(`${api.url}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: 'admin@demo.connectsphere.co.zw', password: 'harare-demo-2026' }) });
    const token = admin.body.accessToken as string;
    const product = (await json(`${api.url}/api/products?limit=1`, { token })).body.items[0] as { id: string };
    const point = (await json(`${api.url}/api/pickup-points`, { token })).body.items[0] as { id: string };
    // Room for two thirds of the traders at 3 units each: the rest must be refused, not oversold.
    const capacity = Math.floor((traders * 2) / 3) * 3;
    const group = await json(`${api.url}/api/groups`, {
      method: 'POST',
      token,
      body: JSON.stringify({ productId: product.id, moq: 10, maxQuantity: capacity, maxPerTrader: 3, deadline: new Date(Date.now() + 86_400_000).toISOString(), pickupPointIds: [point.id] }),
    });
    const groupId = group.body.id as string;

    const sessions = (
      await pool(
        Array.from({ length: traders }, (_, i) => async () =>
          (
            await json(`${api.url}/api/auth/register`, {
              method: 'POST',
              body: JSON.stringify({ email: `bench-${i}-${Date.now()}@example.co.zw`, name: 'Bench Trader', password: 'bench-password-2026', phone: '0772000000', location: { market: 'Mbare Musika' } }),
            })
          ).body.accessToken as string,
        ),
        8,
      )
    ).results;

    const joins = await pool(
      sessions.map((t) => () => json(`${api.url}/api/groups/${groupId}/join`, { method: 'POST', token: t, body: JSON.stringify({ quantity: 3 }) })),
      concurrency,
    );
    const ok = joins.results.filter((r) => r.status === 201).length;
    const full = joins.results.filter((r) => r.status === 409).length;
    const after = (await json(`${api.url}/api/groups/${groupId}`, { token })).body as { reservedQuantity: number; paidQuantity: number };
    const oversold = Math.max(0, after.reservedQuantity + after.paidQuantity - capacity);
    console.log(`\nJoins on one group (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}): ${traders} traders, ${concurrency} at a time`);
    console.log(`  joins/s ${(traders / (joins.ms / 1000)).toFixed(0)}  accepted ${ok}  refused (full) ${full}  other ${traders - ok - full}`);
    console.log(`  capacity ${capacity}  reserved ${after.reservedQuantity}  oversold ${oversold}${oversold === 0 ? ' (as it must be)' : '  <-- OVERSOLD'}`);

    const rows = [await measure('API GET /api/groups (20 per page)', { url: `${api.url}/api/groups`, headers: { authorization: `Bearer ${token}` } })];
    report('Group browsing', baseline, rows);
    if (oversold > 0) process.exitCode = 1;
  } finally {
    await api.stop();
  }
}
