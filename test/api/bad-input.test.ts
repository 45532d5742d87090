import net from 'node:net';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, logOptions } from '../../api/app.ts';
import { signAccessToken } from '../../api/modules/auth/tokens.ts';
import { freshApp, liveServer, testContext } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, traderInput, type Session } from '../helpers/users.ts';

// Requests that once answered 500 (or a problem of the wrong shape), found by probing from outside.

let app: FastifyInstance;
let m: Market;
let admin: Session;
let supplierId: string;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  m = await market(app);
  admin = m.admin;
  supplierId = (await app.inject({ url: `/api/products/${m.productId}`, headers: bearer(admin.accessToken) })).json().supplierId;
});
afterAll(() => app.close());

type ProblemBody = { type: string; title: string; status: number; errors?: { field: string; message: string }[] };

function expectValidation(res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, field: string) {
  expect(res.statusCode).toBe(400);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = res.json() as ProblemBody;
  expect(body.type).toBe('https://connectsphere.dev/problems/validation');
  expect(body.title).toBe('Validation failed');
  expect(body.errors?.map((e) => e.field)).toContain(field);
  return body;
}

const productBody = (over: Record<string, unknown> = {}) => ({
  supplierId,
  sku: `SKU-${Math.random().toString(36).slice(2)}`,
  name: 'Sugar 2 kg',
  description: 'White sugar',
  category: 'sugar',
  unit: 'pack',
  unitPrice: 290,
  stock: 10,
  ...over,
});

describe('NUL and lone surrogates in strings', () => {
  it('a NUL in a body field is a 400 naming the field', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/register', payload: traderInput({ name: 'a\u0000b' }) });
    const body = expectValidation(res, 'body.name');
    expect(body.errors![0]!.message).toMatch(/NUL/);
  });

  it('a NUL in a query is a 400 naming the parameter', async () => {
    const t = await trader(app);
    expectValidation(await app.inject({ url: '/api/products?q=%00', headers: bearer(t.accessToken) }), 'query.q');
    expectValidation(await app.inject({ url: '/api/admin/users?q=a%00b', headers: bearer(admin.accessToken) }), 'query.q');
  });

  it('a NUL in a path parameter is a 400 naming it', async () => {
    expectValidation(await app.inject({ url: '/api/payments/sandbox/checkout/a%00b' }), 'params.txRef');
  });

  it('a webhook body with a lone surrogate or a NUL is a 400 problem (it would be stored as jsonb)', async () => {
    for (const payload of ['{"event":"charge.completed","data":{"tx_ref":"\\ud800"}}', '{"event":"charge.completed","data":{"tx_ref":"a\\u0000b"}}']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/payments/webhook/flutterwave',
        headers: { 'content-type': 'application/json', 'verif-hash': 'x' },
        payload,
      });
      expectValidation(res, 'body.data.tx_ref');
    }
  });
});

describe('integers past their column', () => {
  it('stock past int4 is a 400 naming body.stock', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/products', headers: bearer(admin.accessToken), payload: productBody({ stock: 2147483648 }) });
    expectValidation(res, 'body.stock');
  });

  it('a maxQuantity past the largest safe integer is a 400 naming body.maxQuantity', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/groups',
      headers: { ...bearer(admin.accessToken), 'content-type': 'application/json' },
      // Written as text: JSON.stringify would round it to 9007199254740992 first.
      payload: `{"productId":"${m.productId}","moq":10,"maxQuantity":9007199254740993,"deadline":"${new Date(Date.now() + 86_400_000).toISOString()}","pickupPointIds":["${m.pointIds[0]}"]}`,
    });
    expectValidation(res, 'body.maxQuantity');
  });

  it('minPrice=1e23 is a 400 naming query.minPrice', async () => {
    const t = await trader(app);
    expectValidation(await app.inject({ url: '/api/products?minPrice=1e23', headers: bearer(t.accessToken) }), 'query.minPrice');
    expectValidation(await app.inject({ url: '/api/groups?maxPrice=2147483648', headers: bearer(t.accessToken) }), 'query.maxPrice');
  });
});

