// The SDK's transport against tiny local servers, for what the real API cannot be made to do on
// demand: fail with 503, rate-limit, hang, reset connections.
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ConnectSphere, MemoryTokenStore, NetworkError, TimeoutError, VERSION } from '@connectsphere/sdk';
import { closedPort, json, problem, rejection, stubServer } from './stub-server.ts';

type Stub = Awaited<ReturnType<typeof stubServer>>;
let stub: Stub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const client = (url: string, options: Partial<ConstructorParameters<typeof ConnectSphere>[0]> = {}) =>
  new ConnectSphere({ baseUrl: url, retryDelayMs: 1, ...options });

const health = { status: 'ok', uptimeSeconds: 1, version: '0.1.0' };

describe('retries', () => {
  it('gives up on a GET to a port where nothing listens with a NetworkError', async () => {
    const port = await closedPort();
    const err = await rejection(client(`http://127.0.0.1:${port}`).system.health());
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toContain('ECONNREFUSED');
    expect((err as NetworkError).path).toBe('/health');
  });

  it('retries a GET on dropped connections, default 2 retries, then throws NetworkError', async () => {
    stub = await stubServer((_hit, _n, res) => res.socket?.destroy());
    const err = await rejection(client(stub.url).system.health());
    expect(err).toBeInstanceOf(NetworkError);
    expect(stub.hits).toHaveLength(3);
  });

  it('retries a GET after 503 and returns the 200 that follows', async () => {
    stub = await stubServer((_hit, n, res) => (n === 0 ? json(res, 503, problem(503, 'Unavailable')) : json(res, 200, health)));
    await expect(client(stub.url).system.health()).resolves.toEqual(health);
    expect(stub.hits.map((h) => h.method)).toEqual(['GET', 'GET']);
  });

  it.each([502, 504])('retries a GET after %i', async (status) => {
    stub = await stubServer((_hit, n, res) => (n === 0 ? json(res, status, problem(status, 'Gateway')) : json(res, 200, health)));
    await expect(client(stub.url).system.health()).resolves.toEqual(health);
    expect(stub.hits).toHaveLength(2);
  });

  it('throws the last ApiError once retries run out, describing a body that is not problem+json', async () => {
    stub = await stubServer((_hit, _n, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>down for maintenance</h1>'));
    const err = await rejection(client(stub.url, { retries: 1 }).system.health());
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
    expect((err as ApiError).problem).toEqual({ type: 'about:blank', title: 'HTTP 503', status: 503, detail: '<h1>down for maintenance</h1>' });
    expect(stub.hits).toHaveLength(2);
  });

  it('does not retry a POST without an Idempotency-Key on 503', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 503, problem(503, 'Unavailable')));
    const err = await rejection(client(stub.url).request('POST', '/api/things', { body: { a: 1 } }));
    expect((err as ApiError).status).toBe(503);
    expect(stub.hits).toHaveLength(1);
  });

  it('does not retry a POST without an Idempotency-Key on a dropped connection', async () => {
    stub = await stubServer((_hit, _n, res) => res.socket?.destroy());
    await expect(client(stub.url).request('POST', '/api/things', { body: {} })).rejects.toBeInstanceOf(NetworkError);
    expect(stub.hits).toHaveLength(1);
  });

  it('retries a POST with idempotencyKey: true, sending the same generated key each time', async () => {
    stub = await stubServer((_hit, n, res) => (n === 0 ? json(res, 503, problem(503, 'Unavailable')) : json(res, 201, { id: 'g1' })));
    await expect(client(stub.url).request('POST', '/api/things', { body: {}, idempotencyKey: true })).resolves.toEqual({ id: 'g1' });
    const keys = stub.hits.map((h) => h.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('retries a POST that carries its own Idempotency-Key header', async () => {
    stub = await stubServer((_hit, n, res) => (n === 0 ? json(res, 502, problem(502, 'Bad gateway')) : json(res, 200, {})));
    await client(stub.url).request('POST', '/api/things', { body: {}, headers: { 'Idempotency-Key': 'order-42' } });
    expect(stub.hits.map((h) => h.headers['idempotency-key'])).toEqual(['order-42', 'order-42']);
  });

  it('waits as long as Retry-After says on 429', async () => {
    stub = await stubServer((_hit, n, res) =>
      n === 0 ? json(res, 429, problem(429, 'Too many requests'), { 'retry-after': '1' }) : json(res, 200, health),
    );
    const started = Date.now();
    await expect(client(stub.url).system.health()).resolves.toEqual(health);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(stub.hits).toHaveLength(2);
  });

  it('does not wait out a Retry-After longer than maxRetryDelayMs: throws 429 with retryAfterSeconds', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 429, problem(429, 'Too many requests'), { 'retry-after': '900' }));
    const err = await rejection(client(stub.url).system.health());
    expect(err).toMatchObject({ status: 429, retryAfterSeconds: 900 });
    expect(stub.hits).toHaveLength(1);
  });

  it('does not retry a 500', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 500, problem(500, 'Internal server error')));
    await expect(client(stub.url).system.health()).rejects.toMatchObject({ status: 500 });
    expect(stub.hits).toHaveLength(1);
  });
});

