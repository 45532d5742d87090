import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainEvents } from '../../api/db/schema.ts';
import { signAccessToken } from '../../api/modules/auth/tokens.ts';
import { issuePassesForGroup } from '../../api/modules/qr/service.ts';
import { freshApp } from '../helpers/app.ts';
import { bearer } from '../helpers/users.ts';
import { buildWorld, type World } from '../qr/fixtures.ts';

// Rating after pickup, through the app: a group ready for pickup (test/qr/fixtures.ts) with passes
// issued, redeemed by pickup-point staff through the API.

let app: FastifyInstance;
let w: World;
type Auth = { authorization: string };
const auth = {} as { tendai: Auth; chipo: Auth; farai: Auth; staff: Auth; admin: Auth };

beforeAll(async () => {
  app = await freshApp();
  w = await buildWorld(app.ctx);
  await app.ctx.db.transaction((tx) => issuePassesForGroup(tx, app.ctx, w.group.id));
  const as = async (u: { id: string; role: string }) => bearer(await signAccessToken(app.ctx.keys, app.ctx.config, { sub: u.id, role: u.role }));
  auth.tendai = await as(w.traders.tendai);
  auth.chipo = await as(w.traders.chipo);
  auth.farai = await as(w.traders.farai);
  auth.staff = await as(w.staff);
  auth.admin = await as(w.admin);
});
afterAll(() => app.close());

const rate = (who: Auth, contributionId: string, payload: unknown) =>
  app.inject({ method: 'POST', url: `/api/contributions/${contributionId}/rating`, headers: who, payload: payload as object });

async function collect(who: Auth, pickupPointId: string) {
  const [pass] = (await app.inject({ url: '/api/qr/passes', headers: who })).json().items;
  const res = await app.inject({ method: 'POST', url: `/api/qr/mark-used/${pass.id}`, headers: auth.staff, payload: { pickupPointId } });
  expect(res.statusCode, res.body).toBe(200);
}

const productRating = async () => {
  const p = (await app.inject({ url: `/api/products/${w.product.id}`, headers: auth.tendai })).json();
  return { average: p.ratingAverage, count: p.ratingCount };
};
const supplierRating = async () => {
  const s = (await app.inject({ url: `/api/admin/suppliers/${w.product.supplierId}`, headers: auth.admin })).json();
  return { average: s.ratingAverage, count: s.ratingCount };
};

describe('rating a contribution after pickup', () => {
  it('is refused before the goods are collected', async () => {
    const res = await rate(auth.tendai, w.contributions.tendai.id, { score: 5 });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toContain('once you have collected the goods');
    expect(await productRating()).toEqual({ average: null, count: 0 });
  });

  it("is not found for someone else's contribution, even once that one is collected", async () => {
    await collect(auth.tendai, w.points.mbare.id);
    const res = await rate(auth.chipo, w.contributions.tendai.id, { score: 1 });
    expect(res.statusCode).toBe(404);
    expect((await rate(auth.chipo, '00000000-0000-4000-8000-000000000000', { score: 1 })).statusCode).toBe(404);
    // Staff and admins have no contributions to rate.
    expect((await rate(auth.staff, w.contributions.tendai.id, { score: 1 })).statusCode).toBe(403);
  });

  it('counts once per contribution towards the product and its organisation, recorded as rating.created', async () => {
    const first = await rate(auth.tendai, w.contributions.tendai.id, { score: 4, comment: '  Full bags, on time  ' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ contributionId: w.contributions.tendai.id, productId: w.product.id, supplierId: w.product.supplierId, score: 4, comment: 'Full bags, on time' });
    expect(await productRating()).toEqual({ average: 4, count: 1 });
    expect(await supplierRating()).toEqual({ average: 4, count: 1 });

    const twice = await rate(auth.tendai, w.contributions.tendai.id, { score: 1 });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().detail).toContain('already been rated');
    expect(await productRating()).toEqual({ average: 4, count: 1 });

    await collect(auth.chipo, w.points.mbare.id);
    expect((await rate(auth.chipo, w.contributions.chipo.id, { score: 5 })).statusCode).toBe(201);
    expect(await productRating()).toEqual({ average: 4.5, count: 2 });
    expect(await supplierRating()).toEqual({ average: 4.5, count: 2 });

    const events = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'rating.created'), eq(domainEvents.supplierId, w.product.supplierId)));
    expect(events.map((e) => e.data.score).sort()).toEqual([4, 5]);
    expect(events.every((e) => e.groupId === w.group.id)).toBe(true);
  });

  it('takes 1 to 5 and a comment of up to 1000 characters; two ratings at once make one', async () => {
    await collect(auth.farai, w.points.glenView.id);
    for (const bad of [{ score: 0 }, { score: 6 }, { score: 4.5 }, { score: 3, comment: 'x'.repeat(1001) }, {}]) {
      const res = await rate(auth.farai, w.contributions.farai.id, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
    }
    const both = await Promise.all([rate(auth.farai, w.contributions.farai.id, { score: 2 }), rate(auth.farai, w.contributions.farai.id, { score: 3 })]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect((await productRating()).count).toBe(3);
  });
});
