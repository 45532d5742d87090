// cs.supplier.keys and new ConnectSphere({ baseUrl, apiKey }) against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiError, ConnectSphere, ConnectSphereError } from '@connectsphere/sdk';
import { liveServer } from '../helpers/app.ts';
import { supplierRegistration } from '../helpers/suppliers.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(() => app.close());

describe('API keys through the SDK', () => {
  it('an owner creates a key; a client with it acts for the organisation, within its scopes, until revoked', async () => {
    const owner = new ConnectSphere({ baseUrl: url });
    const registered = await owner.supplier.register(supplierRegistration() as never);
    const created = await owner.supplier.keys.create({ name: 'sdk script', scopes: ['catalog:read'] });

    const script = new ConnectSphere({ baseUrl: url, apiKey: created.key });
    expect((await script.supplier.organisation()).id).toBe(registered.organisation.id);
    expect((await script.supplier.catalog.list()).items).toEqual([]);

    const outOfScope = (await rejection(
      script.supplier.catalog.create({ sku: `SDK-K-${process.pid}`, name: 'Rice', description: '', category: 'rice', unit: 'bag', unitPrice: 100, stock: 1 }),
    )) as ApiError;
    expect(outOfScope.status).toBe(403);
    expect(outOfScope.problem.detail).toContain('catalog:write');
    expect(((await rejection(script.supplier.keys.list())) as ApiError).status).toBe(403);

    const listed = (await owner.supplier.keys.list()).items.find((k) => k.id === created.id)!;
    expect(listed.lastUsedAt).not.toBeNull();
    await owner.supplier.keys.revoke(created.id);
    expect(((await rejection(script.supplier.organisation())) as ApiError).status).toBe(401);
  });

  it('refuses an apiKey that is not one', () => {
    expect(() => new ConnectSphere({ baseUrl: url, apiKey: 'eyJhbGciOi' })).toThrow(ConnectSphereError);
  });
});
