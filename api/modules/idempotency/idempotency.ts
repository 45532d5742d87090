import { createHash } from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';
import { conflict } from '../../errors.ts';
import { principalId } from '../../plugins/auth.ts';

type KeyRow = typeof idempotencyKeys.$inferSelect;

/**
 * Runs a mutation at most once per (caller, operation, Idempotency-Key); the caller is a user or an
 * API key (principalId), so two scripts of one organisation never share a key's response. The first request claims
 * the key (a unique index settles races) with a lease (IDEMPOTENCY_LEASE_SECONDS); a retry with
 * the same key and body gets the stored response back, replayed with the `idempotent-replayed:
 * true` header; the same key with a different body is a 409. While the first request runs a retry
 * is a 409 "in progress"; once its lease has lapsed (the process stopped before storing the
 * response) the retry takes the claim over and does the work. A request that fails releases its
 * key: nothing was changed, so the client may retry. Keys are kept IDEMPOTENCY_RETENTION_HOURS
 * (24 h, as Stripe does), then pruned by the prune-idempotency-keys job; an older key is treated
 * as unused even before the job has run.
 */
export async function idempotent(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  operation: string,
  run: () => Promise<{ status: number; body: unknown }>,
) {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') {
    const result = await run();
    return reply.code(result.status).send(result.body);
  }
  const userId = principalId(request);
  const requestHash = requestHashOf(request.params, request.body);
  const where = and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.operation, operation), eq(idempotencyKeys.key, key));
  const { leaseSeconds, retentionHours } = ctx.config.idempotency;
  const lease = () => new Date(Date.now() + leaseSeconds * 1000);

  let claimed = await ctx.db
    .insert(idempotencyKeys)
    .values({ userId, operation, key, requestHash, lockedUntil: lease() })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length === 0) {
    const [previous] = await ctx.db.select().from(idempotencyKeys).where(where);
    if (!previous) throw conflict('This Idempotency-Key was just released; retry the request');
    const now = Date.now();
    if (previous.createdAt.getTime() < now - retentionHours * 3_600_000) {
      // Past retention: as if pruned. Replace it (only if it is still that old row).
      claimed = await ctx.db
        .update(idempotencyKeys)
        .set({ requestHash, statusCode: null, response: null, lockedUntil: lease(), createdAt: new Date() })
        .where(and(where, eq(idempotencyKeys.createdAt, previous.createdAt)))
        .returning({ key: idempotencyKeys.key });
    } else {
      if (previous.requestHash !== requestHash) throw conflict('This Idempotency-Key was already used for a different request');
      if (previous.statusCode !== null) {
        return reply.code(previous.statusCode).header('idempotent-replayed', 'true').send(previous.response);
      }
      if (previous.lockedUntil && previous.lockedUntil.getTime() > now) throw inProgress(previous);
      // The claim lapsed without a response: its request stopped. Take the claim over (one retry wins).
      claimed = await ctx.db
        .update(idempotencyKeys)
        .set({ lockedUntil: lease() })
        .where(and(where, isNull(idempotencyKeys.statusCode), lockedUntilIs(previous)))
        .returning({ key: idempotencyKeys.key });
    }
    if (claimed.length === 0) throw inProgress(previous);
  }
  try {
    const result = await run();
    // Stored as JSON exactly as the client will read it (dates as strings).
    const stored = JSON.parse(JSON.stringify(result.body ?? null)) as unknown;
    await ctx.db.update(idempotencyKeys).set({ statusCode: result.status, response: stored, lockedUntil: null }).where(where);
    return reply.code(result.status).send(result.body);
  } catch (err) {
    await ctx.db.delete(idempotencyKeys).where(and(where, isNull(idempotencyKeys.statusCode)));
    throw err;
  }
}

/** What "the same request" means for a key: the same path parameters and body. */
export function requestHashOf(params: unknown, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ params: params ?? null, body: body ?? null }))
    .digest('hex');
}

const lockedUntilIs = (row: KeyRow) => (row.lockedUntil ? eq(idempotencyKeys.lockedUntil, row.lockedUntil) : isNull(idempotencyKeys.lockedUntil));

function inProgress(row: KeyRow) {
  const seconds = row.lockedUntil ? Math.max(1, Math.ceil((row.lockedUntil.getTime() - Date.now()) / 1000)) : 1;
  return conflict(`A request with this Idempotency-Key is still in progress; retry in ${seconds} s`, { retryAfterSeconds: seconds });
}

/** Job (prune-idempotency-keys): keys past their retention are deleted. Returns how many. */
export async function pruneIdempotencyKeys(db: Db, retentionHours: number, now = new Date()): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - retentionHours * 3_600_000)))
    .returning({ key: idempotencyKeys.key });
  return rows.length;
}
