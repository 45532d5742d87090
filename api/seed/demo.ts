import { crashPoint } from '../crash-point.ts';
import type { Db } from '../db/client.ts';
import { idIn } from '../db/id-lists.ts';
import { analyticsProfiles, products, supplierMembers, suppliers, userPreferences, users } from '../db/schema.ts';
import { hashPassword } from '../modules/auth/passwords.ts';
import { segmentOf, slug } from '../modules/users/segments.ts';
import { catalog, firstNames, industrialAreas, linesOfBusiness, markets, surnames } from './harare.ts';
import { seedGroups } from './demo-groups.ts';
import { seedDemoEvents } from './demo-events.ts';
import { rng } from './random.ts';

/** Every demo account signs in with this password (documented in the README). */
export const demoPassword = 'harare-demo-2026';
export const demoAdminEmail = 'admin@demo.connectsphere.co.zw';
export const demoTraderCount = 300;

export interface SeedSummary {
  traders: number;
  suppliers: number;
  staff: number;
  products: number;
  pickupPoints: number;
  groups: number;
  contributions: number;
}

/**
 * Loads the Harare demo data. Deterministic (seeded ids, names, dates) and idempotent: rows that
 * already exist are left alone, so `npm run seed` can run on a used database. All of it is one
 * transaction: a process killed while seeding leaves nothing, and the next start (which seeds an
 * empty database) loads all of it.
 */