describe('timeouts', () => {
  it('throws TimeoutError when a server never answers (retried like a network error for a GET)', async () => {
    stub = await stubServer(() => {});
    const started = Date.now();
    const err = await rejection(client(stub.url, { timeoutMs: 100, retries: 1 }).system.health());
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).timeoutMs).toBe(100);
    expect(stub.hits).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not retry a POST that timed out (it may have been applied)', async () => {
    stub = await stubServer(() => {});
    await expect(client(stub.url, { timeoutMs: 100 }).request('POST', '/api/things', { body: {} })).rejects.toBeInstanceOf(TimeoutError);
    expect(stub.hits).toHaveLength(1);
  });

  it('times out a response whose body never finishes', async () => {
    stub = await stubServer((_hit, _n, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    });
    await expect(client(stub.url, { timeoutMs: 150, retries: 0 }).system.health()).rejects.toBeInstanceOf(TimeoutError);
  });

  it("rejects with the caller's abort reason, not a TimeoutError, and does not retry", async () => {
    stub = await stubServer(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const err = await rejection(client(stub.url).request('GET', '/health', { signal: controller.signal }));
    expect((err as Error).message).toBe('user cancelled');
    expect(stub.hits).toHaveLength(1);
  });
});

describe('headers', () => {
  it('sends user-agent connectsphere-sdk/<version>, then the caller product, and one request id for every attempt', async () => {
    stub = await stubServer((_hit, n, res) => (n === 0 ? json(res, 503, problem(503, 'Unavailable')) : json(res, 200, health)));
    await client(stub.url, { userAgent: 'partner-app/2.0' }).system.health();
    expect(stub.hits[0]!.headers['user-agent']).toBe(`connectsphere-sdk/${VERSION} partner-app/2.0`);
    const ids = stub.hits.map((h) => h.headers['x-request-id']);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it('sends JSON bodies and query strings, leaving out undefined values', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 200, { items: [], nextCursor: null }));
    await client(stub.url).admin.users.list({ q: 'tendai', active: false, limit: 5, cursor: undefined });
    expect(stub.hits[0]!.url).toBe('/api/admin/users?q=tendai&active=false&limit=5');
    await client(stub.url).request('PUT', '/api/x', { body: { a: [1] } });
    expect(stub.hits[1]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(stub.hits[1]!.body)).toEqual({ a: [1] });
  });

  it('keeps a path prefix in baseUrl', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 200, health));
    await client(`${stub.url}/connectsphere/`).system.health();
    expect(stub.hits[0]!.url).toBe('/connectsphere/health');
  });
});

describe('system.ready', () => {
  it('returns the readiness report on 503 instead of throwing, without retrying', async () => {
    const notReady = { status: 'not_ready', components: { database: { status: 'down', detail: 'connection refused' } } };
    stub = await stubServer((_hit, _n, res) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(notReady)));
    await expect(client(stub.url).system.ready()).resolves.toEqual(notReady);
    expect(stub.hits).toHaveLength(1);
  });
});

describe('options', () => {
  it.each(['127.0.0.1:3000', 'ftp://example.org', ''])('refuses baseUrl %j with a ConnectSphereError', (baseUrl) => {
    expect(() => new ConnectSphere({ baseUrl })).toThrow(/baseUrl must be an http\(s\) URL/);
  });
});

describe('refresh against a failing server', () => {
  it('keeps the stored tokens when the refresh fails with a 5xx (the session may still be good)', async () => {
    stub = await stubServer((hit, _n, res) =>
      hit.url === '/api/auth/refresh' ? json(res, 500, problem(500, 'Internal server error')) : json(res, 401, problem(401, 'Unauthorized')),
    );
    const tokens = { accessToken: 'old-access', refreshToken: 'r'.repeat(43) };
    const store = new MemoryTokenStore(tokens);
    const err = await rejection(client(stub.url, { tokens: store }).auth.me());
    expect(err).toMatchObject({ status: 500, path: '/api/auth/refresh' });
    expect(store.get()).toEqual(tokens);
    expect(stub.hits.map((h) => `${h.method} ${h.url} ${h.headers.authorization ?? '-'}`)).toEqual([
      'GET /api/auth/me Bearer old-access',
      'POST /api/auth/refresh -',
    ]);
  });
});

// The browser build's transport (and anyone's `fetch` option), exercised here on Node's own fetch.
describe('with the fetch option instead of undici', () => {
  const viaFetch = (url: string) => client(url, { fetch: globalThis.fetch.bind(globalThis) });

  it('sends the same request and reads JSON, headers and problem+json errors', async () => {
    stub = await stubServer((hit, _n, res) =>
      hit.url === '/health' ? json(res, 200, health, { 'x-request-id': 'r-1' }) : json(res, 404, problem(404, 'Not Found')),
    );
    const seen: string[] = [];
    const cs = new ConnectSphere({ baseUrl: stub.url, fetch: globalThis.fetch.bind(globalThis), onResponse: (r) => seen.push(`${r.status} ${r.headers['x-request-id']}`) });
    await expect(cs.system.health()).resolves.toEqual(health);
    expect(stub.hits[0]!.headers['user-agent']).toBe(`connectsphere-sdk/${VERSION}`);
    expect(stub.hits[0]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual(['200 r-1']);
    const err = await rejection(cs.request('GET', '/nowhere'));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
  });

  it('turns fetch\'s bare TypeError for a refused connection into a NetworkError, retried like undici\'s', async () => {
    const port = await closedPort();
    const err = await rejection(viaFetch(`http://127.0.0.1:${port}`).system.health());
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toContain('ECONNREFUSED');
    stub = await stubServer((_hit, n, res) => (n < 2 ? res.socket?.destroy() : json(res, 200, health)));
    await expect(viaFetch(stub.url).system.health()).resolves.toEqual(health);
    expect(stub.hits).toHaveLength(3);
  });

  it('times out an attempt that gets no answer', async () => {
    stub = await stubServer(() => {});
    const err = await rejection(client(stub.url, { fetch: globalThis.fetch.bind(globalThis), timeoutMs: 100, retries: 0 }).system.health());
    expect(err).toBeInstanceOf(TimeoutError);
  });
});
