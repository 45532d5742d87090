import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { products, type PriceTier } from '../../db/schema.ts';
import { HttpProblem, badRequest, conflict } from '../../errors.ts';
import type { Reply, Schemas } from '../../openapi/contract.ts';
import { loadSpec } from '../../openapi/spec.ts';
import { assertTiers } from '../catalog/service.ts';
import { recordEvents } from '../events/domain-events.ts';
import type { OrganisationActor } from '../suppliers/membership.ts';
import { eventData } from './products.ts';

// POST /api/supplier/products/import: a CSV file of products, parsed as it streams in (csv-parse),
// every row checked, then applied all or nothing in one transaction. Rows are matched to products
// by SKU within the organisation: a known SKU updates (empty cells leave fields as they are), a new
// one creates, and a SKU another organisation holds is that row's error.

export const importLimits = { maxBytes: 20 * 1024 * 1024, maxRows: 50_000 };

export const importColumns = ['sku', 'name', 'description', 'category', 'unit', 'unitPrice', 'stock', 'active', 'priceTiers', 'imageUrls'] as const;
type Column = (typeof importColumns)[number];
type Category = Schemas['Category'];
type ProductRow = typeof products.$inferSelect;
type RowError = Schemas['ProductImportRowError'];

// The categories the spec allows, read from the spec itself (the one list).
const categories = new Set(
  ((loadSpec().document.components as { schemas: { Category: { enum: string[] } } }).schemas.Category.enum),
);
/** A cell that clears a list column (priceTiers, imageUrls) on update; an empty cell leaves it as it is. */
const clear = 'none';

interface ParsedRow {
  line: number;
  cells: Partial<Record<Column, string>>;
  /** Cells past the header's last column (reported, never dropped silently). */
  extra: number;
}

/** Counts the bytes as they pass and stops the upload past the limit. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) callback(new HttpProblem(413, 'payload-too-large', 'Payload too large', `A CSV import is at most ${max} bytes`));
      else callback(null, chunk);
    },
  });
}

/** Reads the file: its header (checked) and each data row with its line in the file. */
async function readRows(body: Readable): Promise<{ header: Column[]; rows: ParsedRow[] }> {
  let header: Column[] | undefined;
  const rows: ParsedRow[] = [];
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true, max_record_size: 64 * 1024 });
  parser.on('data', ({ record, info }: { record: string[]; info: { lines: number } }) => {
    if (!header) {
      // Thrown here it would escape the stream; destroyed with it, the pipeline below rejects with it.
      try {
        header = checkHeader(record);
      } catch (err) {
        parser.destroy(err as Error);
      }
      return;
    }
    if (rows.length >= importLimits.maxRows) {
      parser.destroy(new HttpProblem(413, 'payload-too-large', 'Payload too large', `A CSV import has at most ${importLimits.maxRows} rows`));
      return;
    }
    const cells: ParsedRow['cells'] = {};
    header.forEach((column, i) => {
      if (record[i] !== undefined && record[i] !== '') cells[column] = record[i];
    });
    rows.push({ line: info.lines, cells, extra: Math.max(0, record.length - header.length) });
  });
  try {
    await pipeline(body, byteLimit(importLimits.maxBytes), parser);
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    const e = err as { code?: string; message?: string; lines?: number };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
      throw new HttpProblem(400, 'validation', 'Validation failed', `body: not readable as CSV: ${e.message}`, [
        { field: 'body', message: `not readable as CSV (line ${e.lines ?? '?'}): ${e.message}` },
      ]);
    }
    throw err;
  }
  if (!header) throw badRequest('body', `is empty: send a header row (${importColumns.join(',')}) and one row per product`);
  if (rows.length === 0) throw badRequest('body', 'has a header but no rows');
  return { header, rows };
}

function checkHeader(record: string[]): Column[] {
  const seen = new Set<string>();
  for (const name of record) {
    if (!(importColumns as readonly string[]).includes(name)) {
      throw badRequest('body', `has an unknown column "${name}" in its header; the columns are ${importColumns.join(', ')}`);
    }
    if (seen.has(name)) throw badRequest('body', `has the column "${name}" twice in its header`);
    seen.add(name);
  }
  if (!seen.has('sku')) throw badRequest('body', 'needs a sku column in its header row');
  return record as Column[];
}

interface Checked {
  line: number;
  sku: string;
  /** Fields the row sets; absent ones stay as they are (update) or take their default (create). */
  fields: Partial<Pick<ProductRow, 'name' | 'description' | 'category' | 'unit' | 'unitPrice' | 'stock' | 'active' | 'priceTiers' | 'imageUrls'>>;
  errors: RowError['errors'];
}

const wholeNumber = /^\d+$/;

