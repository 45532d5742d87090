import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { liveServer } from '../helpers/app.ts';
import { chatGroup, type ChatGroup } from '../helpers/chat.ts';
import { bearer } from '../helpers/users.ts';
import { signedInEnv } from './market.ts';
import { cliFor, startCli, tempConfigDir } from './run.ts';

const slow = 240_000;
let app: FastifyInstance;
let url: string;
let g: ChatGroup;

beforeAll(async () => {
  ({ app, url } = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' }));
  g = await chatGroup(app);
});
afterAll(() => app.close());
const tendaiEnv = () => signedInEnv(url, g.participants[1]);

async function signedIn(email: string, password = 'mbare-market-2026') {
  const cs = cliFor(tempConfigDir(), url);
  const res = await cs(['login', '--email', email, '--password-stdin'], { input: password });
  expect(res.code, res.stderr).toBe(0);
  return cs;
}

describe('cs chat', { timeout: slow }, () => {
  it('posts with --message and prints the history oldest first, with shortened group ids; outsiders get exit 3', async () => {
    const rudo = await signedIn(g.participants[0].user.email);
    const posted = await rudo(['chat', g.groupId.slice(0, 8), '--message', 'Who is collecting on Saturday?']);
    expect(posted.code, posted.stderr).toBe(0);
    const supplier = await signedIn(g.seller.owner.user.email, 'msasa-grain-2026');
    const reply = await supplier(['chat', g.groupId, '-m', 'We deliver Friday 08:00']);
    expect(reply.code, reply.stderr).toBe(0);
    const lines = reply.stdout.trim().split('\n');
    expect(lines.at(-2)).toMatch(/Rudo Chikwanha: Who is collecting on Saturday\?$/);
    expect(lines.at(-1)).toMatch(/Farai Ndlovu \(Msasa Grain Traders \d+\): We deliver Friday 08:00$/);

    const json = await rudo(['chat', g.groupId, '--json', '--limit', '1']);
    const page = JSON.parse(json.stdout);
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const older = await rudo(['chat', g.groupId, '--limit', '1', '--before', page.nextCursor]);
    expect(older.stdout).toContain('Who is collecting on Saturday?');

    const outsider = await signedIn(g.outsider.user.email);
    const refused = await outsider(['chat', g.groupId]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('participants');
    expect((await rudo(['chat'])).code).toBe(2);
  });

  it('attaches an image with --image, and --follow prints messages as they arrive over the WebSocket', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-chat-image-'));
    const file = path.join(dir, 'bags.png');
    fs.writeFileSync(file, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'));
    const tendai = await signedIn(g.participants[1].user.email);
    const posted = await tendai(['chat', g.groupId, '--image', file, '-m', 'These bags?', '--json', '--limit', '1']);
    expect(posted.code, posted.stderr).toBe(0);
    const { posted: message } = JSON.parse(posted.stdout);
    expect(message.image.url).toMatch(/\/api\/images\/[0-9a-f-]{36}\.png$/);
    const bad = await tendai(['chat', g.groupId, '--image', path.join(dir, 'notes.txt')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('.png, .jpg or .webp');

    const follower = startCli(['chat', g.groupId, '--follow', '--limit', '1'], { env: tendaiEnv() });
    await follower.output(/These bags\? \[image /);
    for (let i = 0; i < 200 && !follower.stderr().includes('Following'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(follower.stderr()).toContain('Following');
    const sent = await app.inject({ method: 'POST', url: `/api/groups/${g.groupId}/chat/messages`, headers: bearer(g.participants[0].accessToken), payload: { text: 'Yes, the 50 kg ones' } });
    expect(sent.statusCode).toBe(201);
    await follower.output(/Rudo Chikwanha: Yes, the 50 kg ones/);
    follower.child.kill('SIGINT');
    expect((await follower.done).code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lets an admin hide, mute for a period, and resolve reports', async () => {
    const admin = await signedIn(g.admin.user.email);
    const tendai = await signedIn(g.participants[1].user.email);
    const spam = JSON.parse((await tendai(['chat', g.groupId, '-m', 'Buy my phones', '--json'])).stdout).posted;
    const hide = await admin(['chat', 'moderate', 'hide', spam.id.slice(0, 8), '--group', g.groupId, '--reason', 'Advertising']);
    expect(hide.code, hide.stderr).toBe(0);
    expect(hide.stdout).toContain('Advertising');
    const seen = await tendai(['chat', g.groupId]);
    expect(seen.stdout).toContain('[hidden by a moderator]');
    expect(seen.stdout).not.toContain('Buy my phones');
    expect((await admin(['chat', g.groupId])).stdout).toContain('Buy my phones [hidden: Advertising]');

    const mute = await admin(['chat', 'moderate', 'mute', g.groupId, g.participants[1].user.email, '--for', '2h', '--reason', 'Spam']);
    expect(mute.code, mute.stderr).toBe(0);
    expect(mute.stdout).toMatch(/Tendai Moyo is muted in this group until .* \(in (1h 59m|2h)\)/);
    const muted = await tendai(['chat', g.groupId, '-m', 'hello?']);
    expect(muted.code).toBe(3);
    expect(muted.stderr).toMatch(/muted in this group's chat until \d{4}-/);
    expect((await admin(['chat', 'moderate', 'mute', g.groupId, g.participants[1].user.email, '--for', 'forever'])).code).toBe(2);
    expect((await admin(['chat', 'moderate', 'unmute', g.groupId, g.participants[1].user.id])).code).toBe(0);

    const rude = JSON.parse((await tendai(['chat', g.groupId, '-m', 'Rude words', '--json'])).stdout).posted;
    const r = await app.inject({ method: 'POST', url: `/api/chat/messages/${rude.id}/report`, headers: bearer(g.participants[0].accessToken), payload: { reason: 'Insulting' } });
    expect(r.statusCode).toBe(201);
    const reports = await admin(['chat', 'moderate', 'reports']);
    expect(reports.stdout).toMatch(/Tendai Moyo: Rude words\s+Rudo Chikwanha\s+Insulting/);
    expect((await admin(['chat', 'moderate', 'resolve', r.json().id.slice(0, 8)])).code).toBe(2);
    const resolved = await admin(['chat', 'moderate', 'resolve', r.json().id.slice(0, 8), '--hide']);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('resolved: message hidden');
    expect((await admin(['chat', 'moderate', 'reports'])).stderr).toContain('No open reports.');
    const done = JSON.parse((await admin(['chat', 'moderate', 'reports', '--resolved', '--json'])).stdout);
    expect(done.items[0]).toMatchObject({ resolution: 'hidden', message: { id: rude.id, hidden: true } });
    // Traders cannot moderate.
    expect((await tendai(['chat', 'moderate', 'reports'])).code).toBe(3);
  });
});
