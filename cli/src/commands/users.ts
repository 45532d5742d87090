// cs users …: user administration. The API decides who may do this (admins); the CLI only reports a 403.
import { Argument, Option, type Command } from 'commander';
import type { ConnectSphere, Role, User, UserDetail } from '@connectsphere/sdk';
import { makeClient, requireSession, run, type Context } from '../client.ts';
import { pageSize } from '../format.ts';
import { failure, note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner, type Column } from '../output.ts';
import { fetchPage } from '../pages.ts';
import { userPairs } from './auth.ts';

const roles: Role[] = ['trader', 'supplier', 'staff', 'admin'];
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ListOptions {
  q?: string;
  role?: Role;
  active?: boolean;
  inactive?: boolean;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('Manage users (admins only)');

  users
    .command('list')
    .description('Search and list users, newest first')
    .option('--q <text>', 'match name, email or phone')
    .addOption(new Option('--role <role>', 'only this role').choices(roles))
    .addOption(new Option('--active', 'only active users').conflicts('inactive'))
    .addOption(new Option('--inactive', 'only deactivated users'))
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--json', 'print {items, nextCursor} as JSON')
    .addHelpText('after', '\nExamples:\n  $ cs users list --role staff\n  $ cs users list --q mbare --inactive --all --json')
    .action((opts: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const query = {
          q: opts.q,
          role: opts.role,
          active: opts.active ? true : opts.inactive ? false : undefined,
          limit: opts.limit,
        };
        const page = await fetchPage('Loading users', opts, { page: (cursor) => client.admin.users.list({ ...query, cursor }), every: () => client.admin.users.iterate(query) }, !ctx.json);
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('No users match.');
        println(renderTable(page.items, userColumns));
        if (page.nextCursor) note(paint(process.stderr).dim(`More users: add --all, or --cursor ${page.nextCursor}`));
      }),
    );

  users
    .command('show')
    .description('Show one user with preferences and profile')
    .argument('<user>', 'user id or email')
    .option('--json', 'print the user as JSON')
    .action((ref: string, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const user = await withSpinner('Loading user', async () => client.admin.users.get(await resolveUserId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(user);
        println(renderPairs(detailPairs(user)));
      }),
    );

  users
    .command('set-role')
    .description("Change a user's role")
    .argument('<user>', 'user id or email')
    .addArgument(new Argument('<role>', 'the new role').choices(roles))
    .option('--json', 'print the updated user as JSON')
    .action((ref: string, role: Role, opts: unknown, cmd: Command) =>
      run(cmd, (ctx) => update(ctx, ref, { role }, (u) => `${u.email} is now ${u.role}`)),
    );

  users
    .command('deactivate')
    .description('Deactivate a user: their tokens stop working and their sessions are revoked')
    .argument('<user>', 'user id or email')
    .option('--json', 'print the updated user as JSON')
    .action((ref: string, opts: unknown, cmd: Command) =>
      run(cmd, (ctx) => update(ctx, ref, { active: false }, (u) => `Deactivated ${u.email}; their sessions are revoked`)),
    );

  users
    .command('activate')
    .description('Reactivate a deactivated user')
    .argument('<user>', 'user id or email')
    .option('--json', 'print the updated user as JSON')
    .action((ref: string, opts: unknown, cmd: Command) =>
      run(cmd, (ctx) => update(ctx, ref, { active: true }, (u) => `Activated ${u.email}`)),
    );
}

async function update(ctx: Context, ref: string, change: { role?: Role; active?: boolean }, done: (u: User) => string): Promise<void> {
  requireSession(ctx);
  const client = makeClient(ctx);
  const user = await withSpinner('Saving', async () => client.admin.users.update(await resolveUserId(client, ref), change), !ctx.json);
  if (ctx.json) return printJson(user);
  println(`${paint().green('✓')} ${done(user)}`);
}

/** Accepts an id or an email; an email is looked up with the list search since the API addresses users by id. */
export async function resolveUserId(client: ConnectSphere, ref: string): Promise<string> {
  if (uuid.test(ref)) return ref;
  if (!ref.includes('@')) throw usageError(`"${ref}" is neither a user id (UUID) nor an email address`);
  const wanted = ref.trim().toLowerCase();
  // q is a substring match, so several users can come back; only an exact email counts.
  for await (const user of client.admin.users.iterate({ q: wanted, limit: 100 })) {
    if (user.email.toLowerCase() === wanted) return user.id;
  }
  throw failure('Not found', `no user has the email ${ref}`);
}

const userColumns: Column<User>[] = [
  { header: 'ID', value: (u) => u.id },
  { header: 'EMAIL', value: (u) => u.email, flex: true },
  { header: 'NAME', value: (u) => u.name, flex: true },
  { header: 'ROLE', value: (u) => u.role, color: (u, p) => (u.role === 'admin' ? p.yellow : undefined) },
  { header: 'ACTIVE', value: (u) => (u.active ? 'yes' : 'no'), color: (u, p) => (u.active ? undefined : p.red) },
  { header: 'MARKET', value: (u) => u.location.market, flex: true },
  { header: 'CREATED', value: (u) => u.createdAt.slice(0, 10) },
];

const money = (minor: number) => (minor / 100).toFixed(2);

function detailPairs(u: UserDetail): [string, string][] {
  const p = paint();
  const pairs = userPairs(u);
  pairs.push(['Business', u.profile.businessType ?? p.dim('not set')]);
  pairs.push(['Experience', u.profile.yearsOfExperience === null ? p.dim('not set') : `${u.profile.yearsOfExperience} years`]);
  if (u.role === 'staff' || u.pickupPoints.length) {
    pairs.push(['Pickup points', u.pickupPoints.map((pt) => `${pt.name} (${pt.id})`).join(', ') || p.yellow('none: assign with cs staff assign')]);
  }
  const prefs = u.preferences;
  if (!prefs) {
    pairs.push(['Preferences', p.dim('not set')]);
    return pairs;
  }
  pairs.push(['Categories', prefs.categories.join(', ') || p.dim('none')]);
  pairs.push(['Budget', `${prefs.budget.currency} ${money(prefs.budget.min)}–${money(prefs.budget.max)}`]);
  pairs.push(['Group sizes', prefs.preferredGroupSizes.join(', ') || p.dim('any')]);
  pairs.push(['Buys', prefs.purchaseFrequency]);
  return pairs;
}
