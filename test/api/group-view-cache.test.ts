import type { FastifyInstance } from 'fastify';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { groups } from '../../api/db/schema.ts';
import { loadConfig } from '../../api/config.ts';
import { snapshotCache, snapshotCacheCounts, snapshotColumn } from '../../api/db/snapshot-cache.ts';
import { freshApp } from '../helpers/app.ts';
import { anotherProcessDatabase, onPostgres, resetDatabase } from '../helpers/db.ts';
import { market, openGroup, payInSandbox, trader, type Market } from '../helpers/fixtures.ts';
import { bearer, type Session } from '../helpers/users.ts';

// Group views are kept with the database snapshot they were read in and served again only while
// the current snapshot is that same one (api/db/snapshot-cache.ts). These tests change the data
// every way it can change (the API, plain SQL, another process's pool) and expect every read after
// the change to show it, while reads with nothing changed in between are served from the cache.

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

const list = async (s: Session) => {
  const res = await app.inject({ url: '/api/groups?sort=deadline', headers: bearer(s.accessToken) });
  expect(res.statusCode).toBe(200);
  return res.json().items as { id: string; title: string; participantCount: number; reservedQuantity: number; myContribution: { id: string } | null }[];
};
const one = async (s: Session, id: string) => (await app.inject({ url: `/api/groups/${id}`, headers: bearer(s.accessToken) })).json();
const counts = () => snapshotCacheCounts(app.ctx.db);

describe('group views kept per database snapshot', () => {
  it('serves a page again while nothing commits, and reads it afresh after any commit', async () => {
    const g = await openGroup(app, m);
    const a = await trader(app);
    const first = counts();
    await list(a);
    // Read afresh (nothing kept under this page, or kept from before the writes above): a miss.
    expect(counts()).toEqual({ hits: first.hits, misses: first.misses + 1 });
    const before = counts();
    const again = await list(a);
    expect(counts().hits).toBe(before.hits + 1);
    expect(again[0]!.id).toBe(g.id);

    // A change made in plain SQL, behind the API's back: the next read shows it.
    await app.ctx.db.update(groups).set({ title: 'Renamed in SQL' }).where(eq(groups.id, g.id));
    expect((await list(a))[0]!.title).toBe('Renamed in SQL');
    expect((await one(a, g.id)).title).toBe('Renamed in SQL');
    await app.ctx.db.update(groups).set({ title: 'Renamed again' }).where(eq(groups.id, g.id));
    expect((await one(a, g.id)).title).toBe('Renamed again');
  });

  it('shares a page between traders, each with their own contribution, and shows each join at once', async () => {
    const g = await openGroup(app, m, { maxQuantity: 20 });
    const a = await trader(app);
    const b = await trader(app);
    expect((await list(a))[0]).toMatchObject({ participantCount: 0, myContribution: null });

    const joined = await app.inject({ method: 'POST', url: `/api/groups/${g.id}/join`, headers: bearer(b.accessToken), payload: { quantity: 4 } });
    expect(joined.statusCode).toBe(201);
    // a's page was read before b joined: it is not served again.
    expect((await list(a))[0]).toMatchObject({ participantCount: 1, reservedQuantity: 4, myContribution: null });
    const before = counts();
    // b reads the page a just read (a hit: one shared entry), with b's own contribution in it.
    expect((await list(b))[0]).toMatchObject({ participantCount: 1, myContribution: { id: joined.json().id } });
    expect((await one(b, g.id)).myContribution).toMatchObject({ id: joined.json().id, quantity: 4, status: 'pending_payment' });
    expect((await one(a, g.id)).myContribution).toBeNull();
    expect(counts().hits).toBeGreaterThan(before.hits);

    await payInSandbox(app, b, joined.json().id);
    expect((await one(b, g.id)).myContribution.status).toBe('paid');
    expect((await list(a))[0]).toMatchObject({ reservedQuantity: 0 });
  });

  it('keeps nothing a transaction read after writing (its rows are not committed)', async () => {
    const g = await openGroup(app, m);
    const snapshotNow = async (db: Pick<typeof app.ctx.db, 'execute'>) =>
      ((await db.execute(sql`select ${snapshotColumn} as snapshot`)) as unknown as { rows: { snapshot: string | null }[] }).rows[0]!.snapshot;
    await app.ctx.db.transaction(async (tx) => {
      expect(await snapshotNow(tx)).toMatch(/^\d+:\d+:/);
      await tx.update(groups).set({ title: 'Not committed' }).where(eq(groups.id, g.id));
      expect(await snapshotNow(tx)).toBeNull();
    });
  });

  it('never serves a page older than a join that was answered before the read began', async () => {
    const g = await openGroup(app, m, { maxQuantity: 200, maxPerTrader: 10 });
    const reader = await trader(app);
    const joiners = await Promise.all(Array.from({ length: 12 }, () => trader(app)));
    let answered = 0;
    const joins = joiners.map(async (t) => {
      const res = await app.inject({ method: 'POST', url: `/api/groups/${g.id}/join`, headers: bearer(t.accessToken), payload: { quantity: 1 } });
      expect(res.statusCode).toBe(201);
      answered += 1;
    });
    const seen: { answeredBefore: number; count: number }[] = [];
    const reads = (async () => {
      while (answered < joiners.length) {
        const answeredBefore = answered;
        const [page] = await list(reader);
        const group = await one(reader, g.id);
        seen.push({ answeredBefore, count: Math.min(page!.participantCount, group.participantCount) });
      }
    })();
    await Promise.all([...joins, reads]);
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s.count).toBeGreaterThanOrEqual(s.answeredBefore);
    expect((await list(reader))[0]!.participantCount).toBe(joiners.length);
  });

  it.runIf(onPostgres())('sees at once what another process commits on the same database', async () => {
    const g = await openGroup(app, m);
    const a = await trader(app);
    await list(a);
    await list(a);
    const other = await anotherProcessDatabase();
    try {
      for (const title of ['From another process', 'And again']) {
        await other.db.update(groups).set({ title }).where(eq(groups.id, g.id));
        expect((await list(a))[0]!.title).toBe(title);
        expect((await one(a, g.id)).title).toBe(title);
      }
    } finally {
      await other.close();
    }
  });

  it('is on unless READ_CACHE=false, and never on a transaction handle', async () => {
    expect(loadConfig({ NODE_ENV: 'test' }).readCache).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', READ_CACHE: 'false' }).readCache).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'test', READ_CACHE: 'no' })).toThrow(/READ_CACHE/);
    expect(snapshotCache(app.ctx.db, 'group_views', 500)).toBeDefined();
    await app.ctx.db.transaction(async (tx) => {
      expect(snapshotCache(tx, 'group_views', 500)).toBeUndefined();
    });
  });
});
