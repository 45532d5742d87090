// cs register / login / logout / whoami: the profile's session.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConnectSphere, type Category, type Preferences, type RegisterRequest, type TokenStore, type Tokens, type User } from '@connectsphere/sdk';
import { price } from './catalog.ts';
import { categories } from './groups.ts';
import { makeClient, requireSession, run } from '../client.ts';
import { note, paint, printJson, println, renderPairs, usageError, withSpinner } from '../output.ts';

const frequencies = ['weekly', 'fortnightly', 'monthly', 'occasionally'] as const;

interface RegisterOptions {
  email: string;
  name: string;
  phone: string;
  market: string;
  passwordStdin?: boolean;
  category?: Category[];
  budget?: { min: number; max: number };
  frequency?: (typeof frequencies)[number];
}

function collectChoice(value: string, previous: Category[] = []): Category[] {
  return [...new Set([...previous, value as Category])];
}

/** "20-150" USD to {min: 2000, max: 15000, currency: USD}. */
function budgetRange(value: string): { min: number; max: number } {
  const m = /^\s*(\d+(?:\.\d{1,2})?)\s*-\s*(\d+(?:\.\d{1,2})?)\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be a range in USD like 20-150');
  const [min, max] = [price(m[1]!), price(m[2]!)];
  if (min > max) throw new InvalidArgumentError('the first amount must not be above the second');
  return { min, max };
}

function preferencesFrom(opts: RegisterOptions): Preferences | undefined {
  const given = [opts.category, opts.budget, opts.frequency].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given < 3) throw usageError('preferences need --category (one or more), --budget and --frequency together');
  return {
    categories: opts.category!,
    budget: { ...opts.budget!, currency: 'USD' },
    preferredGroupSizes: ['small', 'medium', 'large'],
    purchaseFrequency: opts.frequency!,
  };
}

/** From stdin for scripts; on a terminal asked twice, so a typo does not lock the new account. */
async function newPassword(opts: RegisterOptions): Promise<string> {
  if (opts.passwordStdin) return readPassword();
  if (!process.stdin.isTTY) throw usageError('stdin is not a terminal; pass --password-stdin and the password on stdin');
  const { password } = await import('@inquirer/prompts');
  const context = { output: process.stderr };
  const first = await password({ message: 'New password (10+ characters, letters and digits)', mask: '*' }, context);
  const again = await password({ message: 'Same password again', mask: '*' }, context);
  if (first !== again) throw usageError('the two passwords differ; nothing was created');
  return first;
}

interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
}

