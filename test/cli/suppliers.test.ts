import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { notifications } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { userWithRole } from '../helpers/users.ts';
import { cliFor, tempConfigDir } from './run.ts';

// Each step spawns the CLI (about a second under tsx).
const slow = 120_000;

let app: FastifyInstance;
let url: string;
let asAdmin: ReturnType<typeof cliFor>;

beforeAll(async () => {
  ({ app, url } = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' }));
  const admin = await userWithRole(app, 'admin');
  asAdmin = cliFor(tempConfigDir(), url);
  const login = await asAdmin(['login', '--email', admin.user.email, '--password-stdin'], { input: 'mbare-market-2026' });
  expect(login.code, login.stderr).toBe(0);
});
afterAll(() => app.close());

describe('supplier organisations from the CLI', { timeout: slow }, () => {
  it('registers, is verified by an admin by id prefix, invites a member who joins', async () => {
    const owner = cliFor(tempConfigDir(), url);
    const reg = await owner(
      [
        'supplier', 'register', '--name', 'Graniteside Hardware (Pvt) Ltd', '--area', 'Graniteside', '--address', '3 Kelvin Road, Graniteside',
        '--phone', '0242751000', '--email', 'sales@granitehw.co.zw', '--categories', 'hardware', '--contact', 'Nyasha Moyo',
        '--tax-number', '200077001', '--user-email', 'nyasha@granitehw.co.zw', '--password-stdin', '--json',
      ],
      { input: 'graniteside-2026' },
    );
    expect(reg.code, reg.stderr).toBe(0);
    const org = JSON.parse(reg.stdout);
    expect(org.status).toBe('pending');

    const queue = await asAdmin(['suppliers', 'list', '--status', 'pending']);
    expect(queue.code, queue.stderr).toBe(0);
    expect(queue.stdout).toMatch(/Graniteside Hardware \(Pvt\) Ltd\s+Graniteside\s+pending\s+200077001/);
    expect((await asAdmin(['suppliers', 'list', '--status', 'sleeping'])).code).toBe(2);

    const verified = await asAdmin(['suppliers', 'verify', org.id.slice(0, 8)]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('Graniteside Hardware (Pvt) Ltd is verified and can sell');
    const again = await asAdmin(['suppliers', 'verify', org.id, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).status).toBe(409);

    const mine = await owner(['supplier', 'org']);
    expect(mine.stdout).toMatch(/Status\s+verified/);
    expect(mine.stdout).toMatch(/ZIMRA BP number\s+200077001/);

    const invited = await owner(['supplier', 'invite', 'desk@granitehw.co.zw', '--json']);
    expect(invited.code, invited.stderr).toBe(0);
    const { token } = JSON.parse(invited.stdout);
    const [mail] = await app.ctx.db.select().from(notifications).where(eq(notifications.recipient, 'desk@granitehw.co.zw'));
    expect(mail!.payload).toMatchObject({ token });
    const member = cliFor(tempConfigDir(), url);
    const joined = await member(['supplier', 'join', '--token', token, '--name', 'Desk Clerk', '--phone', '0773555000', '--password-stdin'], {
      input: 'harare-clerk-2026',
    });
    expect(joined.code, joined.stderr).toBe(0);
    const people = await owner(['supplier', 'members', '--json']);
    expect(JSON.parse(people.stdout).members.map((m: { email: string }) => m.email)).toEqual(['nyasha@granitehw.co.zw', 'desk@granitehw.co.zw']);
    // A member may not invite.
    const refused = await member(['supplier', 'invite', 'other@granitehw.co.zw']);
    expect(refused.code).toBe(3);
  });

  it('rejects with a reason', async () => {
    const owner = cliFor(tempConfigDir(), url);
    const reg = await owner(
      ['supplier', 'register', '--name', 'Fly By Night', '--area', 'CBD', '--address', 'Nowhere', '--phone', '0242000001', '--email', 'x@fly.co.zw',
        '--categories', 'beverages', '--contact', 'No One', '--user-email', 'noone@fly.co.zw', '--password-stdin', '--json'],
      { input: 'fly-by-night-2026' },
    );
    const org = JSON.parse(reg.stdout);
    const res = await asAdmin(['suppliers', 'reject', org.id, '--reason', 'No company registration on file']);
    expect(res.code, res.stderr).toBe(0);
    const show = await asAdmin(['suppliers', 'show', org.id.slice(0, 6), '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ status: 'rejected', rejectionReason: 'No company registration on file' });
  });
});