/** The row's cells as typed fields, and a message for each cell that is wrong. */
function checkRow(row: ParsedRow): Checked {
  const errors: RowError['errors'] = [];
  const fail = (column: string, message: string) => errors.push({ column, message });
  const fields: Checked['fields'] = {};
  const c = row.cells;
  if (row.extra) fail('row', `has ${row.extra} more cell${row.extra > 1 ? 's' : ''} than the header has columns`);
  for (const [column, value] of Object.entries(c)) {
    // PostgreSQL text cannot hold these (the rule every string the API takes follows).
    if (typeof value === 'string' && (value.includes('\u0000') || /\p{Cs}/u.test(value))) fail(column, 'holds a character that cannot be stored (NUL or a lone surrogate)');
  }
  const sku = c.sku ?? '';
  if (!sku) fail('sku', 'is required');
  else if (!/^[A-Za-z0-9._-]{2,40}$/.test(sku)) fail('sku', 'must be 2 to 40 letters, digits, dots, dashes or underscores');

  const text = (column: 'name' | 'description' | 'unit', min: number, max: number) => {
    const v = c[column];
    if (v === undefined) return;
    if (v.length < min || v.length > max) fail(column, `must be ${min} to ${max} characters`);
    else fields[column] = v;
  };
  text('name', 2, 120);
  text('description', 0, 2000);
  text('unit', 1, 60);
  if (c.category !== undefined) {
    if (categories.has(c.category)) fields.category = c.category as Category;
    else fail('category', `must be one of ${[...categories].join(', ')}`);
  }
  if (c.unitPrice !== undefined) {
    const v = Number(c.unitPrice);
    if (!wholeNumber.test(c.unitPrice)) fail('unitPrice', 'must be a whole number of cents (420 for $4.20)');
    else if (v < 1 || v > 100_000_000) fail('unitPrice', 'must be between 1 and 100000000 cents');
    else fields.unitPrice = v;
  }
  if (c.stock !== undefined) {
    if (!wholeNumber.test(c.stock) || Number(c.stock) > 2147483647) fail('stock', 'must be a whole number from 0 to 2147483647');
    else fields.stock = Number(c.stock);
  }
  if (c.active !== undefined) {
    const v = c.active.toLowerCase();
    if (['true', 'yes', '1'].includes(v)) fields.active = true;
    else if (['false', 'no', '0'].includes(v)) fields.active = false;
    else fail('active', 'must be true or false');
  }
  if (c.priceTiers !== undefined) {
    if (c.priceTiers.toLowerCase() === clear) fields.priceTiers = [];
    else {
      const parts = c.priceTiers.split(';').map((s) => s.trim()).filter(Boolean);
      const tiers: PriceTier[] = [];
      for (const part of parts) {
        const m = /^(\d+):(\d+)$/.exec(part);
        const [minQuantity, unitPrice] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
        if (!m || minQuantity < 1 || unitPrice < 1 || minQuantity > 2147483647 || unitPrice > 100_000_000) {
          fail('priceTiers', `"${part}" is not minQuantity:unitPrice (e.g. 100:390), both whole numbers from 1`);
        } else tiers.push({ minQuantity, unitPrice });
      }
      if (tiers.length > 10) fail('priceTiers', 'has more than 10 tiers');
      else if (tiers.length === parts.length) fields.priceTiers = tiers;
    }
  }
  if (c.imageUrls !== undefined) {
    if (c.imageUrls.toLowerCase() === clear) fields.imageUrls = [];
    else {
      const urls = c.imageUrls.split(';').map((s) => s.trim()).filter(Boolean);
      const bad = urls.filter((u) => u.length > 500 || !/^https?:$/.test(URL.canParse(u) ? new URL(u).protocol : ''));
      if (bad.length) fail('imageUrls', `"${bad[0]}" is not an http(s) URL of up to 500 characters`);
      else if (urls.length > 10) fail('imageUrls', 'has more than 10 URLs');
      else fields.imageUrls = urls;
    }
  }
  return { line: row.line, sku, fields, errors };
}

/** A new product's fields the file must give (the rest have defaults). */
const requiredToCreate = ['name', 'category', 'unit', 'unitPrice'] as const;

function rejected(rowErrors: RowError[], total: number): HttpProblem {
  const errors = rowErrors.flatMap((r) => r.errors.map((e) => ({ field: `row ${r.row}.${e.column}`, message: e.message })));
  return new HttpProblem(
    422,
    'import-rejected',
    'Some rows are wrong',
    `${rowErrors.length} of ${total} rows are wrong; nothing was applied`,
    errors,
    { rows: rowErrors },
  );
}

