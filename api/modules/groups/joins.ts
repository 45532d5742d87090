import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import type { Tx } from '../../db/client.ts';
import { encodeCursor, keyset, page } from '../../db/pagination.ts';
import { contributions, groups, users } from '../../db/schema.ts';
import { HttpProblem, badRequest, conflict, notFound } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { recordGroupEvent } from '../events/domain-events.ts';
import { attributeJoin } from '../ml/events.ts';
import { enqueue } from '../notifications/outbox.ts';
import { paymentLifecycle } from '../payments/lifecycle.ts';
import { contributionLifecycle } from './contribution-lifecycle.ts';
import { joinable } from './lifecycle.ts';
import { joinInTurn, type JoinRules } from './join-batches.ts';
import { lockStake } from './locks.ts';
import { contributionView, type ContributionRow, type GroupRow } from './views.ts';
import type { Body } from '../../openapi/contract.ts';

/** Units a group can still take: unlimited (Infinity) without a maximum. */
const capacityLeft = (g: GroupRow) => (g.maxQuantity === null ? Infinity : g.maxQuantity - g.reservedQuantity - g.paidQuantity);

function assertJoinable(g: GroupRow) {
  if (!joinable.includes(g.status)) throw conflict(`The group is ${g.status}; it no longer takes members`, { currentState: g.status });
  if (g.deadline.getTime() <= Date.now()) throw conflict('The group has passed its deadline', { currentState: g.status });
}

function assertQuantity(g: GroupRow, quantity: number, alreadyMine = 0) {
  if (quantity < g.minPerTrader) throw badRequest('body.quantity', `must be at least ${g.minPerTrader} for this group`);
  if (g.maxPerTrader !== null && quantity > g.maxPerTrader) throw badRequest('body.quantity', `must be at most ${g.maxPerTrader} for this group`);
  const left = capacityLeft(g) + alreadyMine;
  if (quantity > left) {
    throw new HttpProblem(409, 'capacity', 'Not enough left', `Only ${Math.max(0, left)} units are left in this group`, [
      { field: 'body.quantity', message: `must be at most ${Math.max(0, left)} (what is left)` },
    ], { remainingQuantity: Math.max(0, left) });
  }
}

export type JoinInput = Body<'joinGroup'>;

/**
 * Reserves a share. The group row is locked while the join is checked and written, so concurrent
 * joins queue on it and the group is never oversold; the partial unique index on open
 * contributions stops one trader holding two. Joins of a group that arrive together share that
 * lock and one commit (join-batches.ts).
 */
export async function joinGroup(ctx: AppContext, trader: AuthUser, groupId: string, input: JoinInput) {
  const row = await joinInTurn(
    ctx.db,
    {
      groupId,
      traderId: trader.id,
      pickupPointId: input.pickupPointId,
      quantity: input.quantity,
      reservedUntil: new Date(Date.now() + ctx.config.reservationMinutes * 60_000),
      recommendationId: input.recommendationId,
    },
    joinRules,
  );
  return contributionView(row);
}

const joinRules: JoinRules = {
  refusal(g, points, existing, request) {
    try {
      assertJoinable(g);
      if (!points.includes(request.pickupPointId ?? points[0]!)) throw badRequest('body.pickupPointId', 'is not one of this group\'s pickup points');
      if (existing) {
        throw conflict(`You already have a ${existing.status.replace('_', ' ')} contribution of ${existing.quantity} in this group; change its quantity instead`, {
          contributionId: existing.id,
        });
      }
      assertQuantity(g, request.quantity);
      return null;
    } catch (err) {
      if (err instanceof HttpProblem) return err;
      throw err;
    }
  },
  // The join event and the contribution commit together; the id is kept only if it was shown to
  // this trader for this group.
  attribute: (tx, g, request) => attributeJoin(tx, { traderId: request.traderId, groupId: g.id, recommendationId: request.recommendationId }),
};

async function lockMine(tx: Tx, trader: AuthUser, id: string) {
  const [mine] = await tx.select({ traderId: contributions.traderId }).from(contributions).where(eq(contributions.id, id));
  if (!mine || mine.traderId !== trader.id) throw notFound(`Contribution ${id}`);
  const { group: g, contribution: c, payments: held } = await lockStake(tx, id);
  if (c.status !== 'pending_payment') {
    throw conflict(`The contribution is ${c.status.replace('_', ' ')}; only unpaid contributions can change`, {
      currentState: c.status,
      allowedTransitions: contributionLifecycle.allowedFrom(c.status),
    });
  }
  return { c, g, paymentInFlight: held.find((p) => p.status === 'pending')?.id };
}

