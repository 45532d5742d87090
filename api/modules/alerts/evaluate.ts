// Turning rule findings into alerts: a finding whose key has no active alert opens one; one that
// persists repeats it (and mails admins again every ALERT_REPEAT_MINUTES while nobody has
// acknowledged it); an active alert whose rule no longer finds it resolves. Each change, its
// domain event (alert.opened|repeated|resolved, on the admin channel and platform webhooks) and its
// mails are written in one transaction.
import { and, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Tx } from '../../db/client.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { alerts } from '../../db/schema.ts';
import { conflict, notFound } from '../../errors.ts';
import type { Query } from '../../openapi/contract.ts';
import { recordEvent } from '../events/domain-events.ts';
import { notifyAdmins } from '../suppliers/organisations.ts';
import { ruleNames, rules, type Finding, type RuleName } from './rules.ts';

type AlertRow = typeof alerts.$inferSelect;

export function alertView(a: AlertRow) {
  return {
    id: a.id,
    rule: a.rule,
    key: a.key,
    severity: a.severity,
    status: a.status,
    subject: a.subject,
    message: a.message,
    value: a.value,
    threshold: a.threshold,
    occurrences: a.occurrences,
    openedAt: a.openedAt.toISOString(),
    lastSeenAt: a.lastSeenAt.toISOString(),
    acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: a.acknowledgedBy,
    resolvedAt: a.resolvedAt?.toISOString() ?? null,
  };
}

async function announce(tx: Tx, type: 'alert.opened' | 'alert.repeated' | 'alert.resolved' | 'alert.acknowledged', a: AlertRow) {
  await recordEvent(tx, { type, data: alertView(a) });
}

const mailPayload = (a: AlertRow) => ({ severity: a.severity, subject: a.subject, message: a.message, since: a.openedAt.toISOString(), occurrences: a.occurrences });

async function raise(tx: Tx, f: Finding, now: Date, repeatMs: number): Promise<'opened' | 'repeated'> {
  const [active] = await tx.select().from(alerts).where(and(eq(alerts.key, f.key), ne(alerts.status, 'resolved'))).for('update');
  if (!active) {
    const [opened] = await tx
      .insert(alerts)
      .values({ ...f, openedAt: now, lastSeenAt: now, lastNotifiedAt: now })
      .returning();
    await announce(tx, 'alert.opened', opened!);
    await notifyAdmins(tx, 'alert-opened', mailPayload(opened!));
    return 'opened';
  }
  // Mail again only while nobody has taken it on, and not more often than the repeat interval.
  const remind = active.status === 'open' && now.getTime() - active.lastNotifiedAt.getTime() >= repeatMs;
  const [seen] = await tx
    .update(alerts)
    .set({
      severity: f.severity,
      subject: f.subject,
      message: f.message,
      value: f.value,
      threshold: f.threshold,
      occurrences: sql`${alerts.occurrences} + 1`,
      lastSeenAt: now,
      ...(remind ? { lastNotifiedAt: now } : {}),
    })
    .where(eq(alerts.id, active.id))
    .returning();
  await announce(tx, 'alert.repeated', seen!);
  if (remind) await notifyAdmins(tx, 'alert-opened', mailPayload(seen!));
  return 'repeated';
}

/**
 * Job (evaluate-alerts): runs every rule, then opens, repeats and resolves. A rule that fails to
 * run leaves its alerts as they are (it found nothing, but it did not look either).
 */
export async function evaluateAlerts(ctx: AppContext, log?: FastifyBaseLogger, now = new Date()) {
  const findings: Finding[] = [];
  const evaluated = new Set<RuleName>();
  let failedRules = 0;
  for (const name of ruleNames) {
    try {
      findings.push(...(await rules[name](ctx, now)));
      evaluated.add(name);
    } catch (err) {
      failedRules += 1;
      log?.error({ err, rule: name }, 'alert rule failed to evaluate');
    }
  }
  const repeatMs = ctx.config.alerts.repeatMinutes * 60_000;
  let opened = 0;
  let repeated = 0;
  for (const f of findings) {
    const outcome = await ctx.db.transaction((tx) => raise(tx, f, now, repeatMs));
    if (outcome === 'opened') opened += 1;
    else repeated += 1;
  }
  const found = new Set(findings.map((f) => f.key));
  const active = await ctx.db.select().from(alerts).where(ne(alerts.status, 'resolved'));
  let resolved = 0;
  for (const a of active) {
    if (found.has(a.key) || !evaluated.has(a.rule)) continue;
    const done = await ctx.db.transaction(async (tx) => {
      const [r] = await tx
        .update(alerts)
        .set({ status: 'resolved', resolvedAt: now })
        .where(and(eq(alerts.id, a.id), ne(alerts.status, 'resolved')))
        .returning();
      if (!r) return false;
      await announce(tx, 'alert.resolved', r);
      await notifyAdmins(tx, 'alert-resolved', mailPayload(r));
      return true;
    });
    if (done) resolved += 1;
  }
  return { opened, repeated, resolved, open: active.length - resolved, failedRules };
}

/** Admins: alerts newest first; `active` is open and acknowledged ones. */
export async function listAlerts(ctx: AppContext, query: Query<'listAlerts'>) {
  const sort: SortKey = { expr: sql`extract(epoch from ${alerts.lastSeenAt})::float8`, type: 'float8', direction: 'desc' };
  const { where, order } = keyset(sort, alerts.id, query.cursor);
  const status: SQL | undefined =
    query.status === 'active' ? ne(alerts.status, 'resolved') : query.status ? eq(alerts.status, query.status) : undefined;
  const rows = await ctx.db
    .select({ alert: alerts, key: sql<number>`${sort.expr}` })
    .from(alerts)
    .where(and(status, query.severity ? eq(alerts.severity, query.severity) : undefined, query.rule ? eq(alerts.rule, query.rule) : undefined, where))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.alert.id));
  return { items: result.items.map((r) => alertView(r.alert)), nextCursor: result.nextCursor };
}

export async function getAlert(ctx: AppContext, id: string) {
  const [a] = await ctx.db.select().from(alerts).where(eq(alerts.id, id));
  if (!a) throw notFound(`Alert ${id}`);
  return alertView(a);
}

/**
 * An admin takes an alert on: no more repeat mails; it still resolves when its condition clears.
 * Acknowledging one already acknowledged answers it as it is; a resolved one is a 409.
 */
export async function acknowledgeAlert(ctx: AppContext, id: string, adminId: string) {
  return ctx.db.transaction(async (tx) => {
    const [a] = await tx.select().from(alerts).where(eq(alerts.id, id)).for('update');
    if (!a) throw notFound(`Alert ${id}`);
    if (a.status === 'resolved') throw conflict(`Alert ${id} is already resolved`);
    if (a.status === 'acknowledged') return alertView(a);
    const [acked] = await tx
      .update(alerts)
      .set({ status: 'acknowledged', acknowledgedAt: new Date(), acknowledgedBy: adminId })
      .where(eq(alerts.id, id))
      .returning();
    await announce(tx, 'alert.acknowledged', acked!);
    return alertView(acked!);
  });
}