export async function importProducts(ctx: AppContext, actor: OrganisationActor, body: Readable): Promise<Reply<'importSupplierProducts'>> {
  const { rows } = await readRows(body);
  const checked = rows.map(checkRow);
  const firstLine = new Map<string, number>();
  for (const row of checked) {
    if (!row.sku) continue;
    const earlier = firstLine.get(row.sku);
    if (earlier !== undefined) row.errors.push({ column: 'sku', message: `appears twice (first on row ${earlier})` });
    else firstLine.set(row.sku, row.line);
  }

  return ctx.db.transaction(async (tx) => {
    // The products these SKUs already name, locked: the import decides against them as they stay.
    const skus = [...firstLine.keys()];
    const existing = new Map<string, ProductRow>();
    for (let i = 0; i < skus.length; i += 5000) {
      const found = await tx
        .select()
        .from(products)
        .where(sql`${products.sku} = any(${sql.param(skus.slice(i, i + 5000))}::text[])`)
        .for('update');
      for (const p of found) existing.set(p.sku, p);
    }

    const values: (typeof products.$inferInsert)[] = [];
    const creating = new Set<string>();
    for (const row of checked) {
      const current = existing.get(row.sku);
      if (current && current.supplierId !== actor.organisation.id) {
        row.errors.push({ column: 'sku', message: 'is used by another organisation' });
        continue;
      }
      if (!current) {
        for (const field of requiredToCreate) if (row.fields[field] === undefined && !row.errors.some((e) => e.column === field)) row.errors.push({ column: field, message: 'is required for a new product' });
      }
      const unitPrice = row.fields.unitPrice ?? current?.unitPrice;
      if (unitPrice !== undefined && !row.errors.some((e) => e.column === 'priceTiers' || e.column === 'unitPrice')) {
        try {
          row.fields.priceTiers = assertTiers(row.fields.priceTiers ?? current?.priceTiers ?? [], unitPrice, 'priceTiers');
        } catch (err) {
          if (!(err instanceof HttpProblem)) throw err;
          for (const e of err.errors ?? []) row.errors.push({ column: 'priceTiers', message: `${e.field.replace(/^priceTiers\.?/, 'tier ')}: ${e.message}` });
        }
      }
      if (row.errors.length) continue;
      if (!current) creating.add(row.sku);
      values.push({
        supplierId: actor.organisation.id,
        sku: row.sku,
        name: row.fields.name ?? current!.name,
        description: row.fields.description ?? current?.description ?? '',
        category: row.fields.category ?? current!.category,
        unit: row.fields.unit ?? current!.unit,
        unitPrice: unitPrice!,
        currency: 'USD',
        stock: row.fields.stock ?? current?.stock ?? 0,
        active: row.fields.active ?? current?.active ?? true,
        priceTiers: row.fields.priceTiers ?? current?.priceTiers ?? [],
        imageUrls: row.fields.imageUrls ?? current?.imageUrls ?? [],
        updatedAt: new Date(),
      });
    }
    const rowErrors = checked
      .filter((r) => r.errors.length)
      .map((r) => ({ row: r.line, sku: r.sku || null, errors: r.errors }));
    if (rowErrors.length) throw rejected(rowErrors, checked.length);

    // One upsert per 500 rows. The WHERE keeps another organisation's product untouched even if it
    // took a SKU after the read above: then fewer rows come back, and the whole import is undone.
    const applied: ProductRow[] = [];
    for (let i = 0; i < values.length; i += 500) {
      const batch = values.slice(i, i + 500);
      const rowsBack = await tx
        .insert(products)
        .values(batch)
        .onConflictDoUpdate({
          target: products.sku,
          set: {
            name: sql`excluded.name`,
            description: sql`excluded.description`,
            category: sql`excluded.category`,
            unit: sql`excluded.unit`,
            unitPrice: sql`excluded.unit_price`,
            stock: sql`excluded.stock`,
            active: sql`excluded.active`,
            priceTiers: sql`excluded.price_tiers`,
            imageUrls: sql`excluded.image_urls`,
            updatedAt: sql`excluded.updated_at`,
          },
          setWhere: sql`${products.supplierId} = excluded.supplier_id`,
        })
        .returning();
      if (rowsBack.length !== batch.length) throw conflict('Another organisation took one of these SKUs while the file was imported; nothing was applied. Send it again.');
      applied.push(...rowsBack);
    }
    await recordEvents(
      tx,
      applied.map((p) => ({
        type: creating.has(p.sku) ? 'product.created' : 'product.updated',
        supplierId: actor.organisation.id,
        userId: actor.userId,
        data: { ...eventData(p), source: 'csv-import' },
      })),
    );
    return { rows: checked.length, created: creating.size, updated: applied.length - creating.size };
  });
}
