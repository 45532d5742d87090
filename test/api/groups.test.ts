import type { FastifyInstance } from 'fastify';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analyticsEvents, contributions, domainEvents, groups, refunds } from '../../api/db/schema.ts';
import { releaseLapsedReservations } from '../../api/modules/groups/joins.ts';
import { expireOverdueGroups } from '../../api/modules/payments/service.ts';
import { buildApp } from '../../api/app.ts';
import { freshApp } from '../helpers/app.ts';
import { anotherProcessDatabase, onPostgres, resetDatabase } from '../helpers/db.ts';
import { market, openGroup, payInSandbox, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, registerUser, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let m: Market;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  m = await market(app);
});
afterAll(() => app.close());

const join = (s: Session, groupId: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: { ...bearer(s.accessToken), ...headers }, payload });
const admin = () => bearer(m.admin.accessToken);
/** The trader's joins as the server recorded them in the analytics store. */
const serverJoins = async (userId: string) =>
  (await app.ctx.db.select().from(analyticsEvents).where(and(eq(analyticsEvents.userId, userId), eq(analyticsEvents.type, 'join'), eq(analyticsEvents.source, 'server')))).length;

describe('joining', () => {
  it('enforces per-trader limits, capacity and one open contribution per trader', async () => {
    const g = await openGroup(app, m, { moq: 5, maxQuantity: 12, minPerTrader: 2, maxPerTrader: 8 });
    const a = await trader(app);
    expect((await join(a, g.id, { quantity: 1 })).json().errors).toEqual([{ field: 'body.quantity', message: 'must be at least 2 for this group' }]);
    expect((await join(a, g.id, { quantity: 9 })).json().errors[0].message).toBe('must be at most 8 for this group');
    expect((await join(a, g.id, { quantity: 8 })).statusCode).toBe(201);
    const twice = await join(a, g.id, { quantity: 2 });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().contributionId).toBeDefined();
    // The join is recorded once as the server's analytics event; the refused one not at all.
    expect(await serverJoins(a.user.id)).toBe(1);
    const b = await trader(app);
    const over = await join(b, g.id, { quantity: 5 });
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ remainingQuantity: 4, errors: [{ field: 'body.quantity' }] });
    expect((await join(b, g.id, { quantity: 4 })).statusCode).toBe(201);
  });

  it('refuses bad input with problem+json naming the field', async () => {
    const g = await openGroup(app, m);
    const a = await trader(app);
    for (const [payload, field] of [
      [{}, 'body.quantity'],
      [{ quantity: 0 }, 'body.quantity'],
      [{ quantity: '3' }, 'body.quantity'],
      [{ quantity: 2, pickupPointId: 'x' }, 'body.pickupPointId'],
      [{ quantity: 2, pickupPointId: '00000000-0000-4000-8000-000000000000' }, 'body.pickupPointId'],
    ] as const) {
      const res = await join(a, g.id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await join(a, '00000000-0000-4000-8000-000000000000', { quantity: 2 })).statusCode).toBe(404);
    expect((await app.ctx.db.select().from(contributions))).toHaveLength(0);
  });

  it('a retried join with the same Idempotency-Key reserves once', async () => {
    const g = await openGroup(app, m);
    const a = await trader(app);
    const first = await join(a, g.id, { quantity: 3 }, { 'idempotency-key': 'join-key-0001' });
    const retry = await join(a, g.id, { quantity: 3 }, { 'idempotency-key': 'join-key-0001' });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    const [row] = await app.ctx.db.select().from(groups).where(eq(groups.id, g.id));
    expect(row!.reservedQuantity).toBe(3);
  });

  it('changes the quantity or leaves before paying, releasing units', async () => {
    const g = await openGroup(app, m);
    const a = await trader(app);
    const c = (await join(a, g.id, { quantity: 3 })).json();
    const up = await app.inject({ method: 'PATCH', url: `/api/contributions/${c.id}`, headers: bearer(a.accessToken), payload: { quantity: 6 } });
    expect(up.json().quantity).toBe(6);
    expect((await app.ctx.db.select().from(groups).where(eq(groups.id, g.id)))[0]!.reservedQuantity).toBe(6);
    const other = await trader(app);
    expect((await app.inject({ method: 'DELETE', url: `/api/contributions/${c.id}`, headers: bearer(other.accessToken) })).statusCode).toBe(404);
    const left = await app.inject({ method: 'DELETE', url: `/api/contributions/${c.id}`, headers: bearer(a.accessToken) });
    expect(left.json().status).toBe('cancelled');
    expect((await app.ctx.db.select().from(groups).where(eq(groups.id, g.id)))[0]!.reservedQuantity).toBe(0);
    const mine = await app.inject({ url: '/api/contributions', headers: bearer(a.accessToken) });
    expect(mine.json().items.map((x: { status: string }) => x.status)).toEqual(['cancelled']);
  });

  it('lapsed reservations give their units back', async () => {
    const g = await openGroup(app, m);
    const a = await trader(app);
    const c = (await join(a, g.id, { quantity: 5 })).json();
    const later = new Date(Date.now() + (app.ctx.config.reservationMinutes + 1) * 60_000);
    expect(await releaseLapsedReservations(app.ctx, later)).toEqual({ released: 1 });
    const [row] = await app.ctx.db.select().from(contributions).where(eq(contributions.id, c.id));
    expect(row!.status).toBe('lapsed');
    expect((await app.ctx.db.select().from(groups).where(eq(groups.id, g.id)))[0]!.reservedQuantity).toBe(0);
  });

  it('joins of several groups arriving together are each decided by their own group', async () => {
    // Waiting joins share one transaction across groups (join-batches.ts): a full group, an unknown
    // one and a roomy one in the same batch refuse and accept each join for its own reason.
    const small = await openGroup(app, m, { moq: 3, maxQuantity: 6, maxPerTrader: 3 });
    const roomy = await openGroup(app, m, { moq: 3, maxQuantity: 30, maxPerTrader: 3 });
    const ts = await Promise.all(Array.from({ length: 4 }, () => registerUser(app)));
    const results = await Promise.all([
      ...ts.map((t) => join(t, small.id, { quantity: 3 })),
      ...ts.map((t) => join(t, roomy.id, { quantity: 3 })),
      join(ts[0]!, '00000000-0000-4000-8000-000000000000', { quantity: 3 }),
    ]);
    expect(results.slice(0, 4).map((r) => r.statusCode).sort()).toEqual([201, 201, 409, 409]);
    expect(results.slice(0, 4).filter((r) => r.statusCode === 409).every((r) => r.json().remainingQuantity === 0)).toBe(true);
    expect(results.slice(4, 8).map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(results[8]!.statusCode).toBe(404);
    const counters = await app.ctx.db.select().from(groups);
    expect(Object.fromEntries(counters.map((g) => [g.id, g.reservedQuantity]))).toEqual({ [small.id]: 6, [roomy.id]: 12 });
    // Each group's last progress event carries its own counter.
    const events = await app.ctx.db.select().from(domainEvents).where(eq(domainEvents.type, 'group.progress')).orderBy(domainEvents.id);
    const last = new Map(events.map((e) => [e.groupId, (e.data as { reservedQuantity: number }).reservedQuantity]));
    expect(Object.fromEntries(last)).toEqual({ [small.id]: 6, [roomy.id]: 12 });
    for (const t of ts) expect(await serverJoins(t.user.id)).toBe(results.filter((r) => r.statusCode === 201 && r.json().traderId === t.user.id).length);
  });

  it.runIf(onPostgres())('never oversells when many traders join at once (real PostgreSQL)', async () => {
    const g = await openGroup(app, m, { moq: 10, maxQuantity: 25, maxPerTrader: 3 });
    const traders = await Promise.all(Array.from({ length: 20 }, () => registerUser(app)));
    const results = await Promise.all(traders.map((t) => join(t, g.id, { quantity: 3 })));
    const ok = results.filter((r) => r.statusCode === 201).length;
    const full = results.filter((r) => r.statusCode === 409).length;
    expect(ok).toBe(8); // 8 × 3 = 24 ≤ 25; a ninth would make 27
    expect(full).toBe(12);
    const [row] = await app.ctx.db.select().from(groups).where(eq(groups.id, g.id));
    expect(row!.reservedQuantity).toBe(24);
    const rows = await app.ctx.db.select().from(contributions).where(eq(contributions.groupId, g.id));
    expect(rows.reduce((s, r) => s + r.quantity, 0)).toBe(24);
  });

  it.runIf(onPostgres())('one trader racing the same join twice gets one contribution (real PostgreSQL)', async () => {
    const g = await openGroup(app, m);
    const a = await trader(app);
    const results = await Promise.all(Array.from({ length: 5 }, () => join(a, g.id, { quantity: 2 })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect((await app.ctx.db.select().from(groups).where(eq(groups.id, g.id)))[0]!.reservedQuantity).toBe(2);
  });
  it.runIf(onPostgres())('the same traders joining three groups at once: none oversold, each join counted once (real PostgreSQL)', async () => {
    // Joins of one group share a transaction; batches of different groups for the same traders must
    // not deadlock (a deadlock would surface as a 500 or a slow retry).
    const gs = await Promise.all([0, 1, 2].map(() => openGroup(app, m, { moq: 5, maxQuantity: 20, maxPerTrader: 3 })));
    const ts = await Promise.all(Array.from({ length: 10 }, () => registerUser(app)));
    const results = await Promise.all(gs.flatMap((g) => ts.map((t) => join(t, g.id, { quantity: 3 }))));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(18); // 6 × 3 = 18 ≤ 20 per group
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(12);
    for (const g of gs) expect((await app.ctx.db.select().from(groups).where(eq(groups.id, g.id)))[0]!.reservedQuantity).toBe(18);
    const accepted = new Map<string, number>();
    results.forEach((r) => r.statusCode === 201 && accepted.set(r.json().traderId, (accepted.get(r.json().traderId) ?? 0) + 1));
    for (const t of ts) expect(await serverJoins(t.user.id)).toBe(accepted.get(t.user.id) ?? 0);
  });

  it.runIf(onPostgres())('two API processes batching joins of the same groups at once: each join answered, none oversold, one contribution per trader, no deadlock (real PostgreSQL)', async () => {
    // Each process batches its waiting joins across groups and locks a batch's groups in one
    // statement, in id order: batches of the two processes over overlapping groups queue on each
    // other. A trader joining the same group through both at once gets one contribution (the
    // unique index refuses the second batch, whose joins are then tried one by one).
    const database = await anotherProcessDatabase();
    const other = await buildApp({ ...app.ctx, database, db: database.db }, false);
    // A deadlock would not show in the answers (its batch is retried one join at a time): it shows
    // in PostgreSQL's count, which sessions report once idle (within a second or two).
    const deadlocks = async (settle: number) => {
      await new Promise((r) => setTimeout(r, settle));
      const result = await app.ctx.db.execute<{ n: string }>(sql`select deadlocks as n from pg_stat_database where datname = current_database()`);
      return Number((result as unknown as { rows: { n: string }[] }).rows[0]!.n);
    };
    const deadlocksBefore = await deadlocks(0);
    try {
      const gs = await Promise.all(Array.from({ length: 8 }, () => openGroup(app, m, { moq: 5, maxQuantity: 24, maxPerTrader: 3 })));
      const ts = await Promise.all(Array.from({ length: 12 }, () => registerUser(app)));
      // Each process takes the groups in an order of its own (one forwards, the other backwards),
      // so their batches would take the groups' locks in opposite orders if they took them as asked.
      const requests = ts.flatMap((t) => [
        ...gs.map((g) => ({ g, t, server: app })),
        ...[...gs].reverse().map((g) => ({ g, t, server: other })),
      ]);
      const results = await Promise.all(
        requests.map(({ g, t, server }) => server.inject({ method: 'POST', url: `/api/groups/${g.id}/join`, headers: bearer(t.accessToken), payload: { quantity: 3 } })),
      );
      expect(results.every((r) => r.statusCode === 201 || r.statusCode === 409), results.map((r) => r.statusCode).join()).toBe(true);
      for (const g of gs) {
        const [row] = await app.ctx.db.select().from(groups).where(eq(groups.id, g.id));
        const open = await app.ctx.db.select().from(contributions).where(and(eq(contributions.groupId, g.id), eq(contributions.status, 'pending_payment')));
        expect(row!.reservedQuantity).toBe(24); // 8 of the 12 traders, 3 units each
        expect(open.reduce((sum, c) => sum + c.quantity, 0)).toBe(24);
        // Each trader asked for each group through both processes: one contribution at most.
        expect(new Set(open.map((c) => c.traderId)).size).toBe(open.length);
      }
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(64);
      expect(await deadlocks(2500)).toBe(deadlocksBefore);
    } finally {
      await other.close();
      await database.close();
    }
  });

  it.runIf(onPostgres())('joins, quantity changes and leaves racing on one group keep its counter equal to its open contributions (real PostgreSQL)', async () => {
    // The join reserves with one conditional UPDATE; changes and leaves lock the row first. Mixed
    // at once they must agree: reserved = what open contributions hold, never above the maximum.
    const g = await openGroup(app, m, { moq: 10, maxQuantity: 40, maxPerTrader: 5 });
    const early = await Promise.all(Array.from({ length: 6 }, () => registerUser(app)));
    const held = await Promise.all(early.map(async (t) => ({ t, c: (await join(t, g.id, { quantity: 4 })).json() })));
    const late = await Promise.all(Array.from({ length: 12 }, () => registerUser(app)));
    const results = await Promise.all([
      ...late.map((t) => join(t, g.id, { quantity: 3 })),
      ...held.slice(0, 3).map(({ t, c }) => app.inject({ method: 'DELETE', url: `/api/contributions/${c.id}`, headers: bearer(t.accessToken) })),
      ...held.slice(3).map(({ t, c }) => app.inject({ method: 'PATCH', url: `/api/contributions/${c.id}`, headers: bearer(t.accessToken), payload: { quantity: 5 } })),
    ]);
    expect(results.every((r) => [200, 201, 409].includes(r.statusCode)), results.map((r) => r.statusCode).join()).toBe(true);
    const [row] = await app.ctx.db.select().from(groups).where(eq(groups.id, g.id));
    const open = (await app.ctx.db.select().from(contributions).where(eq(contributions.groupId, g.id))).filter((c) => c.status === 'pending_payment');
    expect(row!.reservedQuantity).toBe(open.reduce((s, c) => s + c.quantity, 0));
    expect(row!.reservedQuantity).toBeLessThanOrEqual(40);
    expect(results.filter((r) => r.statusCode === 201).length).toBe(open.length - 3);
  });
});

describe('the group lifecycle', () => {
  it('refuses invalid transitions with a 409 naming the current state', async () => {
    const g = await openGroup(app, m);
    const res = await app.inject({ method: 'POST', url: `/api/groups/${g.id}/transitions`, headers: admin(), payload: { to: 'shipped' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ currentState: 'open' });
    expect(res.json().detail).toMatch(/from open to shipped/);
    const funded = await app.inject({ method: 'POST', url: `/api/groups/${g.id}/transitions`, headers: admin(), payload: { to: 'funded' } });
    expect(funded.statusCode).toBe(409);
    expect(funded.json().detail).toMatch(/by itself/);
    const bad = await app.inject({ method: 'POST', url: `/api/groups/${g.id}/transitions`, headers: admin(), payload: { to: 'teleported' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.to');
  });

  it('only admins create or move groups', async () => {
    const g = await openGroup(app, m);
    const t = await trader(app);
    expect((await app.inject({ method: 'POST', url: `/api/groups/${g.id}/transitions`, headers: bearer(t.accessToken), payload: { to: 'cancelled' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/groups', headers: bearer(t.accessToken), payload: {} })).statusCode).toBe(403);
  });

  it('validates a new group', async () => {
    const base = { productId: m.productId, moq: 10, deadline: new Date(Date.now() + 86_400_000).toISOString(), pickupPointIds: m.pointIds };
    for (const [change, field] of [
      [{ deadline: new Date(Date.now() - 1000).toISOString() }, 'body.deadline'],
      [{ maxQuantity: 5 }, 'body.maxQuantity'],
      [{ minPerTrader: 5, maxPerTrader: 2 }, 'body.maxPerTrader'],
      [{ pickupPointIds: [] }, 'body.pickupPointIds'],
      [{ pickupPointIds: ['00000000-0000-4000-8000-000000000000'] }, 'body.pickupPointIds'],
      [{ productId: '00000000-0000-4000-8000-000000000000' }, 'body.productId'],
      [{ moq: 0 }, 'body.moq'],
      [{ deadline: 'tomorrow' }, 'body.deadline'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/api/groups', headers: admin(), payload: { ...base, ...change } });
      expect(res.statusCode, JSON.stringify(change)).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect(await app.ctx.db.select().from(groups)).toHaveLength(0);
  });

  it('expires a group past its deadline below its MOQ and refunds every payment', async () => {
    const g = await openGroup(app, m, { moq: 10 });
    const paid = await trader(app);
    const pending = await trader(app);
    const c1 = (await join(paid, g.id, { quantity: 4 })).json();
    await payInSandbox(app, paid, c1.id);
    await join(pending, g.id, { quantity: 2 });
    const result = await expireOverdueGroups(app.ctx, undefined, new Date(Date.now() + 4 * 86_400_000));
    expect(result).toMatchObject({ expired: 1, refunded: 1, refundsFailed: 0 });
    const view = (await app.inject({ url: `/api/groups/${g.id}?`, headers: bearer(paid.accessToken) })).json();
    expect(view).toMatchObject({ status: 'expired', paidQuantity: 0, reservedQuantity: 0 });
    const statuses = (await app.ctx.db.select().from(contributions)).map((c) => c.status).sort();
    expect(statuses).toEqual(['cancelled', 'refunded']);
    const [refund] = await app.ctx.db.select().from(refunds);
    expect(refund).toMatchObject({ status: 'succeeded', amount: 1760 });
    const payment = (await app.inject({ url: '/api/payments', headers: admin() })).json().items[0];
    expect(payment).toMatchObject({ status: 'refunded' });
  });

  it('an admin cancelling a funded group refunds its payments', async () => {
    const g = await openGroup(app, m, { moq: 4 });
    const a = await trader(app);
    const c = (await join(a, g.id, { quantity: 4 })).json();
    await payInSandbox(app, a, c.id);
    const res = await app.inject({ method: 'POST', url: `/api/groups/${g.id}/transitions`, headers: admin(), payload: { to: 'cancelled', reason: 'supplier out of stock' } });
    expect(res.json().status).toBe('cancelled');
    expect((await app.ctx.db.select().from(refunds))[0]).toMatchObject({ status: 'succeeded' });
  });
});

describe('browsing', () => {
  it('filters and sorts groups, paging with a cursor', async () => {
    const soon = await openGroup(app, m, { deadline: new Date(Date.now() + 86_400_000).toISOString() });
    const later = await openGroup(app, m, { deadline: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    const t = await trader(app);
    const c = (await join(t, later.id, { quantity: 5 })).json();
    await payInSandbox(app, t, c.id);
    const get = async (q: string) => (await app.inject({ url: `/api/groups?${q}`, headers: bearer(t.accessToken) })).json();
    expect((await get('sort=deadline')).items.map((g: { id: string }) => g.id)).toEqual([soon.id, later.id]);
    expect((await get('sort=progress')).items.map((g: { id: string }) => g.id)).toEqual([later.id, soon.id]);
    expect((await get('minProgress=50')).items.map((g: { id: string }) => g.id)).toEqual([later.id]);
    expect((await get(`closingBefore=${encodeURIComponent(new Date(Date.now() + 2 * 86_400_000).toISOString())}`)).items).toHaveLength(1);
    expect((await get('category=rice')).items).toHaveLength(0);
    expect((await get('category=cooking-oil')).items).toHaveLength(2);
    // The filter reads the group's own copy of its product's category, which follows the product.
    const moved = await app.inject({ method: 'PATCH', url: `/api/products/${m.productId}`, headers: admin(), payload: { category: 'rice' } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await get('category=rice&sort=price')).items.map((g: { id: string }) => g.id).sort()).toEqual([soon.id, later.id].sort());
    expect((await get('category=cooking-oil')).items).toHaveLength(0);
    const p1 = await get('limit=1');
    const p2 = await get(`limit=1&cursor=${p1.nextCursor}`);
    expect([p1.items[0].id, p2.items[0].id]).toEqual([soon.id, later.id]);
    expect(p2.nextCursor).toBeNull();
    expect((await app.inject({ url: '/api/groups?sort=cheapest', headers: bearer(t.accessToken) })).json().errors[0].field).toBe('query.sort');
  });

  it("a group's pickup points follow every change of its links and of the points themselves", async () => {
    // The database keeps each group's copy of its points (migration 0022), whoever writes.
    const g = await openGroup(app, m, { pickupPointIds: [...m.pointIds].reverse() });
    const t = await trader(app);
    const names = async () => {
      const page = (await app.inject({ url: '/api/groups', headers: bearer(t.accessToken) })).json();
      const one = (await app.inject({ url: `/api/groups/${g.id}`, headers: bearer(t.accessToken) })).json();
      expect(page.items[0].pickupPoints).toEqual(one.pickupPoints);
      return one.pickupPoints.map((p: { name: string }) => p.name);
    };
    expect(await names()).toEqual(['Glen View complex', 'Mbare Musika stall 14']);
    await app.ctx.db.execute(sql`update pickup_points set name = 'Avenues stall 1', lat = -17.8 where id = ${m.pointIds[0]}`);
    expect(await names()).toEqual(['Avenues stall 1', 'Glen View complex']);
    const one = (await app.inject({ url: `/api/groups/${g.id}`, headers: bearer(t.accessToken) })).json();
    expect(one.pickupPoints[0]).toMatchObject({ id: m.pointIds[0], market: 'Mbare Musika', lat: -17.8, lng: null });
    await app.ctx.db.execute(sql`delete from group_pickup_points where group_id = ${g.id} and pickup_point_id = ${m.pointIds[1]}`);
    expect(await names()).toEqual(['Avenues stall 1']);
    // A join is offered the points the group has now.
    expect((await join(t, g.id, { quantity: 2, pickupPointId: m.pointIds[1] })).statusCode).toBe(400);
    expect((await join(t, g.id, { quantity: 2, pickupPointId: m.pointIds[0] })).statusCode).toBe(201);
    await app.ctx.db.execute(sql`insert into group_pickup_points (group_id, pickup_point_id) values (${g.id}, ${m.pointIds[1]})`);
    expect(await names()).toEqual(['Avenues stall 1', 'Glen View complex']);
    // Delivered stock at a point is not part of the copy: changing it leaves the group's row alone.
    const [before] = await app.ctx.db.select({ xmin: sql<string>`xmin::text` }).from(groups).where(eq(groups.id, g.id));
    await app.ctx.db.execute(sql`update group_pickup_points set stock = 5 where group_id = ${g.id}`);
    const [after] = await app.ctx.db.select({ xmin: sql<string>`xmin::text` }).from(groups).where(eq(groups.id, g.id));
    expect(after!.xmin).toBe(before!.xmin);
  });

  it('pages through every sort one group at a time, ties included, each group once and in order', async () => {
    // Equal keys (same deadline, same price, same progress) are ordered by id: the cursor must
    // carry both, or a page would repeat or skip one of the tied groups.
    const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await openGroup(app, m, { deadline: i < 3 ? deadline : new Date(Date.now() + 86_400_000).toISOString() }));
    const t = await trader(app);
    const c = (await join(t, made[1]!.id, { quantity: 5 })).json();
    await payInSandbox(app, t, c.id);
    const get = async (q: string) => (await app.inject({ url: `/api/groups?${q}`, headers: bearer(t.accessToken) })).json();
    for (const sort of ['deadline', 'progress', 'price', 'newest', 'recommended']) {
      const whole = (await get(`sort=${sort}`)).items.map((g: { id: string }) => g.id);
      expect(whole, sort).toHaveLength(4);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const p = await get(`sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        paged.push(...p.items.map((g: { id: string }) => g.id));
        cursor = p.nextCursor;
      } while (cursor && paged.length < 10);
      expect(paged, sort).toEqual(whole);
    }
    // The viewer's own contribution, and the participant count, are in the list as on the group's page.
    const listed = (await get('sort=progress')).items[0];
    expect(listed).toMatchObject({ id: made[1]!.id, participantCount: 1, myContribution: { id: c.id, status: 'paid', quantity: 5 } });
    const page = (await app.inject({ url: `/api/groups/${made[1]!.id}`, headers: bearer(t.accessToken) })).json();
    expect({ ...listed, secondsLeft: 0 }).toEqual({ ...page, secondsLeft: 0 });
  });

  it('searches products by words with PostgreSQL full-text search', async () => {
    const t = await trader(app);
    const hit = (await app.inject({ url: '/api/products?q=sunflower%20oil', headers: bearer(t.accessToken) })).json();
    expect(hit.items.map((p: { name: string }) => p.name)).toEqual(['Sunflower cooking oil']);
    expect((await app.inject({ url: '/api/products?q=cement', headers: bearer(t.accessToken) })).json().items).toHaveLength(0);
    expect((await app.inject({ url: '/api/products?maxPrice=100', headers: bearer(t.accessToken) })).json().items).toHaveLength(0);
    const tiers = await app.inject({ method: 'PATCH', url: `/api/products/${m.productId}`, headers: admin(), payload: { priceTiers: [{ minQuantity: 5, unitPrice: 999 }] } });
    expect(tiers.statusCode).toBe(400);
    expect(tiers.json().errors[0].field).toBe('body.priceTiers.0.unitPrice');
  });
});
