// cs supplier catalog …: the organisation's own products, and its CSV import with a progress bar.
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import { parse } from 'csv-parse';
import { importRejection, type Category, type ImageType, type Product, type SupplierProductListQuery } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { failureWith, money, pageSize } from '../format.ts';
import { animationsEnabled, failure, note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner } from '../output.ts';
import { fetchPage } from '../pages.ts';

const categories: Category[] = [
  'mealie-meal', 'cooking-oil', 'sugar', 'rice', 'soap', 'clothing-bales', 'hardware', 'phone-accessories', 'cosmetics', 'beverages',
];

const rating = (p: Product) => (p.ratingAverage === null ? '-' : `${p.ratingAverage.toFixed(1)} (${p.ratingCount})`);

function productColumns(wide: boolean) {
  return [
    { header: 'SKU', value: (p: Product) => p.sku },
    { header: 'NAME', value: (p: Product) => p.name, flex: true },
    { header: 'CATEGORY', value: (p: Product) => p.category },
    { header: 'PRICE', value: (p: Product) => money(p.unitPrice, p.currency) },
    { header: 'TIERS', value: (p: Product) => p.priceTiers.map((t) => `${t.minQuantity}+: ${money(t.unitPrice, p.currency)}`).join(', ') || '-' },
    { header: 'STOCK', value: (p: Product) => String(p.stock) },
    { header: 'ACTIVE', value: (p: Product) => (p.active ? 'yes' : 'no'), color: (p: Product, c: ReturnType<typeof paint>) => (p.active ? undefined : c.dim) },
    { header: 'RATING', value: rating },
    ...(wide ? [{ header: 'ID', value: (p: Product) => p.id }] : []),
  ];
}

/**
 * Progress on stderr: a redrawn bar on a terminal; otherwise a line at each tenth, so a log of a
 * scheduled upload still shows how far it got.
 */
function progressReporter(label: string, enabled: boolean) {
  const live = animationsEnabled();
  let lastTenth = -1;
  return {
    /** `last`: the final state, always shown. */
    update(fraction: number, detail: string, last = false) {
      if (!enabled) return;
      const f = Math.min(1, Math.max(0, fraction));
      if (live) {
        const width = 30;
        const filled = Math.round(f * width);
        process.stderr.write(`\r${label} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(Math.round(f * 100)).padStart(3)}% ${detail}\x1b[K`);
        return;
      }
      const tenth = Math.floor(f * 10);
      if (tenth === lastTenth && !last) return;
      lastTenth = tenth;
      process.stderr.write(`[${`${tenth * 10}%`.padStart(4)}] ${label} ${detail}\n`);
    },
    done() {
      if (enabled && live) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * Reads the file as the server will (csv-parse), counting its rows with a progress bar, so a file
 * that is not CSV at all fails here with its line before anything is sent.
 */
async function readCsv(file: string, showProgress: boolean): Promise<{ bytes: Buffer; rows: number }> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw usageError(`cannot read ${file}`);
  }
  const progress = progressReporter(`Reading ${path.basename(file)}`, showProgress);
  const chunks: Buffer[] = [];
  let read = 0;
  let records = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      read += chunk.length;
      callback(null, chunk);
    },
  });
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true });
  parser.on('data', () => {
    records += 1;
    if (records % 250 === 0) progress.update(size ? read / size : 1, `${(records - 1).toLocaleString('en-US')} rows`);
  });
  try {
    // Small chunks, so the bar moves on files of a few hundred kilobytes too.
    await pipeline(fs.createReadStream(file, { highWaterMark: 16 * 1024 }), tap, parser);
  } catch (err) {
    progress.done();
    const e = err as { code?: string; message?: string };
    if (e.code?.startsWith('CSV_')) throw failure('Not a CSV file', `${file}: ${e.message}`);
    throw err;
  }
  const rows = Math.max(0, records - 1);
  progress.update(1, `${rows.toLocaleString('en-US')} rows`, true);
  progress.done();
  return { bytes: Buffer.concat(chunks), rows };
}

const imageTypes: Record<string, ImageType> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

interface ListOptions {
  q?: string;
  category?: Category;
  sku?: string;
  inactive?: boolean;
  active?: boolean;
  limit?: number;
  cursor?: string;
  all?: boolean;
  wide?: boolean;
}

