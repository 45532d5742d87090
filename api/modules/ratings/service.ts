import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { contributions, groups, pickupPasses, products, ratings, suppliers } from '../../db/schema.ts';
import { conflict, notFound } from '../../errors.ts';
import type { Body, Reply } from '../../openapi/contract.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { recordEvent } from '../events/domain-events.ts';

type RatingRow = typeof ratings.$inferSelect;

export const ratingView = (r: RatingRow): Reply<'rateContribution', 201> => ({
  id: r.id,
  contributionId: r.contributionId,
  productId: r.productId,
  supplierId: r.supplierId,
  score: r.score,
  comment: r.comment,
  createdAt: r.createdAt.toISOString(),
});

const alreadyRated = () => conflict('This contribution has already been rated; a contribution is rated once');

/**
 * A trader rates what they collected: only their own contribution (another's is "not found"),
 * only once its pickup pass was redeemed, once. The product's and the organisation's sums and
 * counts move by one UPDATE each in the same transaction, so the averages views show never lag
 * behind the ratings and concurrent ratings all count.
 */
export async function rateContribution(ctx: AppContext, trader: AuthUser, contributionId: string, input: Body<'rateContribution'>) {
  try {
    return await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ contribution: contributions, productId: groups.productId, supplierId: products.supplierId })
        .from(contributions)
        .innerJoin(groups, eq(groups.id, contributions.groupId))
        .innerJoin(products, eq(products.id, groups.productId))
        .where(and(eq(contributions.id, contributionId), eq(contributions.traderId, trader.id)));
      if (!row) throw notFound(`Contribution ${contributionId}`);
      const [collected] = await tx
        .select({ id: pickupPasses.id })
        .from(pickupPasses)
        .where(and(eq(pickupPasses.contributionId, contributionId), eq(pickupPasses.status, 'used')))
        .limit(1);
      if (!collected) throw conflict('You can rate this once you have collected the goods (its pickup pass is redeemed)');
      const [existing] = await tx.select({ id: ratings.id }).from(ratings).where(eq(ratings.contributionId, contributionId));
      if (existing) throw alreadyRated();
      const comment = input.comment?.trim() || null;
      const [rating] = await tx
        .insert(ratings)
        .values({ contributionId, traderId: trader.id, groupId: row.contribution.groupId, productId: row.productId, supplierId: row.supplierId, score: input.score, comment })
        .returning();
      await tx
        .update(products)
        .set({ ratingSum: sql`${products.ratingSum} + ${input.score}`, ratingCount: sql`${products.ratingCount} + 1` })
        .where(eq(products.id, row.productId));
      await tx
        .update(suppliers)
        .set({ ratingSum: sql`${suppliers.ratingSum} + ${input.score}`, ratingCount: sql`${suppliers.ratingCount} + 1` })
        .where(eq(suppliers.id, row.supplierId));
      await recordEvent(tx, {
        type: 'rating.created',
        supplierId: row.supplierId,
        groupId: row.contribution.groupId,
        userId: trader.id,
        data: { id: rating!.id, productId: row.productId, contributionId, score: input.score, comment },
      });
      return ratingView(rating!);
    });
  } catch (err) {
    // Two ratings of one contribution at once: the unique index lets one in.
    if (isUniqueViolation(err, 'ratings_contribution_key')) throw alreadyRated();
    throw err;
  }
}
