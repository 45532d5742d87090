// Works out which profile and API URL a command runs against and builds the SDK client for it.
// This is the CLI's only way into the system: every call goes through @connectsphere/sdk.
import type { Command } from 'commander';
import { ConnectSphere } from '@connectsphere/sdk';
import { ConfigStore, defaultApiUrl, defaultProfile, ProfileTokenStore, sameApi, type ConfigFile, type Profile } from './config-store.ts';
import { notSignedIn, reportFailure, toFailure, usageError } from './output.ts';

export type UrlSource = 'flag' | 'env' | 'profile' | 'default';

export interface Context {
  store: ConfigStore;
  profileName: string;
  apiUrl: string;
  apiUrlSource: UrlSource;
  tokens: ProfileTokenStore;
  json: boolean;
}

interface GlobalOptions {
  profile?: string;
  apiUrl?: string;
  json?: boolean;
}

// A leading letter or digit keeps names like `__proto__` out of the profiles object.
const profileName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkProfileName(name: string): string {
  if (!profileName.test(name)) throw usageError(`"${name}" is not a valid profile name (letters, digits, . _ -; up to 64)`);
  return name;
}

export function checkApiUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`${from} "${url}" is not a URL (expected e.g. ${defaultApiUrl})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`${from} "${url}" must be an http:// or https:// URL`);
  return url.replace(/\/+$/, '');
}

export function getProfile(config: ConfigFile, name: string): Profile | undefined {
  return Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined;
}

/** Profile: --profile > CS_PROFILE > the file's currentProfile. URL: --api-url > CS_API_URL > profile > default. */
export function resolveContext(command: Command): Context {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const store = new ConfigStore();
  const config = store.read();
  const name = checkProfileName(opts.profile ?? (process.env.CS_PROFILE || undefined) ?? config.currentProfile ?? defaultProfile);
  const profile = getProfile(config, name);

  let apiUrl: string;
  let apiUrlSource: UrlSource;
  if (opts.apiUrl !== undefined) [apiUrl, apiUrlSource] = [checkApiUrl(opts.apiUrl, '--api-url'), 'flag'];
  else if (process.env.CS_API_URL) [apiUrl, apiUrlSource] = [checkApiUrl(process.env.CS_API_URL, 'CS_API_URL'), 'env'];
  else if (profile?.apiUrl) [apiUrl, apiUrlSource] = [profile.apiUrl, 'profile'];
  else [apiUrl, apiUrlSource] = [defaultApiUrl, 'default'];

  return { store, profileName: name, apiUrl, apiUrlSource, tokens: new ProfileTokenStore(store, name, apiUrl), json: Boolean(opts.json) };
}

/**
 * An organisation's API key from CS_API_KEY, for scripts: when set, commands send it instead of the
 * profile's session (it is never written to the config file).
 */
export function apiKeyFromEnv(): string | undefined {
  const key = process.env.CS_API_KEY?.trim();
  if (!key) return undefined;
  if (!/^csk_\S+$/.test(key)) throw usageError('CS_API_KEY must be an API key (csk_…), as `cs supplier keys create` prints');
  return key;
}

export function makeClient(ctx: Pick<Context, 'apiUrl' | 'tokens'>): ConnectSphere {
  const apiKey = apiKeyFromEnv();
  if (apiKey) return new ConnectSphere({ baseUrl: ctx.apiUrl, apiKey });
  return new ConnectSphere({ baseUrl: ctx.apiUrl, tokens: ctx.tokens });
}

/** The sign-in command for a profile: `cs login` for the default one, else with --profile, so it can be pasted. */
export function loginCommand(profileName: string): string {
  return profileName === defaultProfile ? '`cs login`' : `\`cs --profile ${profileName} login\``;
}

/** Fails with exit code 3 before any request when there is no session (or CS_API_KEY) to send. */
export function requireSession(ctx: Context): void {
  if (apiKeyFromEnv() || ctx.tokens.get()) return;
  const profile = ctx.store.profile(ctx.profileName);
  if (profile?.refreshToken && !sameApi(profile.apiUrl, ctx.apiUrl)) {
    throw notSignedIn(
      `profile "${ctx.profileName}" holds a session for ${profile.apiUrl}, not ${ctx.apiUrl}; run ${loginCommand(ctx.profileName)} to sign in there`,
    );
  }
  throw notSignedIn(`no session stored for profile "${ctx.profileName}"; run ${loginCommand(ctx.profileName)} (or \`cs register\`)`);
}

/**
 * Runs a command's body with its context and turns any failure into one report and an exit code, so every
 * command fails the same way. `expiredHint` is off for `login`, where a 401 means a wrong password.
 */
export async function run(command: Command, body: (ctx: Context) => Promise<void>, { expiredHint = true } = {}): Promise<void> {
  const json = Boolean(command.optsWithGlobals<GlobalOptions>().json);
  let apiUrl: string | undefined;
  let profileName: string | undefined;
  try {
    const ctx = resolveContext(command);
    apiUrl = ctx.apiUrl;
    profileName = ctx.profileName;
    await body(ctx);
  } catch (err) {
    const failure = toFailure(err, apiUrl);
    const viaKey = Boolean(process.env.CS_API_KEY?.trim());
    const hint =
      expiredHint && failure.problem.status === 401
        ? viaKey
          ? 'CS_API_KEY is unknown or revoked; create another with `cs supplier keys create`'
          : `The session of profile "${profileName ?? defaultProfile}" is no longer valid; run ${loginCommand(profileName ?? defaultProfile)} to sign in again`
        : undefined;
    reportFailure(failure, json, hint);
    process.exitCode = failure.exitCode;
  }
}
