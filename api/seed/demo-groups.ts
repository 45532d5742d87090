import { and, eq, like, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import {
  contributions,
  groupEvents,
  groupPickupPoints,
  groups,
  payments,
  pickupPoints,
  staffPickupPoints,
  products,
  userPreferences,
  users,
} from '../db/schema.ts';
import { markets } from './harare.ts';
import { rng } from './random.ts';

type Rng = ReturnType<typeof rng>;

/**
 * In the caller's transaction (seedDemoData): pickup points, past group-buys with a purchase
 * history, and open groups to join.
 *
 * The history has structure on purpose: traders buy the categories of their line of business, at
 * pickup points in their own market, with some noise. Recommendations then have something real to
 * find, and the evaluation something to measure. Not every join is paid: some traders join a
 * group and let their reservation lapse (a few after a failed payment), more of them in Harare CBD,
 * where traders browse and join much and pay least, and fewest in Mbare Musika. Those joins come
 * from a generator of their own, so the paid history stays as it was.
 */
export async function seedGroups(db: Tx, r: Rng, now: Date) {
  const day = 86_400_000;
  const [existing] = await db.select({ n: sql<number>`count(*)::int` }).from(groups);
  if ((existing?.n ?? 0) > 0) return { pickupPoints: 0, groups: 0, contributions: 0 };

  const points = markets.map((mk) => ({
    id: r.uuid(),
    name: `${mk.name} pickup`,
    market: mk.name,
    address: `${mk.name} market, Harare`,
    openingHours: 'Mon-Sat 07:00-17:00',
    lat: mk.lat,
    lng: mk.lng,
  }));
  await db.insert(pickupPoints).values(points);
  const pointByMarket = new Map(points.map((p) => [p.market, p]));

  const catalog = await db.select().from(products);
  const traders = await db
    .select({ id: users.id, market: users.market, categories: userPreferences.categories })
    .from(users)
    .innerJoin(userPreferences, eq(userPreferences.userId, users.id))
    .where(eq(users.role, 'trader'));

  const groupRows: (typeof groups.$inferInsert)[] = [];
  const links: (typeof groupPickupPoints.$inferInsert)[] = [];
  const contributionRows: (typeof contributions.$inferInsert)[] = [];
  const paymentRows: (typeof payments.$inferInsert)[] = [];
  const events: (typeof groupEvents.$inferInsert)[] = [];

  // Of a market's traders who would buy a group's product and did not pay into it, the share who
  // joined and let the reservation lapse (the others only browsed); see above.
  const lapseRate: Record<string, number> = { 'Harare CBD': 0.3, 'Mbare Musika': 0.04 };
  const lapses = rng(20_261_204);
  const makeGroup = (past: boolean, index: number) => {
    const product = r.pick(catalog);
    const market = r.pick(markets).name;
    const point = pointByMarket.get(market)!;
    const createdAt = new Date(now.getTime() - (past ? r.int(20, 200) : r.int(0, 5)) * day);
    const deadline = new Date(past ? createdAt.getTime() + 10 * day : now.getTime() + r.int(1, 14) * day);
    const bulky = product.unitPrice >= 5000;
    const moq = bulky ? r.int(5, 12) : r.int(30, 120);
    const id = r.uuid();
    // Traders of this market who buy this category join; a few others join as noise.
    const fans = traders.filter((t) => t.categories.includes(product.category) && (t.market === market || r.chance(0.1)));
    const joiners = fans.filter(() => r.chance(past ? 0.5 : 0.15)).slice(0, 40);
    let paid = 0;
    for (const t of joiners) {
      const quantity = bulky ? r.int(1, 2) : r.int(2, 10);
      const cid = r.uuid();
      const paidAt = new Date(createdAt.getTime() + r.int(1, 9) * day);
      if (!past && paidAt > now) continue;
      paid += quantity;
      contributionRows.push({ id: cid, groupId: id, traderId: t.id, pickupPointId: point.id, quantity, unitPrice: product.unitPrice, currency: 'USD', status: 'paid', paidAt, createdAt: paidAt });
      const goods = quantity * product.unitPrice;
      const fee = Math.round(goods / 10);
      paymentRows.push({ contributionId: cid, traderId: t.id, provider: 'sandbox', txRef: `CS-DEMO-${index}-${cid.slice(0, 8)}`, goodsAmount: goods, feeAmount: fee, totalAmount: goods + fee, currency: 'USD', status: 'successful', verifiedAt: paidAt, createdAt: paidAt });
    }
    {
      const joined = new Set(joiners.map((t) => t.id));
      for (const t of fans) {
        if (joined.has(t.id) || !lapses.chance(lapseRate[t.market] ?? 0.12)) continue;
        const cid = lapses.uuid();
        const joinedAt = new Date(createdAt.getTime() + lapses.int(0, 8) * day);
        // A reservation lapses after a day; in an open group only an old enough one has.
        if (joinedAt.getTime() > now.getTime() - day) continue;
        const quantity = bulky ? 1 : lapses.int(2, 10);
        contributionRows.push({ id: cid, groupId: id, traderId: t.id, pickupPointId: point.id, quantity, unitPrice: product.unitPrice, currency: 'USD', status: 'lapsed', paidAt: null, createdAt: joinedAt });
        if (lapses.chance(0.3)) {
          const goods = quantity * product.unitPrice;
          const fee = Math.round(goods / 10);
          const at = new Date(joinedAt.getTime() + 3_600_000);
          paymentRows.push({ contributionId: cid, traderId: t.id, provider: 'sandbox', txRef: `CS-DEMO-${index}-${cid.slice(0, 8)}`, goodsAmount: goods, feeAmount: fee, totalAmount: goods + fee, currency: 'USD', status: 'failed', verifiedAt: at, createdAt: at });
        }
      }
    }
    const status = past ? (paid >= moq ? 'completed' : 'expired') : paid >= moq ? 'funded' : 'open';
    groupRows.push({
      id,
      productId: product.id,
      title: `${product.name} (${product.unit}) for ${market}`,
      description: product.description,
      status,
      moq,
      maxQuantity: moq * 3,
      minPerTrader: 1,
      maxPerTrader: bulky ? 3 : 20,
      deadline,
      unitPrice: product.unitPrice,
      currency: 'USD',
      reservedQuantity: 0,
      paidQuantity: status === 'expired' ? 0 : paid,
      createdAt,
    });
    links.push({ groupId: id, pickupPointId: point.id });
    events.push({ groupId: id, fromStatus: null, toStatus: 'open', reason: 'demo data', createdAt });
    if (status === 'expired') {
      // Expired groups were refunded: keep the history of what traders wanted, not money held.
      for (const c of contributionRows) if (c.groupId === id && c.status === 'paid') c.status = 'refunded';
      for (const p of paymentRows) if (p.status === 'successful' && contributionRows.some((c) => c.id === p.contributionId && c.groupId === id)) p.status = 'refunded';
    }
  };
  for (let i = 0; i < 60; i++) makeGroup(true, i);
  for (let i = 60; i < 80; i++) makeGroup(false, i);

  await db.insert(groups).values(groupRows);
  await db.insert(groupPickupPoints).values(links);
  await db.insert(groupEvents).values(events);
  for (let i = 0; i < contributionRows.length; i += 300) await db.insert(contributions).values(contributionRows.slice(i, i + 300));
  for (let i = 0; i < paymentRows.length; i += 300) await db.insert(payments).values(paymentRows.slice(i, i + 300));
  // Each demo staff account works at the pickup point of its own market.
  const staff = await db.select({ id: users.id, market: users.market }).from(users).where(and(eq(users.role, 'staff'), like(users.email, '%@demo.connectsphere.co.zw')));
  const assignments = staff.flatMap((u) => {
    const point = pointByMarket.get(u.market);
    return point ? [{ userId: u.id, pickupPointId: point.id }] : [];
  });
  if (assignments.length) await db.insert(staffPickupPoints).values(assignments).onConflictDoNothing();
  return { pickupPoints: points.length, groups: groupRows.length, contributions: contributionRows.length };
}
