import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import nock from 'nock';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inboxMessages, notifications, users } from '../../api/db/schema.ts';
import { africasTalkingTransport } from '../../api/modules/notifications/channels/africas-talking.ts';
import { backoffSeconds, drainOutbox, type Delivery } from '../../api/modules/notifications/dispatcher.ts';
import { enqueue } from '../../api/modules/notifications/outbox.ts';
import { shona } from '../../api/modules/notifications/templates-sn.ts';
import { templateNames } from '../../api/modules/notifications/templates.ts';
import { transportFor } from '../../api/modules/notifications/transport.ts';
import { dataDir, freshApp, testContext } from '../helpers/app.ts';
import { onPostgres, resetDatabase } from '../helpers/db.ts';
import { bearer, registerUser, userWithRole } from '../helpers/users.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(() => resetDatabase(app.ctx.database));
afterAll(() => app.close());

const sent: Delivery[] = [];
const collect = async (d: Delivery) => {
  sent.push(d);
};
const failing = async () => {
  throw new Error('gateway down');
};
/** Makes every backed-off notification due now, as if the wait had passed. */
const timePasses = () => app.ctx.db.update(notifications).set({ nextAttemptAt: sql`now() - interval '1 second'` });

describe('outbox dispatcher', () => {
  it('backs off after each failure, gives up into a dead letter, and an admin resends it', async () => {
    await registerUser(app);
    const options = { maxAttempts: 3, retryBaseSeconds: 30 };
    expect(await drainOutbox(app.ctx.db, failing, options)).toBe(0);
    let rows = await app.ctx.db.select().from(notifications);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'queued', attempts: 1, lastError: 'gateway down' });
      expect(r.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(25_000);
    }
    // Not due yet: a second run touches nothing.
    expect(await drainOutbox(app.ctx.db, failing, options)).toBe(0);
    expect((await app.ctx.db.select().from(notifications)).every((r) => r.attempts === 1)).toBe(true);
    await timePasses();
    await drainOutbox(app.ctx.db, failing, options);
    rows = await app.ctx.db.select().from(notifications);
    expect(rows.every((r) => r.attempts === 2 && r.nextAttemptAt.getTime() - Date.now() > 55_000)).toBe(true);
    await timePasses();
    await drainOutbox(app.ctx.db, failing, options);
    rows = await app.ctx.db.select().from(notifications);
    expect(rows.every((r) => r.status === 'failed' && r.attempts === 3)).toBe(true);
    expect([1, 2, 3, 20].map((a) => backoffSeconds(a, 30))).toEqual([30, 60, 120, 86_400]);

    const admin = await userWithRole(app, 'admin');
    await app.ctx.db.delete(notifications).where(eq(notifications.userId, admin.user.id));
    const dead = await app.inject({ url: '/api/admin/notifications?status=failed', headers: bearer(admin.accessToken) });
    expect(dead.json().items).toHaveLength(2);
    const id = dead.json().items[0].id;
    const resent = await app.inject({ method: 'POST', url: `/api/admin/notifications/${id}/resend`, headers: bearer(admin.accessToken) });
    expect(resent.json()).toMatchObject({ status: 'queued', attempts: 0, lastError: null });
    const twice = await app.inject({ method: 'POST', url: `/api/admin/notifications/${id}/resend`, headers: bearer(admin.accessToken) });
    expect(twice.statusCode).toBe(409);
    sent.length = 0;
    expect(await drainOutbox(app.ctx.db, collect, options)).toBe(1);
    expect(sent.map((d) => d.id)).toEqual([id]);
  });

  it('takes over a notification whose sender died mid-send once its lease has passed', async () => {
    await registerUser(app);
    await app.ctx.db.update(notifications).set({ status: 'sending', leaseUntil: sql`now() + interval '1 minute'` });
    expect(await drainOutbox(app.ctx.db, collect)).toBe(0);
    await app.ctx.db.update(notifications).set({ leaseUntil: sql`now() - interval '1 second'` });
    expect(await drainOutbox(app.ctx.db, collect)).toBe(2);
  });

  it(`sends each notification once when four dispatchers run at once (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, async () => {
    for (let i = 0; i < 10; i++) await registerUser(app);
    const seen: string[] = [];
    const slow = async (d: Delivery) => {
      seen.push(d.id);
      await new Promise((r) => setTimeout(r, 5));
    };
    // On PostgreSQL each drain's claim runs on its own pooled connection, so the claims really race.
    const counts = await Promise.all([0, 1, 2, 3].map(() => drainOutbox(app.ctx.db, slow, { batch: 7 })));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    expect(new Set(seen).size).toBe(20);
    expect(seen).toHaveLength(20);
  });

  it("skips the channels a user turned off and writes in the user's language", async () => {
    const s = await registerUser(app);
    const put = await app.inject({
      method: 'PUT',
      url: '/api/users/me/notification-settings',
      headers: bearer(s.accessToken),
      payload: { locale: 'sn', channels: ['sms'] },
    });
    expect(put.json()).toEqual({ locale: 'sn', channels: ['sms', 'in_app'] });
    sent.length = 0;
    expect(await drainOutbox(app.ctx.db, collect)).toBe(1);
    expect(sent).toMatchObject([{ channel: 'sms', subject: 'Mauya kuConnectSphere' }]);
    const email = (await app.ctx.db.select().from(notifications)).find((n) => n.channel === 'email');
    expect(email).toMatchObject({ status: 'skipped', lastError: 'the user turned email off' });
    const bad = await app.inject({ method: 'PUT', url: '/api/users/me/notification-settings', headers: bearer(s.accessToken), payload: { locale: 'fr', channels: ['fax'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['body.locale', 'body.channels.0']));
  });

  it('has an English template for every Shona one', () => {
    const english = new Set(templateNames());
    expect(Object.keys(shona).filter((t) => !english.has(t))).toEqual([]);
    expect(Object.keys(shona).length).toBeGreaterThanOrEqual(9);
  });
});

describe('in-app inbox', () => {
  it('holds each announcement once, counts unread, marks read, and is private', async () => {
    const s = await registerUser(app);
    const other = await registerUser(app);
    await app.ctx.db.transaction((tx) =>
      enqueue(tx, [
        { userId: s.user.id, channel: 'email', recipient: s.user.email, template: 'refund-issued', payload: { amount: 'USD 4.20', group: 'Cooking oil', reason: 'group expired' } },
        { userId: s.user.id, channel: 'sms', recipient: '+263772123456', template: 'refund-issued', payload: { amount: 'USD 4.20', group: 'Cooking oil', reason: 'group expired' } },
      ]),
    );
    const inbox = await app.inject({ url: '/api/notifications', headers: bearer(s.accessToken) });
    expect(inbox.statusCode).toBe(200);
    const body = inbox.json();
    expect(body.unread).toBe(2);
    expect(body.items.map((m: { template: string }) => m.template)).toEqual(['refund-issued', 'welcome']);
    expect(body.items[0].text).toContain('We refunded USD 4.20 for Cooking oil');
    const id = body.items[0].id;
    expect((await app.inject({ method: 'POST', url: `/api/notifications/${id}/read`, headers: bearer(other.accessToken) })).statusCode).toBe(404);
    const read = await app.inject({ method: 'POST', url: `/api/notifications/${id}/read`, headers: bearer(s.accessToken) });
    expect(read.json().readAt).toEqual(expect.any(String));
    const unread = await app.inject({ url: '/api/notifications?unread=true', headers: bearer(s.accessToken) });
    expect(unread.json()).toMatchObject({ unread: 1, items: [{ template: 'welcome' }] });
    // Shona readers see the same inbox in Shona.
    await app.ctx.db.update(users).set({ locale: 'sn' }).where(eq(users.id, s.user.id));
    const sn = await app.inject({ url: '/api/notifications', headers: bearer(s.accessToken) });
    expect(sn.json().items[0].subject).toBe('Kudzoserwa kweUSD 4.20');
    expect(await app.ctx.db.select().from(inboxMessages).where(eq(inboxMessages.userId, other.user.id))).toHaveLength(1);
  });
});

describe('transports', () => {
  it('sends email through a real SMTP server when SMTP_URL is set', async () => {
    const received: { to: string; data: string }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        let data = '';
        stream.setEncoding('utf8').on('data', (c: string) => (data += c));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), data });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    const ctx = await testContext({ SMTP_URL: `smtp://127.0.0.1:${port}`, NOTIFY_TRANSPORT: 'log' });
    try {
      await registerUser(app, { email: 'chipo@example.co.zw' });
      const transport = transportFor(ctx, app.log);
      expect(await drainOutbox(app.ctx.db, transport)).toBe(2);
      transport.close();
      expect(received).toHaveLength(1);
      expect(received[0]!.to).toBe('chipo@example.co.zw');
      expect(received[0]!.data).toContain('Subject: Welcome to ConnectSphere');
      expect(received[0]!.data).toContain('From: ConnectSphere <no-reply@connectsphere.co.zw>');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("sends SMS through Africa's Talking and treats a refused recipient as a failed attempt", async () => {
    const config = { username: 'connectsphere', apiKey: 'at-key-123', senderId: 'CSPHERE', baseUrl: 'https://api.africastalking.com' };
    const send = africasTalkingTransport(config);
    const ok = nock('https://api.africastalking.com', { reqheaders: { apikey: 'at-key-123' } })
      .post('/version1/messaging', (body: Record<string, string>) => body.username === 'connectsphere' && body.to === '+263772123456' && body.from === 'CSPHERE' && body.message?.startsWith('Hi') === true)
      .reply(201, { SMSMessageData: { Message: 'Sent to 1/1', Recipients: [{ statusCode: 101, number: '+263772123456', status: 'Success', messageId: 'ATXid_1' }] } });
    await send({ id: 'n1', channel: 'sms', recipient: '+263772123456', subject: 's', text: 'Hi Tendai' });
    expect(ok.isDone()).toBe(true);
    nock('https://api.africastalking.com')
      .post('/version1/messaging')
      .reply(201, { SMSMessageData: { Message: 'Sent to 0/1', Recipients: [{ statusCode: 403, number: '+263772123456', status: 'InvalidPhoneNumber', messageId: 'None' }] } });
    await expect(send({ id: 'n2', channel: 'sms', recipient: '+263772123456', subject: 's', text: 'Hi' })).rejects.toThrow(/InvalidPhoneNumber/);
    nock('https://api.africastalking.com').post('/version1/messaging').reply(401, 'The supplied authentication is invalid');
    await expect(send({ id: 'n3', channel: 'sms', recipient: '+263772123456', subject: 's', text: 'Hi' })).rejects.toThrow(/answered 401/);
  });

  it('writes to a file per channel on the embedded default', async () => {
    const ctx = await testContext({ DATA_DIR: path.join(dataDir, `notify-${Date.now()}`) });
    await registerUser(app);
    const transport = transportFor(ctx, app.log);
    expect(await drainOutbox(app.ctx.db, transport)).toBe(2);
    expect(fs.readFileSync(path.join(ctx.config.dataDir, 'outbox', 'email.log'), 'utf8')).toContain('Welcome to ConnectSphere');
  });
});
