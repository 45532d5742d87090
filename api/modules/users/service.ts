import { and, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import type { Queryable } from '../../db/client.ts';
import { analyticsProfiles, refreshTokens, userPreferences, users } from '../../db/schema.ts';
import { badRequest, conflict, notFound } from '../../errors.ts';
import type { Role } from '../../plugins/auth.ts';
import { assignedPickupPoints } from '../qr/staff-points.ts';
import { normalizePhone } from './phone.ts';
import { segmentOf } from './segments.ts';
import { preferencesView, profileView, userView, type PreferencesInput } from './views.ts';
import type { Body, Query } from '../../openapi/contract.ts';

export async function findUser(db: Queryable, id: string) {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  if (!row) throw notFound(`User ${id}`);
  return row;
}

async function findPreferences(db: Queryable, userId: string) {
  const [row] = await db.select().from(userPreferences).where(eq(userPreferences.userId, userId));
  return row;
}

export function assertBudget(p: PreferencesInput, field = 'body'): void {
  if (p.budget.min > p.budget.max) throw badRequest(`${field}.budget.min`, 'must not be greater than budget.max');
}

/** Saves preferences and re-derives the segment (on the user and their analytics profile). */
export async function savePreferences(tx: Queryable, userId: string, market: string, p: PreferencesInput) {
  const values = {
    categories: p.categories,
    budgetMin: p.budget.min,
    budgetMax: p.budget.max,
    currency: p.budget.currency,
    groupSizes: p.preferredGroupSizes,
    purchaseFrequency: p.purchaseFrequency,
    updatedAt: new Date(),
  };
  const [row] = await tx
    .insert(userPreferences)
    .values({ userId, ...values })
    .onConflictDoUpdate({ target: userPreferences.userId, set: values })
    .returning();
  await resegment(tx, userId, market, p);
  return preferencesView(row!);
}

async function resegment(tx: Queryable, userId: string, market: string, p: PreferencesInput | undefined) {
  const segment = segmentOf({ market, categories: p?.categories ?? [], budgetMax: p?.budget.max });
  await tx.update(users).set({ segment, updatedAt: new Date() }).where(eq(users.id, userId));
  await tx.update(analyticsProfiles).set({ segment }).where(eq(analyticsProfiles.userId, userId));
  return segment;
}

export async function getPreferences(db: Queryable, userId: string) {
  const row = await findPreferences(db, userId);
  if (!row) throw notFound('Preferences (none saved yet)');
  return preferencesView(row);
}

export async function getProfile(db: Queryable, userId: string) {
  return profileView(await findUser(db, userId));
}

export type ProfileInput = Body<'updateMyProfile'>;

export async function updateProfile(db: Queryable, userId: string, input: ProfileInput) {
  const phone = normalizePhone(input.phone);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({
        name: input.name.trim(),
        phone,
        market: input.location.market.trim(),
        city: input.location.city?.trim() ?? 'Harare',
        businessType: input.businessType ?? null,
        yearsOfExperience: input.yearsOfExperience ?? null,
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId))
      .returning();
    if (!row) throw notFound(`User ${userId}`);
    // The market is part of the segment, so a move re-segments the trader.
    const prefs = await findPreferences(tx, userId);
    await resegment(tx, userId, row.market, prefs ? preferencesView(prefs) : undefined);
    return profileView(row);
  });
}

export async function getUserDetail(db: Queryable, id: string) {
  const user = await findUser(db, id);
  const prefs = await findPreferences(db, id);
  const pickupPoints = await assignedPickupPoints(db, id);
  return { ...userView(user), preferences: prefs ? preferencesView(prefs) : null, profile: profileView(user), pickupPoints };
}

const newestFirst: SortKey = { expr: sql`${users.createdAt}`, type: 'timestamptz', direction: 'desc' };

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export type UserListQuery = Query<'listUsers'>;

export async function listUsers(db: Queryable, query: UserListQuery) {
  const conditions: SQL[] = [];
  if (query.q) {
    const pattern = `%${escapeLike(query.q.trim())}%`;
    conditions.push(or(ilike(users.name, pattern), ilike(users.email, pattern), ilike(users.phone, pattern))!);
  }
  if (query.role) conditions.push(eq(users.role, query.role));
  if (query.active !== undefined) conditions.push(eq(users.active, query.active));
  const { where, order } = keyset(newestFirst, users.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (u) => encodeCursor(u.createdAt.toISOString(), u.id));
  return { items: result.items.map(userView), nextCursor: result.nextCursor };
}

export async function updateUser(db: Queryable, actorId: string, id: string, change: { role?: Role; active?: boolean }) {
  // Refusing to demote or deactivate yourself keeps the last admin from locking everyone out.
  if (id === actorId && (change.active === false || (change.role && change.role !== 'admin'))) {
    throw conflict('Admins cannot demote or deactivate themselves; ask another admin');
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ ...change, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning();
    if (!row) throw notFound(`User ${id}`);
    if (change.active === false) {
      await tx
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(refreshTokens.userId, id), sql`${refreshTokens.revokedAt} is null`));
    }
    return userView(row);
  });
}
