// Group chat through the SDK against a real server: cs.chat and cs.chat.moderation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiError, ConnectSphere } from '@connectsphere/sdk';
import { liveServer } from '../helpers/app.ts';
import { chatGroup, type ChatGroup } from '../helpers/chat.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
let g: ChatGroup;

beforeAll(async () => {
  ({ app, url } = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' }));
  g = await chatGroup(app);
});
afterAll(() => app.close());

async function as(email: string, password = 'mbare-market-2026') {
  const cs = new ConnectSphere({ baseUrl: url });
  await cs.auth.login({ email, password });
  return cs;
}

describe('cs.chat', () => {
  it('posts, pages back through the history and reports; moderation hides and mutes', async () => {
    const rudo = await as(g.participants[0].user.email);
    const admin = await as(g.admin.user.email);
    for (let i = 1; i <= 7; i++) await rudo.chat.post(g.groupId, `note ${i}`);
    const first = await rudo.chat.history(g.groupId, { limit: 3 });
    expect(first.items.map((m) => m.text)).toEqual(['note 7', 'note 6', 'note 5']);
    const all: string[] = [];
    for await (const m of rudo.chat.iterate(g.groupId, { limit: 3 })) all.push(m.text!);
    expect(all).toEqual(['note 7', 'note 6', 'note 5', 'note 4', 'note 3', 'note 2', 'note 1']);
    await rudo.chat.typing(g.groupId);

    const report = await rudo.chat.report(first.items[0]!.id, 'Duplicate');
    expect(report.status).toBe('open');
    const open = await admin.chat.moderation.reports({ groupId: g.groupId });
    expect(open.items.map((r) => r.id)).toEqual([report.id]);
    const resolved = await admin.chat.moderation.resolve(report.id, { action: 'hide', note: 'Duplicate post' });
    expect(resolved.message).toMatchObject({ hidden: true, hiddenReason: 'Duplicate post' });
    expect((await rudo.chat.history(g.groupId, { limit: 1 })).items[0]).toMatchObject({ hidden: true, text: null });

    const mute = await admin.chat.moderation.mute(g.groupId, g.participants[0].user.id, 30, 'Flooding');
    const err = await rejection(rudo.chat.post(g.groupId, 'still here?'));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).problem).toMatchObject({ mutedUntil: mute.until });
    expect((await admin.chat.moderation.mutes(g.groupId)).items).toHaveLength(1);
    await admin.chat.moderation.unmute(g.groupId, g.participants[0].user.id);
    await expect(rudo.chat.post(g.groupId, { text: 'thanks' })).resolves.toMatchObject({ text: 'thanks' });

    const outsider = await as(g.outsider.user.email);
    expect(((await rejection(outsider.chat.history(g.groupId))) as ApiError).status).toBe(403);
  });
});
