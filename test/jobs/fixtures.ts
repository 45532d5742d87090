import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { openDatabase, type Database } from '../../api/db/client.ts';
import { contributions, groups, notifications, pickupPoints, products, suppliers, users } from '../../api/db/schema.ts';
import { withDatabase } from '../setup/global.ts';

let counter = 0;

export async function insertTrader(ctx: AppContext) {
  counter += 1;
  const [row] = await ctx.db
    .insert(users)
    .values({
      email: `jobs-trader${counter}-${process.pid}@example.co.zw`,
      name: 'Rudo Sibanda',
      phone: '+263774000333',
      passwordHash: 'not-a-real-hash',
      market: 'Mbare Musika',
    })
    .returning();
  return row!;
}

/** Two queued notifications, as a registration would leave in the outbox. */
export async function queueTwoNotifications(ctx: AppContext) {
  const trader = await insertTrader(ctx);
  await ctx.db.insert(notifications).values([
    { userId: trader.id, channel: 'email', recipient: trader.email, template: 'welcome', payload: { name: trader.name, market: trader.market } },
    { userId: trader.id, channel: 'sms', recipient: trader.phone, template: 'welcome', payload: { name: trader.name, market: trader.market } },
  ]);
}

/** An open group with a pickup point, a supplier's product behind it and nothing reserved yet. */
export async function openGroup(ctx: AppContext) {
  counter += 1;
  const [supplier] = await ctx.db
    .insert(suppliers)
    .values({ name: 'Harare Grain Co', area: 'Workington', phone: '+263242000000', email: 'sales@grain.example.co.zw', status: 'verified' })
    .returning();
  const [product] = await ctx.db
    .insert(products)
    .values({
      supplierId: supplier!.id,
      sku: `JOBS-MM-${counter}-${process.pid}`,
      name: 'Roller meal 20 kg',
      description: 'White maize roller meal',
      category: 'mealie-meal',
      unit: 'bag',
      unitPrice: 1450,
    })
    .returning();
  const [point] = await ctx.db
    .insert(pickupPoints)
    .values({ name: 'Mbare Musika pickup', market: 'Mbare Musika', address: 'Stand 12, Mbare Musika', openingHours: 'Mon-Sat 07:00-17:00' })
    .returning();
  const [group] = await ctx.db
    .insert(groups)
    .values({
      productId: product!.id,
      title: 'Roller meal for Mbare',
      status: 'open',
      moq: 20,
      deadline: new Date(Date.now() + 7 * 86_400_000),
      unitPrice: 1300,
    })
    .returning();
  return { group: group!, point: point! };
}

/** A pending reservation of `quantity` units, counted in the group's reservedQuantity. */
export async function reserve(ctx: AppContext, groupId: string, pickupPointId: string, quantity: number, reservedUntil: Date) {
  const trader = await insertTrader(ctx);
  const [c] = await ctx.db
    .insert(contributions)
    .values({ groupId, traderId: trader.id, pickupPointId, quantity, unitPrice: 1300, currency: 'USD', status: 'pending_payment', reservedUntil })
    .returning();
  await ctx.db
    .update(groups)
    .set({ reservedQuantity: sql`${groups.reservedQuantity} + ${quantity}` })
    .where(sql`${groups.id} = ${groupId}`);
  return c!;
}

/**
 * A second, independent connection to the same database, as another process would have: on
 * PostgreSQL a Database of its own on the same URL. PGlite cannot be opened twice, so there the
 * same Database is returned (its lock guards the one process that can use it).
 */
export async function secondConnection(ctx: AppContext): Promise<{ ctx: AppContext; close(): Promise<void> }> {
  const template = inject('pgTemplateUrl');
  if (!template) return { ctx, close: async () => {} };
  const result = await ctx.db.execute<{ name: string }>(sql`select current_database() as name`);
  const name = (result as unknown as { rows: { name: string }[] }).rows[0]!.name;
  const database: Database = await openDatabase({ databaseUrl: withDatabase(template, name), poolSize: 4 });
  return { ctx: { ...ctx, database, db: database.db }, close: () => database.close() };
}

/** A promise with its resolve handle, to hold a job in the middle of its run. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

export async function until(check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
