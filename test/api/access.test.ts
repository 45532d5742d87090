import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../api/modules/auth/login-throttle.ts';
import { freshApp } from '../helpers/app.ts';
import { registerUser, traderInput } from '../helpers/users.ts';

// Who the client is (TRUST_PROXY), sign-in lockout that others cannot turn against the owner,
// registration limits and token responses kept out of caches.
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const login = (a: FastifyInstance, email: string, password: string, from: { remoteAddress?: string; forwardedFor?: string } = {}) =>
  a.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: from.remoteAddress,
    headers: from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {},
    payload: { email, password },
  });

describe('the client address (TRUST_PROXY)', () => {
  it('ignores a forged X-Forwarded-For by default: the per-address limit still counts the socket peer', async () => {
    app = await freshApp({ LOGIN_MAX_PER_ADDRESS: '3' });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await login(app, `spray${i}@example.co.zw`, 'guess-123456', { forwardedFor: `203.0.113.${i + 1}` })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it('with TRUST_PROXY naming the proxy, takes the address the proxy forwards (and ignores it from anyone else)', async () => {
    app = await freshApp({ LOGIN_MAX_PER_ADDRESS: '3', TRUST_PROXY: '127.0.0.1,10.8.0.0/16' });
    const viaProxy = [];
    for (let i = 0; i < 4; i++) viaProxy.push((await login(app, `spray${i}@example.co.zw`, 'guess-123456', { forwardedFor: `203.0.113.${i + 1}` })).statusCode);
    expect(viaProxy).toEqual([401, 401, 401, 401]);
    // A client that is not a listed proxy cannot pick its address.
    const direct = [];
    for (let i = 0; i < 4; i++) direct.push((await login(app, `spray${i}@example.co.zw`, 'guess-123456', { remoteAddress: '198.51.100.7', forwardedFor: `203.0.113.${i + 50}` })).statusCode);
    expect(direct).toEqual([401, 401, 401, 429]);
  });

  it('with a hop count, takes the address the nearest proxy appended', async () => {
    app = await freshApp({ LOGIN_MAX_PER_ADDRESS: '2', TRUST_PROXY: '1' });
    // The client wrote "1.1.1.1"; the proxy appended the real peer 203.0.113.9: that is who counts.
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await login(app, 'x@example.co.zw', 'guess-123456', { forwardedFor: `1.1.1.${i}, 203.0.113.9` })).statusCode);
    expect(codes).toEqual([401, 401, 429]);
  });
});

describe('sign-in lockout', () => {
  it('lets the owner sign in at their own address while an attacker hammers the account from others', async () => {
    app = await freshApp({ LOGIN_MAX_PER_ACCOUNT_ADDRESS: '5', LOGIN_MAX_PER_ACCOUNT: '30', LOGIN_MAX_PER_ADDRESS: '1000' });
    const owner = await registerUser(app);
    // Six attacker addresses, five wrong passwords each (30 failures: the per-account ceiling).
    for (let a = 1; a <= 6; a++) {
      for (let i = 0; i < 5; i++) expect((await login(app, owner.user.email, `wrong-guess-${i}`, { remoteAddress: `10.0.0.${a}` })).statusCode).toBe(401);
      const locked = await login(app, owner.user.email, owner.password, { remoteAddress: `10.0.0.${a}` });
      expect(locked.statusCode).toBe(429);
      expect(locked.headers['content-type']).toMatch(/problem\+json/);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    }
    const mine = await login(app, owner.user.email, owner.password, { remoteAddress: '10.1.1.1' });
    expect(mine.statusCode).toBe(200);

    // Past the per-account ceiling every other address gets a single failure before it waits...
    expect((await login(app, owner.user.email, 'wrong-guess-x', { remoteAddress: '10.0.0.7' })).statusCode).toBe(401);
    expect((await login(app, owner.user.email, owner.password, { remoteAddress: '10.0.0.7' })).statusCode).toBe(429);
    // ...and the owner, who has not failed there, still signs in.
    expect((await login(app, owner.user.email, owner.password, { remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
  });

  it('counts only failures, and a correct password clears its address', async () => {
    app = await freshApp({ LOGIN_MAX_PER_ACCOUNT_ADDRESS: '3', LOGIN_MAX_PER_ADDRESS: '1000' });
    const owner = await registerUser(app);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) expect((await login(app, owner.user.email, 'wrong-guess-1')).statusCode).toBe(401);
      expect((await login(app, owner.user.email, owner.password)).statusCode).toBe(200);
    }
  });

  it('doubles each repeated lockout of an account and address (backoff), up to a day', () => {
    let now = 0;
    const throttle = new LoginThrottle({ perAccountAddress: 2, perAccount: 100, windowSeconds: 60 }, () => now);
    const lockFor = () => {
      throttle.failed('a@x', '10.0.0.1');
      throttle.failed('a@x', '10.0.0.1');
      return throttle.retryAfter('a@x', '10.0.0.1');
    };
    const waits = [];
    for (let i = 0; i < 12; i++) {
      const wait = lockFor();
      waits.push(wait);
      now += wait * 1000;
      expect(throttle.retryAfter('a@x', '10.0.0.1')).toBe(0);
    }
    expect(waits.slice(0, 6)).toEqual([60, 120, 240, 480, 960, 1920]);
    expect(Math.max(...waits)).toBe(86_400);
    // Another address for the same account is untouched.
    expect(throttle.retryAfter('a@x', '10.0.0.2')).toBe(0);
  });
});

describe('registration limit', () => {
  it('allows REGISTER_MAX_PER_ADDRESS registrations per address, then a 429 problem with Retry-After that creates nothing', async () => {
    app = await freshApp({ REGISTER_MAX_PER_ADDRESS: '3' });
    const register = (remoteAddress: string, input = traderInput()) =>
      app!.inject({ method: 'POST', url: '/api/auth/register', remoteAddress, payload: input });
    for (let i = 0; i < 3; i++) expect((await register('10.3.3.3')).statusCode).toBe(201);
    const extra = traderInput();
    const refused = await register('10.3.3.3', extra);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(app, extra.email, extra.password, { remoteAddress: '10.3.3.4' })).statusCode).toBe(401);
    expect((await register('10.3.3.4')).statusCode).toBe(201);
  });
});

describe('token responses', () => {
  it('are marked Cache-Control: no-store on register, login and refresh', async () => {
    app = await freshApp();
    const input = traderInput();
    const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: input });
    const signIn = await login(app, input.email, input.password);
    const refreshed = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: signIn.json().refreshToken } });
    for (const res of [reg, signIn, refreshed]) {
      expect(res.statusCode).toBeLessThan(300);
      expect(res.json().accessToken).toBeTruthy();
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
    }
  });
});
