import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { apiKeys, type ApiKeyScope } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { Body } from '../../openapi/contract.ts';
import { assertOwner, type OrganisationActor } from '../suppliers/membership.ts';

export const apiKeyPrefix = 'csk_';

type ApiKeyRow = typeof apiKeys.$inferSelect;

/** A key is 32 random bytes: a fast hash is enough to store it (nothing to brute-force). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function isApiKey(token: string): boolean {
  return token.startsWith(apiKeyPrefix);
}

export function apiKeyView(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** Keys manage no keys: only a signed-in owner creates, lists and revokes them (the spec gives these operations no x-scopes). */
export async function createKey(ctx: AppContext, actor: OrganisationActor, input: Body<'createApiKey'>) {
  assertOwner(actor);
  const key = apiKeyPrefix + randomBytes(32).toString('base64url');
  const [row] = await ctx.db
    .insert(apiKeys)
    .values({
      supplierId: actor.organisation.id,
      name: input.name.trim(),
      prefix: key.slice(0, apiKeyPrefix.length + 8),
      keyHash: hashApiKey(key),
      scopes: [...new Set(input.scopes)] as ApiKeyScope[],
      createdBy: actor.userId,
    })
    .returning();
  return { ...apiKeyView(row!), key };
}

export async function listKeys(ctx: AppContext, actor: OrganisationActor) {
  assertOwner(actor);
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.supplierId, actor.organisation.id))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return { items: rows.map(apiKeyView) };
}

export async function revokeKey(ctx: AppContext, actor: OrganisationActor, id: string) {
  assertOwner(actor);
  const mine = and(eq(apiKeys.id, id), eq(apiKeys.supplierId, actor.organisation.id));
  const [revoked] = await ctx.db
    .update(apiKeys)
    .set({ revokedAt: new Date(), revokedBy: actor.userId })
    .where(and(mine, isNull(apiKeys.revokedAt)))
    .returning();
  if (revoked) return apiKeyView(revoked);
  // Already revoked (or another organisation's, which is not found).
  const [row] = await ctx.db.select().from(apiKeys).where(mine);
  if (!row) throw notFound('The API key');
  return apiKeyView(row);
}

/** What the auth hook learns from a key it accepted. */
export interface ApiKeyPrincipal {
  id: string;
  supplierId: string;
  scopes: ApiKeyScope[];
}

/** How stale last_used_at may get: a busy script costs one write a minute, not one per request. */
const lastUsedResolutionMs = 60_000;

/**
 * The key's principal, or undefined when it is unknown or revoked. Read on every request (no
 * cache), so a revocation counts from the next request on.
 */
export async function authenticateKey(ctx: AppContext, key: string): Promise<ApiKeyPrincipal | undefined> {
  const [row] = await ctx.db
    .select({ id: apiKeys.id, supplierId: apiKeys.supplierId, scopes: apiKeys.scopes, lastUsedAt: apiKeys.lastUsedAt, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hashApiKey(key)));
  if (!row || row.revokedAt) return undefined;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= lastUsedResolutionMs) {
    // Conditional, so concurrent requests of one key write it once.
    await ctx.db
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(
        and(
          eq(apiKeys.id, row.id),
          or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)),
        ),
      );
  }
  return { id: row.id, supplierId: row.supplierId, scopes: row.scopes };
}

/** `orders:write` includes `orders:read`. */
export function holdsScope(scopes: readonly string[], needed: string): boolean {
  if (scopes.includes(needed)) return true;
  const [area, level] = needed.split(':');
  return level === 'read' && scopes.includes(`${area}:write`);
}
