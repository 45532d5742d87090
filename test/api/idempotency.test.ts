import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { groups, idempotencyKeys } from '../../api/db/schema.ts';
import { requestHashOf } from '../../api/modules/idempotency/idempotency.ts';
import { runJob } from '../../api/modules/jobs/run.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let m: Market;
beforeAll(async () => {
  app = await freshApp({ IDEMPOTENCY_LEASE_SECONDS: '1' });
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  m = await market(app);
});
afterAll(() => app.close());

const join = (s: Session, groupId: string, key: string) =>
  app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: { ...bearer(s.accessToken), 'idempotency-key': key }, payload: { quantity: 3 } });
const reserved = async (id: string) => (await app.ctx.db.select().from(groups).where(eq(groups.id, id)))[0]!.reservedQuantity;

describe('Idempotency-Key leases', () => {
  it('a key claimed by a request that never stored its response is "in progress" only until its lease lapses; then the retry does the work once', async () => {
    const g = await openGroup(app, m);
    const t = await trader(app);
    // What a process killed between claiming the key and storing the response leaves behind.
    await app.ctx.db.insert(idempotencyKeys).values({
      userId: t.user.id,
      operation: 'joinGroup',
      key: 'join-crashed-0001',
      requestHash: requestHashOf({ id: g.id }, { quantity: 3 }),
      lockedUntil: new Date(Date.now() + 1000),
    });
    const during = await join(t, g.id, 'join-crashed-0001');
    expect(during.statusCode).toBe(409);
    expect(during.json()).toMatchObject({ detail: expect.stringMatching(/still in progress/) });
    expect(await reserved(g.id)).toBe(0);

    await new Promise((r) => setTimeout(r, 1100));
    const after = await join(t, g.id, 'join-crashed-0001');
    expect(after.statusCode, after.body).toBe(201);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
    expect(await reserved(g.id)).toBe(3);
    const again = await join(t, g.id, 'join-crashed-0001');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(after.json());
    expect(await reserved(g.id)).toBe(3);
  });
});

describe('Idempotency-Key retention', () => {
  it('keeps keys for IDEMPOTENCY_RETENTION_HOURS (24 h) and the prune-idempotency-keys job deletes older ones', async () => {
    const g = await openGroup(app, m);
    const old = await trader(app);
    const recent = await trader(app);
    expect((await join(old, g.id, 'join-old-0001')).statusCode).toBe(201);
    expect((await join(recent, g.id, 'join-new-0001')).statusCode).toBe(201);
    await app.ctx.db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(and(eq(idempotencyKeys.userId, old.user.id), eq(idempotencyKeys.key, 'join-old-0001')));

    expect(await runJob(app.ctx, 'prune-idempotency-keys', 'manual')).toMatchObject({ outcome: 'succeeded', counts: { pruned: 1 } });
    const left = await app.ctx.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys);
    expect(left).toEqual([{ key: 'join-new-0001' }]);
    // The recent key still replays; a second run prunes nothing.
    expect((await join(recent, g.id, 'join-new-0001')).headers['idempotent-replayed']).toBe('true');
    expect(await runJob(app.ctx, 'prune-idempotency-keys', 'manual')).toMatchObject({ counts: { pruned: 0 } });
  });
});
