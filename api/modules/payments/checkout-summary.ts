import { eq } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { contributions, groups, payments, products } from '../../db/schema.ts';
import type { CheckoutLines } from './providers/sandbox.ts';

/**
 * What a payer needs to see on a checkout page, and nothing more: the page is reachable by anyone
 * holding its link, so it names the item, never the trader (no email, name or phone).
 */
export async function checkoutSummary(db: Queryable, txRef: string): Promise<CheckoutLines | null> {
  const [row] = await db
    .select({
      item: groups.title,
      unit: products.unit,
      quantity: contributions.quantity,
      goods: payments.goodsAmount,
      fee: payments.feeAmount,
      total: payments.totalAmount,
      currency: payments.currency,
    })
    .from(payments)
    .innerJoin(contributions, eq(contributions.id, payments.contributionId))
    .innerJoin(groups, eq(groups.id, contributions.groupId))
    .innerJoin(products, eq(products.id, groups.productId))
    .where(eq(payments.txRef, txRef));
  return row ?? null;
}
