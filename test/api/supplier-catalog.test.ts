import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainEvents } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer, userWithRole } from '../helpers/users.ts';

let app: FastifyInstance;
let msasa: SupplierOrg;
let southerton: SupplierOrg;
let n = 0;

const product = (overrides: Record<string, unknown> = {}) => {
  n += 1;
  return {
    sku: `OIL-2L-${n}-${process.pid}`,
    name: 'Sunflower cooking oil',
    description: 'Refined sunflower oil',
    category: 'cooking-oil',
    unit: '2 L bottle',
    unitPrice: 420,
    stock: 500,
    priceTiers: [{ minQuantity: 250, unitPrice: 370 }, { minQuantity: 100, unitPrice: 390 }],
    ...overrides,
  };
};

async function create(org: SupplierOrg, body = product()) {
  const res = await app.inject({ method: 'POST', url: '/api/supplier/products', headers: bearer(org.owner.accessToken), payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  app = await freshApp();
  msasa = await supplierOrganisation(app);
  southerton = await supplierOrganisation(app, { admin: msasa.admin });
});
afterAll(() => app.close());

describe("an organisation's own catalog", () => {
  it('creates a product of its own, tiers sorted, announced as product.created', async () => {
    const body = product();
    const created = await create(msasa, body);
    expect(created).toMatchObject({
      sku: body.sku,
      supplierId: msasa.id,
      supplierName: expect.stringContaining('Msasa Grain Traders'),
      currency: 'USD',
      active: true,
      priceTiers: [{ minQuantity: 100, unitPrice: 390 }, { minQuantity: 250, unitPrice: 370 }],
      ratingAverage: null,
      ratingCount: 0,
    });
    const events = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'product.created'), eq(domainEvents.supplierId, msasa.id)));
    expect(events.map((e) => e.data.id)).toContain(created.id);
    expect(events.find((e) => e.data.id === created.id)!.userId).toBe(msasa.owner.user.id);
  });

  it('refuses a taken SKU (409 naming body.sku), a tier above the base price, and callers of other roles', async () => {
    const first = await create(msasa);
    const again = await app.inject({ method: 'POST', url: '/api/supplier/products', headers: bearer(southerton.owner.accessToken), payload: product({ sku: first.sku }) });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors).toEqual([{ field: 'body.sku', message: 'is already used' }]);

    const dearTier = await app.inject({
      method: 'POST',
      url: '/api/supplier/products',
      headers: bearer(msasa.owner.accessToken),
      payload: product({ priceTiers: [{ minQuantity: 10, unitPrice: 500 }] }),
    });
    expect(dearTier.statusCode).toBe(400);
    expect(dearTier.json().errors[0].field).toBe('body.priceTiers.0.unitPrice');

    const trader = await userWithRole(app, 'trader');
    expect((await app.inject({ method: 'GET', url: '/api/supplier/products', headers: bearer(trader.accessToken) })).statusCode).toBe(403);
    // A supplier account that belongs to no organisation has no catalog.
    const stray = await userWithRole(app, 'supplier');
    expect((await app.inject({ method: 'GET', url: '/api/supplier/products', headers: bearer(stray.accessToken) })).statusCode).toBe(403);
  });

  it("lists, reads and changes only its own products: another organisation's are not found", async () => {
    const mine = await create(msasa, product({ name: 'Roller meal 10 kg', category: 'mealie-meal' }));
    const theirs = await create(southerton, product({ name: 'Laundry bar soap', category: 'soap' }));

    const list = await app.inject({ method: 'GET', url: '/api/supplier/products?limit=100', headers: bearer(msasa.owner.accessToken) });
    expect(list.statusCode).toBe(200);
    const ids = list.json().items.map((p: { id: string }) => p.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(list.json().items.every((p: { supplierId: string }) => p.supplierId === msasa.id)).toBe(true);

    // Filters narrow within the organisation; they never reach outside it.
    const bySku = await app.inject({ method: 'GET', url: `/api/supplier/products?sku=${theirs.sku}`, headers: bearer(msasa.owner.accessToken) });
    expect(bySku.json().items).toEqual([]);
    const byWords = await app.inject({ method: 'GET', url: '/api/supplier/products?q=roller%20meal', headers: bearer(msasa.owner.accessToken) });
    expect(byWords.json().items.map((p: { id: string }) => p.id)).toEqual([mine.id]);

    const headers = bearer(msasa.owner.accessToken);
    expect((await app.inject({ method: 'GET', url: `/api/supplier/products/${theirs.id}`, headers })).statusCode).toBe(404);
    const patch = await app.inject({ method: 'PATCH', url: `/api/supplier/products/${theirs.id}`, headers, payload: { unitPrice: 1 } });
    expect(patch.statusCode).toBe(404);
    const still = await app.inject({ method: 'GET', url: `/api/supplier/products/${theirs.id}`, headers: bearer(southerton.owner.accessToken) });
    expect(still.json().unitPrice).toBe(420);
  });

  it('pages with cursors', async () => {
    const org = await supplierOrganisation(app, { admin: msasa.admin });
    for (let i = 0; i < 3; i++) await create(org);
    const headers = bearer(org.owner.accessToken);
    const first = (await app.inject({ method: 'GET', url: '/api/supplier/products?limit=2', headers })).json();
    expect(first.items).toHaveLength(2);
    const second = (await app.inject({ method: 'GET', url: `/api/supplier/products?limit=2&cursor=${first.nextCursor}`, headers })).json();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
  });

  it('updates price, tiers, description, stock and active, announced as product.updated', async () => {
    const p = await create(msasa);
    const headers = bearer(msasa.owner.accessToken);
    const url = `/api/supplier/products/${p.id}`;

    // A lower price with the old tiers would make a tier dearer than the base: refused.
    const cheaper = await app.inject({ method: 'PATCH', url, headers, payload: { unitPrice: 380 } });
    expect(cheaper.statusCode).toBe(400);
    expect(cheaper.json().errors[0].field).toMatch(/^body\.priceTiers\.\d\.unitPrice$/);

    const res = await app.inject({
      method: 'PATCH',
      url,
      headers,
      payload: { unitPrice: 380, priceTiers: [{ minQuantity: 50, unitPrice: 360 }], description: 'Cold-pressed', stock: 40, active: false },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ unitPrice: 380, priceTiers: [{ minQuantity: 50, unitPrice: 360 }], description: 'Cold-pressed', stock: 40, active: false });

    // Inactive products stay in the organisation's own list, and can be filtered.
    const inactive = await app.inject({ method: 'GET', url: '/api/supplier/products?active=false&limit=100', headers });
    expect(inactive.json().items.map((i: { id: string }) => i.id)).toContain(p.id);

    const [event] = await app.ctx.db.select().from(domainEvents).where(eq(domainEvents.type, 'product.updated'));
    expect(event).toBeDefined();
    const mine = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'product.updated'), eq(domainEvents.supplierId, msasa.id)));
    expect(mine.map((e) => e.data)).toContainEqual(expect.objectContaining({ id: p.id, unitPrice: 380, active: false, changed: expect.arrayContaining(['unitPrice', 'stock']) }));

    expect((await app.inject({ method: 'PATCH', url, headers, payload: {} })).statusCode).toBe(400);
    const both = await app.inject({ method: 'PATCH', url, headers, payload: { stock: 1, stockDelta: 1 } });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors[0].field).toBe('body.stockDelta');
  });

  it('adds concurrent stock changes without losing any, and never goes below zero', async () => {
    const p = await create(msasa, product({ stock: 100 }));
    const headers = bearer(msasa.owner.accessToken);
    const url = `/api/supplier/products/${p.id}`;
    const deltas = [...Array.from({ length: 15 }, () => 7), ...Array.from({ length: 10 }, () => -3)];
    const answers = await Promise.all(deltas.map((stockDelta) => app.inject({ method: 'PATCH', url, headers, payload: { stockDelta } })));
    expect(answers.map((a) => a.statusCode)).toEqual(deltas.map(() => 200));
    const after = (await app.inject({ method: 'GET', url, headers })).json();
    expect(after.stock).toBe(100 + 15 * 7 - 10 * 3);

    const tooMuch = await app.inject({ method: 'PATCH', url, headers, payload: { stockDelta: -(after.stock + 1) } });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json().stock).toBe(after.stock);
    expect((await app.inject({ method: 'GET', url, headers })).json().stock).toBe(after.stock);
  });

  it("shows a verified organisation's products to traders through the catalog; a pending one's stay hidden", async () => {
    const trader = await userWithRole(app, 'trader');
    const p = await create(msasa);
    const seen = await app.inject({ method: 'GET', url: `/api/products?supplierId=${msasa.id}&limit=100`, headers: bearer(trader.accessToken) });
    expect(seen.json().items.map((i: { id: string }) => i.id)).toContain(p.id);

    const pending = await supplierOrganisation(app, { verified: false, admin: msasa.admin });
    const draft = await create(pending);
    const hidden = await app.inject({ method: 'GET', url: `/api/products?supplierId=${pending.id}`, headers: bearer(trader.accessToken) });
    expect(hidden.json().items).toEqual([]);
    // The pending organisation still fills in its own catalog.
    const own = await app.inject({ method: 'GET', url: '/api/supplier/products', headers: bearer(pending.owner.accessToken) });
    expect(own.json().items.map((i: { id: string }) => i.id)).toEqual([draft.id]);
  });
});
