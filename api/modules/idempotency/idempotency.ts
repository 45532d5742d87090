import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { idempotencyKeys } from '../../db/schema.ts';
import { conflict } from '../../errors.ts';
import { currentUser } from '../../plugins/auth.ts';

/**
 * Runs a mutation at most once per (user, operation, Idempotency-Key). The first request claims
 * the key (a unique index settles races); a retry with the same key and body gets the stored
 * response back, replayed with the `idempotent-replayed: true` header; the same key with a
 * different body is a 409. A request that fails releases its key: nothing was changed, so the
 * client may retry (after fixing the cause).
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
  const userId = currentUser(request).id;
  const requestHash = createHash('sha256')
    .update(JSON.stringify({ params: request.params ?? null, body: request.body ?? null }))
    .digest('hex');
  const where = and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.operation, operation), eq(idempotencyKeys.key, key));

  const claimed = await ctx.db
    .insert(idempotencyKeys)
    .values({ userId, operation, key, requestHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length === 0) {
    const [previous] = await ctx.db.select().from(idempotencyKeys).where(where);
    if (!previous) throw conflict('This Idempotency-Key was just released; retry the request');
    if (previous.requestHash !== requestHash) {
      throw conflict('This Idempotency-Key was already used for a different request');
    }
    if (previous.statusCode === null) throw conflict('A request with this Idempotency-Key is still in progress');
    return reply.code(previous.statusCode).header('idempotent-replayed', 'true').send(previous.response);
  }
  try {
    const result = await run();
    // Stored as JSON exactly as the client will read it (dates as strings).
    const stored = JSON.parse(JSON.stringify(result.body ?? null)) as unknown;
    await ctx.db.update(idempotencyKeys).set({ statusCode: result.status, response: stored }).where(where);
    return reply.code(result.status).send(result.body);
  } catch (err) {
    await ctx.db.delete(idempotencyKeys).where(where);
    throw err;
  }
}
