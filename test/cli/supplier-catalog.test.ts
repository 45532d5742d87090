import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, count, eq, like } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { cliFor, tempConfigDir } from './run.ts';

// Each step spawns the CLI (about a second under tsx); the 10,000-row upload takes some seconds more.
const slow = 400_000;

let app: FastifyInstance;
let org: SupplierOrg;
let cs: ReturnType<typeof cliFor>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-catalog-'));
const prefix = `CLI-${process.pid}`;

function writeCsv(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  const server = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' });
  app = server.app;
  cs = cliFor(tempConfigDir(), server.url);
  org = await supplierOrganisation(app);
  const login = await cs(['login', '--email', org.owner.user.email, '--password-stdin'], { input: 'msasa-grain-2026' });
  expect(login.code, login.stderr).toBe(0);
});
afterAll(() => app.close());

describe('cs supplier catalog', { timeout: slow }, () => {
  it('uploads 10,000 rows with a progress bar, then lists them', async () => {
    const lines = ['sku,name,category,unit,unitPrice,stock,priceTiers'];
    for (let i = 0; i < 10_000; i++) lines.push(`${prefix}-${i},Rice 10 kg lot ${i},rice,10 kg bag,${1100 + (i % 90)},${i % 300},100:1050`);
    const file = writeCsv('big.csv', lines);

    // Checking and applying 10,000 rows takes the API some seconds, more on a loaded machine.
    const res = await cs(['supplier', 'catalog', 'upload', file], { timeoutMs: 150_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Imported 10,000 rows: 10,000 created, 0 updated');
    // Off a terminal the bar is a line per tenth of the file: it moves, and ends at 100 % with the row count.
    const steps = [...res.stderr.matchAll(/^\[\s*(\d+)%\] Reading big\.csv/gm)].map((m) => Number(m[1]));
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(res.stderr).toMatch(/\[100%\] Reading big\.csv 10,000 rows/);
    const [stored] = await app.ctx.db.select({ n: count() }).from(products).where(and(eq(products.supplierId, org.id), like(products.sku, `${prefix}-%`)));
    expect(stored!.n).toBe(10_000);

    const again = await cs(['supplier', 'catalog', 'upload', file, '--json'], { timeoutMs: 150_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ rows: 10_000, created: 0, updated: 10_000 });
    expect(again.stderr).not.toContain('Reading');

    const list = await cs(['supplier', 'catalog', 'list', '--sku', `${prefix}-42`]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${prefix}-42\\s+Rice 10 kg lot 42\\s+rice\\s+USD 11\\.42\\s+100\\+: USD 10\\.50\\s+42\\s+yes\\s+-`));
    const json = JSON.parse((await cs(['supplier', 'catalog', 'list', '--limit', '3', '--json'])).stdout);
    expect(json.items).toHaveLength(3);
    expect(json.items.every((p: { supplierId: string }) => p.supplierId === org.id)).toBe(true);
  });

  it('refuses a file with bad rows: nothing applied, every bad row listed (table, or problem JSON on stderr)', async () => {
    const file = writeCsv('bad.csv', [
      'sku,name,category,unit,unitPrice,stock',
      `${prefix}-NEW-1,Sugar 2 kg,sugar,pack,300,5`,
      `${prefix}-NEW-2,Sugar 2 kg,sugar,pack,three,5`,
      `${prefix}-NEW-3,Sugar 2 kg,candles,pack,300,5`,
      `${prefix}-NEW-4,,sugar,pack,300,5`,
    ]);
    const res = await cs(['supplier', 'catalog', 'upload', file]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/ROW\s+SKU\s+COLUMN\s+PROBLEM/);
    expect(res.stdout).toMatch(new RegExp(`3\\s+${prefix}-NEW-2\\s+unitPrice\\s+must be a whole number of cents`));
    expect(res.stdout).toMatch(new RegExp(`4\\s+${prefix}-NEW-3\\s+category\\s+must be one of`));
    expect(res.stdout).toMatch(new RegExp(`5\\s+${prefix}-NEW-4\\s+name\\s+is required for a new product`));
    expect(res.stderr).toContain('3 of 4 rows are wrong; nothing was applied');

    const json = await cs(['supplier', 'catalog', 'upload', file, '--json']);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe('');
    const problem = JSON.parse(json.stderr);
    expect(problem.rows.map((r: { row: number }) => r.row)).toEqual([3, 4, 5]);
    expect(await app.ctx.db.select().from(products).where(like(products.sku, `${prefix}-NEW-%`))).toEqual([]);

    const notCsv = writeCsv('quotes.csv', ['sku,name', '"broken,quote']);
    const broken = await cs(['supplier', 'catalog', 'upload', notCsv]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('Not a CSV file');
    expect((await cs(['supplier', 'catalog', 'upload', path.join(dir, 'missing.csv')])).code).toBe(2);
  });

  it('adds an image to a product named by its SKU', async () => {
    const file = path.join(dir, 'bale.png');
    fs.writeFileSync(file, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'));
    const res = await cs(['supplier', 'catalog', 'image', `${prefix}-7`, file]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`${prefix}-7 now has 1 image\\(s\\); the new one is http://127\\.0\\.0\\.1:\\d+/api/images/[0-9a-f-]{36}\\.png`));
    expect((await cs(['supplier', 'catalog', 'image', `${prefix}-7`, path.join(dir, 'big.csv')])).code).toBe(2);
  });
});
