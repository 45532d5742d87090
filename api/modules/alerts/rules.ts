// The alert rules: each reads the database (or this process's request times) and says what is
// wrong now. evaluate.ts turns findings into alerts that open, repeat and resolve.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { recentLatency } from '../system/metrics.ts';

export type Severity = 'warning' | 'critical';

/** Something wrong now. `key` is what it is about; the same key next time is the same alert. */
export interface Finding {
  rule: RuleName;
  key: string;
  severity: Severity;
  subject: string;
  message: string;
  value: number;
  threshold: number;
}

export const ruleNames = [
  'payment_failure_rate',
  'job_failures',
  'model_stale',
  'model_quality_drop',
  'reservations_piling_up',
  'groups_expiring_below_moq',
  'webhook_delivery_failures',
  'slow_requests',
] as const;
export type RuleName = (typeof ruleNames)[number];

type Rule = (ctx: AppContext, now: Date) => Promise<Finding[]>;

async function rows<T>(ctx: AppContext, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await ctx.db.execute(query)) as unknown as { rows: T[] }).rows;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const windowStart = (ctx: AppContext, now: Date) => new Date(now.getTime() - ctx.config.alerts.windowMinutes * 60_000);

/** Payments that ended in the window: failed (or abandoned) over all that ended. */
const paymentFailureRate: Rule = async (ctx, now) => {
  const { paymentFailureRate: threshold, paymentMinAttempts, windowMinutes } = ctx.config.alerts;
  const [r] = await rows<{ failed: string; ended: string }>(
    ctx,
    sql`select count(*) filter (where status in ('failed', 'abandoned')) as failed, count(*) as ended
      from payments where updated_at >= ${windowStart(ctx, now)} and status <> 'pending'`,
  );
  const failed = Number(r?.failed ?? 0);
  const ended = Number(r?.ended ?? 0);
  if (ended < paymentMinAttempts) return [];
  const rate = failed / ended;
  if (rate <= threshold) return [];
  return [
    {
      rule: 'payment_failure_rate',
      key: 'payment_failure_rate',
      severity: rate >= Math.min(1, threshold * 2) ? 'critical' : 'warning',
      subject: `Payment failures at ${pct(rate)}`,
      message: `${failed} of ${ended} payments in the last ${windowMinutes} min failed or were abandoned (threshold ${pct(threshold)}). Check the provider: cs payments list`,
      value: rate,
      threshold,
    },
  ];
};

/** A job that failed ALERT_JOB_FAILURES times in the window: one alert per job. */
const jobFailures: Rule = async (ctx, now) => {
  const { jobFailures: threshold, windowMinutes } = ctx.config.alerts;
  const failed = await rows<{ name: string; n: string; error: string | null }>(
    ctx,
    sql`select name, count(*) as n, (array_agg(error order by started_at desc))[1] as error
      from job_runs where outcome = 'failed' and started_at >= ${windowStart(ctx, now)} group by name`,
  );
  return failed
    .filter((f) => Number(f.n) >= threshold)
    .map((f) => ({
      rule: 'job_failures' as const,
      key: `job_failures:${f.name}`,
      severity: 'critical' as const,
      subject: `Job ${f.name} failed ${f.n} times`,
      message: `${f.name} failed ${f.n} times in the last ${windowMinutes} min; last error: ${f.error ?? 'unknown'}. See cs jobs list`,
      value: Number(f.n),
      threshold,
    }));
};

/** The model serving recommendations is older than ALERT_MODEL_MAX_AGE_HOURS. */
const modelStale: Rule = async (ctx, now) => {
  const threshold = ctx.config.alerts.modelMaxAgeHours;
  const [m] = await rows<{ version: string; trained_at: string | Date }>(ctx, sql`select version, trained_at from ml_models where active`);
  if (!m) return [];
  const hours = (now.getTime() - new Date(m.trained_at).getTime()) / 3_600_000;
  if (hours <= threshold) return [];
  return [
    {
      rule: 'model_stale',
      key: 'model_stale',
      severity: 'warning',
      subject: `Recommendation model ${m.version} is ${Math.round(hours)} h old`,
      message: `The active model was trained ${Math.round(hours)} h ago (threshold ${threshold} h): is retrain-model running? cs ml health`,
      value: hours,
      threshold,
    },
  ];
};

/** The active model's hold-out NDCG fell by more than ALERT_MODEL_QUALITY_DROP against the model it replaced. */
const modelQualityDrop: Rule = async (ctx) => {
  const threshold = ctx.config.alerts.modelQualityDrop;
  const models = await rows<{ version: string; ndcg: string | null }>(
    ctx,
    sql`select version, metrics->'holdout'->'components'->'hybrid'->>'ndcg' as ndcg
      from ml_models where activated_at is not null order by activated_at desc limit 2`,
  );
  const [current, previous] = models;
  if (!current?.ndcg || !previous?.ndcg) return [];
  const now = Number(current.ndcg);
  const before = Number(previous.ndcg);
  if (!(before > 0)) return [];
  const drop = (before - now) / before;
  if (drop <= threshold) return [];
  return [
    {
      rule: 'model_quality_drop',
      key: 'model_quality_drop',
      severity: 'warning',
      subject: `Recommendation quality fell ${pct(drop)}`,
      message: `Model ${current.version} scores NDCG ${now.toFixed(3)} on its hold-out where ${previous.version} scored ${before.toFixed(3)}. cs ml models; cs ml activate <version> to go back`,
      value: drop,
      threshold,
    },
  ];
};

