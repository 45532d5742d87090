import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatMutes, domainEvents } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { chatGroup, type ChatGroup } from '../helpers/chat.ts';
import { bearer, userWithRole, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let g: ChatGroup;

const post = (s: Session, groupId: string, payload: unknown) =>
  app.inject({ method: 'POST', url: `/api/groups/${groupId}/chat/messages`, headers: bearer(s.accessToken), payload: payload as object });
const history = (s: Session, groupId: string, query = '') =>
  app.inject({ method: 'GET', url: `/api/groups/${groupId}/chat/messages${query}`, headers: bearer(s.accessToken) });

beforeAll(async () => {
  app = await freshApp({ CHAT_MAX_POSTS_PER_MINUTE: '30' });
  g = await chatGroup(app);
});
afterAll(() => app.close());

describe('who takes part in a group chat', () => {
  it('lets participants, the selling organisation and admins post and read, each named with their role', async () => {
    const [rudo] = g.participants;
    const first = await post(rudo, g.groupId, { text: '  Is the delivery to Mbare still on Friday?  ' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      groupId: g.groupId,
      text: 'Is the delivery to Mbare still on Friday?',
      image: null,
      hidden: false,
      author: { id: rudo.user.id, name: 'Rudo Chikwanha', role: 'trader', organisation: null },
    });
    const supplier = await post(g.seller.owner, g.groupId, { text: 'Yes, Friday morning.' });
    expect(supplier.statusCode, supplier.body).toBe(201);
    expect(supplier.json().author).toMatchObject({ role: 'supplier', organisation: expect.stringContaining('Msasa Grain Traders') });
    expect((await post(g.admin, g.groupId, { text: 'Pickup opens at 07:00.' })).statusCode).toBe(201);

    const page = await history(g.participants[1], g.groupId);
    expect(page.statusCode).toBe(200);
    expect(page.json().items.map((m: { text: string }) => m.text).slice(0, 3)).toEqual(['Pickup opens at 07:00.', 'Yes, Friday morning.', 'Is the delivery to Mbare still on Friday?']);

    // Each post is on the one event feed, for the group's channel.
    const events = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'chat.message'), eq(domainEvents.groupId, g.groupId)));
    expect(events.map((e) => e.data.id)).toContain(first.json().id);
    expect(events.find((e) => e.data.id === first.json().id)!.userId).toBe(rudo.user.id);
  });

  it('refuses a trader without a share, another organisation, staff, and names the group that does not exist', async () => {
    const staff = await userWithRole(app, 'staff');
    for (const who of [g.outsider, g.otherSeller.owner]) {
      const read = await history(who, g.groupId);
      expect(read.statusCode, read.body).toBe(403);
      expect(read.headers['content-type']).toContain('application/problem+json');
      expect((await post(who, g.groupId, { text: 'hello' })).statusCode).toBe(403);
    }
    expect(JSON.parse((await history(g.otherSeller.owner, g.groupId)).body).detail).toContain('another organisation');
    expect((await history(staff, g.groupId)).statusCode).toBe(403);
    const missing = await history(g.admin, '00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
  });

  it('a trader who left the group is no longer in its chat', async () => {
    const local = await chatGroup(app);
    const [leaver] = local.participants;
    const mine = await app.inject({ method: 'GET', url: '/api/contributions', headers: bearer(leaver.accessToken) });
    const contribution = mine.json().items.find((c: { groupId: string }) => c.groupId === local.groupId);
    expect((await app.inject({ method: 'DELETE', url: `/api/contributions/${contribution.id}`, headers: bearer(leaver.accessToken) })).statusCode).toBeLessThan(300);
    expect((await history(leaver, local.groupId)).statusCode).toBe(403);
  });

  it('bounds the text: empty, blank, over 2,000 characters, no content and NUL are 400s naming the field', async () => {
    const [rudo] = g.participants;
    for (const [payload, field] of [
      [{ text: '' }, 'body.text'],
      [{ text: '   ' }, 'body.text'],
      [{ text: 'x'.repeat(2001) }, 'body.text'],
      [{}, 'body'],
      [{ text: 'a\u0000b' }, 'body.text'],
      [{ text: 'hi', extra: 1 }, 'body.extra'],
    ] as const) {
      const res = await post(rudo, g.groupId, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await post(rudo, g.groupId, { text: 'x'.repeat(2000) })).statusCode).toBe(201);
  });

  it('records typing as an event at most once per few seconds per user, and refuses outsiders', async () => {
    const [, tendai] = g.participants;
    const typing = (s: Session) => app.inject({ method: 'POST', url: `/api/groups/${g.groupId}/chat/typing`, headers: bearer(s.accessToken) });
    expect((await typing(tendai)).statusCode).toBe(204);
    expect((await typing(tendai)).statusCode).toBe(204);
    const events = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'chat.typing'), eq(domainEvents.userId, tendai.user.id)));
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ groupId: g.groupId, name: 'Tendai Moyo' });
    expect((await typing(g.outsider)).statusCode).toBe(403);
  });
});