export function registerSupplierCatalog(supplier: Command): Command {
  const catalog = supplier.command('catalog').description("Your organisation's products: list them, upload a CSV of them, add images");

  catalog
    .command('list')
    .description('Your products, newest first (inactive ones too unless --active)')
    .option('--q <words>', 'search name, description and category')
    .addOption(new Option('--category <category>', 'only this category').choices(categories))
    .option('--sku <sku>', 'only this SKU')
    .addOption(new Option('--active', 'only active products').conflicts('inactive'))
    .option('--inactive', 'only inactive products')
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--wide', 'full ids')
    .option('--json', 'print {items, nextCursor} as JSON')
    .action((opts: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const query: SupplierProductListQuery = {
          q: opts.q,
          category: opts.category,
          sku: opts.sku,
          active: opts.active ? true : opts.inactive ? false : undefined,
          limit: opts.limit,
        };
        const page = await fetchPage('Loading products', opts, { page: (cursor) => client.supplier.catalog.list({ ...query, cursor }), every: () => client.supplier.catalog.iterate(query) }, !ctx.json);
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('No products match. Add some with: cs supplier catalog upload <file.csv>');
        println(renderTable(page.items, productColumns(Boolean(opts.wide))));
        if (page.nextCursor) note(paint(process.stderr).dim(`More products: add --all, or --cursor ${page.nextCursor}`));
      }),
    );

  catalog
    .command('upload')
    .description('Create and update products from a CSV file, all or nothing (every wrong row is listed)')
    .argument('<file>', 'CSV with a header row: sku,name,description,category,unit,unitPrice,stock,active,priceTiers,imageUrls')
    .option('--json', 'print the summary (or the problem with its wrong rows, on stderr) as JSON')
    .addHelpText(
      'after',
      `
Rows are matched by SKU: a SKU you have updates that product (empty cells leave it as it is), a new
one creates a product (name, category, unit and unitPrice required). unitPrice in cents (420 = $4.20);
priceTiers as minQuantity:unitPrice pairs, e.g. 100:390;250:370 ("none" clears them).

Examples:
  $ cs supplier catalog upload products.csv
  $ cs supplier catalog upload products.csv --json`,
    )
    .action((file: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const { bytes, rows } = await readCsv(file, !ctx.json);
        if (rows === 0) throw usageError(`${file} has no rows under its header`);
        const client = makeClient(ctx);
        let summary;
        try {
          summary = await withSpinner(`Checking and applying ${rows.toLocaleString('en-US')} rows`, () => client.supplier.catalog.importCsv(bytes), !ctx.json);
        } catch (err) {
          const wrong = importRejection(err);
          if (!wrong) throw err;
          if (!ctx.json) {
            const lines = wrong.flatMap((r) => r.errors.map((e) => ({ row: r.row, sku: r.sku ?? '', column: e.column, message: e.message })));
            println(renderTable(lines, [
              { header: 'ROW', value: (l) => String(l.row) },
              { header: 'SKU', value: (l) => l.sku },
              { header: 'COLUMN', value: (l) => l.column },
              { header: 'PROBLEM', value: (l) => l.message, flex: true },
            ]));
          }
          throw failureWith('Import refused', `${wrong.length} of ${rows} rows are wrong; nothing was applied`, { rows: wrong });
        }
        if (ctx.json) return printJson(summary);
        println(`${paint().green('✓')} Imported ${summary.rows.toLocaleString('en-US')} rows: ${summary.created.toLocaleString('en-US')} created, ${summary.updated.toLocaleString('en-US')} updated`);
      }),
    );

  catalog
    .command('show')
    .description('One of your products by id or SKU')
    .argument('<ref>', 'product id or SKU')
    .option('--json', 'print the product as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const product = await withSpinner('Loading product', () => resolveProduct(client, ref), !ctx.json);
        if (ctx.json) return printJson(product);
        println(
          renderPairs([
            ['SKU', product.sku],
            ['Name', product.name],
            ['Category', product.category],
            ['Unit', product.unit],
            ['Price', money(product.unitPrice, product.currency)],
            ['Tiers', product.priceTiers.map((t) => `${t.minQuantity}+: ${money(t.unitPrice, product.currency)}`).join(', ') || '-'],
            ['Stock', String(product.stock)],
            ['Active', product.active ? 'yes' : 'no'],
            ['Rating', rating(product)],
            ['Images', product.imageUrls.join('\n') || '-'],
            ['ID', product.id],
          ]),
        );
      }),
    );

  catalog
    .command('image')
    .description('Add an image (PNG, JPEG or WebP) to one of your products')
    .argument('<ref>', 'product id or SKU')
    .argument('<file>', 'the image file')
    .option('--json', 'print the product as JSON')
    .action((ref: string, file: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const type = imageTypes[path.extname(file).toLowerCase()];
        if (!type) throw usageError(`${file}: name a .png, .jpg, .jpeg or .webp file`);
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(file);
        } catch {
          throw usageError(`cannot read ${file}`);
        }
        const client = makeClient(ctx);
        const product = await withSpinner('Uploading', async () => client.supplier.catalog.uploadImage((await resolveProduct(client, ref)).id, bytes, type), !ctx.json);
        if (ctx.json) return printJson(product);
        println(`${paint().green('✓')} ${product.sku} now has ${product.imageUrls.length} image(s); the new one is ${product.imageUrls.at(-1)}`);
      }),
    );

  return catalog;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function resolveProduct(client: ReturnType<typeof makeClient>, ref: string): Promise<Product> {
  if (uuid.test(ref)) return client.supplier.catalog.get(ref);
  const page = await client.supplier.catalog.list({ sku: ref, limit: 1 });
  if (!page.items[0]) throw failure('Not found', `You have no product with SKU ${ref}`);
  return page.items[0];
}
