import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import type { Database } from '../../api/db/client.ts';
import { contributions, groups, notifications, payments, refunds, sandboxTransactions } from '../../api/db/schema.ts';
import { onPostgres } from '../helpers/db.ts';
import { openGroup, reserve } from '../jobs/fixtures.ts';
import { adminHeaders, crashDatabase, runJobOn, startServer, type ServerProcess } from './process.ts';

// Crash consistency of the money paths, with a real API process on PostgreSQL: it is killed with
// SIGKILL at a crash point between two steps (CS_CRASH_AT), started again, and the reconciliation
// jobs run. Every contribution, payment, refund and the group's counts must then agree, each refund
// made at the provider (the sandbox's ledger, in the same database) exactly once, each trader told once.

// Refund claims last 1 s here (300 s by default), so the test need not wait for the dead process's claims to lapse.
const claimEnv = { REFUND_CLAIM_SECONDS: '1' };

/** A paid share: contribution paid, a successful sandbox payment behind it, counted in paidQuantity. */
async function paidShare(db: Database, groupId: string, pointId: string, quantity: number, n: number) {
  const ctx = { db: db.db } as AppContext;
  const c = await reserve(ctx, groupId, pointId, quantity, new Date(Date.now() + 60_000));
  await db.db.update(contributions).set({ status: 'paid', paidAt: new Date(), reservedUntil: null }).where(eq(contributions.id, c.id));
  await db.db
    .update(groups)
    .set({ reservedQuantity: sql`${groups.reservedQuantity} - ${quantity}`, paidQuantity: sql`${groups.paidQuantity} + ${quantity}` })
    .where(eq(groups.id, groupId));
  const total = quantity * 1300;
  const txRef = `CS-CRASH-${n}-${process.pid}-${Date.now()}`;
  const [tx] = await db.db
    .insert(sandboxTransactions)
    .values({ txRef, amount: total, currency: 'USD', customerEmail: 'crash@example.co.zw', status: 'successful' })
    .returning();
  await db.db.insert(payments).values({
    contributionId: c.id,
    traderId: c.traderId,
    provider: 'sandbox',
    txRef,
    providerTransactionId: String(tx!.id),
    goodsAmount: total,
    feeAmount: 0,
    totalAmount: total,
    currency: 'USD',
    status: 'successful',
    verifiedAt: new Date(),
  });
  return c;
}

/** An open group with three paid shares and one unpaid reservation. */
async function groupWithMoney(db: Database) {
  const ctx = { db: db.db } as AppContext;
  const { group, point } = await openGroup(ctx);
  for (let i = 0; i < 3; i++) await paidShare(db, group.id, point.id, 2 + i, i);
  await reserve(ctx, group.id, point.id, 4, new Date(Date.now() + 60_000));
  return group;
}

/** What a finished refunding of the group must look like, whatever happened on the way. */
async function expectRefundedAndConsistent(db: Database, groupId: string, status: 'cancelled' | 'expired') {
  const [g] = await db.db.select().from(groups).where(eq(groups.id, groupId));
  expect(g!.status).toBe(status);
  expect(g).toMatchObject({ reservedQuantity: 0, paidQuantity: 0 });
  const cs = await db.db.select().from(contributions).where(eq(contributions.groupId, groupId));
  expect(cs.map((c) => c.status).sort()).toEqual(['cancelled', 'refunded', 'refunded', 'refunded']);
  for (const c of cs.filter((x) => x.status === 'refunded')) {
    const ps = await db.db.select().from(payments).where(eq(payments.contributionId, c.id));
    expect(ps.map((p) => p.status)).toEqual(['refunded']);
    const rs = await db.db.select().from(refunds).where(eq(refunds.paymentId, ps[0]!.id));
    expect(rs.map((r) => r.status), 'one refund per payment, settled').toEqual(['succeeded']);
    const [ledger] = await db.db.select().from(sandboxTransactions).where(eq(sandboxTransactions.id, Number(ps[0]!.providerTransactionId)));
    expect(ledger!.refundedAmount, 'refunded at the provider exactly once').toBe(ps[0]!.totalAmount);
    const told = await db.db.select().from(notifications).where(and(eq(notifications.userId, c.traderId), eq(notifications.template, 'refund-issued')));
    expect(told, 'the trader is told once').toHaveLength(1);
  }
}

async function refundStates(db: Database) {
  return (await db.db.select({ status: refunds.status }).from(refunds)).map((r) => r.status).sort();
}
async function refundedAtProvider(db: Database) {
  return (await db.db.select({ amount: sandboxTransactions.refundedAmount }).from(sandboxTransactions)).filter((t) => t.amount > 0).length;
}

/** Starts a server that dies at `point` while `trigger` runs; returns once it is dead. */
async function crashAt(url: string, point: string, trigger: (s: ServerProcess, h: Record<string, string>) => Promise<unknown>) {
  const server = await startServer(url, { ...claimEnv, CS_CRASH_AT: point });
  expect(await server.ready, server.output()).toBe(true);
  const headers = await adminHeaders(server);
  await trigger(server, headers).catch(() => undefined); // the connection dies with the process
  expect(await server.exited, server.output()).toEqual({ code: null, signal: 'SIGKILL' });
}

