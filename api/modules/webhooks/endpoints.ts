import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { webhookEndpoints } from '../../db/schema.ts';
import { badRequest, notFound } from '../../errors.ts';

/** Whose endpoints: an organisation's (its owners manage them), or the platform's (admins'). */
export type EndpointOwner = { supplierId: string } | { platform: true };

type EndpointRow = typeof webhookEndpoints.$inferSelect;

const ownedBy = (owner: EndpointOwner): SQL =>
  'supplierId' in owner ? eq(webhookEndpoints.supplierId, owner.supplierId) : isNull(webhookEndpoints.supplierId);

export const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/** The endpoint as the API shows it: never its secret (shown once, by create and rotate). */
export function endpointView(e: EndpointRow) {
  return {
    id: e.id,
    organisationId: e.supplierId,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    secretRotatedUntil: e.previousSecretUntil && e.previousSecretUntil > new Date() ? e.previousSecretUntil.toISOString() : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/**
 * Where deliveries may go: http(s) only, no credentials in the URL, and plain http only where
 * WEBHOOK_ALLOW_HTTP allows it (everywhere but production by default; a local receiver is http).
 */
function checkUrl(ctx: AppContext, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest('body.url', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badRequest('body.url', 'must be http or https');
  if (url.protocol === 'http:' && !ctx.config.webhooks.allowHttp) throw badRequest('body.url', 'must be https (set WEBHOOK_ALLOW_HTTP=true to allow plain http)');
  if (url.username || url.password) throw badRequest('body.url', 'must not carry a user name or password');
  url.hash = '';
  return url.toString();
}

/** Event type patterns: `order.updated`, `order.*`, or `*`. */
function checkEvents(events: string[] | undefined): string[] {
  const list = [...new Set(events ?? [])];
  const bad = list.find((e) => !/^(\*|[a-z]+(\.[a-z_]+)?(\.\*)?|[a-z]+\.\*)$/.test(e));
  if (bad !== undefined) throw badRequest('body.events', `"${bad}" is not an event type (order.updated), a family (order.*) or *`);
  return list.includes('*') ? [] : list;
}

export interface EndpointInput {
  url: string;
  description?: string | null;
  events?: string[];
  enabled?: boolean;
}

export async function createEndpoint(ctx: AppContext, owner: EndpointOwner, input: EndpointInput) {
  const secret = newSecret();
  const [row] = await ctx.db
    .insert(webhookEndpoints)
    .values({
      supplierId: 'supplierId' in owner ? owner.supplierId : null,
      url: checkUrl(ctx, input.url),
      description: input.description ?? null,
      events: checkEvents(input.events),
      secret,
      enabled: input.enabled ?? true,
    })
    .returning();
  return { ...endpointView(row!), secret };
}

export async function listEndpoints(db: Queryable, owner: EndpointOwner) {
  const rows = await db.select().from(webhookEndpoints).where(ownedBy(owner)).orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id));
  return { items: rows.map(endpointView) };
}

/** One of the owner's endpoints, or a 404 (another organisation's looks the same as none). */
export async function ownEndpoint(db: Queryable, owner: EndpointOwner, id: string): Promise<EndpointRow> {
  const [row] = await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), ownedBy(owner)));
  if (!row) throw notFound(`Webhook endpoint ${id}`);
  return row;
}

export async function updateEndpoint(ctx: AppContext, owner: EndpointOwner, id: string, change: Partial<EndpointInput>) {
  await ownEndpoint(ctx.db, owner, id);
  const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: new Date() };
  if (change.url !== undefined) set.url = checkUrl(ctx, change.url);
  if (change.description !== undefined) set.description = change.description;
  if (change.events !== undefined) set.events = checkEvents(change.events);
  if (change.enabled !== undefined) set.enabled = change.enabled;
  const [row] = await ctx.db.update(webhookEndpoints).set(set).where(and(eq(webhookEndpoints.id, id), ownedBy(owner))).returning();
  return endpointView(row!);
}

export async function deleteEndpoint(db: Queryable, owner: EndpointOwner, id: string) {
  await ownEndpoint(db, owner, id);
  await db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), ownedBy(owner)));
}

/**
 * A new secret, shown once. The old one keeps signing beside it (a second v1 in the signature
 * header) for WEBHOOK_ROTATION_GRACE_HOURS, so the receiver can switch without losing deliveries.
 */
export async function rotateSecret(ctx: AppContext, owner: EndpointOwner, id: string) {
  await ownEndpoint(ctx.db, owner, id);
  const secret = newSecret();
  const graceMs = ctx.config.webhooks.rotationGraceHours * 3_600_000;
  const [row] = await ctx.db
    .update(webhookEndpoints)
    .set({
      secret,
      previousSecret: graceMs > 0 ? sql`${webhookEndpoints.secret}` : null,
      previousSecretUntil: graceMs > 0 ? new Date(Date.now() + graceMs) : null,
      updatedAt: new Date(),
    })
    .where(and(eq(webhookEndpoints.id, id), ownedBy(owner)))
    .returning();
  return { ...endpointView(row!), secret };
}

/** The secrets a delivery is signed with now: the current one, and a rotated-out one in its grace period. */
export function signingSecrets(e: EndpointRow, now = new Date()): string[] {
  return e.previousSecret && e.previousSecretUntil && e.previousSecretUntil > now ? [e.secret, e.previousSecret] : [e.secret];
}

/** Whether an endpoint wants an event type: its list is empty (everything), names it, or names its family. */
export function wants(events: string[], type: string): boolean {
  return events.length === 0 || events.includes(type) || events.includes(`${type.split('.')[0]}.*`);
}
