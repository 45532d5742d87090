// Alerts: the evaluate-alerts job opens, repeats and resolves them from the rules' thresholds, mails
// the admins through the outbox, records alert.* events, and admins list and acknowledge them.
import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alerts, domainEvents, groups, jobRuns, notifications } from '../../api/db/schema.ts';
import { evaluateAlerts } from '../../api/modules/alerts/evaluate.ts';
import { recordLatency } from '../../api/modules/system/metrics.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, payInSandbox, trader } from '../helpers/fixtures.ts';
import { bearer, userWithRole, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let admin: Session;
beforeAll(async () => {
  // A day's window, so evaluations "later" (a clock passed in) still see the failures inserted now.
  app = await freshApp({ ALERT_WINDOW_MINUTES: '1440', ALERT_REPEAT_MINUTES: '60', ALERT_PAYMENT_MIN_ATTEMPTS: '3', ALERT_SLOW_MIN_REQUESTS: '100' });
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  admin = await userWithRole(app, 'admin');
});
afterAll(() => app.close());

const minutes = (n: number) => new Date(Date.now() + n * 60_000);
const mails = (template: string) => app.ctx.db.select().from(notifications).where(eq(notifications.template, template));
const events = (type: string) => app.ctx.db.select().from(domainEvents).where(eq(domainEvents.type, type));
const get = (url: string, s: Session = admin) => app.inject({ method: 'GET', url, headers: bearer(s.accessToken) });

async function failJob(name: string, times: number) {
  for (let i = 0; i < times; i += 1) {
    await app.ctx.db.insert(jobRuns).values({ name, trigger: 'schedule', outcome: 'failed', error: 'connection refused', finishedAt: new Date() });
  }
}

describe('alerts', () => {
  it('open once, repeat while the condition holds (mailing again only after ALERT_REPEAT_MINUTES, never once acknowledged), and resolve when it clears', async () => {
    await failJob('expire-groups', 1);
    expect(await evaluateAlerts(app.ctx)).toMatchObject({ opened: 0, open: 0 });

    await failJob('expire-groups', 1); // two failures: the threshold (ALERT_JOB_FAILURES=2)
    expect(await evaluateAlerts(app.ctx, undefined, minutes(1))).toMatchObject({ opened: 1, repeated: 0, resolved: 0, open: 1 });
    const list = await get('/api/admin/alerts');
    expect(list.statusCode, list.body).toBe(200);
    const [alert] = list.json().items;
    expect(alert).toMatchObject({ rule: 'job_failures', key: 'job_failures:expire-groups', severity: 'critical', status: 'open', value: 2, threshold: 2, occurrences: 1, resolvedAt: null });
    expect(alert.message).toContain('connection refused');
    expect((await mails('alert-opened')).map((m) => m.recipient)).toEqual([admin.user.email]);
    expect(await events('alert.opened')).toHaveLength(1);

    // Still failing a minute later: the same alert, seen twice, no second mail yet.
    expect(await evaluateAlerts(app.ctx, undefined, minutes(2))).toMatchObject({ opened: 0, repeated: 1 });
    expect((await get(`/api/admin/alerts/${alert.id}`)).json()).toMatchObject({ occurrences: 2, status: 'open' });
    expect(await mails('alert-opened')).toHaveLength(1);
    // An hour on, nobody has taken it: the admins are told again.
    await evaluateAlerts(app.ctx, undefined, minutes(62));
    expect(await mails('alert-opened')).toHaveLength(2);

    const ack = await app.inject({ method: 'POST', url: `/api/admin/alerts/${alert.id}/ack`, headers: bearer(admin.accessToken) });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: admin.user.id });
    expect((await app.inject({ method: 'POST', url: `/api/admin/alerts/${alert.id}/ack`, headers: bearer(admin.accessToken) })).json().status).toBe('acknowledged');
    await evaluateAlerts(app.ctx, undefined, minutes(130));
    expect(await mails('alert-opened')).toHaveLength(2);
    expect((await get(`/api/admin/alerts/${alert.id}`)).json()).toMatchObject({ occurrences: 4, status: 'acknowledged' });

    // The job recovers (its failures leave the window): resolved, once, with a mail and an event.
    await app.ctx.db.delete(jobRuns).where(eq(jobRuns.name, 'expire-groups'));
    expect(await evaluateAlerts(app.ctx, undefined, minutes(131))).toMatchObject({ resolved: 1, open: 0 });
    expect(await evaluateAlerts(app.ctx, undefined, minutes(132))).toMatchObject({ resolved: 0, opened: 0, open: 0 });
    expect((await get(`/api/admin/alerts/${alert.id}`)).json()).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    expect(await mails('alert-resolved')).toHaveLength(1);
    expect(await events('alert.resolved')).toHaveLength(1);
    expect((await get('/api/admin/alerts?status=active')).json().items).toEqual([]);
    expect((await get('/api/admin/alerts?status=resolved')).json().items).toHaveLength(1);
    const late = await app.inject({ method: 'POST', url: `/api/admin/alerts/${alert.id}/ack`, headers: bearer(admin.accessToken) });
    expect(late.statusCode).toBe(409);

    // Failing again later is a new alert: the resolved one stays resolved.
    await failJob('expire-groups', 2);
    expect(await evaluateAlerts(app.ctx, undefined, minutes(140))).toMatchObject({ opened: 1 });
    expect(await app.ctx.db.select().from(alerts).where(eq(alerts.key, 'job_failures:expire-groups'))).toHaveLength(2);
  });

  it('payment failure rate, groups about to expire below their MOQ (one alert per group) and slow requests', async () => {
    const m = await market(app);
    const group = await openGroup(app, m, { deadline: minutes(6 * 60).toISOString() });
    await openGroup(app, m); // three days left: not yet
    for (const action of ['fail', 'fail', 'pay'] as const) {
      const t = await trader(app);
      const join = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: bearer(t.accessToken), payload: { quantity: 1, pickupPointId: m.pointIds[0] } });
      expect(join.statusCode, join.body).toBe(201);
      await payInSandbox(app, t, join.json().id, action);
    }
    for (let i = 0; i < 300; i += 1) recordLatency(app.ctx, 900);

    expect(await evaluateAlerts(app.ctx)).toMatchObject({ opened: 3, failedRules: 0 });
    const items = (await get('/api/admin/alerts?status=open')).json().items as { rule: string; key: string; severity: string; value: number; subject: string }[];
    const byRule = Object.fromEntries(items.map((a) => [a.rule, a]));
    expect(Object.keys(byRule).sort()).toEqual(['groups_expiring_below_moq', 'payment_failure_rate', 'slow_requests']);
    expect(byRule.payment_failure_rate).toMatchObject({ severity: 'critical', value: 2 / 3 });
    expect(byRule.groups_expiring_below_moq).toMatchObject({ key: `groups_expiring_below_moq:${group.id}`, severity: 'warning' });
    expect(byRule.groups_expiring_below_moq!.subject).toContain('at 1/10');
    expect(byRule.slow_requests).toMatchObject({ value: 900, threshold: 500 });
    expect((await get('/api/admin/alerts?severity=critical')).json().items.map((a: { rule: string }) => a.rule)).toEqual(['payment_failure_rate']);

    // The business gauges on /metrics count them, beside groups and payments by status.
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^connectsphere_groups\{status="open"\} 2$/m);
    expect(metrics).toMatch(/^connectsphere_groups\{status="completed"\} 0$/m);
    expect(metrics).toMatch(/^connectsphere_payments\{status="failed"\} 2$/m);
    expect(metrics).toMatch(/^connectsphere_payments\{status="successful"\} 1$/m);
    expect(metrics).toMatch(/^connectsphere_alerts_open\{severity="warning"\} 2$/m);
    expect(metrics).toMatch(/^connectsphere_alerts_open\{severity="critical"\} 1$/m);
    expect(metrics).toMatch(/^connectsphere_groups_funded_today 0$/m);

    // The group reaches its MOQ: that alert resolves, the others hold.
    await app.ctx.db.update(groups).set({ paidQuantity: 10 }).where(eq(groups.id, group.id));
    expect(await evaluateAlerts(app.ctx)).toMatchObject({ resolved: 1, repeated: 2 });
    const resolved = await app.ctx.db.select().from(alerts).where(and(eq(alerts.status, 'resolved'), inArray(alerts.rule, ['groups_expiring_below_moq'])));
    expect(resolved).toHaveLength(1);
  });

  it('is for admins, and names a bad filter', async () => {
    const t = await trader(app);
    expect((await get('/api/admin/alerts', t)).statusCode).toBe(403);
    const bad = await get('/api/admin/alerts?status=closed');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors?.[0]?.field ?? bad.body).toContain('status');
    expect((await get('/api/admin/alerts/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});
