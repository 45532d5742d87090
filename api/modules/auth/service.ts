import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { analyticsProfiles, refreshTokens, users } from '../../db/schema.ts';
import { HttpProblem, unauthorized } from '../../errors.ts';
import { enqueue } from '../notifications/outbox.ts';
import { normalizePhone } from '../users/phone.ts';
import { assertBudget, savePreferences } from '../users/service.ts';
import { segmentOf } from '../users/segments.ts';
import { userView } from '../users/views.ts';
import { assertStrongPassword, burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import { hashRefreshToken, newRefreshToken, signAccessToken } from './tokens.ts';
import type { Body } from '../../openapi/contract.ts';
import { isUniqueViolation } from '../../db/errors.ts';

type UserRow = typeof users.$inferSelect;

export type RegisterInput = Body<'register'>;


/** Issues an access token and a refresh token (new family unless one is given). */
export async function issueSession(ctx: AppContext, tx: Queryable, user: UserRow, familyId: string = randomUUID()) {
  const refresh = newRefreshToken();
  await tx.insert(refreshTokens).values({
    userId: user.id,
    familyId,
    tokenHash: refresh.hash,
    expiresAt: new Date(Date.now() + ctx.config.jwt.refreshTtlDays * 86_400_000),
  });
  return {
    tokenType: 'Bearer' as const,
    accessToken: await signAccessToken(ctx.keys, ctx.config, { sub: user.id, role: user.role }),
    expiresIn: ctx.config.jwt.accessTtlSeconds,
    refreshToken: refresh.token,
    user: userView(user),
  };
}

export async function register(ctx: AppContext, input: RegisterInput) {
  const email = input.email.trim().toLowerCase();
  assertStrongPassword(input.password, email);
  const phone = normalizePhone(input.phone);
  if (input.preferences) assertBudget(input.preferences, 'body.preferences');
  const passwordHash = await hashPassword(input.password);
  const market = input.location.market.trim();
  try {
    // User, preferences, segment, analytics profile, welcome message and session: all or nothing.
    return await ctx.db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({
          email,
          name: input.name.trim(),
          phone,
          passwordHash,
          market,
          city: input.location.city?.trim() ?? 'Harare',
          segment: segmentOf({ market, categories: input.preferences?.categories ?? [], budgetMax: input.preferences?.budget.max }),
        })
        .returning();
      await tx.insert(analyticsProfiles).values({ userId: user!.id, segment: user!.segment, signupMarket: market });
      if (input.preferences) await savePreferences(tx, user!.id, market, input.preferences);
      await enqueue(tx, [
        { userId: user!.id, channel: 'email', recipient: email, template: 'welcome', payload: { name: user!.name, market } },
        { userId: user!.id, channel: 'sms', recipient: phone, template: 'welcome', payload: { name: user!.name, market } },
      ]);
      const [fresh] = await tx.select().from(users).where(eq(users.id, user!.id));
      return issueSession(ctx, tx, fresh!);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
}

const emailTaken = () =>
  new HttpProblem(409, 'conflict', 'Conflict', 'An account with this email already exists', [
    { field: 'body.email', message: 'is already registered' },
  ]);

export async function login(ctx: AppContext, emailRaw: string, password: string) {
  const email = emailRaw.trim().toLowerCase();
  const [user] = await ctx.db.select().from(users).where(eq(users.email, email));
  if (!user) {
    await burnPasswordCheck(password);
    throw unauthorized('Wrong email or password');
  }
  if (!(await verifyPassword(user.passwordHash, password))) throw unauthorized('Wrong email or password');
  if (!user.active) throw unauthorized('The account is deactivated');
  return ctx.db.transaction((tx) => issueSession(ctx, tx, user));
}

/**
 * Rotates a refresh token. A token that was already rotated is being replayed, by its owner's
 * attacker or its owner after theft: either way the whole family is revoked.
 */
export async function refresh(ctx: AppContext, token: string) {
  const hash = hashRefreshToken(token);
  const outcome = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).for('update');
    if (!row || row.revokedAt || row.expiresAt < new Date()) return { error: 'The refresh token is invalid or expired' } as const;
    if (row.usedAt) {
      await revokeFamily(tx, row.familyId);
      return { error: 'The refresh token was already used; the session has been revoked' } as const;
    }
    const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
    if (!user?.active) return { error: 'The account is deactivated' } as const;
    await tx.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.id, row.id));
    return { session: await issueSession(ctx, tx, user, row.familyId) } as const;
  });
  // Thrown after the transaction so the family revocation above is committed, not rolled back.
  if ('error' in outcome) throw unauthorized(outcome.error);
  return outcome.session;
}

async function revokeFamily(tx: Queryable, familyId: string) {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function logout(ctx: AppContext, token: string): Promise<void> {
  const [row] = await ctx.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hashRefreshToken(token)));
  if (row) await revokeFamily(ctx.db, row.familyId);
}

/** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when there is no admin yet. */
export async function ensureFirstAdmin(ctx: AppContext): Promise<'created' | 'exists' | 'not-configured'> {
  const admin = ctx.config.admin;
  if (!admin) return 'not-configured';
  const [existing] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(users.role, 'admin'));
  if ((existing?.n ?? 0) > 0) return 'exists';
  const passwordHash = await hashPassword(admin.password);
  await ctx.db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: admin.email, name: 'Administrator', phone: '+263000000000', passwordHash, role: 'admin', market: 'Head office' })
      .onConflictDoUpdate({ target: users.email, set: { role: 'admin', active: true, passwordHash } })
      .returning();
    await tx.insert(analyticsProfiles).values({ userId: user!.id, signupMarket: 'Head office' }).onConflictDoNothing();
  });
  return 'created';
}
