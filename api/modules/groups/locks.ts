import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { contributions, payments } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { lockGroup } from './service.ts';

/**
 * Locks a contribution with everything its money moves touch, in the one order every writer
 * uses: its group, then the contribution, then its payments (by id). Writers that take the same
 * rows in the same order queue instead of deadlocking, and whatever they read under these locks
 * stays true until they commit. Group-wide moves (applyTransition) hold the group lock, which
 * every contribution writer takes first.
 */
export async function lockStake(tx: Tx, contributionId: string) {
  const [unlocked] = await tx.select({ groupId: contributions.groupId }).from(contributions).where(eq(contributions.id, contributionId));
  if (!unlocked) throw notFound(`Contribution ${contributionId}`);
  const group = await lockGroup(tx, unlocked.groupId);
  const [contribution] = await tx.select().from(contributions).where(eq(contributions.id, contributionId)).for('update');
  const held = await tx.select().from(payments).where(eq(payments.contributionId, contributionId)).orderBy(asc(payments.id)).for('update');
  return { group, contribution: contribution!, payments: held };
}
