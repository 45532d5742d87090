import { and, count, eq, gte, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Queryable } from '../../db/client.ts';
import { payments, pickupPasses } from '../../db/schema.ts';
import type { Query, Schemas } from '../../openapi/contract.ts';

const hourMs = 3_600_000;

/** Rows counted per hour of `column` since `from`: one grouped scan, whatever the number of hours. */
async function perHour(db: Queryable, table: typeof payments | typeof pickupPasses, column: PgColumn, from: Date, where: SQL) {
  const hour = sql<number>`extract(epoch from date_trunc('hour', ${column}))::float8`.mapWith(Number);
  const rows = await db
    .select({ hour, n: count() })
    .from(table)
    .where(and(gte(column, from), where))
    .groupBy(sql`1`);
  return new Map(rows.map((r) => [Math.round(r.hour * 1000), Number(r.n)]));
}

export async function hourlyActivity(db: Queryable, query: Query<'getDashboardActivity'>, now = new Date()): Promise<Schemas['DashboardActivity']> {
  const current = Math.floor(now.getTime() / hourMs) * hourMs;
  const from = new Date(current - (query.hours - 1) * hourMs);
  const [confirmed, failed, pickups] = await Promise.all([
    // A refund later does not undo that the payment came in during that hour.
    perHour(db, payments, payments.verifiedAt, from, inArray(payments.status, ['successful', 'refund_pending', 'refunded'])),
    perHour(db, payments, payments.updatedAt, from, eq(payments.status, 'failed')),
    perHour(db, pickupPasses, pickupPasses.usedAt, from, isNotNull(pickupPasses.usedAt)),
  ]);
  return {
    hours: Array.from({ length: query.hours }, (_, i) => {
      const start = from.getTime() + i * hourMs;
      return { start: new Date(start).toISOString(), payments: confirmed.get(start) ?? 0, failedPayments: failed.get(start) ?? 0, pickups: pickups.get(start) ?? 0 };
    }),
  };
}
