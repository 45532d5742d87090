// cs config …: profiles (one API URL + session each), like `gh auth` hosts or Stripe CLI projects.
import type { Command } from 'commander';
import { checkApiUrl, checkProfileName, getProfile, run } from '../client.ts';
import { defaultApiUrl, sameApi } from '../config-store.ts';
import { note, paint, printJson, println, renderPairs, renderTable } from '../output.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('Show and change profiles: API URL and stored session');

  config
    .command('show')
    .description('Show the profile in use, its API URL (and where it came from) and who is signed in')
    .option('--json', 'print as JSON')
    .action((opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        const profile = ctx.store.profile(ctx.profileName);
        const view = {
          profile: ctx.profileName,
          apiUrl: ctx.apiUrl,
          apiUrlSource: ctx.apiUrlSource,
          signedIn: Boolean(ctx.tokens.get()),
          email: profile?.email ?? null,
          configFile: ctx.store.file,
        };
        if (ctx.json) return printJson(view);
        const source = { flag: '--api-url', env: 'CS_API_URL', profile: 'profile', default: 'default' }[view.apiUrlSource];
        println(
          renderPairs([
            ['Profile', view.profile],
            ['API URL', `${view.apiUrl} ${paint().dim(`(from ${source})`)}`],
            ['Signed in', view.signedIn ? `as ${view.email ?? 'unknown'}` : 'no'],
            ['Config file', view.configFile],
          ]),
        );
      }),
    );

  config
    .command('set-url')
    .description("Set the profile's API URL")
    .argument('<url>', `API base URL, e.g. ${defaultApiUrl}`)
    .option('--json', 'print the profile as JSON')
    .action((url: string, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        const apiUrl = checkApiUrl(url, 'URL');
        let signedOut = false;
        ctx.store.updateProfile(ctx.profileName, (p) => {
          if (sameApi(p.apiUrl, apiUrl)) return { ...p, apiUrl };
          // A session belongs to the server that issued it; keeping it would send it to a different host.
          signedOut = Boolean(p.refreshToken);
          const { accessToken: _a, refreshToken: _r, email: _e, ...rest } = p;
          return { ...rest, apiUrl };
        });
        if (ctx.json) return printJson({ profile: ctx.profileName, apiUrl, signedOut });
        println(`Profile ${ctx.profileName} now uses ${apiUrl}`);
        if (signedOut) note('Signed out of the old URL; run `cs login` to sign in to the new one.');
      }),
    );

  config
    .command('use')
    .description('Make a profile the default (created if new)')
    .argument('<profile>', 'profile name')
    .option('--json', 'print as JSON')
    .action((name: string, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        checkProfileName(name);
        const file = ctx.store.read();
        const created = !getProfile(file, name);
        if (created) file.profiles[name] = { apiUrl: defaultApiUrl };
        file.currentProfile = name;
        ctx.store.write(file);
        if (ctx.json) return printJson({ currentProfile: name, created });
        println(`Now using profile ${name}${created ? ` (new, API URL ${defaultApiUrl}; change it with \`cs config set-url\`)` : ''}`);
      }),
    );

  config
    .command('list')
    .description('List profiles')
    .option('--json', 'print as JSON')
    .action((opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        const file = ctx.store.read();
        const rows = Object.entries(file.profiles).map(([name, p]) => ({
          name,
          current: name === ctx.profileName,
          apiUrl: p.apiUrl,
          signedIn: Boolean(p.refreshToken),
          email: p.refreshToken ? (p.email ?? null) : null,
        }));
        if (ctx.json) return printJson(rows);
        if (rows.length === 0) return note('No profiles yet; `cs login` creates one.');
        println(
          renderTable(rows, [
            { header: '', value: (r) => (r.current ? '*' : '') },
            { header: 'PROFILE', value: (r) => r.name },
            { header: 'API URL', value: (r) => r.apiUrl, flex: true },
            { header: 'SIGNED IN AS', value: (r) => r.email ?? (r.signedIn ? 'unknown' : '-'), flex: true },
          ]),
        );
      }),
    );
}
