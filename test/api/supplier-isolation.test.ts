// One organisation never reaches another's catalog, orders, invoices, payouts or keys, through its
// users or its API keys. The operations come from the spec: every supplier operation must be
// classified below, so a new one cannot slip past this test unchecked.
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, products, supplierOrders } from '../../api/db/schema.ts';
import { loadSpec, type Operation } from '../../api/openapi/spec.ts';
import { freshApp } from '../helpers/app.ts';
import { fundedOrderGroup, orderMarket, type OrderMarket } from '../helpers/orders.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer } from '../helpers/users.ts';

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** Operations with no id of another organisation's to aim at: they act on the caller's own organisation. */
const ownOnly = new Set([
  'updateMyOrganisation',
  'inviteSupplierMember',
  'createSupplierProduct',
  'importSupplierProducts',
  'createApiKey',
  'submitSupplierQuote',
  'createSupplierWebhook',
]);

/** Bodies valid for each operation, so a refusal is about whose resource it is, not a 400. */
const bodies: Record<string, unknown> = {
  updateSupplierProduct: { name: 'Taken over' },
  rejectSupplierOrder: { reason: 'not ours' },
  updateSupplierWebhook: { description: 'taken over' },
  shipSupplierOrder: { carrier: 'Swift', trackingNumber: 'X-1', eta: new Date(Date.now() + 86_400_000).toISOString() },
};

let app: FastifyInstance;
let a: OrderMarket;
let b: SupplierOrg;
let bKey: string;
/** A's resources, by the path prefix that names them. */
let ids: Record<string, string>;
let aIds: string[];

const isSupplierOperation = (op: Operation) => op.secured && (op.path.startsWith('/api/supplier/') || op.path.startsWith('/api/invoices/'));

beforeAll(async () => {
  app = await freshApp();
  a = await orderMarket(app);
  const { group } = await fundedOrderGroup(app, a);
  const [order] = await app.ctx.db.select().from(supplierOrders).where(eq(supplierOrders.groupId, group.id));
  const accept = await app.inject({ method: 'POST', url: `/api/supplier/orders/${order!.id}/accept`, headers: bearer(a.org.owner.accessToken) });
  expect(accept.statusCode, accept.body).toBe(200);
  const invoices = await app.inject({ url: '/api/supplier/invoices', headers: bearer(a.org.owner.accessToken) });
  const invoiceId = invoices.json().items[0].id as string;
  const aKey = await app.inject({ method: 'POST', url: '/api/supplier/keys', headers: bearer(a.org.owner.accessToken), payload: { name: 'a', scopes: ['orders:read'] } });
  const hook = await app.inject({ method: 'POST', url: '/api/supplier/webhooks', headers: bearer(a.org.owner.accessToken), payload: { url: 'https://a.example.co.zw/hooks' } });
  const test = await app.inject({ method: 'POST', url: `/api/supplier/webhooks/${hook.json().id}/test`, headers: bearer(a.org.owner.accessToken) });
  ids = {
    '/api/supplier/webhooks/{id}': hook.json().id,
    '/api/supplier/webhook-deliveries/{id}': test.json().id,
    '/api/supplier/products/{id}': a.productId,
    '/api/supplier/orders/{id}': order!.id,
    '/api/supplier/invoices/{id}': invoiceId,
    '/api/invoices/{id}': invoiceId,
    '/api/supplier/keys/{id}': aKey.json().id,
  };
  aIds = [...Object.values(ids), a.org.id];
  b = await supplierOrganisation(app, { admin: a.admin });
  const key = await app.inject({
    method: 'POST',
    url: '/api/supplier/keys',
    headers: bearer(b.owner.accessToken),
    payload: { name: 'everything', scopes: ['orders:read', 'orders:write', 'catalog:write', 'invoices:read'] },
  });
  bKey = key.json().key;
});
afterAll(() => app.close());

function request(op: Operation, token: string) {
  const prefix = Object.keys(ids).find((p) => op.path.startsWith(p));
  const url = prefix ? op.path.replace('{id}', ids[prefix]!) : op.path;
  const headers: Record<string, string> = bearer(token);
  if (op.operationId === 'uploadSupplierProductImage') return app.inject({ method: op.method.toUpperCase() as 'POST', url, headers: { ...headers, 'content-type': 'image/png' }, payload: png });
  const body = bodies[op.operationId];
  return app.inject({ method: op.method.toUpperCase() as 'GET', url, headers, ...(body ? { payload: body as object } : {}) });
}

describe('supplier operations across organisations', () => {
  it('every supplier operation in the spec is classified here', () => {
    const unclassified = loadSpec()
      .operations.filter(isSupplierOperation)
      .filter((op) => !ownOnly.has(op.operationId) && !(op.method === 'get' && !op.path.includes('{')) && !Object.keys(ids).some((p) => op.path.startsWith(p)));
    expect(unclassified.map((op) => `${op.method} ${op.path}`)).toEqual([]);
  });

  for (const as of ['user', 'key'] as const) {
    it(`refuses B's ${as} every operation on A's resources (403/404), and B's lists show none of A's`, async () => {
      const token = as === 'user' ? b.owner.accessToken : bKey;
      const checked: string[] = [];
      for (const op of loadSpec().operations.filter(isSupplierOperation)) {
        if (ownOnly.has(op.operationId)) continue;
        const res = await request(op, token);
        const name = `${op.method} ${op.path} as B's ${as}`;
        if (op.path.includes('{id}')) {
          expect([403, 404], `${name}: ${res.statusCode} ${res.body}`).toContain(res.statusCode);
        } else {
          expect([200, 403], `${name}: ${res.statusCode} ${res.body}`).toContain(res.statusCode);
          for (const id of aIds) expect(res.body, `${name} shows A's ${id}`).not.toContain(id);
        }
        checked.push(name);
      }
      expect(checked.length).toBeGreaterThan(15);
      // Nothing of A's moved.
      const [order] = await app.ctx.db.select().from(supplierOrders).where(eq(supplierOrders.id, ids['/api/supplier/orders/{id}']!));
      expect(order!.status).toBe('accepted');
      const [product] = await app.ctx.db.select().from(products).where(eq(products.id, a.productId));
      expect(product!.name).not.toBe('Taken over');
      expect(product!.imageUrls).toEqual([]);
      const [key] = await app.ctx.db.select().from(apiKeys).where(eq(apiKeys.id, ids['/api/supplier/keys/{id}']!));
      expect(key!.revokedAt).toBeNull();
    });
  }
});
