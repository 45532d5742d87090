import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, domainEvents, supplierOrders } from '../../api/db/schema.ts';
import { hashApiKey } from '../../api/modules/api-keys/keys.ts';
import { freshApp } from '../helpers/app.ts';
import { fundedOrderGroup, orderMarket } from '../helpers/orders.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer, registerUser } from '../helpers/users.ts';

let app: FastifyInstance;
let msasa: SupplierOrg;
let southerton: SupplierOrg;

async function createKey(org: SupplierOrg, scopes: string[], name = 'script') {
  const res = await app.inject({ method: 'POST', url: '/api/supplier/keys', headers: bearer(org.owner.accessToken), payload: { name, scopes } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; key: string; prefix: string; scopes: string[]; lastUsedAt: string | null };
}

const getOrg = (token: string) => app.inject({ method: 'GET', url: '/api/supplier/organisation', headers: bearer(token) });

beforeAll(async () => {
  app = await freshApp();
  msasa = await supplierOrganisation(app);
  southerton = await supplierOrganisation(app, { admin: msasa.admin });
});
afterAll(() => app.close());

describe('API keys', () => {
  it('are shown once, stored as their SHA-256, and act for their own organisation', async () => {
    const created = await createKey(msasa, ['catalog:read']);
    expect(created.key).toMatch(/^csk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const [row] = await app.ctx.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row!.keyHash).toBe(hashApiKey(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);

    const list = await app.inject({ method: 'GET', url: '/api/supplier/keys', headers: bearer(msasa.owner.accessToken) });
    expect(list.statusCode).toBe(200);
    const listed = list.json().items.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ prefix: created.prefix, scopes: ['catalog:read'], revokedAt: null });
    expect(list.body).not.toContain(created.key);

    const res = await getOrg(created.key);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().id).toBe(msasa.id);
  });

  it('record when they were last used, writing it at most once a minute', async () => {
    const created = await createKey(msasa, ['catalog:read']);
    expect(created.lastUsedAt).toBeNull();
    expect((await getOrg(created.key)).statusCode).toBe(200);
    const [first] = await app.ctx.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(first!.lastUsedAt).toBeInstanceOf(Date);
    expect((await getOrg(created.key)).statusCode).toBe(200);
    const [second] = await app.ctx.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(second!.lastUsedAt!.getTime()).toBe(first!.lastUsedAt!.getTime());
    // A minute later (moved back in the database) it is written again.
    await app.ctx.db.update(apiKeys).set({ lastUsedAt: new Date(Date.now() - 61_000) }).where(eq(apiKeys.id, created.id));
    expect((await getOrg(created.key)).statusCode).toBe(200);
    const [third] = await app.ctx.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(Date.now() - third!.lastUsedAt!.getTime()).toBeLessThan(30_000);
    const list = await app.inject({ method: 'GET', url: '/api/supplier/keys', headers: bearer(msasa.owner.accessToken) });
    expect(list.json().items.find((k: { id: string }) => k.id === created.id).lastUsedAt).toBe(third!.lastUsedAt!.toISOString());
  });

  it('are refused from the request after they are revoked', async () => {
    const created = await createKey(msasa, ['catalog:read']);
    expect((await getOrg(created.key)).statusCode).toBe(200);
    const revoke = await app.inject({ method: 'DELETE', url: `/api/supplier/keys/${created.id}`, headers: bearer(msasa.owner.accessToken) });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(revoke.json().revokedAt).not.toBeNull();
    const refused = await getOrg(created.key);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json().detail).toMatch(/revoked/);
    // Revoking again changes nothing.
    const again = await app.inject({ method: 'DELETE', url: `/api/supplier/keys/${created.id}`, headers: bearer(msasa.owner.accessToken) });
    expect(again.json().revokedAt).toBe(revoke.json().revokedAt);
  });

  it('refuse unknown keys with a 401', async () => {
    const res = await getOrg(`csk_${'x'.repeat(43)}`);
    expect(res.statusCode).toBe(401);
  });

  it('refuse operations outside their scopes with a 403 naming the missing scope', async () => {
    const orders = await createKey(msasa, ['orders:read']);
    const res = await getOrg(orders.key);
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toContain('catalog:read');
    // catalog:write includes catalog:read; it does not include writing products for a read key.
    const writer = await createKey(msasa, ['catalog:write']);
    expect((await getOrg(writer.key)).statusCode).toBe(200);
    const reader = await createKey(msasa, ['catalog:read']);
    const post = await app.inject({
      method: 'POST',
      url: '/api/supplier/products',
      headers: bearer(reader.key),
      payload: { sku: `KEY-${process.pid}`, name: 'Rice', description: '', category: 'rice', unit: '10 kg', unitPrice: 1100, stock: 1 },
    });
    expect(post.statusCode).toBe(403);
    expect(post.json().detail).toContain('catalog:write');
  });

  it('are refused on operations that declare no x-scopes (managing keys, the organisation, anything else)', async () => {
    const all = await createKey(msasa, ['catalog:read', 'catalog:write', 'orders:read', 'orders:write', 'invoices:read', 'webhooks:write']);
    for (const [method, url, payload] of [
      ['GET', '/api/supplier/keys', undefined],
      ['POST', '/api/supplier/keys', { name: 'escalate', scopes: ['catalog:read'] }],
      ['DELETE', `/api/supplier/keys/${all.id}`, undefined],
      ['PATCH', '/api/supplier/organisation', { name: 'Renamed by a script' }],
      ['GET', '/api/supplier/members', undefined],
      ['GET', '/api/auth/me', undefined],
      ['GET', '/api/groups', undefined],
      ['GET', '/api/admin/suppliers', undefined],
    ] as const) {
      const res = await app.inject({ method, url, headers: bearer(all.key), ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403);
      expect(res.json().detail).toMatch(/API keys may not call/);
    }
  });

  it('are managed by owners only', async () => {
    const invite = await app.inject({
      method: 'POST',
      url: '/api/supplier/invites',
      headers: bearer(msasa.owner.accessToken),
      payload: { email: `clerk-${process.pid}@msasagrain.co.zw`, role: 'member' },
    });
    expect(invite.statusCode, invite.body).toBe(201);
    const accept = await app.inject({
      method: 'POST',
      url: '/api/supplier/invites/accept',
      payload: { token: invite.json().token, name: 'Chipo Clerk', password: 'msasa-clerk-2026', phone: '0772000222' },
    });
    expect(accept.statusCode, accept.body).toBe(201);
    const member = accept.json().accessToken as string;
    const list = await app.inject({ method: 'GET', url: '/api/supplier/keys', headers: bearer(member) });
    expect(list.statusCode).toBe(403);
    const create = await app.inject({ method: 'POST', url: '/api/supplier/keys', headers: bearer(member), payload: { name: 'x', scopes: ['catalog:read'] } });
    expect(create.statusCode).toBe(403);
    const trader = await registerUser(app);
    const traderList = await app.inject({ method: 'GET', url: '/api/supplier/keys', headers: bearer(trader.accessToken) });
    expect(traderList.statusCode).toBe(403);
  });

  it("never show or revoke another organisation's keys, and act only for their own organisation", async () => {
    const mine = await createKey(msasa, ['catalog:read'], 'msasa only');
    const theirs = await createKey(southerton, ['catalog:read'], 'southerton only');
    const list = await app.inject({ method: 'GET', url: '/api/supplier/keys', headers: bearer(southerton.owner.accessToken) });
    const ids = list.json().items.map((k: { id: string }) => k.id);
    expect(ids).toContain(theirs.id);
    expect(ids).not.toContain(mine.id);
    const revoke = await app.inject({ method: 'DELETE', url: `/api/supplier/keys/${mine.id}`, headers: bearer(southerton.owner.accessToken) });
    expect(revoke.statusCode).toBe(404);
    expect((await getOrg(mine.key)).statusCode).toBe(200);
    expect((await getOrg(mine.key)).json().id).toBe(msasa.id);
    expect((await getOrg(theirs.key)).json().id).toBe(southerton.id);
    // A key sees its own organisation's products only.
    const products = await app.inject({ method: 'GET', url: '/api/supplier/products', headers: bearer(theirs.key) });
    expect(products.statusCode, products.body).toBe(200);
  });

  it('validate scopes and names, naming the field', async () => {
    for (const payload of [
      { name: 'x', scopes: ['everything'] },
      { name: 'x', scopes: [] },
      { name: '', scopes: ['catalog:read'] },
      { name: 'x', scopes: ['catalog:read', 'catalog:read'] },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/api/supplier/keys', headers: bearer(msasa.owner.accessToken), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors[0].field).toMatch(/^body\./);
    }
  });
});

