import fs from 'node:fs';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifications, pickupPoints, products, staffPickupPoints, userPreferences, users } from '../../api/db/schema.ts';
import { ensureFirstAdmin } from '../../api/modules/auth/service.ts';
import { drainOutbox, fileTransport } from '../../api/modules/notifications/dispatcher.ts';
import { demoAdminEmail, demoPassword, seedDemoData } from '../../api/seed/demo.ts';
import { dataDir, freshApp, testContext } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { registerUser } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(() => resetDatabase(app.ctx.database));
afterAll(() => app.close());

describe('notifications outbox', () => {
  it('delivers the welcome email and SMS once, to a file per channel', async () => {
    const s = await registerUser(app);
    const dir = path.join(dataDir, `outbox-${Date.now()}`);
    const transport = fileTransport(dir, app.log);
    expect(await drainOutbox(app.ctx.db, transport)).toBe(2);
    expect(await drainOutbox(app.ctx.db, transport)).toBe(0);
    const email = fs.readFileSync(path.join(dir, 'email.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(email).toHaveLength(1);
    expect(email[0]).toMatchObject({ recipient: s.user.email, subject: 'Welcome to ConnectSphere' });
    const sms = fs.readFileSync(path.join(dir, 'sms.log'), 'utf8');
    expect(sms).toContain('+263772123456');
    const rows = await app.ctx.db.select().from(notifications);
    expect(rows.every((n) => n.status === 'sent' && n.sentAt)).toBe(true);
  });

  it('keeps a message queued with the error when its transport fails', async () => {
    await registerUser(app);
    const failing = async () => {
      throw new Error('SMS gateway down');
    };
    expect(await drainOutbox(app.ctx.db, failing)).toBe(0);
    const rows = await app.ctx.db.select().from(notifications);
    expect(rows.every((n) => n.status === 'queued' && n.attempts === 1 && n.lastError?.includes('SMS gateway down'))).toBe(true);
  });
});

describe('first admin and demo data', () => {
  it('creates the first admin from ADMIN_EMAIL only when no admin exists', async () => {
    const ctx = await testContext({ ADMIN_EMAIL: 'Boss@Example.co.zw', ADMIN_PASSWORD: 'very-secret-2026' });
    expect(await ensureFirstAdmin(ctx)).toBe('created');
    expect(await ensureFirstAdmin(ctx)).toBe('exists');
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'boss@example.co.zw', password: 'very-secret-2026' } });
    expect(login.json().user.role).toBe('admin');
  });

  it('loads deterministic Harare demo data, idempotently', async () => {
    const first = await seedDemoData(app.ctx.db, { traders: 40 });
    expect(first).toMatchObject({ traders: 40, suppliers: 6, staff: 2, products: 30 });
    const ids = (await app.ctx.db.select({ id: users.id }).from(users).orderBy(users.email)).map((u) => u.id);
    await seedDemoData(app.ctx.db, { traders: 40 });
    const again = (await app.ctx.db.select({ id: users.id }).from(users).orderBy(users.email)).map((u) => u.id);
    expect(again).toEqual(ids);
    expect(ids).toHaveLength(40 + 6 + 2 + 1);
    const [{ value: prefCount }] = (await app.ctx.db.select({ value: count() }).from(userPreferences)) as [{ value: number }];
    expect(prefCount).toBe(40);
    const markets = new Set((await app.ctx.db.select({ m: users.market }).from(users).where(eq(users.role, 'trader'))).map((u) => u.m));
    expect(markets.size).toBeGreaterThanOrEqual(5);
    const categories = new Set((await app.ctx.db.select({ c: products.category }).from(products)).map((p) => p.c));
    expect([...categories]).toEqual(expect.arrayContaining(['mealie-meal', 'cooking-oil', 'clothing-bales', 'phone-accessories']));
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: demoAdminEmail, password: demoPassword } });
    expect(login.json().user.role).toBe('admin');
    // Each demo staff account works at its own market's pickup point.
    const staffPoints = await app.ctx.db
      .select({ email: users.email, market: users.market, point: pickupPoints.market })
      .from(staffPickupPoints)
      .innerJoin(users, eq(users.id, staffPickupPoints.userId))
      .innerJoin(pickupPoints, eq(pickupPoints.id, staffPickupPoints.pickupPointId))
      .orderBy(users.email);
    expect(staffPoints.map((s) => s.email)).toEqual(['staff1@demo.connectsphere.co.zw', 'staff2@demo.connectsphere.co.zw']);
    for (const s of staffPoints) expect(s.point).toBe(s.market);
  });
});