describe('images', () => {
  // A 1×1 PNG.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
  const upload = (s: Session, groupId: string, data: Buffer, type = 'image/png') =>
    app.inject({ method: 'POST', url: `/api/groups/${groupId}/chat/images`, headers: { ...bearer(s.accessToken), 'content-type': type }, payload: data });

  it('stores an uploaded image, attaches it to a message, and serves it to anyone with the URL', async () => {
    const [rudo] = g.participants;
    const up = await upload(rudo, g.groupId, png);
    expect(up.statusCode, up.body).toBe(201);
    const image = up.json();
    expect(image).toMatchObject({ id: expect.any(String), contentType: 'image/png', bytes: png.length, url: expect.stringMatching(/\/api\/images\/[0-9a-f-]{36}\.png$/) });
    const msg = await post(rudo, g.groupId, { text: 'The bags we got last time', imageId: image.id });
    expect(msg.statusCode, msg.body).toBe(201);
    expect(msg.json().image).toEqual({ id: image.id, url: image.url });
    const onlyImage = await post(rudo, g.groupId, { imageId: image.id });
    expect(onlyImage.statusCode, onlyImage.body).toBe(201);
    expect(onlyImage.json()).toMatchObject({ text: null, image: { id: image.id } });
    const served = await app.inject({ url: new URL(image.url).pathname });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(png)).toBe(true);
    const [event] = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'chat.message'), eq(domainEvents.groupId, g.groupId)));
    expect(event).toBeDefined();
  });

  it("refuses another user's image, an image of another group, an unknown id, bytes that are not the type sent, and outsiders", async () => {
    const [rudo, tendai] = g.participants;
    const mine = (await upload(rudo, g.groupId, png)).json();
    const theirs = await post(tendai, g.groupId, { imageId: mine.id });
    expect(theirs.statusCode).toBe(400);
    expect(theirs.json().errors).toEqual([expect.objectContaining({ field: 'body.imageId' })]);
    const other = await chatGroup(app);
    const elsewhere = (await upload(other.participants[0], other.groupId, png)).json();
    const wrongGroup = await post(other.participants[0], g.groupId, { imageId: elsewhere.id }).then((r) => r.statusCode);
    expect(wrongGroup).toBe(403); // not in this group's chat at all
    const adminElsewhere = (await upload(g.admin, other.groupId, png)).json();
    const crossed = await post(g.admin, g.groupId, { imageId: adminElsewhere.id });
    expect(crossed.statusCode).toBe(400);
    expect((await post(rudo, g.groupId, { imageId: '00000000-0000-4000-8000-000000000000' })).statusCode).toBe(400);
    const lying = await upload(rudo, g.groupId, png, 'image/jpeg');
    expect(lying.statusCode).toBe(400);
    expect(lying.json().errors).toEqual([expect.objectContaining({ field: 'body' })]);
    expect((await upload(g.outsider, g.groupId, png)).statusCode).toBe(403);
    expect((await post(rudo, g.groupId, { imageId: 'not-a-uuid' })).statusCode).toBe(400);
  });
});

