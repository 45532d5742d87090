import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { bearer, registerUser, userWithRole, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(() => resetDatabase(app.ctx.database));
afterAll(() => app.close());

const roles = ['trader', 'supplier', 'staff', 'admin'] as const;

describe('role boundaries', () => {
  // Every operation with x-roles in openapi.yaml, and one request that reaches it.
  const adminOnly = (target: string) => [
    { method: 'GET' as const, url: '/api/admin/users' },
    { method: 'GET' as const, url: `/api/admin/users/${target}` },
    { method: 'PATCH' as const, url: `/api/admin/users/${target}`, payload: { role: 'trader' } },
    { method: 'GET' as const, url: `/api/admin/users/${target}/pickup-points` },
    { method: 'PUT' as const, url: `/api/admin/users/${target}/pickup-points`, payload: { pickupPointIds: [] } },
  ];

  it.each(roles)('a %s gets the admin user endpoints only when admin', async (role) => {
    const target = await registerUser(app);
    const caller = await userWithRole(app, role);
    for (const req of adminOnly(target.user.id)) {
      const res = await app.inject({ ...req, headers: bearer(caller.accessToken) });
      if (role === 'admin') expect(res.statusCode, `${req.method} ${req.url}`).toBe(200);
      else {
        expect(res.statusCode, `${req.method} ${req.url}`).toBe(403);
        expect(res.json().detail).toBe(`This needs the role admin; you are ${role}`);
      }
    }
  });

  it.each(roles)('a %s may use their own profile and preferences', async (role) => {
    const caller = await userWithRole(app, role);
    for (const url of ['/api/auth/me', '/api/users/me/profile']) {
      expect((await app.inject({ url, headers: bearer(caller.accessToken) })).statusCode).toBe(200);
    }
  });

  it('without a token every secured endpoint is 401, never 403', async () => {
    for (const url of ['/api/auth/me', '/api/users/me/preferences', '/api/users/me/profile', '/api/admin/users']) {
      expect((await app.inject({ url })).statusCode, url).toBe(401);
    }
  });

  it('a role change applies to existing tokens at once', async () => {
    const admin = await userWithRole(app, 'admin');
    const trader: Session = await registerUser(app);
    expect((await app.inject({ url: '/api/admin/users', headers: bearer(trader.accessToken) })).statusCode).toBe(403);
    const promote = await app.inject({ method: 'PATCH', url: `/api/admin/users/${trader.user.id}`, headers: bearer(admin.accessToken), payload: { role: 'admin' } });
    expect(promote.json().role).toBe('admin');
    expect((await app.inject({ url: '/api/admin/users', headers: bearer(trader.accessToken) })).statusCode).toBe(200);
  });
});
