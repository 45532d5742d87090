// cs.supplier.catalog through the SDK against a real server: the organisation's own products, CSV import.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiError, ConnectSphere, importRejection } from '@connectsphere/sdk';
import { liveServer } from '../helpers/app.ts';
import { supplierRegistration } from '../helpers/suppliers.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(() => app.close());

async function supplierClient() {
  const cs = new ConnectSphere({ baseUrl: url });
  await cs.supplier.register(supplierRegistration() as never);
  return cs;
}

describe('cs.supplier.catalog', () => {
  it('creates, pages, adjusts stock and updates its own products; another organisation cannot see them', async () => {
    const cs = await supplierClient();
    const sku = `SDK-OIL-${process.pid}`;
    const created = await cs.supplier.catalog.create({ sku, name: 'Cooking oil 2 L', description: '', category: 'cooking-oil', unit: 'bottle', unitPrice: 420, stock: 10 });
    expect(created).toMatchObject({ sku, active: true, ratingAverage: null, ratingCount: 0 });
    await cs.supplier.catalog.create({ sku: `${sku}-B`, name: 'Cooking oil 5 L', description: '', category: 'cooking-oil', unit: 'bottle', unitPrice: 990, stock: 3 });

    const seen: string[] = [];
    for await (const p of cs.supplier.catalog.iterate({ limit: 1 })) seen.push(p.sku);
    expect(seen.sort()).toEqual([sku, `${sku}-B`]);

    expect((await cs.supplier.catalog.adjustStock(created.id, 5)).stock).toBe(15);
    const below = await rejection(cs.supplier.catalog.adjustStock(created.id, -16));
    expect((below as ApiError).status).toBe(409);
    expect((await cs.supplier.catalog.update(created.id, { active: false })).active).toBe(false);

    const other = await supplierClient();
    expect((await rejection(other.supplier.catalog.get(created.id)) as ApiError).status).toBe(404);
    expect((await other.supplier.catalog.list()).items).toEqual([]);
  });

  it('imports a CSV, and hands back the wrong rows of a refused one', async () => {
    const cs = await supplierClient();
    const sku = `SDK-RICE-${process.pid}`;
    const csv = `sku,name,category,unit,unitPrice,stock\n${sku}-1,Rice 10 kg,rice,bag,1150,4\n${sku}-2,Rice 5 kg,rice,bag,600,8\n`;
    expect(await cs.supplier.catalog.importCsv(csv)).toEqual({ rows: 2, created: 2, updated: 0 });
    expect(await cs.supplier.catalog.importCsv(new TextEncoder().encode(csv))).toEqual({ rows: 2, created: 0, updated: 2 });

    const err = await rejection(cs.supplier.catalog.importCsv(`sku,unitPrice\n${sku}-1,1.5\n${sku}-3,100\n`));
    expect((err as ApiError).status).toBe(422);
    expect(importRejection(err)).toEqual([
      { row: 2, sku: `${sku}-1`, errors: [{ column: 'unitPrice', message: 'must be a whole number of cents (420 for $4.20)' }] },
      { row: 3, sku: `${sku}-3`, errors: expect.arrayContaining([{ column: 'name', message: 'is required for a new product' }]) },
    ]);
    expect(importRejection(new Error('other'))).toBeUndefined();
  });

  it('uploads an image and the product carries its URL, which serves the same bytes', async () => {
    const cs = await supplierClient();
    const p = await cs.supplier.catalog.create({ sku: `SDK-IMG-${process.pid}`, name: 'Phone charger', description: '', category: 'phone-accessories', unit: 'piece', unitPrice: 250, stock: 40 });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const withImage = await cs.supplier.catalog.uploadImage(p.id, png, 'image/png');
    expect(withImage.imageUrls).toHaveLength(1);
    expect(withImage.imageUrls[0]!.startsWith(`${url}/api/images/`)).toBe(true);
    const served = await fetch(withImage.imageUrls[0]!);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    expect(((await rejection(cs.supplier.catalog.uploadImage(p.id, png, 'image/webp'))) as ApiError).status).toBe(400);
  });
});
