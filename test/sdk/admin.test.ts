// Administration through the SDK against a real server: paging, role changes, refusals.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { ApiError, ConnectSphere, paginate, type RegisterRequest, type User } from '@connectsphere/sdk';
import { pickupPoints, users } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { traderInput } from '../helpers/users.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
});
afterAll(async () => {
  await app.close();
});

async function trader(overrides: Record<string, unknown> = {}) {
  const cs = new ConnectSphere({ baseUrl: url });
  const session = await cs.auth.register(traderInput(overrides) as RegisterRequest);
  return { cs, user: session.user };
}

/** Registers through the SDK, then promotes in the database (as test/helpers/users.ts does). */
async function admin() {
  const t = await trader({ name: 'Admin Chipo' });
  await app.ctx.db.update(users).set({ role: 'admin' }).where(eq(users.id, t.user.id));
  return t;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('admin.users', () => {
  it('list pages by nextCursor; iterate returns every user exactly once across pages', async () => {
    const { cs } = await admin();
    const traders: User[] = [];
    for (let i = 0; i < 4; i++) traders.push((await trader()).user);

    const first = await cs.admin.users.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));

    const all = await collect(cs.admin.users.iterate({ limit: 2 }));
    expect(all).toHaveLength(5);
    expect(new Set(all.map((u) => u.id)).size).toBe(5);
    expect(all.map((u) => u.id)).toEqual(expect.arrayContaining(traders.map((u) => u.id)));
    expect(all.slice(0, 2)).toEqual(first.items);

    const onlyTraders = await collect(cs.admin.users.iterate({ role: 'trader', limit: 2 }));
    expect(onlyTraders.map((u) => u.id).sort()).toEqual(traders.map((u) => u.id).sort());
  });

  it('iterate fetches no further page once the loop stops', async () => {
    const { cs } = await admin();
    for (let i = 0; i < 4; i++) await trader();
    const pages: (string | undefined)[] = [];
    const counted = paginate((cursor) => {
      pages.push(cursor);
      return cs.admin.users.list({ limit: 2, cursor });
    });
    for await (const _ of counted) break;
    expect(pages).toEqual([undefined]);
  });

  it('get returns the user with preferences and profile; update changes the role', async () => {
    const { cs } = await admin();
    const { user } = await trader();
    const detail = await cs.admin.users.get(user.id);
    expect(detail).toMatchObject({ id: user.id, role: 'trader', preferences: null, profile: { name: 'Tendai Moyo' } });
    const updated = await cs.admin.users.update(user.id, { role: 'staff' });
    expect(updated).toMatchObject({ id: user.id, role: 'staff', active: true });
    expect((await cs.admin.users.get(user.id)).role).toBe('staff');
  });

  it('a trader calling admin gets ApiError 403', async () => {
    const { cs } = await trader();
    const err = await rejection(cs.admin.users.list());
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).problem.title).toBe('Forbidden');
  });

  it('an unknown id is 404 and an admin demoting themselves is 409', async () => {
    const { cs, user } = await admin();
    await expect(cs.admin.users.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
    await expect(cs.admin.users.update(user.id, { role: 'trader' })).rejects.toMatchObject({ status: 409 });
  });

  it('a bad query is a 400 naming the query field', async () => {
    const { cs } = await admin();
    const err = await rejection(cs.admin.users.list({ limit: 500 }));
    expect((err as ApiError).problem.errors).toEqual([{ field: 'query.limit', message: 'must be <= 100' }]);
  });
});

describe('staff pickup points through the SDK', () => {
  it('an admin assigns a staff account to pickup points; the user detail shows them; bad ids and non-staff are refused', async () => {
    const { cs } = await admin();
    const staff = await trader({ name: 'Nyasha Staff' });
    const [mbare, glenView] = await app.ctx.db
      .insert(pickupPoints)
      .values([
        { name: 'Mbare pickup', market: 'Mbare Musika', address: 'Stand 12', openingHours: 'Mon-Sat 07:00-17:00' },
        { name: 'Glen View pickup', market: 'Glen View', address: 'Complex 7', openingHours: 'Mon-Sat 08:00-16:00' },
      ])
      .returning();

    // Only staff are assigned: a trader is a 409 naming the role.
    const notStaff = await rejection(cs.admin.users.setPickupPoints(staff.user.id, [mbare!.id]));
    expect(notStaff).toMatchObject({ status: 409 });
    expect((notStaff as ApiError).problem.detail).toContain('this account is trader');
    await cs.admin.users.update(staff.user.id, { role: 'staff' });

    const set = await cs.admin.users.setPickupPoints(staff.user.id, [mbare!.id, glenView!.id]);
    expect(set).toEqual({ userId: staff.user.id, pickupPoints: [expect.objectContaining({ id: glenView!.id }), expect.objectContaining({ id: mbare!.id })] });
    expect((await cs.admin.users.pickupPoints(staff.user.id)).pickupPoints.map((p) => p.name)).toEqual(['Glen View pickup', 'Mbare pickup']);
    expect((await cs.admin.users.get(staff.user.id)).pickupPoints.map((p) => p.id)).toEqual([glenView!.id, mbare!.id]);

    // An unknown point is a 400 naming the item, and changes nothing.
    const unknown = await rejection(cs.admin.users.setPickupPoints(staff.user.id, [mbare!.id, '00000000-0000-4000-8000-000000000000']));
    expect((unknown as ApiError).problem.errors).toEqual([{ field: 'body.pickupPointIds.1', message: 'is not a known pickup point' }]);
    expect((await cs.admin.users.pickupPoints(staff.user.id)).pickupPoints).toHaveLength(2);

    // Replacing, then unassigning.
    expect((await cs.admin.users.setPickupPoints(staff.user.id, [glenView!.id])).pickupPoints.map((p) => p.id)).toEqual([glenView!.id]);
    expect((await cs.admin.users.setPickupPoints(staff.user.id, [])).pickupPoints).toEqual([]);
    await expect(cs.admin.users.pickupPoints('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
    // The staff member may not assign themselves.
    await expect(staff.cs.admin.users.setPickupPoints(staff.user.id, [mbare!.id])).rejects.toMatchObject({ status: 403 });
  });
});
