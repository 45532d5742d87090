// The signed-in user's own data and the system endpoints, through the SDK against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiError, ConnectSphere, type Preferences, type RegisterRequest } from '@connectsphere/sdk';
import { liveServer } from '../helpers/app.ts';
import { traderInput } from '../helpers/users.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(async () => {
  await app.close();
});

async function signedIn() {
  const cs = new ConnectSphere({ baseUrl: url });
  await cs.auth.register(traderInput() as RegisterRequest);
  return cs;
}

const grocer: Preferences = {
  categories: ['mealie-meal', 'cooking-oil', 'sugar'],
  budget: { min: 5000, max: 20000, currency: 'USD' },
  preferredGroupSizes: ['small', 'medium'],
  purchaseFrequency: 'weekly',
};

describe('users', () => {
  it('preferences are 404 until saved, then read back as saved', async () => {
    const cs = await signedIn();
    const err = await rejection(cs.users.getPreferences());
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    await expect(cs.users.updatePreferences(grocer)).resolves.toEqual(grocer);
    await expect(cs.users.getPreferences()).resolves.toEqual(grocer);
    expect((await cs.auth.me()).segment).toMatch(/^mbare-musika:groceries/);
  });

  it('a budget with min over max is a 400 naming body.budget.min', async () => {
    const cs = await signedIn();
    const err = await rejection(cs.users.updatePreferences({ ...grocer, budget: { min: 9000, max: 100, currency: 'USD' } }));
    expect((err as ApiError).problem.errors).toEqual([{ field: 'body.budget.min', message: 'must not be greater than budget.max' }]);
  });

  it('updates and reads the profile', async () => {
    const cs = await signedIn();
    const profile = await cs.users.updateProfile({
      name: 'Rudo Chikore',
      phone: '0773 555 123',
      location: { market: 'Glen View', city: 'Harare' },
      businessType: 'tuckshop',
      yearsOfExperience: 4,
    });
    expect(profile).toEqual({
      name: 'Rudo Chikore',
      phone: '+263773555123',
      location: { market: 'Glen View', city: 'Harare' },
      businessType: 'tuckshop',
      yearsOfExperience: 4,
    });
    await expect(cs.users.getProfile()).resolves.toEqual(profile);
  });
});

describe('system', () => {
  it('health, readiness and the signing keys need no sign-in', async () => {
    const cs = new ConnectSphere({ baseUrl: url });
    await expect(cs.system.health()).resolves.toMatchObject({ status: 'ok', version: '0.1.0' });
    const ready = await cs.system.ready();
    expect(ready.status).toBe('ready');
    expect(ready.components.database?.status).toBe('up');
    const jwks = await cs.system.jwks();
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).toHaveProperty('kid');
  });

  it('request() reaches any operation with the stored session', async () => {
    const cs = await signedIn();
    const me = (await cs.request('GET', '/api/auth/me')) as { email: string };
    expect(me.email).toMatch(/@example\.co\.zw$/);
    await expect(cs.request('GET', '/api/nowhere')).rejects.toMatchObject({ status: 404, problem: { title: 'Not found' } });
    await expect(cs.request('GET', '/metrics', { auth: false })).resolves.toContain('# HELP');
  });
});
