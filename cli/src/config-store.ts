// Profiles and sessions in the user's config dir, like gh's hosts.yml: one file, readable by its owner only,
// because it holds refresh tokens.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TokenStore, Tokens } from '@connectsphere/sdk';
import { failure } from './output.ts';

export const defaultApiUrl = 'http://127.0.0.1:3000';
export const defaultProfile = 'default';

export interface Profile {
  apiUrl: string;
  accessToken?: string;
  refreshToken?: string;
  email?: string;
}

export interface ConfigFile {
  currentProfile: string;
  profiles: Record<string, Profile>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CS_CONFIG_DIR) return path.resolve(env.CS_CONFIG_DIR);
  if (env.XDG_CONFIG_HOME) return path.join(env.XDG_CONFIG_HOME, 'connectsphere');
  return path.join(os.homedir(), '.config', 'connectsphere');
}

/** Compares API URLs the way a server sees them: `http://host:3000/` and `http://host:3000` are one server. */
export function sameApi(a: string, b: string): boolean {
  return normalizeUrl(a) === normalizeUrl(b);
}

export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.replace(/\/+$/, '');
  }
}

export class ConfigStore {
  readonly file: string;

  constructor(readonly dir: string = configDir()) {
    this.file = path.join(dir, 'config.json');
  }

  /** Reads the file fresh every time: another `cs` process (or an SDK token refresh) may have changed it. */
  read(): ConfigFile {
    let raw: string;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { currentProfile: defaultProfile, profiles: {} };
      throw err;
    }
    let parsed: Partial<ConfigFile>;
    try {
      parsed = JSON.parse(raw) as Partial<ConfigFile>;
    } catch {
      throw failure('Invalid config file', `${this.file} is not valid JSON; fix or delete it`);
    }
    return {
      currentProfile: typeof parsed.currentProfile === 'string' ? parsed.currentProfile : defaultProfile,
      profiles: parsed.profiles && typeof parsed.profiles === 'object' ? parsed.profiles : {},
    };
  }

  /** Atomic write (temp file + rename) so a crash never leaves half a file, with 0600/0700 modes set explicitly
   * because the process umask could otherwise widen them. */
  write(config: ConfigFile): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, this.file);
  }

  /** Read-modify-write of one profile; creates it (on the default URL) when missing. */
  updateProfile(name: string, change: (profile: Profile) => Profile): Profile {
    const config = this.read();
    const next = change({ apiUrl: defaultApiUrl, ...config.profiles[name] });
    config.profiles[name] = next;
    this.write(config);
    return next;
  }

  profile(name: string): Profile | undefined {
    return this.read().profiles[name];
  }
}

/**
 * The SDK's TokenStore on top of the config file, so tokens the SDK rotates on refresh survive the process.
 * Tokens are bound to the API URL that issued them: they are only handed out when the client talks to that
 * same server, so `CS_API_URL=https://elsewhere cs whoami` never sends a session to a different host.
 */
export class ProfileTokenStore implements TokenStore {
  constructor(
    private readonly store: ConfigStore,
    private readonly profileName: string,
    private readonly apiUrl: string,
  ) {}

  get(): Tokens | undefined {
    const p = this.store.profile(this.profileName);
    if (!p?.accessToken || !p.refreshToken || !sameApi(p.apiUrl, this.apiUrl)) return undefined;
    return { accessToken: p.accessToken, refreshToken: p.refreshToken };
  }

  set(tokens: Tokens | undefined): void {
    this.store.updateProfile(this.profileName, (p) => {
      if (!tokens) {
        // A session for another server is not ours to drop.
        if (!sameApi(p.apiUrl, this.apiUrl)) return p;
        const { accessToken: _a, refreshToken: _r, email: _e, ...rest } = p;
        return rest;
      }
      // Storing a session moves the profile to the server that issued it.
      return { ...p, apiUrl: this.apiUrl, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    });
  }
}
