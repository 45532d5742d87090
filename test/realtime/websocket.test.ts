import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staffPickupPoints } from '../../api/db/schema.ts';
import { signAccessToken } from '../../api/modules/auth/tokens.ts';
import { pruneDomainEvents, recordEvent, recordEvents } from '../../api/modules/events/domain-events.ts';
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import { buildApp } from '../../api/app.ts';
import { liveServer, testContext } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { market, openGroup, payInSandbox, trader, type Market } from '../helpers/fixtures.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer, userWithRole, type Session } from '../helpers/users.ts';
import { openSocket, type Message, type TestSocket } from '../helpers/ws.ts';

// /api/ws through a real listening server and real WebSocket clients (the `ws` package), on
// PGlite or, with TEST_DATABASE_URL, PostgreSQL: events travel by NOTIFY in both.

let app: FastifyInstance;
let url: string;
let m: Market;
let org: SupplierOrg;
let sockets: TestSocket[] = [];

beforeAll(async () => {
  ({ app, url } = await liveServer());
});
beforeEach(async () => {
  for (const s of sockets) await s.close();
  sockets = [];
  await resetDatabase(app.ctx.database);
  m = await market(app);
  org = await supplierOrganisation(app, { admin: m.admin });
});
afterAll(async () => {
  for (const s of sockets) await s.close();
  await app.close();
});

/** A second server on the same database with other settings (liveServer would empty the database). */
async function otherServer(env: Record<string, string>) {
  const other = await buildApp(await testContext(env), false);
  await other.listen({ port: 0, host: '127.0.0.1' });
  return { app: other, url: `http://127.0.0.1:${(other.server.address() as AddressInfo).port}` };
}

async function connect(token?: string, base = url) {
  const s = await openSocket(base, token);
  sockets.push(s);
  if (token) await s.next((x) => x.type === 'authenticated' || x.type === 'error');
  return s;
}

async function join(s: Session, groupId: string, quantity = 2) {
  const res = await app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: bearer(s.accessToken), payload: { quantity } });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json() as { id: string };
}

/** A group selling a product of `org` (so its members may follow it). */
async function orgGroup() {
  const product = await app.inject({
    method: 'POST',
    url: '/api/products',
    headers: bearer(m.admin.accessToken),
    payload: { supplierId: org.id, sku: `RICE-${Date.now()}`, name: 'Rice 10 kg', description: 'Long grain rice', category: 'rice', unit: '10 kg bag', unitPrice: 900, stock: 500 },
  });
  if (product.statusCode !== 201) throw new Error(product.body);
  return openGroup(app, { ...m, productId: product.json().id });
}

/** A masked client text frame (RFC 6455 5.3), for the raw client. */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('short frames only');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** The client stops reading its socket (ws itself resumes a paused socket once it drained, so that is held off too); returns how to read again. */
function stopReading(s: TestSocket): () => void {
  const raw = (s.ws as unknown as { _socket: Socket })._socket;
  const resume = raw.resume.bind(raw);
  raw.pause();
  raw.resume = () => raw;
  return () => {
    raw.resume = resume;
    resume();
  };
}

const isEvent = (type: string) => (x: Message) => x.type === 'event' && (x.event as { type: string }).type === type;
const eventOf = (x: Message) => x.event as { id: number; type: string; groupId: string | null; userId: string | null; data: Record<string, unknown> };

