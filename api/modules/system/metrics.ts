import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../../context.ts';
import type { Database } from '../../db/client.ts';
import { snapshotCacheCounts } from '../../db/snapshot-cache.ts';

/**
 * The last requests' answer times, kept for the slow_requests alert rule (p99 over the alert
 * window): a fixed ring of 10,000 requests, two numbers each, whatever the traffic. One ring per
 * app context (tests run several apps in one process, on one database). The evaluate-alerts job runs in
 * the process that owns it; a jobs process without traffic sees none, and a deployment of several
 * processes alerts on http_request_duration_seconds in Prometheus.
 */
class LatencyRing {
  static readonly size = 10_000;
  readonly at = new Float64Array(LatencyRing.size);
  readonly ms = new Float64Array(LatencyRing.size);
  next = 0;
  count = 0;
}
const rings = new WeakMap<AppContext, LatencyRing>();
const ringOf = (ctx: AppContext) => {
  let ring = rings.get(ctx);
  if (!ring) rings.set(ctx, (ring = new LatencyRing()));
  return ring;
};

export function recordLatency(ctx: AppContext, ms: number, at = Date.now()): void {
  const ring = ringOf(ctx);
  ring.at[ring.next] = at;
  ring.ms[ring.next] = ms;
  ring.next = (ring.next + 1) % LatencyRing.size;
  ring.count = Math.min(ring.count + 1, LatencyRing.size);
}

/** p99 (ms) and count of the requests answered since `since` (epoch ms), from the ring. */
export function recentLatency(ctx: AppContext, since: number): { count: number; p99: number } {
  const ring = ringOf(ctx);
  const picked: number[] = [];
  for (let i = 0; i < ring.count; i += 1) if (ring.at[i]! >= since) picked.push(ring.ms[i]!);
  if (picked.length === 0) return { count: 0, p99: 0 };
  picked.sort((a, b) => a - b);
  return { count: picked.length, p99: picked[Math.min(picked.length - 1, Math.ceil(picked.length * 0.99) - 1)]! };
}

/** Request count and latency per route (the route pattern, never the raw URL, to bound cardinality). */
export function registerMetrics(app: FastifyInstance, database: Database): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let reported = 0;
  new Counter({
    name: 'db_statements_total',
    help: 'Statements sent to PostgreSQL, each one round trip (0 on PGlite)',
    registers: [registry],
    collect() {
      const sent = database.statementsSent();
      this.inc(sent - reported);
      reported = sent;
    },
  });
  const counted = { hits: 0, misses: 0 };
  new Counter({
    name: 'db_read_cache_total',
    help: 'Reads of group views served from what was read in the same database snapshot (hit) or read afresh (miss)',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      const now = snapshotCacheCounts(database.db);
      this.inc({ result: 'hit' }, now.hits - counted.hits);
      this.inc({ result: 'miss' }, now.misses - counted.misses);
      Object.assign(counted, now);
    },
  });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  registerBusinessGauges(registry, database);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    recordLatency(app.ctx, reply.elapsedTime);
    done();
  });
  return registry;
}

type CountRow = { label: string; n: number | string };

/**
 * Gauges of the business beside the request metrics, read from the database when /metrics is
 * scraped (one small aggregate each, on indexed columns), so a Prometheus user alerts on open groups,
 * funding and payment outcomes as on latency. Every label value is always set (0 when none), so a
 * series never disappears between scrapes.
 */
function registerBusinessGauges(registry: Registry, database: Database): void {
  const counted = async (gauge: Gauge<string>, label: string, values: readonly string[], query: ReturnType<typeof sql>) => {
    const { rows } = (await database.db.execute(query)) as unknown as { rows: CountRow[] };
    const byLabel = new Map(rows.map((r) => [r.label, Number(r.n)]));
    for (const v of values) gauge.set({ [label]: v }, byLabel.get(v) ?? 0);
  };
  new Gauge({
    name: 'connectsphere_groups',
    help: 'Group-buys by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      await counted(this, 'status', ['draft', 'open', 'funded', 'ordered', 'shipped', 'delivered', 'ready_for_pickup', 'completed', 'expired', 'cancelled'],
        sql`select status::text as label, count(*) as n from groups group by status`);
    },
  });
  new Gauge({
    name: 'connectsphere_groups_funded_today',
    help: 'Groups that reached their MOQ since midnight UTC',
    registers: [registry],
    async collect() {
      const { rows } = (await database.db.execute(
        sql`select count(distinct group_id) as n from group_events where to_status = 'funded' and created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'`,
      )) as unknown as { rows: { n: number | string }[] };
      this.set(Number(rows[0]?.n ?? 0));
    },
  });
  new Gauge({
    name: 'connectsphere_payments',
    help: 'Payments by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      await counted(this, 'status', ['pending', 'successful', 'failed', 'abandoned', 'mismatch', 'refund_pending', 'refunded'],
        sql`select status::text as label, count(*) as n from payments group by status`);
    },
  });
  new Gauge({
    name: 'connectsphere_alerts_open',
    help: 'Alerts not yet resolved, by severity',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      await counted(this, 'severity', ['warning', 'critical'], sql`select severity::text as label, count(*) as n from alerts where status <> 'resolved' group by severity`);
    },
  });
}
