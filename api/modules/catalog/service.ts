import { and, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { pickupPoints, products, suppliers, type PriceTier } from '../../db/schema.ts';
import { HttpProblem, badRequest, notFound } from '../../errors.ts';
import type { Body, Query } from '../../openapi/contract.ts';
import { ratingAverage } from '../ratings/average.ts';

type ProductRow = typeof products.$inferSelect;

export function productView(p: ProductRow, supplierName: string) {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    category: p.category,
    unit: p.unit,
    unitPrice: p.unitPrice,
    currency: p.currency,
    priceTiers: p.priceTiers,
    stock: p.stock,
    supplierId: p.supplierId,
    supplierName,
    imageUrls: p.imageUrls,
    active: p.active,
    ratingAverage: ratingAverage(p.ratingSum, p.ratingCount),
    ratingCount: p.ratingCount,
    createdAt: p.createdAt.toISOString(),
  };
}

/** The unit price a group of `quantity` units pays: the best tier it reaches, else the base price. */
export function tierPrice(product: Pick<ProductRow, 'unitPrice' | 'priceTiers'>, quantity: number): number {
  let price = product.unitPrice;
  for (const tier of product.priceTiers) if (quantity >= tier.minQuantity && tier.unitPrice < price) price = tier.unitPrice;
  return price;
}

/** Tiers sorted by quantity, each a discount on the base price (the organisation's catalog and CSV import check with it too). */
export function assertTiers(tiers: PriceTier[] | undefined, basePrice: number, field = 'body.priceTiers'): PriceTier[] {
  if (!tiers) return [];
  const sorted = [...tiers].sort((a, b) => a.minQuantity - b.minQuantity);
  sorted.forEach((t, i) => {
    if (i > 0 && t.minQuantity === sorted[i - 1]!.minQuantity) throw badRequest(`${field}.${i}.minQuantity`, 'appears twice');
    if (t.unitPrice > basePrice) throw badRequest(`${field}.${i}.unitPrice`, 'must not exceed the base unit price (tiers are volume discounts)');
  });
  return sorted;
}

export type ProductQuery = Query<'listProducts'>;

export async function listProducts(db: Queryable, query: ProductQuery, includeInactive: boolean) {
  const conditions: SQL[] = [];
  // Traders see only what can be bought: active products of verified organisations.
  if (!includeInactive) conditions.push(eq(products.active, true), eq(suppliers.status, 'verified'));
  if (query.category) conditions.push(eq(products.category, query.category));
  if (query.minPrice !== undefined) conditions.push(gte(products.unitPrice, query.minPrice));
  if (query.maxPrice !== undefined) conditions.push(lte(products.unitPrice, query.maxPrice));
  if (query.supplierId) conditions.push(eq(products.supplierId, query.supplierId));
  const tsQuery = query.q?.trim() ? sql`websearch_to_tsquery('english', ${query.q.trim()})` : undefined;
  if (tsQuery) conditions.push(sql`${products.search} @@ ${tsQuery}`);
  // With words to search for, the best matches come first; otherwise by name.
  const sort: SortKey = tsQuery
    ? { expr: sql`ts_rank(${products.search}, ${tsQuery})::float8`, type: 'float8', direction: 'desc' }
    : { expr: sql`extract(epoch from ${products.createdAt})::float8`, type: 'float8', direction: 'desc' };
  const { where, order } = keyset(sort, products.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ product: products, supplierName: suppliers.name, key: sql<number>`${sort.expr}` })
    .from(products)
    .innerJoin(suppliers, eq(suppliers.id, products.supplierId))
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.product.id));
  return { items: result.items.map((r) => productView(r.product, r.supplierName)), nextCursor: result.nextCursor };
}

export async function getProduct(db: Queryable, id: string) {
  const [row] = await db
    .select({ product: products, supplierName: suppliers.name })
    .from(products)
    .innerJoin(suppliers, eq(suppliers.id, products.supplierId))
    .where(eq(products.id, id));
  if (!row) throw notFound(`Product ${id}`);
  return productView(row.product, row.supplierName);
}

export type ProductInput = Body<'createProduct'>;

export async function createProduct(db: Queryable, input: ProductInput) {
  const [supplier] = await db.select().from(suppliers).where(eq(suppliers.id, input.supplierId));
  if (!supplier) throw badRequest('body.supplierId', 'is not a known supplier');
  const [existing] = await db.select({ id: products.id }).from(products).where(eq(products.sku, input.sku));
  if (existing) {
    throw new HttpProblem(409, 'conflict', 'Conflict', `A product with SKU ${input.sku} exists`, [{ field: 'body.sku', message: 'is already used' }]);
  }
  const [row] = await db
    .insert(products)
    .values({ ...input, currency: 'USD', priceTiers: assertTiers(input.priceTiers, input.unitPrice), imageUrls: input.imageUrls ?? [] })
    .returning();
  return productView(row!, supplier.name);
}

export async function updateProduct(db: Queryable, id: string, change: Partial<ProductInput> & { active?: boolean }) {
  const current = await getProduct(db, id);
  const basePrice = change.unitPrice ?? current.unitPrice;
  const priceTiers = assertTiers(change.priceTiers ?? current.priceTiers, basePrice);
  await db
    .update(products)
    .set({ ...change, priceTiers, updatedAt: new Date() })
    .where(eq(products.id, id));
  return getProduct(db, id);
}

export type PickupPointRow = typeof pickupPoints.$inferSelect;

export const pickupPointView = (p: PickupPointRow) => ({
  id: p.id,
  name: p.name,
  market: p.market,
  address: p.address,
  openingHours: p.openingHours,
  lat: p.lat,
  lng: p.lng,
});

export async function listPickupPoints(db: Queryable) {
  const rows = await db.select().from(pickupPoints).orderBy(pickupPoints.market, pickupPoints.name);
  return { items: rows.map(pickupPointView) };
}

export async function createPickupPoint(db: Queryable, input: Omit<PickupPointRow, 'id' | 'createdAt' | 'lat' | 'lng'> & { lat?: number; lng?: number }) {
  const [row] = await db.insert(pickupPoints).values(input).returning();
  return pickupPointView(row!);
}

export async function pickupPointsByIds(db: Queryable, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(pickupPoints).where(idIn(pickupPoints.id, ids));
}
