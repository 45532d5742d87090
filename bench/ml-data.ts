// Loads a generated Harare-shaped dataset (ml/synthetic.ts) into a ConnectSphere database, the way
// the API would have recorded it: traders with preferences, products, pickup points per market,
// open groups, and the history as contributions (in past groups) and the server's view and click events.
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { Db } from '../api/db/client.ts';
import {
  analyticsEvents,
  contributions,
  groupPickupPoints,
  groups,
  pickupPoints,
  products,
  suppliers,
  userPreferences,
  users,
} from '../api/db/schema.ts';
import { generateSynthetic } from '../ml/index.ts';
import type { Schemas } from '../api/openapi/contract.ts';

type Category = Schemas['Category'];

export const benchAdmin = { email: 'bench-admin@example.co.zw', password: 'bench-admin-2026' };

async function insertAll<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>, size = 1000) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

export async function loadSynthetic(db: Db, size: { traders: number; products: number; groups: number }) {
  const now = new Date();
  // The generator also makes some closed and full groups: ask for a few more to get `groups` open ones.
  const syn = generateSynthetic({ ...size, groups: Math.ceil(size.groups * 1.1), seed: 11, sessionsPerTrader: 26, now });
  const uid = new Map<string, string>();
  const id = (key: string) => {
    let v = uid.get(key);
    if (!v) uid.set(key, (v = randomUUID()));
    return v;
  };
  const passwordHash = await hash('not-used-bench-trader-1');

  await db.insert(users).values({ email: benchAdmin.email, name: 'Bench Admin', phone: '+263772000001', passwordHash: await hash(benchAdmin.password), role: 'admin', market: 'Harare CBD' });
  const [supplier] = await db.insert(suppliers).values({ name: 'Bench Wholesalers', area: 'Msasa', phone: '+263242000000', email: 'bench-supplier@example.co.zw', status: 'verified' }).returning();

  await insertAll(syn.dataset.traders, (chunk) =>
    db.insert(users).values(
      chunk.map((t, i) => ({ id: id(t.id), email: `${t.id}-${i}@bench.example.co.zw`, name: `Trader ${t.id}`, phone: '+263772000000', passwordHash, market: t.market })),
    ),
  );
  await insertAll(syn.dataset.traders, (chunk) =>
    db.insert(userPreferences).values(
      chunk.map((t) => ({
        userId: id(t.id),
        // The synthetic market has categories of its own (ml/synthetic.ts: flour, ...) beside the spec's;
        // the bench writes rows straight to the database, past validation.
        categories: t.categories as Category[],
        budgetMin: t.budgetMin,
        budgetMax: t.budgetMax,
        groupSizes: t.groupSizes,
        purchaseFrequency: t.frequency,
      })),
    ),
  );
  await insertAll(syn.dataset.products, (chunk) =>
    db.insert(products).values(
      chunk.map((p) => ({
        id: id(p.id),
        supplierId: supplier!.id,
        sku: p.id,
        name: p.name,
        description: p.description,
        category: p.category as Category,
        unit: 'unit',
        unitPrice: p.unitPrice,
        stock: 10_000,
        createdAt: new Date(p.createdAt),
      })),
    ),
  );
  const points = Object.entries(syn.marketCoordinates).map(([market, c]) => ({ id: randomUUID(), name: `${market} pickup`, market, address: market, openingHours: 'Mon-Sat 07:00-17:00', lat: c.lat, lng: c.lng }));
  await db.insert(pickupPoints).values(points);
  const pointOf = new Map(points.map((p) => [p.market, p.id]));

  // Open groups, as generated, with their participants' paid contributions: the group's paid
  // quantity is what they paid (split evenly), as the API would have recorded it.
  const open = syn.groups.filter((g) => (g.status ?? 'open') === 'open' && new Date(g.deadline).getTime() > now.getTime()).slice(0, size.groups);
  const joined: (typeof contributions.$inferInsert)[] = [];
  const paidIn = new Map<string, number>();
  for (const g of open) {
    const people = g.participantIds ?? [];
    const total = Math.min(g.committedQty, g.maxQty ?? Infinity);
    people.forEach((traderId, k) => {
      const quantity = Math.floor(total / people.length) + (k < total % people.length ? 1 : 0);
      if (quantity === 0) return;
      const at = new Date(now.getTime() - (k + 1) * 3_600_000);
      joined.push({ groupId: id(g.id), traderId: id(traderId), pickupPointId: pointOf.get(g.pickupMarket) ?? points[0]!.id, quantity, unitPrice: g.unitPrice, currency: 'USD', status: 'paid', paidAt: at, createdAt: at });
      paidIn.set(g.id, (paidIn.get(g.id) ?? 0) + quantity);
    });
  }
  await insertAll(open, (chunk) =>
    db.insert(groups).values(
      chunk.map((g) => ({
        id: id(g.id),
        productId: id(g.productId),
        title: `Group ${g.id}`,
        status: 'open' as const,
        moq: g.moq,
        maxQuantity: g.maxQty,
        deadline: new Date(g.deadline),
        unitPrice: g.unitPrice,
        reservedQuantity: 0,
        paidQuantity: paidIn.get(g.id) ?? 0,
      })),
    ),
  );
  await insertAll(open, (chunk) => db.insert(groupPickupPoints).values(chunk.map((g) => ({ groupId: id(g.id), pickupPointId: pointOf.get(g.pickupMarket) ?? points[0]!.id }))));
  await insertAll(joined, (chunk) => db.insert(contributions).values(chunk));

  // History: the n-th contribution of a trader to a product goes into that product's n-th past group
  // (a trader holds one contribution per group). A join and the payment that follows it are one
  // contribution, paid; a join never paid is a lapsed one. Views and clicks become the server's
  // analytics events, as the API records them.
  const seen = new Map<string, number>();
  const history: (typeof groups.$inferInsert)[] = [];
  const historyOf = new Map<string, string>();
  const historyGroup = (productId: string, n: number) => {
    const key = `${productId}#${n}`;
    let g = historyOf.get(key);
    if (!g) {
      g = randomUUID();
      historyOf.set(key, g);
      const p = syn.dataset.products.find((x) => x.id === productId);
      history.push({ id: g, productId: id(productId), title: `Past group ${key}`, status: 'completed', moq: 1, deadline: new Date(now.getTime() - 86_400_000), unitPrice: p?.unitPrice ?? 100, createdAt: new Date(now.getTime() - 200 * 86_400_000) });
    }
    return g;
  };
  const paid: (typeof contributions.$inferInsert)[] = [];
  const events: (typeof analyticsEvents.$inferInsert)[] = [];
  const productIndex = new Map(syn.dataset.products.map((p) => [p.id, p]));
  const unpaidJoins = new Map<string, Date[]>();
  const contribution = (it: (typeof syn.dataset.interactions)[number], paidAt: Date | null, createdAt: Date) => {
    const key = `${it.traderId}|${it.productId}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const status = paidAt ? ('paid' as const) : ('lapsed' as const);
    return { groupId: historyGroup(it.productId, n), traderId: id(it.traderId), pickupPointId: points[0]!.id, quantity: it.quantity ?? 1, unitPrice: productIndex.get(it.productId)!.unitPrice, currency: 'USD' as const, status, paidAt, createdAt };
  };
  for (const it of syn.dataset.interactions) {
    const at = new Date(it.at);
    const key = `${it.traderId}|${it.productId}`;
    if (it.kind === 'join') {
      const list = unpaidJoins.get(key);
      if (list) list.push(at);
      else unpaidJoins.set(key, [at]);
    } else if (it.kind === 'paid') {
      paid.push(contribution(it, at, unpaidJoins.get(key)?.shift() ?? at));
    } else {
      events.push({ eventId: randomUUID(), source: 'server', type: it.kind === 'click' ? 'recommendation_clicked' : 'group_view', userId: id(it.traderId), groupId: historyGroup(it.productId, 0), productId: id(it.productId), occurredAt: at, receivedAt: at });
    }
  }
  for (const it of syn.dataset.interactions) {
    if (it.kind !== 'join') continue;
    const list = unpaidJoins.get(`${it.traderId}|${it.productId}`);
    if (list?.length) paid.push(contribution(it, null, list.shift()!));
  }
  await insertAll(history, (chunk) => db.insert(groups).values(chunk));
  await insertAll(paid, (chunk) => db.insert(contributions).values(chunk));
  await insertAll(events, (chunk) => db.insert(analyticsEvents).values(chunk));
  return { traders: syn.dataset.traders.length, products: syn.dataset.products.length, openGroups: open.length, openParticipants: joined.length, paid: paid.length, events: events.length, traderIds: syn.dataset.traders.map((t) => id(t.id)) };
}