export function registerAuth(program: Command): void {
  program
    .command('login')
    .description('Sign in and store the session in the profile')
    .option('--email <email>', 'email to sign in with (prompted on a terminal)')
    .option('--password-stdin', 'read the password from stdin (for scripts; needs --email)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ cs login
  $ cs login --api-url https://api.example.co.zw
  $ printf '%s' "$PASSWORD" | cs login --email admin@example.co.zw --password-stdin`,
    )
    .action((opts: LoginOptions, cmd: Command) =>
      run(
        cmd,
        async (ctx) => {
          const { email, password } = await credentials(opts, ctx.store.profile(ctx.profileName)?.email);
          const previous = ctx.tokens.get();
          const client = makeClient(ctx);
          const session = await withSpinner('Signing in', () => client.auth.login({ email, password }), !ctx.json);
          // The SDK stores the tokens through our TokenStore; setting them again costs nothing and keeps this
          // command correct even if it did not.
          ctx.tokens.set({ accessToken: session.accessToken, refreshToken: session.refreshToken });
          ctx.store.updateProfile(ctx.profileName, (p) => ({ ...p, email: session.user.email }));
          // Signing in again would otherwise leave the old refresh token alive on the server until it expires.
          if (previous) await revokeQuietly(ctx.apiUrl, previous);

          if (ctx.json) return printJson({ profile: ctx.profileName, apiUrl: ctx.apiUrl, user: session.user });
          const p = paint();
          println(`${p.green('✓')} Signed in to ${ctx.apiUrl} as ${p.bold(session.user.email)} (${session.user.role}) · profile ${ctx.profileName}`);
        },
        { expiredHint: false },
      ),
    );

  program
    .command('register')
    .description('Create a trader account and sign the profile in to it')
    .requiredOption('--email <email>', 'your email, to sign in with')
    .requiredOption('--name <name>', 'your name as traders and staff see it')
    .requiredOption('--phone <phone>', 'mobile number (without +263 it is taken as Zimbabwean)')
    .requiredOption('--market <market>', 'where you trade, e.g. "Mbare Musika" or "Glen View"')
    .option('--password-stdin', 'read the password from stdin (prompted twice on a terminal otherwise)')
    .addOption(new Option('--category <category>', 'a line you buy, for recommendations (repeat)').choices(categories).argParser(collectChoice))
    .option('--budget <usd-range>', 'what you spend on one group-buy, e.g. 20-150 (USD)', budgetRange)
    .addOption(new Option('--frequency <how-often>', 'how often you buy').choices(frequencies))
    .option('--json', 'print {profile, apiUrl, user} as JSON')
    .addHelpText(
      'after',
      `
Passwords need at least 10 characters with letters and digits. With --category, --budget and
--frequency the account starts with preferences, so \`cs recs\` is personal from the first day.

Examples:
  $ cs register --email rudo@example.co.zw --name "Rudo Chikwanha" --phone 0772123456 --market "Glen View"
  $ printf '%s' "$PASSWORD" | cs register --email rudo@example.co.zw --name "Rudo Chikwanha" \\
      --phone 0772123456 --market "Glen View" --password-stdin --category cooking-oil --budget 20-150 --frequency weekly`,
    )
    .action((opts: RegisterOptions, cmd: Command) =>
      run(
        cmd,
        async (ctx) => {
          const preferences = preferencesFrom(opts);
          const password = await newPassword(opts);
          const previous = ctx.tokens.get();
          const body: RegisterRequest = { email: opts.email.trim(), name: opts.name, phone: opts.phone, location: { market: opts.market }, password };
          if (preferences) body.preferences = preferences;
          const session = await withSpinner('Creating your account', () => makeClient(ctx).auth.register(body), !ctx.json);
          ctx.tokens.set({ accessToken: session.accessToken, refreshToken: session.refreshToken });
          ctx.store.updateProfile(ctx.profileName, (p) => ({ ...p, email: session.user.email }));
          if (previous) await revokeQuietly(ctx.apiUrl, previous);
          if (ctx.json) return printJson({ profile: ctx.profileName, apiUrl: ctx.apiUrl, user: session.user });
          const p = paint();
          println(`${p.green('✓')} Registered ${p.bold(session.user.email)} on ${ctx.apiUrl} and signed in · profile ${ctx.profileName}`);
          note(p.dim('Next: cs recs (groups picked for you), cs groups list --market "' + opts.market + '", cs groups join <id> --quantity <n>'));
        },
        { expiredHint: false },
      ),
    );

  program
    .command('logout')
    .description("Sign out: revoke the profile's session on the server and forget its tokens")
    .option('--json', 'print the result as JSON')
    .action((opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        const profile = ctx.store.profile(ctx.profileName);
        const tokens = profile?.accessToken && profile.refreshToken ? { accessToken: profile.accessToken, refreshToken: profile.refreshToken } : undefined;
        // Revoke at the server that issued the session, whatever --api-url says: the tokens belong there.
        const apiUrl = profile?.apiUrl ?? ctx.apiUrl;
        let revoked = false;
        if (tokens) {
          revoked = await revokeQuietly(apiUrl, tokens, (why) => note(`Warning: could not revoke the session on ${apiUrl} (${why}); forgetting it locally`));
          ctx.store.updateProfile(ctx.profileName, ({ accessToken: _a, refreshToken: _r, email: _e, ...rest }) => rest);
        }
        if (ctx.json) return printJson({ profile: ctx.profileName, apiUrl, signedOut: true, wasSignedIn: Boolean(tokens), revoked });
        println(tokens ? `Signed out of ${apiUrl} · profile ${ctx.profileName}` : `Not signed in · profile ${ctx.profileName}`);
      }),
    );

  program
    .command('whoami')
    .description('Show the signed-in user')
    .option('--json', 'print the user as JSON')
    .action((opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const me = await withSpinner('Checking session', () => makeClient(ctx).auth.me(), !ctx.json);
        if (ctx.json) return printJson(me);
        println(renderPairs([...userPairs(me), ['API', ctx.apiUrl], ['Profile', ctx.profileName]]));
      }),
    );
}

export function userPairs(u: User): [string, string][] {
  const p = paint();
  return [
    ['Email', u.email],
    ['Name', u.name],
    ['Role', u.role],
    ['Active', u.active ? 'yes' : p.red('no')],
    ['ID', u.id],
    ['Phone', u.phone],
    ['Market', [u.location.market, u.location.city].filter(Boolean).join(', ')],
    ['Segment', u.segment ?? p.dim('none')],
    ['Created', u.createdAt],
  ];
}

/** Prompts only on a terminal; scripts must say everything with flags (gh's rule). */
async function credentials(opts: LoginOptions, lastEmail: string | undefined): Promise<{ email: string; password: string }> {
  if (opts.passwordStdin) {
    if (!opts.email) throw usageError('--password-stdin needs --email, since stdin carries the password');
    return { email: opts.email, password: await readPassword() };
  }
  if (!process.stdin.isTTY) throw usageError('stdin is not a terminal; pass --email and --password-stdin');
  // Prompts draw on stderr so `cs login --json > out.json` still shows them.
  const { input, password } = await import('@inquirer/prompts');
  const context = { output: process.stderr };
  const email =
    opts.email ??
    (await input(
      { message: 'Email', default: lastEmail, validate: (v) => (v.includes('@') ? true : 'Enter an email address') },
      context,
    ));
  const secret = await password({ message: 'Password', mask: '*', validate: (v) => (v.length > 0 ? true : 'Enter your password') }, context);
  return { email: email.trim(), password: secret };
}

export async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // `echo secret | cs login` adds a newline that is not part of the password; other whitespace may be.
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!password) throw usageError('--password-stdin read an empty password');
  return password;
}

/** Revokes a session, reporting (not throwing) failures: signing out locally must work with the server down. */
async function revokeQuietly(apiUrl: string, tokens: Tokens, onError?: (why: string) => void): Promise<boolean> {
  let held: Tokens | undefined = tokens;
  const store: TokenStore = { get: () => held, set: (t) => void (held = t) };
  try {
    await new ConnectSphere({ baseUrl: apiUrl, tokens: store, retries: 0 }).auth.logout();
    return true;
  } catch (err) {
    onError?.(err instanceof Error ? err.message : String(err));
    return false;
  }
}
