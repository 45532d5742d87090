import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshApp } from '../helpers/app.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer } from '../helpers/users.ts';

// A 1×1 PNG, a JPEG's first bytes and a WebP's RIFF header: enough for the type check by magic bytes.
export const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 1)]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([40, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(32, 2)]);

let n = 0;
async function productOf(app: FastifyInstance, org: SupplierOrg) {
  n += 1;
  const res = await app.inject({
    method: 'POST',
    url: '/api/supplier/products',
    headers: bearer(org.owner.accessToken),
    payload: { sku: `IMG-${n}-${process.pid}`, name: 'Bale of jeans', description: '', category: 'clothing-bales', unit: '45 kg bale', unitPrice: 16000, stock: 3 },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; imageUrls: string[] };
}

const upload = (app: FastifyInstance, org: SupplierOrg, id: string, data: Buffer, type = 'image/png') =>
  app.inject({ method: 'POST', url: `/api/supplier/products/${id}/images`, headers: { ...bearer(org.owner.accessToken), 'content-type': type }, payload: data });

describe('product images in the local store (the embedded default)', () => {
  let app: FastifyInstance;
  let org: SupplierOrg;
  beforeAll(async () => {
    app = await freshApp({ PUBLIC_URL: 'http://127.0.0.1:3999', IMAGE_MAX_BYTES: '4096' });
    org = await supplierOrganisation(app);
  });
  afterAll(() => app.close());

  it('stores PNG, JPEG and WebP, appends each URL, and serves them back publicly', async () => {
    const p = await productOf(app, org);
    const first = await upload(app, org, p.id, png);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().imageUrls).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:3999\/api\/images\/[0-9a-f-]{36}\.png$/)]);
    expect((await upload(app, org, p.id, jpeg, 'image/jpeg')).statusCode).toBe(201);
    const third = await upload(app, org, p.id, webp, 'image/webp');
    const urls: string[] = third.json().imageUrls;
    expect(urls.map((u) => u.split('.').pop())).toEqual(['png', 'jpg', 'webp']);

    // No token: an <img> sends none.
    const served = await app.inject({ method: 'GET', url: new URL(urls[0]!).pathname });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.rawPayload.equals(png)).toBe(true);
    expect((await app.inject({ method: 'GET', url: new URL(urls[2]!).pathname })).headers['content-type']).toBe('image/webp');
    expect((await app.inject({ method: 'GET', url: '/api/images/00000000-0000-4000-8000-000000000000.png' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/images/..%2F..%2Fkeys%2Fjwt-keys.json' })).statusCode).toBe(400);
  });

  it('checks the bytes, not the header; refuses an image too large, an eleventh image, and other organisations', async () => {
    const p = await productOf(app, org);
    const lying = await upload(app, org, p.id, png, 'image/jpeg');
    expect(lying.statusCode).toBe(400);
    expect(lying.json().errors[0]).toEqual({ field: 'body', message: 'is a image/png image, sent as image/jpeg' });
    const text = await upload(app, org, p.id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'image/png');
    expect(text.statusCode).toBe(400);
    expect((await upload(app, org, p.id, Buffer.alloc(0))).statusCode).toBe(400);
    expect((await upload(app, org, p.id, Buffer.concat([png, Buffer.alloc(5000)]))).statusCode).toBe(413);
    expect((await upload(app, org, p.id, png, 'image/gif')).statusCode).toBe(415);

    const other = await supplierOrganisation(app, { admin: org.admin });
    expect((await upload(app, other, p.id, png)).statusCode).toBe(404);

    const ten = Array.from({ length: 10 }, (_, i) => `https://img.example.co.zw/${i}.png`);
    await app.inject({ method: 'PATCH', url: `/api/supplier/products/${p.id}`, headers: bearer(org.owner.accessToken), payload: { imageUrls: ten } });
    const full = await upload(app, org, p.id, png);
    expect(full.statusCode).toBe(409);
    const after = await app.inject({ method: 'GET', url: `/api/supplier/products/${p.id}`, headers: bearer(org.owner.accessToken) });
    expect(after.json().imageUrls).toEqual(ten);
  });
});

describe('product images on Cloudinary (IMAGE_STORE=cloudinary), mocked with nock', () => {
  let app: FastifyInstance;
  let org: SupplierOrg;
  beforeAll(async () => {
    app = await freshApp({ IMAGE_STORE: 'cloudinary', CLOUDINARY_URL: 'cloudinary://874837483274837:a676b67565c6767a6767d6767f676fe1@harare-demo', CLOUDINARY_FOLDER: 'cs-test' });
    org = await supplierOrganisation(app);
  });
  afterAll(() => app.close());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  it('uploads through the signed upload API and keeps the secure URL', async () => {
    const p = await productOf(app, org);
    let sent: URLSearchParams | undefined;
    nock('https://api.cloudinary.com')
      .post('/v1_1/harare-demo/image/upload', (body) => {
        sent = new URLSearchParams(typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString());
        return true;
      })
      .reply(200, () => ({
        public_id: `cs-test/${sent!.get('public_id')}`,
        secure_url: `https://res.cloudinary.com/harare-demo/image/upload/v1/cs-test/${sent!.get('public_id')}.png`,
        bytes: png.length,
        format: 'png',
      }));
    const res = await upload(app, org, p.id, png);
    expect(res.statusCode, res.body).toBe(201);
    const params = sent!;
    expect(params.get('api_key')).toBe('874837483274837');
    expect(params.get('folder')).toBe('cs-test');
    expect(params.get('file')).toBe(`data:image/png;base64,${png.toString('base64')}`);
    expect(Math.abs(Number(params.get('timestamp')) - Date.now() / 1000)).toBeLessThan(60);
    const expected = createHash('sha1')
      .update(`folder=cs-test&public_id=${params.get('public_id')}&timestamp=${params.get('timestamp')}a676b67565c6767a6767d6767f676fe1`)
      .digest('hex');
    expect(params.get('signature')).toBe(expected);
    expect(params.has('api_secret')).toBe(false);
    expect(res.json().imageUrls).toEqual([`https://res.cloudinary.com/harare-demo/image/upload/v1/cs-test/${params.get('public_id')}.png`]);
  });

  it('answers 502 when Cloudinary refuses, and the product is unchanged', async () => {
    const p = await productOf(app, org);
    nock('https://api.cloudinary.com').post('/v1_1/harare-demo/image/upload').reply(401, { error: { message: 'Invalid Signature' } });
    const res = await upload(app, org, p.id, png);
    expect(res.statusCode).toBe(502);
    expect(res.json().detail).toContain('Invalid Signature');
    const after = await app.inject({ method: 'GET', url: `/api/supplier/products/${p.id}`, headers: bearer(org.owner.accessToken) });
    expect(after.json().imageUrls).toEqual([]);
  });
});