describe('GET /api/ws', () => {
  it('answers a plain GET with 426 problem+json', async () => {
    const res = await app.inject({ url: '/api/ws' });
    expect(res.statusCode).toBe(426);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('closes 4001 on a bad token, and answers nothing but auth before one', async () => {
    const bad = await openSocket(url, 'not-a-token');
    expect((await bad.closed).code).toBe(4001);
    const s = await connect();
    s.send({ type: 'subscribe', channel: 'admin' });
    expect(await s.next()).toMatchObject({ type: 'error', code: 'unauthenticated' });
    s.send({ type: 'auth', token: m.admin.accessToken });
    expect(await s.next()).toMatchObject({ type: 'authenticated', role: 'admin' });
    expect(await s.subscribe('admin')).toMatchObject({ type: 'subscribed', channel: 'admin' });
    s.send({ type: 'subscribe', channel: 'group:nope' });
    expect(await s.next()).toMatchObject({ type: 'error', code: 'bad-channel' });
  });
});

describe('channel authorisation', () => {
  it('a trader follows the groups they joined and themselves, not another group, user or the admin channel', async () => {
    const [a, b] = [await trader(app), await trader(app)];
    const [g1, g2] = [await openGroup(app, m), await openGroup(app, m)];
    await join(a, g1.id);
    await join(b, g2.id);
    const s = await connect(a.accessToken);
    expect(await s.subscribe(`group:${g1.id}`)).toMatchObject({ type: 'subscribed' });
    expect(await s.subscribe(`user:${a.user.id}`)).toMatchObject({ type: 'subscribed' });
    for (const refused of [`group:${g2.id}`, `user:${b.user.id}`, 'admin', `supplier:${org.id}`, `pickup-point:${m.pointIds[0]}`]) {
      expect(await s.subscribe(refused)).toMatchObject({ type: 'error', code: 'forbidden', channel: refused });
    }
  });

  it("a supplier follows its own organisation and the groups selling its products, not another organisation's", async () => {
    const other = await supplierOrganisation(app, { admin: m.admin });
    const mine = await orgGroup();
    const notMine = await openGroup(app, m);
    const s = await connect(org.owner.accessToken);
    expect(await s.subscribe(`supplier:${org.id}`)).toMatchObject({ type: 'subscribed' });
    expect(await s.subscribe(`group:${mine.id}`)).toMatchObject({ type: 'subscribed' });
    expect(await s.subscribe(`supplier:${other.id}`)).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await s.subscribe(`group:${notMine.id}`)).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('staff follow the pickup points they are assigned to; admins every channel', async () => {
    const staff = await userWithRole(app, 'staff');
    await app.ctx.db.insert(staffPickupPoints).values({ userId: staff.user.id, pickupPointId: m.pointIds[0]! });
    const s = await connect(staff.accessToken);
    expect(await s.subscribe(`pickup-point:${m.pointIds[0]}`)).toMatchObject({ type: 'subscribed' });
    expect(await s.subscribe(`pickup-point:${m.pointIds[1]}`)).toMatchObject({ type: 'error', code: 'forbidden' });
    const g = await openGroup(app, m);
    const admin = await connect(m.admin.accessToken);
    for (const c of ['admin', `group:${g.id}`, `pickup-point:${m.pointIds[1]}`]) expect(await admin.subscribe(c)).toMatchObject({ type: 'subscribed' });
  });
});

describe('events', () => {
  it("a group's participants see its progress; the payer alone sees their payment; the supplier sees its group", async () => {
    const [a, b] = [await trader(app), await trader(app)];
    const g = await orgGroup();
    const c = await join(a, g.id, 3);
    const sa = await connect(a.accessToken);
    await sa.subscribe(`group:${g.id}`);
    await sa.subscribe(`user:${a.user.id}`);
    const sup = await connect(org.owner.accessToken);
    await sup.subscribe(`supplier:${org.id}`);

    await join(b, g.id, 4);
    const progress = eventOf(await sa.next(isEvent('group.progress')));
    expect(progress).toMatchObject({ groupId: g.id, data: { reservedQuantity: 7, paidQuantity: 0, moq: 10, status: 'open' } });
    expect(eventOf(await sup.next(isEvent('group.progress'))).id).toBe(progress.id);

    await payInSandbox(app, a, c.id);
    const paid = eventOf(await sa.next(isEvent('payment.confirmed')));
    expect(paid).toMatchObject({ userId: a.user.id, groupId: g.id, data: { quantity: 3 } });
    expect(eventOf(await sa.next(isEvent('group.progress'))).data).toMatchObject({ reservedQuantity: 4, paidQuantity: 3 });
    // b follows the group too, but a's payment is a's.
    const sb = await connect(b.accessToken);
    await sb.subscribe(`group:${g.id}`);
    await join(await trader(app), g.id, 1);
    await sb.next(isEvent('group.progress'));
    expect(sb.received.filter(isEvent('payment.confirmed'))).toEqual([]);
  });

  it('a group reaching its MOQ sends group.status to its channel', async () => {
    const a = await trader(app);
    const g = await openGroup(app, m, { moq: 2 });
    const c = await join(a, g.id, 2);
    const s = await connect(a.accessToken);
    await s.subscribe(`group:${g.id}`);
    await payInSandbox(app, a, c.id);
    expect(eventOf(await s.next(isEvent('group.status'))).data).toMatchObject({ from: 'open', to: 'funded', paidQuantity: 2 });
  });

  it('an in-app notification reaches its user at once, in their language, as the inbox shows it', async () => {
    const a = await trader(app);
    const settings = await app.inject({ method: 'PUT', url: '/api/users/me/notification-settings', headers: bearer(a.accessToken), payload: { locale: 'sn', channels: ['email', 'sms', 'in_app'] } });
    expect(settings.statusCode, settings.body).toBe(200);
    const g = await openGroup(app, m, { moq: 5 });
    const c = await join(a, g.id, 2);
    const s = await connect(a.accessToken);
    await s.subscribe(`user:${a.user.id}`);
    await payInSandbox(app, a, c.id);
    const note = eventOf(await s.next(isEvent('notification.created')));
    expect(note.userId).toBe(a.user.id);
    const inbox = (await app.inject({ url: '/api/notifications', headers: bearer(a.accessToken) })).json();
    const same = inbox.items.find((i: { id: string }) => i.id === (note.data as { id: string }).id);
    expect(same).toBeDefined();
    expect(note.data).toEqual(same);
  });

  it('an event too big for NOTIFY still arrives (read by id)', async () => {
    const s = await connect(m.admin.accessToken);
    await s.subscribe('admin');
    const blob = 'x'.repeat(20_000);
    await app.ctx.db.transaction((tx) => recordEvent(tx, { type: 'test.big', data: { blob } }));
    expect(eventOf(await s.next(isEvent('test.big'))).data.blob).toBe(blob);
  });

  it('nothing arrives for a rolled back change', async () => {
    const s = await connect(m.admin.accessToken);
    await s.subscribe('admin');
    await app.ctx.db
      .transaction(async (tx) => {
        await recordEvent(tx, { type: 'test.rolled-back', data: {} });
        throw new Error('undo');
      })
      .catch(() => undefined);
    await app.ctx.db.transaction((tx) => recordEvent(tx, { type: 'test.after', data: {} }));
    await s.next(isEvent('test.after'));
    expect(s.received.filter(isEvent('test.rolled-back'))).toEqual([]);
  });
});

describe('resume after a reconnect', () => {
  it('replays what the channel missed after lastEventId, then carries on live', async () => {
    const [a, b] = [await trader(app), await trader(app)];
    const g = await openGroup(app, m, { maxQuantity: 40 });
    await join(a, g.id, 1);
    const first = await connect(a.accessToken);
    await first.subscribe(`group:${g.id}`);
    await join(b, g.id, 2);
    const seen = eventOf(await first.next(isEvent('group.progress')));
    await first.close();

    await join(await trader(app), g.id, 3);
    await join(await trader(app), g.id, 4);
    const again = await connect(a.accessToken);
    expect(await again.subscribe(`group:${g.id}`, seen.id)).toMatchObject({ type: 'subscribed' });
    const missed = [eventOf(await again.next(isEvent('group.progress'))), eventOf(await again.next(isEvent('group.progress')))];
    expect(missed.map((e) => e.data.reservedQuantity)).toEqual([6, 10]);
    expect(await again.next((x) => x.type === 'replayed')).toMatchObject({ count: 2 });
    await join(await trader(app), g.id, 5);
    expect(eventOf(await again.next(isEvent('group.progress'))).data.reservedQuantity).toBe(15);
  });

  it('past the retention window it says resync instead', async () => {
    const a = await trader(app);
    const g = await openGroup(app, m);
    await join(a, g.id, 1);
    await join(await trader(app), g.id, 1);
    await app.ctx.db.execute(sql`update domain_events set created_at = now() - interval '100 hours'`);
    expect(await pruneDomainEvents(app.ctx.db, 72)).toBeGreaterThan(0);
    const s = await connect(a.accessToken);
    await s.subscribe(`group:${g.id}`, 1);
    expect(await s.next((x) => x.type === 'resync')).toMatchObject({ channel: `group:${g.id}`, reason: 'retention' });
  });
});

describe('connection management', () => {
  it('cuts off a subscriber that stops reading (1013) instead of buffering without bound', async () => {
    const slow = await otherServer({ REALTIME_MAX_BUFFERED_BYTES: String(256 * 1024) });
    try {
      // A raw TCP client that upgrades, subscribes, then never reads: nothing (not even ws's own
      // flow control) drains its socket behind the test's back.
      const port = new URL(slow.url).port;
      const sock = net.connect(Number(port), '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write(`GET /api/ws?token=${m.admin.accessToken} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      let got = Buffer.alloc(0);
      const onData = (d: Buffer) => (got = Buffer.concat([got, d]));
      sock.on('data', onData);
      while (!got.includes('"authenticated"')) await new Promise((r) => setTimeout(r, 20));
      sock.write(clientFrame(JSON.stringify({ type: 'subscribe', channel: 'admin' })));
      while (slow.app.realtime.subscribers('admin') === 0) await new Promise((r) => setTimeout(r, 20));
      sock.off('data', onData);
      sock.pause();
      const blob = 'y'.repeat(100_000);
      for (let i = 0; i < 60 && slow.app.realtime.subscribers('admin') > 0; i++) {
        await app.ctx.db.transaction((tx) => recordEvents(tx, Array.from({ length: 10 }, (_, j) => ({ type: 'test.flood', data: { i, j, blob } }))));
        // The hub reads each by id (over NOTIFY's limit): give it time to hand them on.
        for (let t = 0; t < 10 && slow.app.realtime.subscribers('admin') > 0; t++) await new Promise((r) => setTimeout(r, 100));
      }
      expect(slow.app.realtime.subscribers('admin')).toBe(0);
      // Reading again, the client finds the close frame at the end of its backlog: 1013 and why.
      let rest = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => (rest = Buffer.concat([rest, d])));
      sock.resume();
      await new Promise((r) => sock.once('close', r));
      const close = Buffer.concat([Buffer.from([0x03, 0xf5]), Buffer.from('slow consumer')]);
      expect(rest.includes(close)).toBe(true);
    } finally {
      await slow.app.close();
    }
  }, 90_000);

  it('drops a peer that stops answering pings', async () => {
    const quick = await otherServer({ REALTIME_HEARTBEAT_SECONDS: '0.2' });
    try {
      const s = await connect(m.admin.accessToken, quick.url);
      await s.subscribe('admin');
      expect(quick.app.realtime.subscribers('admin')).toBe(1);
      stopReading(s);
      const deadline = Date.now() + 3000;
      while (quick.app.realtime.subscribers('admin') > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(quick.app.realtime.subscribers('admin')).toBe(0);
    } finally {
      await quick.app.close();
    }
  });

  it('closes 4001 when the token expires without a fresh one, after warning', async () => {
    const short = await signAccessToken(app.ctx.keys, { ...app.ctx.config, jwt: { ...app.ctx.config.jwt, accessTtlSeconds: 2 } }, { sub: m.admin.user.id, role: 'admin' });
    const s = await connect(short);
    await s.subscribe('admin');
    expect(await s.next((x) => x.type === 'token-expiring', 3000)).toHaveProperty('expiresAt');
    const closed = await s.closed;
    expect(closed.code).toBe(4001);
    expect(closed.reason).toMatch(/expired/);
  });

  it('stays open and subscribed when a fresh token is sent before expiry; another user’s token is 4003', async () => {
    const short = await signAccessToken(app.ctx.keys, { ...app.ctx.config, jwt: { ...app.ctx.config.jwt, accessTtlSeconds: 2 } }, { sub: m.admin.user.id, role: 'admin' });
    const s = await connect(short);
    await s.subscribe('admin');
    await s.next((x) => x.type === 'token-expiring', 3000);
    s.send({ type: 'auth', token: m.admin.accessToken });
    expect(await s.next((x) => x.type === 'authenticated')).toMatchObject({ userId: m.admin.user.id });
    await new Promise((r) => setTimeout(r, 1500));
    await app.ctx.db.transaction((tx) => recordEvent(tx, { type: 'test.still-here', data: {} }));
    await s.next(isEvent('test.still-here'));

    const other = await trader(app);
    s.send({ type: 'auth', token: other.accessToken });
    expect((await s.closed).code).toBe(4003);
  });
});
