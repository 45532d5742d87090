import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { contributions, groups, payments, pickupPasses, products, refunds, supplierOrders } from '../../api/db/schema.ts';
import type { StateMachine } from '../../api/db/state-machine.ts';
import { HttpProblem } from '../../api/errors.ts';
import { contributionLifecycle } from '../../api/modules/groups/contribution-lifecycle.ts';
import { groupLifecycle } from '../../api/modules/groups/lifecycle.ts';
import { paymentLifecycle, refundLifecycle } from '../../api/modules/payments/lifecycle.ts';
import { passLifecycle } from '../../api/modules/qr/lifecycle.ts';
import { orderLifecycle } from '../../api/modules/orders/lifecycle.ts';
import { testContext } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { openGroup, reserve } from '../jobs/fixtures.ts';

let ctx: AppContext;
let counter = 0;

beforeAll(async () => {
  ctx = await testContext();
});
beforeEach(async () => {
  await resetDatabase(ctx.database);
});

/** A contribution, a payment on it and a refund of that payment, each in a state of our choosing. */
async function stake() {
  const { group, point } = await openGroup(ctx);
  const c = await reserve(ctx, group.id, point.id, 2, new Date(Date.now() + 60_000));
  counter += 1;
  const [p] = await ctx.db
    .insert(payments)
    .values({ contributionId: c.id, traderId: c.traderId, provider: 'sandbox', txRef: `CS-LC-${counter}-${process.pid}`, goodsAmount: 2600, feeAmount: 65, totalAmount: 2665, currency: 'USD' })
    .returning();
  return { group, point, c, p: p! };
}

// Each lifecycle, and how to make one row of it in a given state (written directly: this is the setup).
const lifecycles: { machine: StateMachine<string>; make(status: string): Promise<string> }[] = [
  {
    machine: groupLifecycle as unknown as StateMachine<string>,
    async make(status) {
      const { group } = await openGroup(ctx);
      await ctx.db.update(groups).set({ status: status as never }).where(eq(groups.id, group.id));
      return group.id;
    },
  },
  {
    machine: contributionLifecycle as unknown as StateMachine<string>,
    async make(status) {
      const { c } = await stake();
      await ctx.db.update(contributions).set({ status: status as never }).where(eq(contributions.id, c.id));
      return c.id;
    },
  },
  {
    machine: paymentLifecycle as unknown as StateMachine<string>,
    async make(status) {
      const { p } = await stake();
      await ctx.db.update(payments).set({ status: status as never }).where(eq(payments.id, p.id));
      return p.id;
    },
  },
  {
    machine: refundLifecycle as unknown as StateMachine<string>,
    async make(status) {
      const { p } = await stake();
      const [r] = await ctx.db.insert(refunds).values({ paymentId: p.id, amount: 2665, currency: 'USD', reason: 'test', status: status as never }).returning();
      return r!.id;
    },
  },
  {
    machine: passLifecycle as unknown as StateMachine<string>,
    async make(status) {
      const { group, point, c } = await stake();
      const [pass] = await ctx.db
        .insert(pickupPasses)
        .values({ contributionId: c.id, groupId: group.id, traderId: c.traderId, pickupPointId: point.id, quantity: 2, status: status as never, expiresAt: new Date(Date.now() + 86_400_000) })
        .returning();
      return pass!.id;
    },
  },
  {
    machine: orderLifecycle as unknown as StateMachine<string>,
    async make(status) {
      const { group } = await openGroup(ctx);
      const [product] = await ctx.db.select().from(products).where(eq(products.id, group.productId));
      const [order] = await ctx.db
        .insert(supplierOrders)
        .values({ groupId: group.id, supplierId: product!.supplierId, status: status as never, quantity: 20, unitPrice: 1300, currency: 'USD', subtotal: 26000 })
        .returning();
      return order!.id;
    },
  },
];

async function statusOf(machine: StateMachine<string>, id: string) {
  const t = machine.table;
  const [row] = await ctx.db.select({ status: t.status }).from(t).where(eq(t.id, id));
  return row!.status as string;
}

describe('every lifecycle table, walked on the real database', () => {
  for (const { machine, make } of lifecycles) {
    it(`${machine.noun}: each listed move works, every other move is a 409 naming the current state`, async () => {
      let allowed = 0;
      let refused = 0;
      for (const from of machine.states) {
        for (const to of machine.states) {
          if (to === from) continue;
          const id = await make(from);
          if (machine.can(from, to)) {
            const row = (await machine.move(ctx.db, id, from, to)) as { status: string };
            expect(row.status, `${from} → ${to}`).toBe(to);
            expect(await statusOf(machine, id)).toBe(to);
            allowed += 1;
          } else {
            const err = await machine.move(ctx.db, id, from, to).then(() => undefined, (e: unknown) => e);
            expect(err, `${from} → ${to} must be refused`).toBeInstanceOf(HttpProblem);
            expect((err as HttpProblem).status).toBe(409);
            expect((err as HttpProblem).extensions).toMatchObject({ currentState: from, allowedTransitions: machine.allowedFrom(from) });
            expect(await statusOf(machine, id), `${from} → ${to} changed nothing`).toBe(from);
            refused += 1;
          }
        }
      }
      // Both kinds were walked (a table with no moves, or only moves, would test nothing).
      expect(allowed).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('a move from a state the row has already left is a 409 naming the state it is in now', async () => {
    const { c } = await stake();
    await contributionLifecycle.move(ctx.db, c.id, 'pending_payment', 'paid');
    const err = await contributionLifecycle.move(ctx.db, c.id, 'pending_payment', 'cancelled').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).extensions).toMatchObject({ currentState: 'paid', allowedTransitions: ['refunded'] });
    expect(await statusOf(contributionLifecycle as unknown as StateMachine<string>, c.id)).toBe('paid');
  });
});