describe('tokens', () => {
  it('a validly signed access token whose sub is not a user id is a 401, not a 500', async () => {
    const token = await signAccessToken(app.ctx.keys, app.ctx.config, { sub: 'not-a-uuid', role: 'admin' });
    const res = await app.inject({ url: '/api/auth/me', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  });
});

describe('problem shapes', () => {
  it('malformed JSON is the validation problem, naming body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expectValidation(res, 'body');
  });

  it('a __proto__ body is the validation problem, naming body', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":"a@b.co","password":"x","__proto__":{"admin":true}}',
    });
    expectValidation(res, 'body');
  });

  it('a JSON operation refuses a form body with 415; the sandbox checkout form still takes one', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40b.co&password=secret-password',
    });
    expect(res.statusCode).toBe(415);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect((res.json() as ProblemBody).type).toBe('https://connectsphere.dev/problems/unsupported-media-type');
    // The form operation: refused for its unknown checkout (404), not for its media type.
    const form = await app.inject({
      method: 'POST',
      url: '/api/payments/sandbox/checkout/cs-nothing',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'action=pay',
    });
    expect(form.statusCode).toBe(404);
  });

  it('a header with a control character gets problem+json, not Fastify’s plain JSON', async () => {
    const live = await liveServer();
    try {
      const { port } = new URL(live.url);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\u0001b\r\n\r\n');
      });
      const [head, body] = raw.split('\r\n\r\n') as [string, string];
      expect(head).toMatch(/^HTTP\/1\.1 400/);
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      const problem = JSON.parse(body) as ProblemBody;
      expect(problem.type).toBe('https://connectsphere.dev/problems/validation');
      expect(problem.errors?.[0]?.field).toBe('headers');
    } finally {
      await live.app.close();
    }
  });
});

describe('logs', () => {
  it('a failed insert does not write its parameters (hash, email, phone) to the error log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const ctx = await testContext();
    const logged = await buildApp(ctx, logOptions('info', sink));
    await logged.ready();
    // A constraint no row meets: the registration's insert fails inside the database, as an
    // unexpected error would (not the unique-email conflict the service expects).
    await ctx.db.execute(sql`alter table users add constraint users_never check (length(email) < 0) not valid`);
    try {
      const input = traderInput({ email: 'secret.trader@example.co.zw', phone: '0772987654' });
      const res = await logged.inject({ method: 'POST', url: '/api/auth/register', payload: input });
      expect(res.statusCode).toBe(500);
      const errors = lines.map((l) => JSON.parse(l) as { level: number; err?: { query?: string; params?: unknown } }).filter((l) => l.level >= 50);
      expect(errors.length).toBeGreaterThan(0);
      // The query itself is still there (it names the table and columns, never the values)...
      expect(errors[0]!.err?.query).toMatch(/^insert into "users"/);
      expect(errors[0]!.err?.params).toBe('[redacted]');
      const text = lines.join('\n');
      // ...its values are not: not the email, not the phone (as stored, +263...), not the hash.
      expect(text).not.toContain('secret.trader@example.co.zw');
      expect(text).not.toContain('772987654');
      expect(text).not.toContain('$argon2id$');
      expect(text).not.toContain(input.password);
    } finally {
      await ctx.db.execute(sql`alter table users drop constraint users_never`);
      await logged.close();
    }
  });
});

describe('the sandbox checkout page', () => {
  it('shows the payer the item, quantity, goods, fee and total, and not the trader’s email', async () => {
    const groupId = (await openGroup(app, m)).id;
    const t = await trader(app);
    const c = (await app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: bearer(t.accessToken), payload: { quantity: 3 } })).json();
    const p = (await app.inject({ method: 'POST', url: '/api/payments/initialize', headers: bearer(t.accessToken), payload: { contributionId: c.id } })).json();
    const page = await app.inject({ url: new URL(p.checkoutUrl, 'http://x').pathname });
    expect(page.statusCode).toBe(200);
    const group = (await app.inject({ url: `/api/groups/${groupId}`, headers: bearer(t.accessToken) })).json();
    expect(page.body).toContain(group.title);
    expect(page.body).toMatch(/Quantity<\/dt><dd>3 /);
    const money = (minor: number) => `${p.currency} ${(minor / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
    expect(page.body).toContain(money(p.goodsAmount));
    expect(page.body).toContain(money(p.feeAmount));
    expect(page.body).toContain(money(p.totalAmount));
    expect(page.body).not.toContain(t.user.email);
    expect(page.body).not.toMatch(/@/);
  });
});