describe('Idempotency-Keys sent with API keys', () => {
  it('replay a retry of the same key, and are kept apart for two keys of one organisation', async () => {
    const m = await orderMarket(app, { admin: msasa.admin });
    const { group } = await fundedOrderGroup(app, m);
    const [order] = await app.ctx.db.select().from(supplierOrders).where(eq(supplierOrders.groupId, group.id));
    const keyOf = async (name: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/supplier/keys', headers: bearer(m.org.owner.accessToken), payload: { name, scopes: ['orders:write'] } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key as string;
    };
    const [first, second] = [await keyOf('shipping'), await keyOf('books')];
    const accept = (key: string) =>
      app.inject({ method: 'POST', url: `/api/supplier/orders/${order!.id}/accept`, headers: { ...bearer(key), 'idempotency-key': 'accept-po-1' } });
    const done = await accept(first);
    expect(done.statusCode, done.body).toBe(200);
    const retry = await accept(first);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(done.json());
    // The other key's request with the same Idempotency-Key is its own: it is not handed the first key's answer.
    const other = await accept(second);
    expect(other.statusCode).toBe(409);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    const accepted = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'order.updated'), eq(domainEvents.supplierId, m.org.id)));
    expect(accepted.filter((e) => (e.data as { status?: string }).status === 'accepted')).toHaveLength(1);
  });
});
