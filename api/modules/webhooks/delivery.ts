import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { signatureHeader, signPayload } from '../../../sdk/src/signed-events.ts';
import { VERSION } from '../../../sdk/src/version.ts';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { webhookDeliveries, webhookEndpoints } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { Query } from '../../openapi/contract.ts';
import { ownEndpoint, signingSecrets, type EndpointOwner } from './endpoints.ts';
import { fanOutEvents } from './fanout.ts';

type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export function deliveryView(d: DeliveryRow) {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' || d.status === 'failed' ? d.nextAttemptAt.toISOString() : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    lastResponse: d.lastResponse,
    lastDurationMs: d.lastDurationMs,
    replayOf: d.replayOf,
    payload: d.payload,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

/** A delivery's wait before attempt n+1: the base doubling per failed attempt, at most a day. */
export const backoffSeconds = (base: number, attempts: number) => Math.min(86_400, base * 2 ** Math.max(0, attempts - 1));

const leaseSeconds = 120;

/**
 * Posts the due deliveries: claimed in one statement (SKIP LOCKED, with a lease) and sent outside
 * any transaction, so a slow receiver holds no locks and several processes share the work; a
 * sender that dies mid-post is taken over when its lease passes. A 2xx is delivered; anything else
 * (another status, a timeout, a refused connection) waits WEBHOOK_RETRY_BASE_SECONDS doubling,
 * and after WEBHOOK_MAX_ATTEMPTS the delivery is dead (replay it by hand).
 */
export async function sendDueDeliveries(ctx: AppContext, batch = 50): Promise<{ succeeded: number; failed: number; dead: number }> {
  const { maxAttempts, retryBaseSeconds, timeoutSeconds } = ctx.config.webhooks;
  const claimed = await ctx.db
    .update(webhookDeliveries)
    .set({ status: 'sending', attempts: sql`${webhookDeliveries.attempts} + 1`, leaseUntil: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where(
      sql`${webhookDeliveries.id} in (
        select d.id from ${webhookDeliveries} d join ${webhookEndpoints} ep on ep.id = d.endpoint_id and ep.enabled
        where (d.status in ('pending', 'failed') and d.next_attempt_at <= now()) or (d.status = 'sending' and d.lease_until < now())
        order by d.next_attempt_at
        limit ${batch}
        for update of d skip locked)`,
    )
    .returning();
  const counts = { succeeded: 0, failed: 0, dead: 0 };
  if (!claimed.length) return counts;
  const endpoints = new Map(
    (await ctx.db.select().from(webhookEndpoints).where(inArray(webhookEndpoints.id, [...new Set(claimed.map((d) => d.endpointId))]))).map((e) => [e.id, e]),
  );
  await Promise.all(
    claimed.map(async (d) => {
      const endpoint = endpoints.get(d.endpointId)!;
      const body = JSON.stringify(d.payload);
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      let response: string | null = null;
      try {
        const res = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': `ConnectSphere-Webhooks/${VERSION}`,
            [signatureHeader]: signPayload(body, signingSecrets(endpoint), Math.floor(Date.now() / 1000)),
            'connectsphere-event-id': String(d.payload.id),
            'connectsphere-delivery-id': d.id,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutSeconds * 1000),
        });
        status = res.status;
        response = (await res.text().catch(() => '')).slice(0, 500);
        if (status < 200 || status > 299) error = `the endpoint answered ${status}`;
      } catch (err) {
        error = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutSeconds} s` : `could not post: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`;
      }
      const ms = Math.round(performance.now() - started);
      const outcome = error === null ? 'succeeded' : d.attempts >= maxAttempts ? 'dead' : 'failed';
      counts[outcome] += 1;
      await ctx.db
        .update(webhookDeliveries)
        .set({
          status: outcome,
          leaseUntil: null,
          lastStatusCode: status,
          lastError: error,
          lastResponse: response,
          lastDurationMs: ms,
          ...(outcome === 'succeeded' ? { deliveredAt: new Date() } : {}),
          ...(outcome === 'failed' ? { nextAttemptAt: new Date(Date.now() + backoffSeconds(retryBaseSeconds, d.attempts) * 1000) } : {}),
        })
        .where(and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.status, 'sending')));
    }),
  );
  return counts;
}

/** The deliver-webhooks job: new events become deliveries, then the due ones are posted (a few batches). */
export async function deliverWebhooks(ctx: AppContext, log?: FastifyBaseLogger) {
  const created = await fanOutEvents(ctx.db);
  const totals = { created, succeeded: 0, failed: 0, dead: 0 };
  for (let i = 0; i < 10; i++) {
    const c = await sendDueDeliveries(ctx);
    totals.succeeded += c.succeeded;
    totals.failed += c.failed;
    totals.dead += c.dead;
    if (c.succeeded + c.failed + c.dead < 50) break;
  }
  if (totals.dead) log?.warn({ dead: totals.dead }, 'webhook deliveries gave up after WEBHOOK_MAX_ATTEMPTS');
  return totals;
}

const newestFirst: SortKey = { expr: sql`extract(epoch from ${webhookDeliveries.createdAt})::float8`, type: 'float8', direction: 'desc' };

export async function listDeliveries(db: Queryable, owner: EndpointOwner, endpointId: string, query: Query<'listSupplierWebhookDeliveries'>) {
  await ownEndpoint(db, owner, endpointId);
  const conditions: SQL[] = [eq(webhookDeliveries.endpointId, endpointId)];
  if (query.status) conditions.push(eq(webhookDeliveries.status, query.status));
  const { where, order } = keyset(newestFirst, webhookDeliveries.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ d: webhookDeliveries, key: sql<number>`${newestFirst.expr}` })
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.d.id));
  return { items: result.items.map((r) => deliveryView(r.d)), nextCursor: result.nextCursor };
}

/** A new delivery of the same event to the same endpoint, due now (the original stays as it was). */
export async function replayDelivery(db: Queryable, owner: EndpointOwner, id: string) {
  const [d] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  if (!d) throw notFound(`Webhook delivery ${id}`);
  await ownEndpoint(db, owner, d.endpointId).catch(() => {
    throw notFound(`Webhook delivery ${id}`);
  });
  const [copy] = await db.insert(webhookDeliveries).values({ endpointId: d.endpointId, eventId: d.eventId, eventType: d.eventType, payload: d.payload, replayOf: d.id }).returning();
  return deliveryView(copy!);
}

/** A webhook.test event to one endpoint, due now: to check a receiver and its signature check. */
export async function sendTestEvent(db: Queryable, owner: EndpointOwner, endpointId: string) {
  const endpoint = await ownEndpoint(db, owner, endpointId);
  const payload = { id: `evt_test_${randomUUID()}`, object: 'event', type: 'webhook.test', created: new Date().toISOString(), organisationId: endpoint.supplierId, data: { endpointId } };
  const [d] = await db.insert(webhookDeliveries).values({ endpointId, eventId: 0, eventType: 'webhook.test', payload }).returning();
  return deliveryView(d!);
}

