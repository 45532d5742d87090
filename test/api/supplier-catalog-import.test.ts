import { and, count, eq, like } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainEvents, products } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer, userWithRole } from '../helpers/users.ts';

let app: FastifyInstance;
let msasa: SupplierOrg;
let southerton: SupplierOrg;
const tag = `${process.pid}-${Date.now() % 100000}`;

const importCsv = (org: SupplierOrg, csv: string, contentType = 'text/csv') =>
  app.inject({ method: 'POST', url: '/api/supplier/products/import', headers: { ...bearer(org.owner.accessToken), 'content-type': contentType }, payload: csv });

/** A file of `rows` products, SKUs BULK-<tag>-<i>, as a supplier's spreadsheet would export it. */
export function bulkCsv(rows: number, prefix: string, stock = 100): string {
  const lines = ['sku,name,description,category,unit,unitPrice,stock,active,priceTiers'];
  for (let i = 0; i < rows; i++) {
    lines.push(`${prefix}-${i},"Roller meal 10 kg, batch ${i}",White maize roller meal,mealie-meal,10 kg bag,${900 + (i % 50)},${stock},true,100:850;500:820`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  app = await freshApp();
  msasa = await supplierOrganisation(app);
  southerton = await supplierOrganisation(app, { admin: msasa.admin });
});
afterAll(() => app.close());

describe('CSV import of the organisation catalog', () => {
  it('creates 10,000 products in one request, then updates all of them, each recorded as an event', async () => {
    const prefix = `BULK-${tag}`;
    let started = Date.now();
    const created = await importCsv(msasa, bulkCsv(10_000, prefix));
    const createMs = Date.now() - started;
    expect(created.statusCode, created.body.slice(0, 500)).toBe(200);
    expect(created.json()).toEqual({ rows: 10_000, created: 10_000, updated: 0 });
    const [stored] = await app.ctx.db.select({ n: count() }).from(products).where(and(eq(products.supplierId, msasa.id), like(products.sku, `${prefix}-%`)));
    expect(stored!.n).toBe(10_000);
    const [one] = await app.ctx.db.select().from(products).where(eq(products.sku, `${prefix}-7`));
    expect(one).toMatchObject({ name: 'Roller meal 10 kg, batch 7', unitPrice: 907, stock: 100, active: true, priceTiers: [{ minQuantity: 100, unitPrice: 850 }, { minQuantity: 500, unitPrice: 820 }] });

    started = Date.now();
    const updated = await importCsv(msasa, bulkCsv(10_000, prefix, 40));
    const updateMs = Date.now() - started;
    expect(updated.statusCode, updated.body.slice(0, 500)).toBe(200);
    expect(updated.json()).toEqual({ rows: 10_000, created: 0, updated: 10_000 });
    const [again] = await app.ctx.db.select().from(products).where(eq(products.sku, `${prefix}-7`));
    expect(again!.stock).toBe(40);
    expect(again!.id).toBe(one!.id);

    const events = await app.ctx.db
      .select({ type: domainEvents.type, n: count() })
      .from(domainEvents)
      .where(and(eq(domainEvents.supplierId, msasa.id), like(domainEvents.type, 'product.%')))
      .groupBy(domainEvents.type);
    expect(Object.fromEntries(events.map((e) => [e.type, e.n]))).toMatchObject({ 'product.created': 10_000, 'product.updated': 10_000 });
    console.log(`csv import of 10,000 rows: create ${createMs} ms, update ${updateMs} ms`);
  }, 180_000);

  it('applies nothing when any row is wrong, and reports every wrong row by its line with field-level messages', async () => {
    const theirs = `THEIRS-${tag}`;
    const mineSku = `MINE-${tag}`;
    expect((await importCsv(southerton, `sku,name,category,unit,unitPrice\n${theirs},Bar soap,soap,carton,1200\n`)).statusCode).toBe(200);
    expect((await importCsv(msasa, `sku,name,category,unit,unitPrice,stock\n${mineSku},Rice 10 kg,rice,bag,1150,10\n`)).statusCode).toBe(200);

    const csv = [
      'sku,name,category,unit,unitPrice,stock,priceTiers',
      `GOOD-${tag}-1,Sugar 2 kg,sugar,pack,300,10,`, // line 2: fine
      `BAD-${tag}-3,Sugar 2 kg,sugar,pack,3.50,10,`, // line 3: price not in cents
      `BAD-${tag}-4,Sugar 2 kg,candles,pack,300,-4,`, // line 4: category and stock
      `BAD-${tag}-5,,sugar,pack,300,10,`, // line 5: a new product without a name
      `${theirs},Soap,soap,carton,1100,1,`, // line 6: another organisation's SKU
      `GOOD-${tag}-1,Sugar 2 kg,sugar,pack,300,10,`, // line 7: the same SKU twice
      `BAD-${tag}-8,Sugar 2 kg,sugar,pack,300,10,100:400`, // line 8: a tier dearer than the base price
      `${mineSku},,,,,5,,extra`, // line 9: a cell too many
      `GOOD-${tag}-10,Sugar 2 kg,sugar,pack,300,10,50:290`, // line 10: fine
    ].join('\n');
    const res = await importCsv(msasa, csv);
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem.detail).toBe('7 of 9 rows are wrong; nothing was applied');
    const byRow = Object.fromEntries(problem.rows.map((r: { row: number; errors: { column: string }[] }) => [r.row, r.errors.map((e) => e.column).sort()]));
    expect(byRow).toEqual({
      3: ['unitPrice'],
      4: ['category', 'stock'],
      5: ['name'],
      6: ['sku'],
      7: ['sku'],
      8: ['priceTiers'],
      9: ['row'],
    });
    expect(problem.rows.find((r: { row: number }) => r.row === 6).errors[0].message).toBe('is used by another organisation');
    expect(problem.rows.find((r: { row: number }) => r.row === 7).errors[0].message).toBe('appears twice (first on row 2)');
    expect(problem.errors).toContainEqual({ field: 'row 3.unitPrice', message: 'must be a whole number of cents (420 for $4.20)' });

    // Nothing applied: not the good rows, not the change to an existing product, not the other organisation's.
    const good = await app.ctx.db.select().from(products).where(like(products.sku, `GOOD-${tag}-%`));
    expect(good).toEqual([]);
    const [mine] = await app.ctx.db.select().from(products).where(eq(products.sku, mineSku));
    expect(mine!.stock).toBe(10);
    const [other] = await app.ctx.db.select().from(products).where(eq(products.sku, theirs));
    expect(other).toMatchObject({ supplierId: southerton.id, name: 'Bar soap', unitPrice: 1200 });
  });

  it('updates only the cells given; "none" clears a list; a quoted cell may hold commas and new lines', async () => {
    const sku = `PART-${tag}`;
    expect((await importCsv(msasa, `sku,name,category,unit,unitPrice,stock,priceTiers,imageUrls\n${sku},Oil 2 L,cooking-oil,bottle,420,9,100:390,https://img.example.co.zw/oil.png\n`)).statusCode).toBe(200);
    const res = await importCsv(msasa, `sku,description,stock,priceTiers\n${sku},"Refined, sunflower\nsecond line",12,none\n`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ rows: 1, created: 0, updated: 1 });
    const [row] = await app.ctx.db.select().from(products).where(eq(products.sku, sku));
    expect(row).toMatchObject({ name: 'Oil 2 L', unitPrice: 420, stock: 12, priceTiers: [], description: 'Refined, sunflower\nsecond line', imageUrls: ['https://img.example.co.zw/oil.png'] });
  });

  it('refuses a file it cannot read as a catalog: 400 naming the body, 415 for another media type, 403 for other roles', async () => {
    const unknown = await importCsv(msasa, 'sku,name,colour\nA1,Thing,red\n');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0]).toMatchObject({ field: 'body', message: expect.stringContaining('unknown column "colour"') });
    expect((await importCsv(msasa, 'name,unitPrice\nThing,100\n')).json().errors[0].message).toContain('needs a sku column');
    expect((await importCsv(msasa, '')).statusCode).toBe(400);
    expect((await importCsv(msasa, 'sku,name\n')).json().errors[0].message).toContain('no rows');
    const quotes = await importCsv(msasa, 'sku,name\n"A1,Thing\n');
    expect(quotes.statusCode).toBe(400);
    expect(quotes.json().errors[0].message).toContain('not readable as CSV');
    expect((await importCsv(msasa, JSON.stringify({ sku: 'A1' }), 'application/json')).statusCode).toBe(415);
    const trader = await userWithRole(app, 'trader');
    const asTrader = await app.inject({ method: 'POST', url: '/api/supplier/products/import', headers: { ...bearer(trader.accessToken), 'content-type': 'text/csv' }, payload: 'sku\nA1\n' });
    expect(asTrader.statusCode).toBe(403);
  });
});