export async function updateContribution(ctx: AppContext, trader: AuthUser, id: string, quantity: number) {
  const row = await ctx.db.transaction(async (tx) => {
    const { c, g, paymentInFlight } = await lockMine(tx, trader, id);
    if (paymentInFlight) throw conflict('A payment for this contribution is in progress; finish or abandon it first', { paymentId: paymentInFlight });
    assertJoinable(g);
    assertQuantity(g, quantity, c.quantity);
    await tx.update(groups).set({ reservedQuantity: sql`${groups.reservedQuantity} + ${quantity - c.quantity}` }).where(eq(groups.id, g.id));
    const [updated] = await tx
      .update(contributions)
      .set({ quantity, reservedUntil: new Date(Date.now() + ctx.config.reservationMinutes * 60_000), updatedAt: new Date() })
      .where(eq(contributions.id, id))
      .returning();
    return updated!;
  });
  return contributionView(row);
}

export async function leaveGroup(ctx: AppContext, trader: AuthUser, id: string) {
  const row = await ctx.db.transaction(async (tx) => {
    const { c, paymentInFlight } = await lockMine(tx, trader, id);
    // A checkout left open is abandoned; if it is paid after all, verification refunds it.
    if (paymentInFlight) await paymentLifecycle.move(tx, paymentInFlight, 'pending', 'abandoned', { updatedAt: new Date() });
    return release(tx, c, 'cancelled');
  });
  return contributionView(row);
}

/** Gives a pending contribution's units back to its group. Caller holds the group lock. */
export async function release(tx: Tx, c: ContributionRow, status: 'cancelled' | 'lapsed') {
  await tx.update(groups).set({ reservedQuantity: sql`${groups.reservedQuantity} - ${c.quantity}` }).where(eq(groups.id, c.groupId));
  const moved = await contributionLifecycle.move(tx, c.id, c.status, status, { updatedAt: new Date() });
  await recordGroupEvent(tx, 'group.progress', c.groupId);
  return moved;
}

export async function listMyContributions(ctx: AppContext, trader: AuthUser, query: { limit: number; cursor?: string }) {
  const sort = { expr: sql`extract(epoch from ${contributions.createdAt})::float8`, type: 'float8' as const, direction: 'desc' as const };
  const { where, order } = keyset(sort, contributions.id, query.cursor);
  const rows = await ctx.db
    .select({ c: contributions, key: sql<number>`${sort.expr}` })
    .from(contributions)
    .where(and(eq(contributions.traderId, trader.id), where))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.c.id));
  return { items: result.items.map((r) => contributionView(r.c)), nextCursor: result.nextCursor };
}

/** Job: unpaid reservations past their time give their units back. */
export async function releaseLapsedReservations(ctx: AppContext, now = new Date()): Promise<{ released: number }> {
  const lapsed = await ctx.db
    .select()
    .from(contributions)
    .where(and(eq(contributions.status, 'pending_payment'), lt(contributions.reservedUntil, now)))
    .orderBy(desc(contributions.reservedUntil))
    .limit(500);
  let released = 0;
  for (const candidate of lapsed) {
    await ctx.db.transaction(async (tx) => {
      const { contribution: c } = await lockStake(tx, candidate.id);
      // Re-checked under the lock: it may have been paid or extended meanwhile.
      if (c.status !== 'pending_payment' || !c.reservedUntil || c.reservedUntil >= now) return;
      await release(tx, c, 'lapsed');
      const [user] = await tx.select().from(users).where(eq(users.id, c.traderId));
      const [g] = await tx.select().from(groups).where(eq(groups.id, c.groupId));
      await enqueue(tx, [
        { userId: c.traderId, channel: 'sms', recipient: user!.phone, template: 'reservation-released', payload: { group: g!.title, quantity: c.quantity, reason: 'it was not paid in time' } },
      ]);
      released += 1;
    });
    crashPoint('lapse:one-released');
  }
  return { released };
}
