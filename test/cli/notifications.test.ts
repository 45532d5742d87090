import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { notifications } from '../../api/db/schema.ts';
import { drainOutbox } from '../../api/modules/notifications/dispatcher.ts';
import { liveServer } from '../helpers/app.ts';
import { registerUser, userWithRole } from '../helpers/users.ts';
import { cliFor, tempConfigDir } from './run.ts';

const slow = 120_000;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  ({ app, url } = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' }));
});
afterAll(() => app.close());

async function signedIn(email: string) {
  const cs = cliFor(tempConfigDir(), url);
  const res = await cs(['login', '--email', email, '--password-stdin'], { input: 'mbare-market-2026' });
  expect(res.code, res.stderr).toBe(0);
  return cs;
}

describe('cs notifications', { timeout: slow }, () => {
  it('shows a trader their inbox and switches them to Shona by SMS only', async () => {
    const trader = await registerUser(app, { name: 'Rudo Chikore' });
    const cs = await signedIn(trader.user.email);
    const inbox = await cs(['notifications', 'inbox']);
    expect(inbox.code, inbox.stderr).toBe(0);
    expect(inbox.stdout).toContain('Welcome to ConnectSphere');
    expect(inbox.stdout).toContain('1 unread');
    const set = await cs(['notifications', 'settings', '--locale', 'sn', '--channels', 'sms']);
    expect(set.stdout).toMatch(/Language\s+Shona \(sn\)/);
    expect(set.stdout).toMatch(/Channels\s+sms, in_app/);
    expect((await cs(['notifications', 'settings', '--channels', 'fax'])).code).toBe(2);
    const read = await cs(['notifications', 'inbox', '--read', '--json']);
    expect(JSON.parse(read.stdout).items[0].subject).toBe('Mauya kuConnectSphere');
    expect(JSON.parse((await cs(['notifications', 'inbox', '--unread', '--json'])).stdout).items).toEqual([]);
  });

  it('lets an admin find dead letters and resend one by id prefix', async () => {
    const admin = await userWithRole(app, 'admin');
    const trader = await registerUser(app);
    await app.ctx.db.update(notifications).set({ status: 'failed', attempts: 6, lastError: 'SMTP 550 mailbox unavailable' }).where(eq(notifications.userId, trader.user.id));
    const cs = await signedIn(admin.user.email);
    const list = await cs(['notifications', 'list', '--status', 'failed']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/email\s+\S+\s+welcome\s+failed\s+6/);
    expect(list.stdout).toContain('SMTP 550 mailbox unavailable');
    const [dead] = (await app.ctx.db.select().from(notifications).where(eq(notifications.userId, trader.user.id))).filter((n) => n.channel === 'email');
    const resend = await cs(['notifications', 'resend', dead!.id.slice(0, 8)]);
    expect(resend.code, resend.stderr).toBe(0);
    expect(resend.stdout).toContain('welcome to');
    const again = await cs(['notifications', 'resend', dead!.id, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).status).toBe(409);
    const sent: string[] = [];
    await drainOutbox(app.ctx.db, async (d) => {
      sent.push(d.id);
    });
    expect(sent).toContain(dead!.id);
  });
});
