// cs.analytics and cs.reports against a live server: a frontend tracks anonymously by device, then
// signed in (the device's events become the trader's); an admin reads the reports as JSON and CSV.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { ApiError, ConnectSphere, MemoryTokenStore } from '@connectsphere/sdk';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsEvents } from '../../api/db/schema.ts';
import { runAnalyticsEtl } from '../../api/modules/analytics/etl.ts';
import { liveServer } from '../helpers/app.ts';
import { market, openGroup } from '../helpers/fixtures.ts';
import { registerUser, userWithRole, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(() => app.close());

const sdkAs = (s: Session) => new ConnectSphere({ baseUrl: url, tokens: new MemoryTokenStore({ accessToken: s.accessToken, refreshToken: s.refreshToken }) });
const view = (groupId: string) => ({ eventId: randomUUID(), type: 'group_view' as const, groupId, occurredAt: new Date().toISOString() });

describe('cs.analytics and cs.reports', () => {
  it('tracks by device, links the device on sign-in, and reads the figures as JSON and CSV', async () => {
    const m = await market(app);
    const group = await openGroup(app, m);
    const deviceId = `web-${randomUUID()}`;
    const anonymous = new ConnectSphere({ baseUrl: url });
    const first = [view(group.id), view(group.id)];
    expect(await anonymous.analytics.track(first, { deviceId })).toEqual({ accepted: 2, duplicates: 0, quarantined: [] });
    expect(await anonymous.analytics.track(first, { deviceId })).toEqual({ accepted: 0, duplicates: 2, quarantined: [] });
    const bad = await anonymous.analytics.track([{ eventId: randomUUID(), type: 'search', occurredAt: new Date().toISOString() } as never], { deviceId }).catch((e) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).problem.errors?.[0]).toMatchObject({ field: 'body.events.0.query' });

    const t = await registerUser(app);
    expect((await sdkAs(t).analytics.track([view(group.id)], { deviceId })).accepted).toBe(1);
    const rows = await app.ctx.db.select().from(analyticsEvents).where(eq(analyticsEvents.deviceId, deviceId));
    expect(rows.map((r) => r.userId)).toEqual([t.user.id, t.user.id, t.user.id]);

    await runAnalyticsEtl(app.ctx);
    const admin = sdkAs(await userWithRole(app, 'admin'));
    const kpis = await admin.reports.kpis();
    expect(kpis.totals.views).toBe(1); // one viewer opening one group's page on one day, three times
    expect((await admin.reports.funnel()).steps[0]).toEqual({ step: 'viewed', actors: 1, shareOfPrevious: null });
    const csv = await admin.reports.csv('kpis');
    expect(csv.split('\r\n')[0]).toMatch(/^day,views,joins,paid_joins,conversion,/);
    expect(csv.trim().split('\r\n').at(-1)).toMatch(/^total,1,0,0,,/);
    const denied = await sdkAs(t).reports.kpis().catch((e) => e);
    expect((denied as ApiError).status).toBe(403);
  });
});
