import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshApp } from '../helpers/app.ts';
import { registerUser } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp({ NOT_FOUND_MAX_PER_MINUTE: '3', LOGIN_MAX_PER_ACCOUNT_ADDRESS: '3', LOGIN_MAX_PER_ADDRESS: '5' });
});
afterAll(() => app.close());

describe('operations endpoints', () => {
  it('reports liveness and readiness with component status', async () => {
    expect((await app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok', version: '0.1.0' });
    const ready = await app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      components: {
        database: { status: 'up', detail: app.ctx.database.kind },
        migrations: { status: 'up', detail: expect.stringMatching(/^\d+ applied, 0 pending$/) },
      },
    });
  });

  it('exposes request metrics in Prometheus format, labelled by route pattern', async () => {
    await app.inject({ url: '/health' });
    const res = await app.inject({ url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
  });

  it('serves the contract as JSON and YAML and browsable docs', async () => {
    const json = await app.inject({ url: '/openapi.json' });
    expect(json.statusCode).toBe(200);
    expect(JSON.parse(json.body).openapi).toBe('3.1.0');
    expect(YAML.parse((await app.inject({ url: '/openapi.yaml' })).body).info.title).toBe('ConnectSphere API');
    const docs = await app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('puts a request id on every response, keeping a sane one the caller sent', async () => {
    const own = await app.inject({ url: '/health', headers: { 'x-request-id': 'partner-abc.123' } });
    expect(own.headers['x-request-id']).toBe('partner-abc.123');
    const evil = await app.inject({ url: '/health', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(evil.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await app.inject({ url: '/api/auth/me' });
    expect(problem.json().requestId).toBe(problem.headers['x-request-id']);
  });

  it('answers unknown routes with a 404 problem, rate-limited per address', async () => {
    const res = await app.inject({ url: '/wp-admin.php' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    let last = res;
    for (let i = 0; i < 4; i++) last = await app.inject({ url: `/probe-${i}` });
    expect(last.statusCode).toBe(429);
    expect(last.headers['retry-after']).toBeDefined();
  });

  it('rate-limits sign-in attempts per account', async () => {
    const s = await registerUser(app);
    const attempt = () => app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.user.email, password: 'wrong-guess-1' } });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ status: 429, title: 'Too many requests' });
  });

  it('rate-limits sign-in attempts per address across accounts', async () => {
    let last;
    for (let i = 0; i < 6; i++) {
      last = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', payload: { email: `spray${i}@example.co.zw`, password: 'guess-123456' } });
    }
    expect(last!.statusCode).toBe(429);
    const other = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.10', payload: { email: 'spray0@example.co.zw', password: 'guess-123456' } });
    expect(other.statusCode).toBe(401);
  });
});