/** Starts a healthy server and runs the reconciliation jobs, as their schedule would. */
async function restartAndReconcile(url: string) {
  const server = await startServer(url, claimEnv);
  try {
    expect(await server.ready, server.output()).toBe(true);
    const headers = await adminHeaders(server);
    // The claims the dead process held on refunds lapse.
    await new Promise((r) => setTimeout(r, 1200));
    for (const job of ['release-reservations', 'expire-groups', 'reconcile-payments', 'settle-refunds']) {
      expect(await runJobOn(server, headers, job), job).toMatchObject({ outcome: 'succeeded' });
    }
    // A second round finds nothing left to do and changes nothing.
    for (const job of ['reconcile-payments', 'settle-refunds']) await runJobOn(server, headers, job);
  } finally {
    await server.stop();
  }
}

const cancel = (groupId: string) => (s: ServerProcess, headers: Record<string, string>) =>
  fetch(`${s.url}/api/groups/${groupId}/transitions`, { method: 'POST', headers, body: JSON.stringify({ to: 'cancelled', reason: 'supplier out of stock' }) });

describe.runIf(onPostgres())('a process killed (SIGKILL) mid-way through refunding (real process, PostgreSQL)', () => {
  it('after the cancellation committed, before any refund was sent: the jobs send each refund once', async () => {
    const db = await crashDatabase();
    try {
      const g = await groupWithMoney(db.database);
      await crashAt(db.url, 'transition:committed', cancel(g.id));
      expect(await refundStates(db.database)).toEqual(['pending', 'pending', 'pending']);
      expect(await refundedAtProvider(db.database)).toBe(0);
      await restartAndReconcile(db.url);
      await expectRefundedAndConsistent(db.database, g.id, 'cancelled');
    } finally {
      await db.drop();
    }
  }, 180_000);

  it('after a refund was claimed, before the provider was called: the job finds no record at the provider and sends it once', async () => {
    const db = await crashDatabase();
    try {
      const g = await groupWithMoney(db.database);
      await crashAt(db.url, 'refund:claimed', cancel(g.id));
      expect(await refundStates(db.database)).toEqual(['sending', 'sending', 'sending']);
      expect(await refundedAtProvider(db.database)).toBe(0);
      await restartAndReconcile(db.url);
      await expectRefundedAndConsistent(db.database, g.id, 'cancelled');
    } finally {
      await db.drop();
    }
  }, 180_000);

  it('after the provider made a refund, before it was recorded: the job records it and never sends it again', async () => {
    const db = await crashDatabase();
    try {
      const g = await groupWithMoney(db.database);
      await crashAt(db.url, 'refund:sent', cancel(g.id));
      expect(await refundStates(db.database)).toEqual(['sending', 'sending', 'sending']);
      expect(await refundedAtProvider(db.database)).toBe(1);
      await restartAndReconcile(db.url);
      await expectRefundedAndConsistent(db.database, g.id, 'cancelled');
    } finally {
      await db.drop();
    }
  }, 180_000);

  it('after the expiry committed, before its refunds were sent: the jobs refund everything once', async () => {
    const db = await crashDatabase();
    try {
      const g = await groupWithMoney(db.database);
      await db.database.db.update(groups).set({ deadline: new Date(Date.now() - 60_000) }).where(eq(groups.id, g.id));
      await crashAt(db.url, 'expire:committed', (s, h) => runJobOn(s, h, 'expire-groups'));
      expect(await refundStates(db.database)).toEqual(['pending', 'pending', 'pending']);
      await restartAndReconcile(db.url);
      await expectRefundedAndConsistent(db.database, g.id, 'expired');
    } finally {
      await db.drop();
    }
  }, 180_000);

  it('after the first of three lapsed reservations was released: the job releases the rest, each once', async () => {
    const db = await crashDatabase();
    try {
      const ctx = { db: db.database.db } as AppContext;
      const { group, point } = await openGroup(ctx);
      const lapsed = [];
      for (let i = 0; i < 3; i++) lapsed.push(await reserve(ctx, group.id, point.id, 2, new Date(Date.now() - 60_000)));
      await crashAt(db.url, 'lapse:one-released', (s, h) => runJobOn(s, h, 'release-reservations'));
      const statuses = async () => (await db.database.db.select().from(contributions).where(eq(contributions.groupId, group.id))).map((c) => c.status).sort();
      expect(await statuses()).toEqual(['lapsed', 'pending_payment', 'pending_payment']);
      await restartAndReconcile(db.url);
      expect(await statuses()).toEqual(['lapsed', 'lapsed', 'lapsed']);
      const [g] = await db.database.db.select().from(groups).where(eq(groups.id, group.id));
      expect(g!.reservedQuantity).toBe(0);
      for (const c of lapsed) {
        const told = await db.database.db.select().from(notifications).where(and(eq(notifications.userId, c.traderId), eq(notifications.template, 'reservation-released')));
        expect(told).toHaveLength(1);
      }
    } finally {
      await db.drop();
    }
  }, 180_000);
});
