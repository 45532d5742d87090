import { expect } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import {
  contributions,
  groupPickupPoints,
  groups,
  pickupPoints,
  products,
  staffPickupPoints,
  suppliers,
  users,
} from '../../api/db/schema.ts';
import { HttpProblem } from '../../api/errors.ts';

let counter = 0;

async function user(ctx: AppContext, name: string, role: 'trader' | 'staff' | 'admin', phone: string) {
  counter += 1;
  const [row] = await ctx.db
    .insert(users)
    .values({
      email: `${role}${counter}-${process.pid}@example.co.zw`,
      name,
      phone,
      passwordHash: 'not-a-real-hash',
      role,
      market: 'Mbare Musika',
    })
    .returning();
  return row!;
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

/**
 * A group of 20 kg maize-meal bags in ready_for_pickup at two pickup points (plus a third with no
 * buyers), three paid contributions, one awaiting payment and one cancelled.
 */
export async function buildWorld(ctx: AppContext) {
  const tendai = await user(ctx, 'Tendai Moyo', 'trader', '+263772123456');
  const chipo = await user(ctx, 'Chipo Ncube', 'trader', '+263712000111');
  const farai = await user(ctx, 'Farai Dube', 'trader', '+263733000222');
  const rudo = await user(ctx, 'Rudo Sibanda', 'trader', '+263774000333');
  const kuda = await user(ctx, 'Kuda Banda', 'trader', '+263775000444');
  const staff = await user(ctx, 'Nyasha Staff', 'staff', '+263776000555');
  const admin = await user(ctx, 'Admin Person', 'admin', '+263777000666');

  const [supplier] = await ctx.db
    .insert(suppliers)
    .values({ name: 'Harare Grain Co', area: 'Workington', phone: '+263242000000', email: 'sales@grain.example.co.zw', status: 'verified' })
    .returning();
  counter += 1;
  const [product] = await ctx.db
    .insert(products)
    .values({
      supplierId: supplier!.id,
      sku: `MM-20-${counter}-${process.pid}`,
      name: 'Roller meal 20 kg',
      description: 'White maize roller meal',
      category: 'mealie-meal',
      unit: 'bag',
      unitPrice: 1450,
    })
    .returning();
  const [mbare, glenView, empty] = await ctx.db
    .insert(pickupPoints)
    .values([
      { name: 'Mbare Musika pickup', market: 'Mbare Musika', address: 'Stand 12, Mbare Musika', openingHours: 'Mon-Sat 07:00-17:00' },
      { name: 'Glen View pickup', market: 'Glen View', address: 'Complex 7, Glen View', openingHours: 'Mon-Sat 08:00-16:00' },
      { name: 'Sakubva pickup', market: 'Sakubva', address: 'Sakubva market', openingHours: 'Mon-Fri 08:00-16:00' },
    ])
    .returning();
  const [group] = await ctx.db
    .insert(groups)
    .values({
      productId: product!.id,
      title: 'Roller meal for Mbare and Glen View',
      status: 'ready_for_pickup',
      moq: 10,
      deadline: new Date(Date.now() - 86_400_000),
      unitPrice: 1300,
      reservedQuantity: 12,
      paidQuantity: 12,
    })
    .returning();
  await ctx.db.insert(groupPickupPoints).values([
    { groupId: group!.id, pickupPointId: mbare!.id },
    { groupId: group!.id, pickupPointId: glenView!.id },
    { groupId: group!.id, pickupPointId: empty!.id, stock: 99 },
  ]);
  // Nyasha works at both points with buyers; Tafadzwa only at Glen View.
  const glenViewStaff = await user(ctx, 'Tafadzwa Staff', 'staff', '+263778000777');
  await ctx.db.insert(staffPickupPoints).values([
    { userId: staff.id, pickupPointId: mbare!.id },
    { userId: staff.id, pickupPointId: glenView!.id },
    { userId: glenViewStaff.id, pickupPointId: glenView!.id },
  ]);
  const base = { groupId: group!.id, unitPrice: 1300, currency: 'USD' as const };
  const [cTendai, cChipo, cFarai] = await ctx.db
    .insert(contributions)
    .values([
      { ...base, traderId: tendai.id, pickupPointId: mbare!.id, quantity: 5, status: 'paid', paidAt: new Date() },
      { ...base, traderId: chipo.id, pickupPointId: mbare!.id, quantity: 3, status: 'paid', paidAt: new Date() },
      { ...base, traderId: farai.id, pickupPointId: glenView!.id, quantity: 4, status: 'paid', paidAt: new Date() },
      { ...base, traderId: rudo.id, pickupPointId: mbare!.id, quantity: 7, status: 'pending_payment' },
      { ...base, traderId: kuda.id, pickupPointId: glenView!.id, quantity: 2, status: 'cancelled' },
    ])
    .returning();
  return {
    traders: { tendai, chipo, farai, rudo, kuda },
    staff,
    glenViewStaff,
    admin,
    product: product!,
    points: { mbare: mbare!, glenView: glenView!, empty: empty! },
    group: group!,
    contributions: { tendai: cTendai!, chipo: cChipo!, farai: cFarai! },
  };
}

/** Awaits a promise expected to fail with an HttpProblem of this status, and returns the problem. */
export async function problemOf(promise: Promise<unknown>, status: number): Promise<HttpProblem> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${status} problem`).toBeInstanceOf(HttpProblem);
  const problem = err as HttpProblem;
  expect({ status: problem.status, detail: problem.detail }).toMatchObject({ status });
  return problem;
}
