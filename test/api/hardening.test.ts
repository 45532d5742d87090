import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { freshApp } from '../helpers/app.ts';
import { bearer, registerUser } from '../helpers/users.ts';

// Security headers (helmet), the CORS allow-list and load shedding (under-pressure), on the real app.
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const partner = 'https://app.partner.co.zw';

describe('security headers', () => {
  it('puts API headers on JSON answers: nothing loads, nothing frames, no sniffing', async () => {
    app = await freshApp();
    const res = await app.inject({ url: '/health' });
    expect(res.headers['content-security-policy']).toBe("default-src 'none';style-src 'unsafe-inline';img-src 'self' data:;base-uri 'none';frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
    // Problems carry them too.
    expect((await app.inject({ url: '/api/auth/me' })).headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives the Swagger UI page a policy that lets its own scripts and styles run, over plain http too', async () => {
    app = await freshApp();
    const docs = await app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/style-src 'self'/);
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).not.toContain('validator.swagger.io');
    // Every script the page loads is its own (allowed by 'self').
    const scripts = [...docs.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).not.toMatch(/^https?:/);
    const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain('validatorUrl');
  });
});

describe('CORS', () => {
  it('allows the configured origins, with preflight for Authorization and Idempotency-Key', async () => {
    app = await freshApp({ CORS_ORIGINS: `${partner},http://localhost:5173` });
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/groups/00000000-0000-4000-8000-000000000000/join',
      headers: { origin: partner, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(partner);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase().split(/, */)).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    const s = await registerUser(app);
    const me = await app.inject({ url: '/api/auth/me', headers: { origin: partner, ...bearer(s.accessToken) } });
    expect(me.statusCode).toBe(200);
    expect(me.headers['access-control-allow-origin']).toBe(partner);
    expect(String(me.headers['access-control-expose-headers'])).toContain('Retry-After');
    expect(me.headers.vary).toContain('Origin');
  });

  it('gives other origins no CORS headers, so browsers refuse them', async () => {
    app = await freshApp({ CORS_ORIGINS: partner });
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/auth/me',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const plain = await app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows no origin at all by default', async () => {
    app = await freshApp();
    const res = await app.inject({ url: '/health', headers: { origin: partner } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('load shedding', () => {
  it('answers 503 problem+json with Retry-After while the process is past a threshold', async () => {
    // A heap ceiling of 1 MB: the first sample (after a second) finds the process past it.
    app = await freshApp({ LOAD_SHED_MAX_HEAP_USED_MB: '1', LOAD_SHED_RETRY_AFTER_SECONDS: '7' });
    await new Promise((r) => setTimeout(r, 1500));
    const res = await app.inject({ url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toMatchObject({ status: 503, title: 'Service overloaded', detail: expect.stringContaining('heapUsedBytes') });
  });

  it('serves normally under the default thresholds', async () => {
    app = await freshApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '1000' });
    await new Promise((r) => setTimeout(r, 1200));
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(200);
  });
});
