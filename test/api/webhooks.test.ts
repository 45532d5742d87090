// Outbound webhooks: endpoints, signed deliveries a receiver checks with the SDK's constructEvent,
// retries with backoff to a dead letter, replay, secret rotation, isolation, and the fan-out that
// does not skip an event whose transaction commits late (PostgreSQL).
import { constructEvent, WebhookSignatureError } from '@connectsphere/sdk';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries } from '../../api/db/schema.ts';
import { recordEvent } from '../../api/modules/events/domain-events.ts';
import { deliverWebhooks } from '../../api/modules/webhooks/delivery.ts';
import { fanOutEvents } from '../../api/modules/webhooks/fanout.ts';
import { freshApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/db.ts';
import { webhookReceiver } from '../helpers/receiver.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer } from '../helpers/users.ts';

let app: FastifyInstance;
let org: SupplierOrg;
let other: SupplierOrg;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
let sku = 0;

beforeAll(async () => {
  app = await freshApp({ WEBHOOK_MAX_ATTEMPTS: '3' });
  org = await supplierOrganisation(app);
  other = await supplierOrganisation(app, { admin: org.admin });
  receiver = await webhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await app.close();
});
afterEach(() => {
  receiver.received.length = 0;
  receiver.answer(200);
});

const as = (token: string) => ({ headers: bearer(token) });
async function createEndpoint(token: string, payload: Record<string, unknown>, base = '/api/supplier/webhooks') {
  const res = await app.inject({ method: 'POST', url: base, ...as(token), payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string; events: string[] };
}
/** A change of `o`'s catalog: product.created on its feed. */
async function productOf(o: SupplierOrg) {
  sku += 1;
  const res = await app.inject({
    method: 'POST',
    url: '/api/supplier/products',
    ...as(o.owner.accessToken),
    payload: { sku: `HOOK-${sku}`, name: 'Cooking oil 2 l', description: 'Sunflower', category: 'cooking-oil', unit: '2 l bottle', unitPrice: 450, stock: 100 },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}
const deliveriesOf = (endpointId: string) => app.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));

describe('webhook endpoints', () => {
  it('show the secret once, validate url and events naming the field, and are for owners only', async () => {
    const made = await createEndpoint(org.owner.accessToken, { url: receiver.url, events: ['product.*'], description: 'catalog sync' });
    expect(made.secret).toMatch(/^whsec_[\w-]{32}$/);
    const listed = await app.inject({ url: '/api/supplier/webhooks', ...as(org.owner.accessToken) });
    expect(listed.json().items.map((e: { id: string }) => e.id)).toContain(made.id);
    expect(listed.body).not.toContain(made.secret);
    for (const [payload, field] of [
      [{ url: 'ftp://example.co.zw/x' }, 'body.url'],
      [{ url: 'https://user:pw@example.co.zw/x' }, 'body.url'],
      [{ url: receiver.url, events: ['Order Updated'] }, 'body.events'],
      [{ url: receiver.url, extra: 1 }, 'body.extra'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/api/supplier/webhooks', ...as(org.owner.accessToken), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Another organisation sees none of it; a trader may not call it at all.
    expect((await app.inject({ url: `/api/supplier/webhooks/${made.id}`, ...as(other.owner.accessToken) })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/supplier/webhooks', ...as(other.owner.accessToken) })).json().items).toEqual([]);
    const key = await app.inject({ method: 'POST', url: '/api/supplier/keys', ...as(org.owner.accessToken), payload: { name: 'x', scopes: ['orders:read', 'orders:write', 'catalog:write', 'invoices:read'] } });
    expect((await app.inject({ url: '/api/supplier/webhooks', headers: bearer(key.json().key) })).statusCode).toBe(403);
    await app.inject({ method: 'DELETE', url: `/api/supplier/webhooks/${made.id}`, ...as(org.owner.accessToken) });
  });
});

describe('deliveries', () => {
  it('post each event of the organisation once, signed; constructEvent accepts it and refuses a tampered body, a wrong secret and an old signature', async () => {
    const endpoint = await createEndpoint(org.owner.accessToken, { url: receiver.url, events: ['product.created'] });
    const mine = await productOf(org);
    await productOf(other); // another organisation's event is not ours
    const run = await deliverWebhooks(app.ctx);
    expect(run).toMatchObject({ succeeded: 1, failed: 0 });
    expect(await deliverWebhooks(app.ctx)).toMatchObject({ created: 0, succeeded: 0 });
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    const header = got!.headers['connectsphere-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = constructEvent<{ id: string }>(got!.body, header, endpoint.secret);
    expect(event).toMatchObject({ object: 'event', type: 'product.created', organisationId: org.id, data: { id: mine.id } });
    expect(event.id).toMatch(/^evt_\d+$/);
    expect(got!.headers['connectsphere-event-id']).toBe(event.id);
    expect(() => constructEvent(got!.body.replace('Cooking', 'Cookinh'), header, endpoint.secret)).toThrow(WebhookSignatureError);
    expect(() => constructEvent(got!.body, header, 'whsec_not-the-secret')).toThrow(/no signature matches/);
    expect(() => constructEvent(got!.body, header, endpoint.secret, { now: Math.floor(Date.now() / 1000) + 3600 })).toThrow(/tolerance/);
    expect(() => constructEvent(got!.body, undefined, endpoint.secret)).toThrow(/no ConnectSphere-Signature/);
    const [d] = await deliveriesOf(endpoint.id);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200 });
    await app.inject({ method: 'DELETE', url: `/api/supplier/webhooks/${endpoint.id}`, ...as(org.owner.accessToken) });
  });

  it('retry a failing receiver with doubling waits, then give up (dead); a replay sends the same event again', async () => {
    // A family of events: product.created and the like.
    const endpoint = await createEndpoint(org.owner.accessToken, { url: receiver.url, events: ['product.*'] });
    receiver.answer(500);
    await productOf(org);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await deliverWebhooks(app.ctx);
      const [d] = await deliveriesOf(endpoint.id);
      expect(d!.attempts).toBe(attempt);
      expect(d!.lastStatusCode).toBe(500);
      expect(d!.lastResponse).toBe('receiver says no');
      if (attempt < 3) {
        expect(d!.status).toBe('failed');
        waits.push(Math.round((d!.nextAttemptAt.getTime() - Date.now()) / 1000));
        // Not before its time: a run now sends nothing.
        expect((await deliverWebhooks(app.ctx)).failed).toBe(0);
        await app.ctx.db.update(webhookDeliveries).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(eq(webhookDeliveries.id, d!.id));
      } else {
        expect(d!.status).toBe('dead');
      }
    }
    // WEBHOOK_RETRY_BASE_SECONDS (30) doubling.
    expect(waits[0]).toBeGreaterThanOrEqual(28);
    expect(waits[0]).toBeLessThanOrEqual(30);
    expect(waits[1]).toBeGreaterThanOrEqual(58);
    expect(waits[1]).toBeLessThanOrEqual(60);
    expect(receiver.received).toHaveLength(3);

    receiver.answer(204);
    const [dead] = await deliveriesOf(endpoint.id);
    const replay = await app.inject({ method: 'POST', url: `/api/supplier/webhook-deliveries/${dead!.id}/replay`, ...as(org.owner.accessToken) });
    expect(replay.statusCode, replay.body).toBe(202);
    expect(replay.json()).toMatchObject({ replayOf: dead!.id, status: 'pending', eventId: dead!.eventId });
    await deliverWebhooks(app.ctx);
    const page = await app.inject({ url: `/api/supplier/webhooks/${endpoint.id}/deliveries`, ...as(org.owner.accessToken) });
    expect(page.json().items.map((d: { status: string }) => d.status)).toEqual(['succeeded', 'dead']);
    // The same event: receivers dedupe on its id.
    const ids = receiver.received.map((r) => JSON.parse(r.body).id);
    expect(new Set(ids).size).toBe(1);
    expect((await app.inject({ method: 'POST', url: `/api/supplier/webhook-deliveries/${dead!.id}/replay`, ...as(other.owner.accessToken) })).statusCode).toBe(404);
    await app.inject({ method: 'DELETE', url: `/api/supplier/webhooks/${endpoint.id}`, ...as(org.owner.accessToken) });
  });

  it('after a rotation sign with the new secret and, for the grace period, the old one too; a test event checks the receiver', async () => {
    const endpoint = await createEndpoint(org.owner.accessToken, { url: receiver.url, events: ['webhook.test'] });
    const rotated = await app.inject({ method: 'POST', url: `/api/supplier/webhooks/${endpoint.id}/rotate-secret`, ...as(org.owner.accessToken) });
    expect(rotated.statusCode).toBe(200);
    const { secret, secretRotatedUntil } = rotated.json();
    expect(secret).not.toBe(endpoint.secret);
    expect(new Date(secretRotatedUntil).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const test = await app.inject({ method: 'POST', url: `/api/supplier/webhooks/${endpoint.id}/test`, ...as(org.owner.accessToken) });
    expect(test.statusCode, test.body).toBe(202);
    await deliverWebhooks(app.ctx);
    const [got] = receiver.received;
    expect(got!.headers['connectsphere-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(constructEvent(got!.body, got!.headers['connectsphere-signature'] as string, secret).type).toBe('webhook.test');
    expect(constructEvent(got!.body, got!.headers['connectsphere-signature'] as string, endpoint.secret).type).toBe('webhook.test');
    await app.inject({ method: 'DELETE', url: `/api/supplier/webhooks/${endpoint.id}`, ...as(org.owner.accessToken) });
  });

  it("a platform endpoint (admins) receives every organisation's events", async () => {
    const endpoint = await createEndpoint(org.admin.accessToken, { url: receiver.url, events: ['product.created'] }, '/api/admin/webhooks');
    await productOf(org);
    await productOf(other);
    await deliverWebhooks(app.ctx);
    expect(receiver.received.map((r) => JSON.parse(r.body).organisationId).sort()).toEqual([org.id, other.id].sort());
    expect((await app.inject({ url: `/api/admin/webhooks/${endpoint.id}`, ...as(org.owner.accessToken) })).statusCode).toBe(403);
    await app.inject({ method: 'DELETE', url: `/api/admin/webhooks/${endpoint.id}`, ...as(org.admin.accessToken) });
  });

  it.skipIf(!onPostgres())('do not skip an event whose transaction took a lower id and committed after a higher one was read (PostgreSQL)', async () => {
    const endpoint = await createEndpoint(org.owner.accessToken, { url: receiver.url, events: ['test.*'] });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let recorded!: () => void;
    const inFlight = new Promise<void>((r) => (recorded = r));
    // T1 records its event first (the lower id) and stays open.
    const t1 = app.ctx.db.transaction(async (tx) => {
      await recordEvent(tx, { type: 'test.early', supplierId: org.id, data: { n: 1 } });
      recorded();
      await gate;
    });
    await inFlight;
    // T2 records a later event (a higher id) and commits.
    await app.ctx.db.transaction((tx) => recordEvent(tx, { type: 'test.late', supplierId: org.id, data: { n: 2 } }));
    await fanOutEvents(app.ctx.db);
    release();
    await t1;
    await fanOutEvents(app.ctx.db);
    const types = (await deliveriesOf(endpoint.id)).map((d) => d.eventType).sort();
    expect(types).toEqual(['test.early', 'test.late']);
    const ids = await app.ctx.db.execute(sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${endpoint.id}`);
    expect((ids as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(2);
    await app.inject({ method: 'DELETE', url: `/api/supplier/webhooks/${endpoint.id}`, ...as(org.owner.accessToken) });
  });
});

