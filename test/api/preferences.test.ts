import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analyticsProfiles } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { bearer, registerUser, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let s: Session;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  s = await registerUser(app);
});
afterAll(() => app.close());

const valid = {
  categories: ['clothing-bales'],
  budget: { min: 5000, max: 50000, currency: 'USD' },
  preferredGroupSizes: ['medium', 'large'],
  purchaseFrequency: 'monthly',
};
const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, headers: bearer(s.accessToken), payload: payload as object });

describe('preferences', () => {
  it('is 404 until saved, then round-trips and re-segments the trader', async () => {
    expect((await app.inject({ url: '/api/users/me/preferences', headers: bearer(s.accessToken) })).statusCode).toBe(404);
    const saved = await put('/api/users/me/preferences', valid);
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual(valid);
    expect((await app.inject({ url: '/api/users/me/preferences', headers: bearer(s.accessToken) })).json()).toEqual(valid);
    const me = (await app.inject({ url: '/api/auth/me', headers: bearer(s.accessToken) })).json();
    expect(me.segment).toBe('mbare-musika:clothing:mid-budget');
    const [profile] = await app.ctx.db.select().from(analyticsProfiles).where(eq(analyticsProfiles.userId, s.user.id));
    expect(profile!.segment).toBe('mbare-musika:clothing:mid-budget');
  });

  it.each([
    ['an unknown category', { categories: ['guns'] }, 'body.categories.0'],
    ['a negative budget', { budget: { min: -1, max: 10, currency: 'USD' } }, 'body.budget.min'],
    ['an unknown currency', { budget: { min: 1, max: 10, currency: 'EUR' } }, 'body.budget.currency'],
    ['min above max', { budget: { min: 900, max: 10, currency: 'USD' } }, 'body.budget.min'],
    ['a fractional amount', { budget: { min: 1.5, max: 10, currency: 'USD' } }, 'body.budget.min'],
    ['a bad group size', { preferredGroupSizes: ['huge'] }, 'body.preferredGroupSizes.0'],
    ['a bad frequency', { purchaseFrequency: 'daily' }, 'body.purchaseFrequency'],
    ['a missing field', { purchaseFrequency: undefined }, 'body.purchaseFrequency'],
  ])('refuses %s', async (_n, change, field) => {
    const res = await put('/api/users/me/preferences', { ...valid, ...change });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await app.inject({ url: '/api/users/me/preferences', headers: bearer(s.accessToken) })).statusCode).toBe(404);
  });
});

describe('profile', () => {
  it('saves location, business type and experience, normalizing the phone', async () => {
    const res = await put('/api/users/me/profile', { name: 'Tendai M.', phone: '+263 71 222 3333', location: { market: 'Glen View' }, businessType: 'vendor', yearsOfExperience: 4 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'Tendai M.', phone: '+263712223333', location: { market: 'Glen View', city: 'Harare' }, businessType: 'vendor', yearsOfExperience: 4 });
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(s.accessToken) })).json().segment).toMatch(/^glen-view:/);
  });

  it.each([
    [{ yearsOfExperience: -2 }, 'body.yearsOfExperience'],
    [{ yearsOfExperience: '4' }, 'body.yearsOfExperience'],
    [{ businessType: 'pirate' }, 'body.businessType'],
    [{ phone: '+1 (555) 12' }, 'body.phone'],
    [{ location: {} }, 'body.location.market'],
  ])('refuses %j', async (change, field) => {
    const res = await put('/api/users/me/profile', { name: 'Tendai', phone: '0772123456', location: { market: 'Budiriro' }, ...change });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
