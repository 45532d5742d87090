// cs supplier …: acting for one's own supplier organisation. Each area (catalog, orders, quotes,
// invoices, payouts, keys) is a module adding its subcommands to the `supplier` command below.
import type { Command } from 'commander';
import type { Category } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { relative } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner } from '../output.ts';
import { readPassword } from './auth.ts';
import { organisationPairs } from './suppliers.ts';

interface RegisterOptions {
  name: string;
  area: string;
  address: string;
  phone: string;
  email: string;
  categories: string;
  contact: string;
  registrationNumber?: string;
  taxNumber?: string;
  userEmail: string;
  userName?: string;
  userPhone?: string;
  passwordStdin?: boolean;
}

/** A new account's password: from stdin for scripts, else asked twice on the terminal. */
async function newPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readPassword();
  if (!process.stdin.isTTY) throw usageError('stdin is not a terminal; pass --password-stdin');
  const { password } = await import('@inquirer/prompts');
  const context = { output: process.stderr };
  const first = await password({ message: 'Choose a password (10+ characters, letters and digits)', mask: '*' }, context);
  const again = await password({ message: 'Repeat it', mask: '*' }, context);
  if (first !== again) throw usageError('the passwords differ');
  return first;
}

export function registerSupplier(program: Command): Command {
  const supplier = program
    .command('supplier')
    .description("Your supplier organisation: its details and people (and its catalog, orders, invoices, payouts, keys)");

  supplier
    .command('register')
    .description('Register a supplier organisation with yourself as its owner, and sign in (pending until an admin verifies it)')
    .requiredOption('--name <name>', 'trading name')
    .requiredOption('--area <area>', 'where it trades from, e.g. Msasa')
    .requiredOption('--address <address>', 'street address')
    .requiredOption('--phone <phone>', "the organisation's phone")
    .requiredOption('--email <email>', "the organisation's email")
    .requiredOption('--categories <list>', 'categories served, comma-separated (e.g. mealie-meal,rice)')
    .requiredOption('--contact <name>', 'contact person')
    .option('--registration-number <number>', 'companies registry number')
    .option('--tax-number <bp>', 'ZIMRA BP number')
    .requiredOption('--user-email <email>', 'your own sign-in email')
    .option('--user-name <name>', 'your name (default: the contact person)')
    .option('--user-phone <phone>', 'your phone (default: the organisation phone)')
    .option('--password-stdin', 'read your new password from stdin (for scripts)')
    .option('--json', 'print the organisation as JSON')
    .action((opts: RegisterOptions, cmd: Command) =>
      run(
        cmd,
        async (ctx) => {
          const password = await newPassword(opts.passwordStdin);
          const client = makeClient(ctx);
          const result = await withSpinner(
            'Registering',
            () =>
              client.supplier.register({
                organisation: {
                  name: opts.name,
                  area: opts.area,
                  address: opts.address,
                  phone: opts.phone,
                  email: opts.email,
                  contactName: opts.contact,
                  categories: opts.categories.split(',').map((c) => c.trim()) as Category[],
                  ...(opts.registrationNumber ? { registrationNumber: opts.registrationNumber } : {}),
                  ...(opts.taxNumber ? { taxNumber: opts.taxNumber } : {}),
                },
                user: { email: opts.userEmail, name: opts.userName ?? opts.contact, phone: opts.userPhone ?? opts.phone, password },
              }),
            !ctx.json,
          );
          ctx.tokens.set({ accessToken: result.session.accessToken, refreshToken: result.session.refreshToken });
          ctx.store.updateProfile(ctx.profileName, (p) => ({ ...p, email: result.session.user.email }));
          if (ctx.json) return printJson(result.organisation);
          println(`${paint().green('✓')} ${result.organisation.name} is registered; signed in as ${result.session.user.email} · profile ${ctx.profileName}`);
          note('It sells once an admin has verified it: `cs supplier org` shows its status.');
        },
        { expiredHint: false },
      ),
    );

  supplier
    .command('join')
    .description('Accept an invitation to an organisation: creates your supplier account and signs you in')
    .requiredOption('--token <token>', 'the token from the invitation email')
    .requiredOption('--name <name>', 'your name')
    .requiredOption('--phone <phone>', 'your phone')
    .option('--password-stdin', 'read your new password from stdin (for scripts)')
    .option('--json', 'print the session user as JSON')
    .action((opts: { token: string; name: string; phone: string; passwordStdin?: boolean }, cmd: Command) =>
      run(
        cmd,
        async (ctx) => {
          const password = await newPassword(opts.passwordStdin);
          const client = makeClient(ctx);
          const session = await withSpinner('Joining', () => client.supplier.acceptInvite({ token: opts.token, name: opts.name, phone: opts.phone, password }), !ctx.json);
          ctx.tokens.set({ accessToken: session.accessToken, refreshToken: session.refreshToken });
          ctx.store.updateProfile(ctx.profileName, (p) => ({ ...p, email: session.user.email }));
          if (ctx.json) return printJson(session.user);
          println(`${paint().green('✓')} Joined; signed in as ${session.user.email} · profile ${ctx.profileName}`);
        },
        { expiredHint: false },
      ),
    );

  supplier
    .command('org')
    .description("Your organisation's details and verification status")
    .option('--json', 'print the organisation as JSON')
    .action((_opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const org = await withSpinner('Loading', () => makeClient(ctx).supplier.organisation(), !ctx.json);
        if (ctx.json) return printJson(org);
        println(renderPairs(organisationPairs(org)));
      }),
    );

  supplier
    .command('members')
    .description("Your organisation's people and open invitations")
    .option('--json', 'print members and invitations as JSON')
    .action((_opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const result = await withSpinner('Loading', () => makeClient(ctx).supplier.members(), !ctx.json);
        if (ctx.json) return printJson(result);
        println(
          renderTable(result.members, [
            { header: 'NAME', value: (m) => m.name, flex: true },
            { header: 'EMAIL', value: (m) => m.email },
            { header: 'ROLE', value: (m) => m.role },
            { header: 'JOINED', value: (m) => relative(m.joinedAt) },
          ]),
        );
        if (result.invites.length) println(`\nInvited, not yet joined: ${result.invites.map((i) => `${i.email} (${i.role})`).join(', ')}`);
      }),
    );

  supplier
    .command('invite')
    .description('Invite someone to your organisation (owners); they get an email with a token')
    .argument('<email>', 'their email')
    .option('--owner', 'make them an owner too (default: member)')
    .option('--json', 'print the invitation and its token as JSON')
    .action((email: string, opts: { owner?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const result = await withSpinner('Inviting', () => makeClient(ctx).supplier.invite({ email, role: opts.owner ? 'owner' : 'member' }), !ctx.json);
        if (ctx.json) return printJson(result);
        println(`${paint().green('✓')} Invited ${result.invite.email} as ${result.invite.role} (until ${result.invite.expiresAt.slice(0, 10)})`);
        println(`They join with: cs supplier join --token ${result.token} --name "<name>" --phone <phone>`);
      }),
    );

  return supplier;
}
