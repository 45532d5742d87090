import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { analyticsProfiles, notifications, users } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { bearer, registerUser, traderInput } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
});
afterAll(() => app.close());

describe('registration', () => {
  it('creates a trader with E.164 phone, segment, analytics profile and a queued welcome', async () => {
    const input = traderInput({
      phone: '0772 123 456',
      preferences: {
        categories: ['mealie-meal', 'cooking-oil'],
        budget: { min: 1000, max: 15000, currency: 'USD' },
        preferredGroupSizes: ['small'],
        purchaseFrequency: 'weekly',
      },
    });
    const res = await app.inject({ method: 'POST', url: '/api/auth/register', payload: input });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({ email: input.email, phone: '+263772123456', role: 'trader', active: true, segment: 'mbare-musika:groceries:small-budget' });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(body.tokenType).toBe('Bearer');
    const [row] = await app.ctx.db.select().from(users).where(eq(users.id, body.user.id));
    expect(row!.passwordHash.startsWith('$argon2id$')).toBe(true);
    const [profile] = await app.ctx.db.select().from(analyticsProfiles).where(eq(analyticsProfiles.userId, body.user.id));
    expect(profile!.segment).toBe('mbare-musika:groceries:small-budget');
    const queued = await app.ctx.db.select().from(notifications).where(eq(notifications.userId, body.user.id));
    expect(queued.map((n) => `${n.channel}:${n.template}:${n.status}`).sort()).toEqual(['email:welcome:queued', 'sms:welcome:queued']);
  });

  it.each([
    ['a missing field', { email: undefined }, 'body.email', 'is required'],
    ['a bad email', { email: 'not-an-email' }, 'body.email', 'must match format "email"'],
    ['a short password', { password: 'short1' }, 'body.password', 'must NOT have fewer than 10 characters'],
    ['a password without digits', { password: 'onlyletters-here' }, 'body.password', 'must contain at least one letter and one digit'],
    ['a common password', { password: 'password123' }, 'body.password', 'is too common'],
    ['a wrong type', { name: 42 }, 'body.name', 'must be string'],
    ['a number passed as text', { location: { market: 7 } }, 'body.location.market', 'must be string'],
    ['an unknown field', { role: 'admin' }, 'body.role', 'is not an allowed field'],
    ['a bad phone', { phone: '12345' }, 'body.phone', 'must NOT have fewer than 7 characters'],
    ['a non-Zimbabwean-length local number', { phone: '0772 123' }, 'body.phone', 'is not a valid Zimbabwean number (+263 and 9 digits)'],
  ])('refuses %s with problem+json naming the field', async (_name, override, field, message) => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/register', payload: traderInput(override) });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, title: 'Validation failed' });
    expect(problem.errors).toContainEqual({ field, message });
    expect(await app.ctx.db.select().from(users)).toHaveLength(0);
  });

  it('refuses a duplicate email (any case) with 409 and writes nothing', async () => {
    const first = await registerUser(app);
    const res = await app.inject({ method: 'POST', url: '/api/auth/register', payload: traderInput({ email: first.user.email.toUpperCase() }) });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors).toEqual([{ field: 'body.email', message: 'is already registered' }]);
    expect(await app.ctx.db.select().from(users)).toHaveLength(1);
    expect(await app.ctx.db.select().from(notifications)).toHaveLength(2);
  });

  it('refuses a budget whose minimum exceeds its maximum', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: traderInput({ preferences: { categories: [], budget: { min: 500, max: 100, currency: 'USD' }, preferredGroupSizes: [], purchaseFrequency: 'weekly' } }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('body.preferences.budget.min');
  });

  it('answers malformed JSON and oversize bodies with problems', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/auth/register', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const huge = await app.inject({ method: 'POST', url: '/api/auth/register', payload: traderInput({ name: 'x'.repeat(200_000) }) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ status: 413, title: 'Payload too large' });
  });
});

describe('sign-in and sessions', () => {
  it('logs in, reads me, and rejects a wrong password with 401', async () => {
    const s = await registerUser(app);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.user.email.toUpperCase(), password: s.password } });
    expect(login.statusCode).toBe(200);
    const me = await app.inject({ url: '/api/auth/me', headers: bearer(login.json().accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: s.user.id, email: s.user.email });
    const wrong = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.user.email, password: 'wrong-password-1' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().detail).toBe('Wrong email or password');
    const nobody = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@example.co.zw', password: 'whatever-123' } });
    expect(nobody.statusCode).toBe(401);
    expect(nobody.json().detail).toBe('Wrong email or password');
  });

  it('rotates refresh tokens and revokes the family when a used one is replayed', async () => {
    const s = await registerUser(app);
    const first = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: s.refreshToken } });
    expect(first.statusCode).toBe(200);
    const rotated = first.json().refreshToken as string;
    expect(rotated).not.toBe(s.refreshToken);
    // The old token again: a replay. It fails, and so does the newer token of the same family.
    const replay = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: s.refreshToken } });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().detail).toMatch(/already used/);
    const afterRevocation = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: rotated } });
    expect(afterRevocation.statusCode).toBe(401);
  });

  it('logout revokes the session', async () => {
    const s = await registerUser(app);
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', payload: { refreshToken: s.refreshToken } });
    expect(out.statusCode).toBe(204);
    const res = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: s.refreshToken } });
    expect(res.statusCode).toBe(401);
  });
});
