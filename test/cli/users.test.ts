import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { users } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { registerUser, userWithRole } from '../helpers/users.ts';
import { cliFor, readConfig, tempConfigDir } from './run.ts';

// Each step spawns the CLI (about a second under tsx), so these tests need more than the default 30 s on a busy machine.
const slow = 90_000;

// The password traderInput() gives every registered user.
const password = 'mbare-market-2026';

let app: FastifyInstance;
let url: string;
let admin: Awaited<ReturnType<typeof userWithRole>>;
let asAdmin: ReturnType<typeof cliFor>;

async function cliSession(email: string) {
  const dir = tempConfigDir();
  const cs = cliFor(dir, url);
  const res = await cs(['login', '--email', email, '--password-stdin'], { input: password });
  expect(res.code, res.stderr).toBe(0);
  return { dir, cs };
}

beforeAll(async () => {
  ({ app, url } = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' }));
  admin = await userWithRole(app, 'admin');
  ({ cs: asAdmin } = await cliSession(admin.user.email));
});
afterAll(async () => {
  await app.close();
});

describe('cs users as an admin', { timeout: slow }, () => {
  it('lists users as an aligned table and as {items, nextCursor} JSON', async () => {
    const trader = await registerUser(app, { name: 'Rudo Chikore' });

    const table = await asAdmin(['users', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+EMAIL\s+NAME\s+ROLE\s+ACTIVE\s+MARKET\s+CREATED$/);
    const row = lines.find((l) => l.includes(trader.user.email))!;
    expect(row).toMatch(/Rudo Chikore\s+trader\s+yes\s+Mbare Musika/);
    // Aligned: every row's ROLE column starts where the header's does.
    const roleAt = lines[0]!.indexOf('ROLE');
    for (const line of lines.slice(1)) expect(line.slice(roleAt)).toMatch(/^(trader|supplier|staff|admin)\s/);

    const json = await asAdmin(['users', 'list', '--role', 'admin', '--json']);
    expect(json.code).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((u: { email: string }) => u.email)).toEqual([admin.user.email]);
  });

  it('pages with --limit, points at the next page, and --all follows every page', async () => {
    for (let i = 0; i < 3; i += 1) await registerUser(app, { location: { market: 'Budiriro' } });
    const first = await asAdmin(['users', 'list', '--limit', '2', '--json']);
    const page = JSON.parse(first.stdout);
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));

    const human = await asAdmin(['users', 'list', '--limit', '2']);
    expect(human.stderr).toContain(`--cursor ${page.nextCursor}`);

    const all = JSON.parse((await asAdmin(['users', 'list', '--all', '--limit', '2', '--json'])).stdout);
    const total = (await app.ctx.db.select().from(users)).length;
    expect(all.items).toHaveLength(total);
    expect(new Set(all.items.map((u: { id: string }) => u.id)).size).toBe(total);
    expect(all.nextCursor).toBeNull();
  });

  it('filters by --inactive', async () => {
    const gone = await registerUser(app);
    await app.ctx.db.update(users).set({ active: false }).where(eq(users.id, gone.user.id));
    const res = JSON.parse((await asAdmin(['users', 'list', '--inactive', '--json'])).stdout);
    expect(res.items.map((u: { id: string }) => u.id)).toContain(gone.user.id);
    expect(res.items.every((u: { active: boolean }) => !u.active)).toBe(true);
  });

  it('shows one user by id or by email, with profile and preferences', async () => {
    const trader = await registerUser(app, {
      preferences: { categories: ['sugar'], budget: { min: 500, max: 2500, currency: 'USD' }, preferredGroupSizes: ['small'], purchaseFrequency: 'weekly' },
    });
    const byId = await asAdmin(['users', 'show', trader.user.id, '--json']);
    expect(byId.code, byId.stderr).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({ id: trader.user.id, preferences: { categories: ['sugar'] }, profile: { name: 'Tendai Moyo' } });

    const byEmail = await asAdmin(['users', 'show', trader.user.email.toUpperCase()]);
    expect(byEmail.code, byEmail.stderr).toBe(0);
    expect(byEmail.stdout).toMatch(new RegExp(`^ID\\s+${trader.user.id}$`, 'm'));
    expect(byEmail.stdout).toMatch(/^Budget\s+USD 5\.00–25\.00$/m);
  });

  it('reports an unknown email as a failure (exit 1) and a malformed reference as a usage error (exit 2)', async () => {
    const missing = await asAdmin(['users', 'show', 'nobody@example.co.zw']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no user has the email nobody@example.co.zw');
    const malformed = await asAdmin(['users', 'show', 'tendai']);
    expect(malformed.code).toBe(2);
    const badRole = await asAdmin(['users', 'set-role', admin.user.email, 'boss']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('Allowed choices are trader, supplier, staff, admin');
  });

  it('sets a role by email', async () => {
    const trader = await registerUser(app);
    const res = await asAdmin(['users', 'set-role', trader.user.email, 'staff', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id: trader.user.id, role: 'staff' });
    const [row] = await app.ctx.db.select().from(users).where(eq(users.id, trader.user.id));
    expect(row!.role).toBe('staff');

    const human = await asAdmin(['users', 'set-role', trader.user.id, 'supplier']);
    expect(human.stdout.trim()).toBe(`✓ ${trader.user.email} is now supplier`);
  });

  it('passes on the API refusing an admin demoting themselves (409, exit 1)', async () => {
    const res = await asAdmin(['users', 'set-role', admin.user.email, 'trader']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Error: Conflict: Admins cannot demote or deactivate themselves/);
  });

  it("deactivating a user ends their stored CLI session (exit 3); activating lets them sign in again", async () => {
    const trader = await registerUser(app);
    const victim = await cliSession(trader.user.email);
    expect((await victim.cs(['whoami'])).code).toBe(0);

    const res = await asAdmin(['users', 'deactivate', trader.user.email, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id: trader.user.id, active: false });

    const after = await victim.cs(['whoami']);
    expect(after.code).toBe(3);
    expect(after.stderr).toMatch(/^Error: Unauthorized/);
    // The refresh was refused, so the SDK cleared the dead session from the profile.
    expect(readConfig(victim.dir).profiles.default).not.toHaveProperty('refreshToken');

    const activated = await asAdmin(['users', 'activate', trader.user.id]);
    expect(activated.stdout.trim()).toBe(`✓ Activated ${trader.user.email}`);
    const back = await victim.cs(['login', '--email', trader.user.email, '--password-stdin'], { input: password });
    expect(back.code, back.stderr).toBe(0);
  });
});

describe('cs users as anyone else', { timeout: slow }, () => {
  it('maps the API 403 to exit 3 for a trader', async () => {
    const trader = await registerUser(app);
    const { cs } = await cliSession(trader.user.email);
    const res = await cs(['users', 'list']);
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^Error: Forbidden/);
    const json = await cs(['users', 'list', '--json']);
    expect(JSON.parse(json.stderr)).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  it('exits 3 without a session, before any request', async () => {
    const cs = cliFor(tempConfigDir(), url);
    const res = await cs(['users', 'list']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('cs login');
  });
});
