import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { products } from '../../db/schema.ts';
import { HttpProblem, badRequest, conflict, notFound } from '../../errors.ts';
import type { Body, Query } from '../../openapi/contract.ts';
import { assertTiers, productView } from '../catalog/service.ts';
import { recordEvent } from '../events/domain-events.ts';
import type { ImageMediaType } from '../../plugins/raw-bodies.ts';
import { sniffImageType } from '../images/sniff.ts';
import { imageStore } from '../images/store.ts';
import type { OrganisationActor } from '../suppliers/membership.ts';

// The organisation's own catalog. Every query here is filtered by the actor's organisation id: a
// product of another organisation is "not found", never shown or changed.

type ProductRow = typeof products.$inferSelect;

const own = (actor: OrganisationActor, id: string) => and(eq(products.id, id), eq(products.supplierId, actor.organisation.id));
const productNotFound = (id: string) => notFound(`Product ${id}`);
export const skuTaken = (sku: string, field = 'body.sku') =>
  new HttpProblem(409, 'conflict', 'Conflict', `A product with SKU ${sku} exists`, [{ field, message: 'is already used' }]);

export const ownView = (actor: OrganisationActor, row: ProductRow) => productView(row, actor.organisation.name);

export async function listOwnProducts(db: Queryable, actor: OrganisationActor, query: Query<'listSupplierProducts'>) {
  const conditions: SQL[] = [eq(products.supplierId, actor.organisation.id)];
  if (query.category) conditions.push(eq(products.category, query.category));
  if (query.active !== undefined) conditions.push(eq(products.active, query.active));
  if (query.sku) conditions.push(eq(products.sku, query.sku));
  if (query.q?.trim()) conditions.push(sql`${products.search} @@ websearch_to_tsquery('english', ${query.q.trim()})`);
  // Newest first, on the (supplier_id, created_at, id) index.
  const sort: SortKey = { expr: sql`extract(epoch from ${products.createdAt})::float8`, type: 'float8', direction: 'desc' };
  const { where, order } = keyset(sort, products.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ product: products, key: sql<number>`${sort.expr}` })
    .from(products)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.product.id));
  return { items: result.items.map((r) => ownView(actor, r.product)), nextCursor: result.nextCursor };
}

export async function getOwnProduct(db: Queryable, actor: OrganisationActor, id: string) {
  const [row] = await db.select().from(products).where(own(actor, id));
  if (!row) throw productNotFound(id);
  return ownView(actor, row);
}

export async function createOwnProduct(ctx: AppContext, actor: OrganisationActor, input: Body<'createSupplierProduct'>) {
  const priceTiers = assertTiers(input.priceTiers, input.unitPrice);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(products)
        .values({
          supplierId: actor.organisation.id,
          sku: input.sku,
          name: input.name.trim(),
          description: input.description,
          category: input.category,
          unit: input.unit.trim(),
          unitPrice: input.unitPrice,
          currency: 'USD',
          stock: input.stock,
          priceTiers,
          imageUrls: input.imageUrls ?? [],
          active: input.active ?? true,
        })
        .returning();
      await recordEvent(tx, { type: 'product.created', supplierId: actor.organisation.id, userId: actor.userId, data: eventData(row!) });
      return ownView(actor, row!);
    });
  } catch (err) {
    // SKUs are unique across the platform (products_sku_key): the index decides, not a read first.
    if (isUniqueViolation(err)) throw skuTaken(input.sku);
    throw err;
  }
}

/** What product.* events carry: enough for a partner's system to mirror the catalog. */
export function eventData(p: ProductRow) {
  return { id: p.id, sku: p.sku, name: p.name, unitPrice: p.unitPrice, currency: p.currency, stock: p.stock, active: p.active, priceTiers: p.priceTiers };
}

/**
 * Changes one product under its row lock: tiers are checked against the price they will sit
 * under, and `stockDelta` adds to the stock as it is when the lock is held, so concurrent
 * adjustments all count and stock never goes below zero.
 */
export async function updateOwnProduct(ctx: AppContext, actor: OrganisationActor, id: string, change: Body<'updateSupplierProduct'>) {
  if (change.stock !== undefined && change.stockDelta !== undefined) {
    throw badRequest('body.stockDelta', 'send either stock or stockDelta, not both');
  }
  return ctx.db.transaction(async (tx) => {
    const [current] = await tx.select().from(products).where(own(actor, id)).for('update');
    if (!current) throw productNotFound(id);
    const { stockDelta, ...fields } = change;
    const unitPrice = fields.unitPrice ?? current.unitPrice;
    const priceTiers = assertTiers(fields.priceTiers ?? current.priceTiers, unitPrice);
    let stock = fields.stock ?? current.stock;
    if (stockDelta !== undefined) {
      stock = current.stock + stockDelta;
      if (stock < 0) throw conflict(`The stock is ${current.stock}; taking ${-stockDelta} would leave it below zero`, { stock: current.stock });
      if (stock > 2147483647) throw badRequest('body.stockDelta', 'would take the stock past 2147483647');
    }
    const [row] = await tx
      .update(products)
      .set({
        ...fields,
        ...(fields.name !== undefined ? { name: fields.name.trim() } : {}),
        ...(fields.unit !== undefined ? { unit: fields.unit.trim() } : {}),
        priceTiers,
        stock,
        updatedAt: new Date(),
      })
      .where(own(actor, id))
      .returning();
    await recordEvent(tx, {
      type: 'product.updated',
      supplierId: actor.organisation.id,
      userId: actor.userId,
      data: { ...eventData(row!), changed: Object.keys(change) },
    });
    return ownView(actor, row!);
  });
}

/** A product has at most this many images (as ProductUpdate's imageUrls allows). */
const maxImages = 10;

/**
 * Stores an uploaded image and appends its URL to the product's imageUrls. The image is stored
 * before the product's row is locked, so a slow upload to Cloudinary holds no lock; if the product
 * filled up meanwhile, the stored file is left unreferenced (harmless) and the answer is a 409.
 */
export async function addOwnProductImage(ctx: AppContext, actor: OrganisationActor, id: string, data: Buffer, declared: ImageMediaType) {
  const actual = sniffImageType(data);
  if (!actual) throw badRequest('body', 'is not a PNG, JPEG or WebP image (checked by its first bytes)');
  if (actual !== declared) throw badRequest('body', `is a ${actual} image, sent as ${declared}`);
  const full = () => conflict(`A product has at most ${maxImages} images; remove one with PATCH imageUrls first`);
  const current = await getOwnProduct(ctx.db, actor, id);
  if (current.imageUrls.length >= maxImages) throw full();
  const stored = await imageStore(ctx.config).put({ data, contentType: actual });
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(products)
      .set({ imageUrls: sql`array_append(${products.imageUrls}, ${stored.url})`, updatedAt: new Date() })
      .where(and(own(actor, id), sql`cardinality(${products.imageUrls}) < ${maxImages}`))
      .returning();
    if (!row) throw full();
    await recordEvent(tx, {
      type: 'product.updated',
      supplierId: actor.organisation.id,
      userId: actor.userId,
      data: { ...eventData(row), imageUrls: row.imageUrls, changed: ['imageUrls'] },
    });
    return ownView(actor, row);
  });
}