/** Reservations past their hold time still holding units: release-reservations is not keeping up. */
const reservationsPilingUp: Rule = async (ctx, now) => {
  const threshold = ctx.config.alerts.staleReservations;
  const [r] = await rows<{ n: string; units: string | null }>(
    ctx,
    sql`select count(*) as n, sum(quantity) as units from contributions
      where status = 'pending_payment' and reserved_until < ${new Date(now.getTime() - 5 * 60_000)}`,
  );
  const n = Number(r?.n ?? 0);
  if (n < threshold) return [];
  return [
    {
      rule: 'reservations_piling_up',
      key: 'reservations_piling_up',
      severity: 'warning',
      subject: `${n} lapsed reservations still hold stock`,
      message: `${n} unpaid reservations (${r?.units ?? 0} units) are more than 5 min past their hold time and not released (threshold ${threshold}). cs jobs run release-reservations`,
      value: n,
      threshold,
    },
  ];
};

/** Open groups whose deadline is within ALERT_EXPIRY_HOURS and are below their MOQ: one alert per group. */
const groupsExpiringBelowMoq: Rule = async (ctx, now) => {
  const threshold = ctx.config.alerts.expiryHours;
  const soon = await rows<{ id: string; title: string; paid: number; moq: number; deadline: string | Date }>(
    ctx,
    sql`select id, title, paid_quantity as paid, moq, deadline from groups
      where status = 'open' and deadline > ${now} and deadline <= ${new Date(now.getTime() + threshold * 3_600_000)} and paid_quantity < moq
      order by deadline limit 100`,
  );
  return soon.map((g) => {
    const hours = (new Date(g.deadline).getTime() - now.getTime()) / 3_600_000;
    return {
      rule: 'groups_expiring_below_moq' as const,
      key: `groups_expiring_below_moq:${g.id}`,
      severity: 'warning' as const,
      subject: `"${g.title}" expires in ${hours.toFixed(1)} h at ${g.paid}/${g.moq}`,
      message: `Group ${g.id} has ${g.paid} of its ${g.moq} units paid and expires ${new Date(g.deadline).toISOString()}: extend it or tell its traders. cs groups show ${g.id.slice(0, 8)}`,
      value: hours,
      threshold,
    };
  });
};

/** Webhook deliveries that failed or went dead in the window. */
const webhookDeliveryFailures: Rule = async (ctx, now) => {
  const { webhookFailures: threshold, windowMinutes } = ctx.config.alerts;
  const [r] = await rows<{ n: string; dead: string }>(
    ctx,
    sql`select count(*) as n, count(*) filter (where status = 'dead') as dead from webhook_deliveries
      where status in ('failed', 'dead') and coalesce(delivered_at, next_attempt_at, created_at) >= ${windowStart(ctx, now)}`,
  );
  const n = Number(r?.n ?? 0);
  if (n < threshold) return [];
  return [
    {
      rule: 'webhook_delivery_failures',
      key: 'webhook_delivery_failures',
      severity: Number(r?.dead ?? 0) > 0 ? 'critical' : 'warning',
      subject: `${n} webhook deliveries failing`,
      message: `${n} webhook deliveries failed in the last ${windowMinutes} min (${r?.dead ?? 0} dead; threshold ${threshold}). cs webhooks deliveries <endpoint>`,
      value: n,
      threshold,
    },
  ];
};

/** p99 of this process's answers in the window (at least ALERT_SLOW_MIN_REQUESTS of them). */
const slowRequests: Rule = async (ctx, now) => {
  const { slowP99Ms: threshold, slowMinRequests, windowMinutes } = ctx.config.alerts;
  const { count, p99 } = recentLatency(ctx, windowStart(ctx, now).getTime());
  if (count < slowMinRequests || p99 <= threshold) return [];
  return [
    {
      rule: 'slow_requests',
      key: 'slow_requests',
      severity: p99 >= threshold * 4 ? 'critical' : 'warning',
      subject: `Requests slow: p99 ${Math.round(p99)} ms`,
      message: `The p99 of ${count} requests in the last ${windowMinutes} min is ${Math.round(p99)} ms (threshold ${threshold} ms). See /metrics (http_request_duration_seconds)`,
      value: p99,
      threshold,
    },
  ];
};

export const rules: Record<RuleName, Rule> = {
  payment_failure_rate: paymentFailureRate,
  job_failures: jobFailures,
  model_stale: modelStale,
  model_quality_drop: modelQualityDrop,
  reservations_piling_up: reservationsPilingUp,
  groups_expiring_below_moq: groupsExpiringBelowMoq,
  webhook_delivery_failures: webhookDeliveryFailures,
  slow_requests: slowRequests,
};
