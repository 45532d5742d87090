import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { bearer, registerUser, userWithRole, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let admin: Session;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  admin = await userWithRole(app, 'admin');
});
afterAll(() => app.close());

const get = (url: string) => app.inject({ url, headers: bearer(admin.accessToken) });

describe('admin user management', () => {
  it('pages through every user exactly once, newest first', async () => {
    for (let i = 0; i < 4; i++) await registerUser(app);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/api/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u: { id: string }) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('searches by name, email or phone and filters by role and active', async () => {
    await registerUser(app, { name: 'Chipo Ncube', email: 'chipo@example.co.zw', phone: '0712000111' });
    await registerUser(app, { name: 'Farai Dube' });
    expect((await get('/api/admin/users?q=chipo')).json().items.map((u: { name: string }) => u.name)).toEqual(['Chipo Ncube']);
    expect((await get('/api/admin/users?q=712000111')).json().items).toHaveLength(1);
    expect((await get('/api/admin/users?q=%25')).json().items).toHaveLength(0);
    expect((await get('/api/admin/users?role=admin')).json().items.map((u: { id: string }) => u.id)).toEqual([admin.user.id]);
    expect((await get('/api/admin/users?active=false')).json().items).toHaveLength(0);
  });

  it('refuses bad query values with the field named', async () => {
    const res = await get('/api/admin/users?limit=500&role=king');
    expect(res.statusCode).toBe(400);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['query.limit', 'query.role']));
    const cursor = await get('/api/admin/users?cursor=garbage');
    expect(cursor.json().errors).toEqual([{ field: 'query.cursor', message: 'is not a cursor this API returned' }]);
  });

  it('shows one user with preferences and profile, 404 for an unknown id', async () => {
    const t = await registerUser(app);
    const res = await get(`/api/admin/users/${t.user.id}`);
    expect(res.json()).toMatchObject({ id: t.user.id, preferences: null, profile: { phone: '+263772123456' } });
    expect((await get('/api/admin/users/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get('/api/admin/users/not-a-uuid')).json().errors[0].field).toBe('params.id');
  });

  it('deactivation ends the user\'s tokens and sessions; reactivation lets them sign in again', async () => {
    const t = await registerUser(app);
    const off = await app.inject({ method: 'PATCH', url: `/api/admin/users/${t.user.id}`, headers: bearer(admin.accessToken), payload: { active: false } });
    expect(off.json().active).toBe(false);
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(t.accessToken) })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: t.refreshToken } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: t.user.email, password: t.password } })).statusCode).toBe(401);
    await app.inject({ method: 'PATCH', url: `/api/admin/users/${t.user.id}`, headers: bearer(admin.accessToken), payload: { active: true } });
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: t.user.email, password: t.password } })).statusCode).toBe(200);
  });

  it('an admin cannot demote or deactivate themselves', async () => {
    const res = await app.inject({ method: 'PATCH', url: `/api/admin/users/${admin.user.id}`, headers: bearer(admin.accessToken), payload: { active: false } });
    expect(res.statusCode).toBe(409);
    const empty = await app.inject({ method: 'PATCH', url: `/api/admin/users/${admin.user.id}`, headers: bearer(admin.accessToken), payload: {} });
    expect(empty.statusCode).toBe(400);
  });
});