export async function seedDemoData(db: Db, options: { traders?: number; now?: Date } = {}): Promise<SeedSummary> {
  const r = rng(20261125);
  const passwordHash = await hashPassword(demoPassword);
  const base = Date.UTC(2026, 0, 5);
  const day = 86_400_000;
  const traderCount = options.traders ?? demoTraderCount;

  type NewUser = typeof users.$inferInsert;
  const people: NewUser[] = [];
  const prefs: (typeof userPreferences.$inferInsert)[] = [];

  people.push({ id: r.uuid(), email: demoAdminEmail, name: 'Demo Administrator', phone: '+263242700000', passwordHash, role: 'admin', market: 'Harare CBD', createdAt: new Date(base) });
  for (let i = 0; i < 2; i++) {
    const market = markets[i]!.name;
    people.push({ id: r.uuid(), email: `staff${i + 1}@demo.connectsphere.co.zw`, name: `${r.pick(firstNames)} ${r.pick(surnames)}`, phone: `+26377200000${i}`, passwordHash, role: 'staff', market, createdAt: new Date(base + day) });
  }

  const supplierRows: (typeof suppliers.$inferInsert)[] = [];
  const memberRows: (typeof supplierMembers.$inferInsert)[] = [];
  industrialAreas.forEach((area, i) => {
    const userId = r.uuid();
    const email = `supplier${i + 1}@demo.connectsphere.co.zw`;
    const phone = `+26324276${String(1000 + i)}`;
    // Not drawn from `r`: the demo data after this point stays what it was before organisations had contacts.
    const contactName = `${firstNames[(i * 7) % firstNames.length]} ${surnames[(i * 5 + 3) % surnames.length]}`;
    people.push({ id: userId, email, name: `${area} Wholesale`, phone, passwordHash, role: 'supplier', market: area, createdAt: new Date(base + day) });
    const id = r.uuid();
    supplierRows.push({
      id,
      name: `${area} Wholesalers (Pvt) Ltd`,
      registrationNumber: `${1000 + i * 37}/2019`,
      taxNumber: `2000${String(41_000 + i * 1_337).padStart(6, '0')}`,
      contactName,
      area,
      address: `${12 + i * 7} ${['Coventry Road', 'Lytton Road', 'Seke Road', 'Mutare Road', 'Willowvale Road', 'Ardbennie Road'][i % 6]}, ${area}, Harare`,
      phone,
      email,
      // Each serves the categories of the products it is given below.
      categories: [...new Set(catalog.filter((_, p) => p % industrialAreas.length === i).map((c) => c.category))],
      payoutAccount:
        i % 2 === 0
          ? { method: 'bank', bankCode: 'CBZ', bankName: 'CBZ Bank', accountNumber: `0120${String(3_400_000 + i * 91)}`, accountName: `${area} Wholesalers (Pvt) Ltd` }
          : { method: 'mobile_money', network: 'ecocash', phone, accountName: `${area} Wholesalers (Pvt) Ltd` },
      status: 'verified',
      verifiedAt: new Date(base + 2 * day),
      createdAt: new Date(base + day),
    });
    memberRows.push({ supplierId: id, userId, role: 'owner', createdAt: new Date(base + day) });
  });

  const lines = Object.keys(linesOfBusiness);
  const allCategories = [...new Set(catalog.map((c) => c.category))];
  for (let i = 0; i < traderCount; i++) {
    const id = r.uuid();
    const first = r.pick(firstNames);
    const last = r.pick(surnames);
    const market = r.pick(markets).name;
    const line = r.pick(lines);
    const { categories: core, businessType } = linesOfBusiness[line]!;
    // Traders mostly buy their line's goods, with some noise so the data is not too clean.
    const categories = [...new Set([...core.filter(() => r.chance(0.85)), ...(r.chance(0.3) ? [r.pick(allCategories)] : [])])];
    if (categories.length === 0) categories.push(core[0]!);
    const budgetMax = r.pick([3000, 5000, 10000, 20000, 50000, 100000]);
    const email = `${slug(first)}.${slug(last)}.${i + 1}@demo.connectsphere.co.zw`;
    people.push({
      id,
      email,
      name: `${first} ${last}`,
      phone: `+26377${String(1_000_000 + i * 7919).slice(-7)}`,
      passwordHash,
      role: 'trader',
      market,
      businessType,
      yearsOfExperience: r.int(0, 25),
      segment: segmentOf({ market, categories, budgetMax }),
      createdAt: new Date(base + r.int(2, 300) * day),
    });
    prefs.push({
      userId: id,
      categories,
      budgetMin: Math.round(budgetMax / 5),
      budgetMax,
      currency: 'USD',
      groupSizes: [r.pick(['small', 'medium', 'large'])],
      purchaseFrequency: r.pick(['weekly', 'fortnightly', 'monthly', 'occasionally']),
    });
  }

  const productRows = catalog.map((item, i) => ({
    id: r.uuid(),
    supplierId: supplierRows[i % supplierRows.length]!.id!,
    sku: item.sku,
    name: item.name,
    description: item.description,
    category: item.category,
    unit: item.unit,
    unitPrice: item.price,
    currency: 'USD' as const,
    stock: r.int(50, 2000),
    createdAt: new Date(base + 2 * day),
  }));

  const history = await db.transaction(async (tx) => {
    for (let i = 0; i < people.length; i += 200) {
      await tx.insert(users).values(people.slice(i, i + 200)).onConflictDoNothing();
    }
    // Only rows whose user really is the seeded one (an existing account keeps its own data).
    const ids = people.map((p) => p.id!);
    const present = new Set(
      (await tx.select({ id: users.id }).from(users).where(idIn(users.id, ids))).map((u) => u.id),
    );
    const seededPrefs = prefs.filter((p) => present.has(p.userId));
    for (let i = 0; i < seededPrefs.length; i += 200) {
      await tx.insert(userPreferences).values(seededPrefs.slice(i, i + 200)).onConflictDoNothing();
    }
    const profiles = people
      .filter((p) => present.has(p.id!))
      .map((p) => ({ userId: p.id!, segment: p.segment ?? null, signupMarket: p.market, createdAt: p.createdAt! }));
    for (let i = 0; i < profiles.length; i += 200) {
      await tx.insert(analyticsProfiles).values(profiles.slice(i, i + 200)).onConflictDoNothing();
    }
    // An organisation is seeded only with its owner (an existing account keeps its own data).
    const seededMembers = memberRows.filter((m) => present.has(m.userId));
    const seededOrgs = new Set(seededMembers.map((m) => m.supplierId));
    await tx.insert(suppliers).values(supplierRows.filter((s) => seededOrgs.has(s.id!))).onConflictDoNothing();
    if (seededMembers.length) await tx.insert(supplierMembers).values(seededMembers).onConflictDoNothing();
    const supplierIds = new Set((await tx.select({ id: suppliers.id }).from(suppliers)).map((s) => s.id));
    await tx.insert(products).values(productRows.filter((p) => supplierIds.has(p.supplierId))).onConflictDoNothing();
    crashPoint('seed:before-groups');
    const seeded = await seedGroups(tx, r, options.now ?? new Date());
    const events = seeded.groups > 0 ? await seedDemoEvents(tx, options.now ?? new Date()) : { serverEvents: 0, clientEvents: 0 };
    return { ...seeded, analyticsEvents: events.serverEvents + events.clientEvents };
  });
  return { traders: traderCount, suppliers: supplierRows.length, staff: 2, products: productRows.length, ...history };
}