describe('history paging', () => {
  it('pages newest first with cursors, without gaps or repeats, while new messages arrive', async () => {
    const local = await chatGroup(app);
    const [a, b] = local.participants;
    for (let i = 1; i <= 12; i++) expect((await post(i % 2 ? a : b, local.groupId, { text: `message ${i}` })).statusCode).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await history(a, local.groupId, `?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((m: { text: string }) => m.text));
      cursor = body.nextCursor;
      pages += 1;
      // A message posted mid-way is newer than every page still to come: it does not shift them.
      if (pages === 1) await post(b, local.groupId, { text: 'late arrival' });
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `message ${12 - i}`));
    expect((await history(a, local.groupId, '?cursor=nonsense')).json().errors[0].field).toBe('query.cursor');
    expect((await history(a, local.groupId, '?limit=101')).statusCode).toBe(400);
  });
});

describe('moderation', () => {
  it('hides a message with a reason: non-admins see it as hidden without its text, admins see both', async () => {
    const [rudo, tendai] = g.participants;
    const spam = (await post(tendai, g.groupId, { text: 'Cheap phones, call 0772 000 000' })).json();
    const hide = (s: Session) => app.inject({ method: 'POST', url: `/api/admin/chat/messages/${spam.id}/hide`, headers: bearer(s.accessToken), payload: { reason: 'Advertising' } });
    expect((await hide(rudo)).statusCode).toBe(403);
    const hidden = await hide(g.admin);
    expect(hidden.statusCode, hidden.body).toBe(200);
    expect(hidden.json()).toMatchObject({ hidden: true, hiddenReason: 'Advertising', text: 'Cheap phones, call 0772 000 000' });
    expect((await hide(g.admin)).statusCode).toBe(409);

    const asTrader = (await history(rudo, g.groupId)).json().items.find((m: { id: string }) => m.id === spam.id);
    expect(asTrader).toMatchObject({ hidden: true, text: null, image: null, hiddenReason: null, hiddenAt: expect.any(String) });
    const asAdmin = (await history(g.admin, g.groupId)).json().items.find((m: { id: string }) => m.id === spam.id);
    expect(asAdmin).toMatchObject({ hidden: true, text: 'Cheap phones, call 0772 000 000', hiddenReason: 'Advertising' });

    const [event] = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'chat.hidden'), eq(domainEvents.groupId, g.groupId)));
    expect(event!.data).toEqual({ id: spam.id, groupId: g.groupId, hidden: true, hiddenAt: expect.any(String) });
  });

  it('mutes a user for a period: 403 naming until when, reading still allowed, over when it expires or is lifted', async () => {
    const [, tendai] = g.participants;
    const mute = await app.inject({
      method: 'PUT',
      url: `/api/admin/groups/${g.groupId}/chat/mutes/${tendai.user.id}`,
      headers: bearer(g.admin.accessToken),
      payload: { minutes: 90, reason: 'Repeated advertising' },
    });
    expect(mute.statusCode, mute.body).toBe(200);
    const until = mute.json().until as string;
    expect(new Date(until).getTime() - Date.now()).toBeGreaterThan(89 * 60_000);
    expect(mute.json()).toMatchObject({ userId: tendai.user.id, userName: 'Tendai Moyo', reason: 'Repeated advertising' });

    const refused = await post(tendai, g.groupId, { text: 'let me talk' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ mutedUntil: until, detail: expect.stringContaining(until) });
    expect((await history(tendai, g.groupId)).statusCode).toBe(200);
    const mutes = await app.inject({ method: 'GET', url: `/api/admin/groups/${g.groupId}/chat/mutes`, headers: bearer(g.admin.accessToken) });
    expect(mutes.json().items.map((m: { userId: string }) => m.userId)).toEqual([tendai.user.id]);

    // The period passes (moved into the past as the clock would): they may post again.
    await app.ctx.db.update(chatMutes).set({ until: new Date(Date.now() - 1000) }).where(eq(chatMutes.userId, tendai.user.id));
    expect((await post(tendai, g.groupId, { text: 'sorry about that' })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: `/api/admin/groups/${g.groupId}/chat/mutes`, headers: bearer(g.admin.accessToken) })).json().items).toEqual([]);

    // Muted again, then lifted by an admin.
    const again = await app.inject({ method: 'PUT', url: `/api/admin/groups/${g.groupId}/chat/mutes/${tendai.user.id}`, headers: bearer(g.admin.accessToken), payload: { minutes: 5 } });
    expect(again.statusCode).toBe(200);
    expect((await post(tendai, g.groupId, { text: 'x' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/api/admin/groups/${g.groupId}/chat/mutes/${tendai.user.id}`, headers: bearer(g.admin.accessToken) })).statusCode).toBe(204);
    expect((await post(tendai, g.groupId, { text: 'back' })).statusCode).toBe(201);
    expect((await app.inject({ method: 'PUT', url: `/api/admin/groups/${g.groupId}/chat/mutes/${tendai.user.id}`, headers: bearer(g.admin.accessToken), payload: { minutes: 0 } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PUT', url: `/api/admin/groups/${g.groupId}/chat/mutes/${tendai.user.id}`, headers: bearer(tendai.accessToken), payload: { minutes: 5 } })).statusCode).toBe(403);
  });

  it('takes reports from any participant; admins list the open ones and resolve them by hiding or dismissing', async () => {
    const [rudo, tendai] = g.participants;
    const rude = (await post(tendai, g.groupId, { text: 'You are all fools' })).json();
    const fine = (await post(tendai, g.groupId, { text: 'Delivery was late again' })).json();
    const report = (s: Session, id: string, reason: string) =>
      app.inject({ method: 'POST', url: `/api/chat/messages/${id}/report`, headers: bearer(s.accessToken), payload: { reason } });

    const r1 = await report(rudo, rude.id, 'Insulting');
    expect(r1.statusCode, r1.body).toBe(201);
    expect(r1.json()).toMatchObject({ status: 'open', reason: 'Insulting', reporter: { id: rudo.user.id }, message: { id: rude.id } });
    expect((await report(rudo, rude.id, 'Insulting')).statusCode).toBe(409);
    expect((await report(g.seller.owner, rude.id, 'Abuse of traders')).statusCode).toBe(201);
    expect((await report(g.outsider, rude.id, 'nosy')).statusCode).toBe(403);
    const r3 = await report(rudo, fine.id, 'Complaining');
    expect(r3.statusCode).toBe(201);

    const list = await app.inject({ method: 'GET', url: `/api/admin/chat/reports?groupId=${g.groupId}`, headers: bearer(g.admin.accessToken) });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items.map((r: { reason: string }) => r.reason)).toEqual(['Complaining', 'Abuse of traders', 'Insulting']);
    expect((await app.inject({ method: 'GET', url: '/api/admin/chat/reports', headers: bearer(rudo.accessToken) })).statusCode).toBe(403);

    const resolve = (id: string, payload: object) => app.inject({ method: 'POST', url: `/api/admin/chat/reports/${id}/resolve`, headers: bearer(g.admin.accessToken), payload });
    const dismissed = await resolve(r3.json().id, { action: 'dismiss', note: 'A fair complaint' });
    expect(dismissed.json()).toMatchObject({ status: 'resolved', resolution: 'dismissed', resolutionNote: 'A fair complaint' });
    const hidden = await resolve(r1.json().id, { action: 'hide' });
    expect(hidden.statusCode, hidden.body).toBe(200);
    expect(hidden.json()).toMatchObject({ status: 'resolved', resolution: 'hidden', message: { hidden: true, hiddenReason: 'Insulting' } });
    expect((await resolve(r1.json().id, { action: 'dismiss' })).statusCode).toBe(409);

    // Hiding resolved the supplier's report about the same message too: nothing left open here.
    const open = await app.inject({ method: 'GET', url: `/api/admin/chat/reports?groupId=${g.groupId}`, headers: bearer(g.admin.accessToken) });
    expect(open.json().items).toEqual([]);
    const resolved = await app.inject({ method: 'GET', url: `/api/admin/chat/reports?status=resolved&groupId=${g.groupId}`, headers: bearer(g.admin.accessToken) });
    expect(resolved.json().items.map((r: { resolution: string }) => r.resolution).sort()).toEqual(['dismissed', 'hidden', 'hidden']);
    expect((await report(rudo, rude.id, 'again')).statusCode).toBe(409);
  });
});

describe('posting rate', () => {
  it('limits posts per user per minute with a 429 problem and Retry-After; others still post', async () => {
    const local = await chatGroup(app);
    const [a, b] = local.participants;
    let limited;
    for (let i = 0; i < 31; i++) {
      const res = await post(a, local.groupId, { text: `flood ${i}` });
      if (res.statusCode !== 201) {
        limited = { i, res };
        break;
      }
    }
    expect(limited?.i).toBe(30);
    expect(limited!.res.statusCode).toBe(429);
    expect(limited!.res.headers['content-type']).toContain('application/problem+json');
    expect(Number(limited!.res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post(b, local.groupId, { text: 'still here' })).statusCode).toBe(201);
  });
});
