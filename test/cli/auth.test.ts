import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { liveServer } from '../helpers/app.ts';
import { registerUser } from '../helpers/users.ts';
import { cliFor, readConfig, runCli, tempConfigDir } from './run.ts';

// Each step spawns the CLI (about a second under tsx), so these tests need more than the default 30 s on a busy machine.
const slow = 90_000;

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  // Many sign-ins from one address in a few seconds; the per-address limit is not what is under test.
  ({ app, url } = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' }));
});
afterAll(async () => {
  await app.close();
});

async function signedIn() {
  const user = await registerUser(app);
  const dir = tempConfigDir();
  const cs = cliFor(dir, url);
  const login = await cs(['login', '--email', user.user.email, '--password-stdin'], { input: `${user.password}\n` });
  expect(login.code, login.stderr).toBe(0);
  return { user, dir, cs };
}

describe('cs login', { timeout: slow }, () => {
  it('signs in with --password-stdin, then whoami shows the user as a table and as JSON', async () => {
    const { user, cs } = await signedIn();

    const table = await cs(['whoami']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^Email\\s+${user.user.email.replace(/\./g, '\\.')}$`, 'm'));
    expect(table.stdout).toMatch(/^Role\s+trader$/m);
    expect(table.stdout).not.toMatch(/\x1b\[/); // NO_COLOR and a pipe: no escape codes

    const json = await cs(['whoami', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: user.user.id, email: user.user.email, role: 'trader', active: true });
    expect(json.stderr).toBe('');
  });

  it('prints who signed in, as JSON with --json, without leaking tokens', async () => {
    const user = await registerUser(app);
    const cs = cliFor(tempConfigDir(), url);
    const res = await cs(['login', '--email', user.user.email, '--password-stdin', '--json'], { input: user.password });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ profile: 'default', apiUrl: url, user: { id: user.user.id, email: user.user.email } });
    expect(res.stdout).not.toMatch(/accessToken|refreshToken/);
  });

  it('stores the session in config.json readable by its owner only (file 0600, dir 0700)', async () => {
    const { user, dir } = await signedIn();
    const file = path.join(dir, 'config.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const config = readConfig(dir);
    expect(config.currentProfile).toBe('default');
    expect(config.profiles.default).toMatchObject({ apiUrl: url, email: user.user.email });
    expect(config.profiles.default!.refreshToken).toEqual(expect.any(String));
    expect(fs.readFileSync(file, 'utf8')).not.toContain(user.password);
  });

  it('signing in again revokes the session it replaces', async () => {
    const { user, dir, cs } = await signedIn();
    const { refreshToken: old } = readConfig(dir).profiles.default!;
    const again = await cs(['login', '--email', user.user.email, '--password-stdin'], { input: user.password });
    expect(again.code, again.stderr).toBe(0);
    expect(readConfig(dir).profiles.default!.refreshToken).not.toBe(old);
    const refresh = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: old } });
    expect(refresh.statusCode).toBe(401);
  });

  it('answers a wrong password with exit 3 and the API problem on stderr', async () => {
    const user = await registerUser(app);
    const dir = tempConfigDir();
    const cs = cliFor(dir, url);
    const res = await cs(['login', '--email', user.user.email, '--password-stdin'], { input: 'not-the-password-1' });
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^Error: Unauthorized: Wrong email or password/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'config.json'))).toBe(false);

    const json = await cs(['login', '--email', user.user.email, '--password-stdin', '--json'], { input: 'not-the-password-1' });
    expect(json.code).toBe(3);
    expect(json.stdout).toBe('');
    expect(JSON.parse(json.stderr)).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'Wrong email or password' });
  });

  it('refuses to prompt when stdin is not a terminal (exit 2)', async () => {
    const cs = cliFor(tempConfigDir(), url);
    const noEmail = await cs(['login']);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('--password-stdin');
    const stdinWithoutEmail = await cs(['login', '--password-stdin'], { input: 'secret' });
    expect(stdinWithoutEmail.code).toBe(2);
  });

  it('reports an unreachable API as a failure (exit 1) naming the URL', async () => {
    const cs = cliFor(tempConfigDir(), 'http://127.0.0.1:9');
    const res = await cs(['login', '--email', 'a@example.co.zw', '--password-stdin'], { input: 'whatever-123' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Cannot reach the API.*http:\/\/127\.0\.0\.1:9/);
  });
});

describe('sessions', { timeout: slow }, () => {
  it('exits 3 with a hint when nothing is stored', async () => {
    const cs = cliFor(tempConfigDir(), url);
    const res = await cs(['whoami']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/Not signed in.*cs login/);
    const json = await cs(['whoami', '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stderr)).toMatchObject({ title: 'Not signed in' });
  });

  it('never sends a session to a different API URL than the one that issued it', async () => {
    const { dir } = await signedIn();
    const elsewhere = await runCli(['whoami'], { env: { CS_CONFIG_DIR: dir, CS_API_URL: 'http://127.0.0.1:9' } });
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toContain(`holds a session for ${url}`);
  });

  it('persists the tokens the SDK gets from a refresh', async () => {
    const { user, dir, cs } = await signedIn();
    const file = path.join(dir, 'config.json');
    const before = readConfig(dir);
    // A rejected access token makes the SDK refresh; the rotated pair must reach the file.
    before.profiles.default!.accessToken = 'expired.or.garbage';
    fs.writeFileSync(file, JSON.stringify(before));

    const res = await cs(['whoami', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).id).toBe(user.user.id);
    const after = readConfig(dir).profiles.default!;
    expect(after.accessToken).not.toBe('expired.or.garbage');
    expect(after.refreshToken).not.toBe(before.profiles.default!.refreshToken);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    // The next run works with the stored pair, without another refresh.
    const again = await cs(['whoami', '--json']);
    expect(again.code).toBe(0);
    expect(readConfig(dir).profiles.default!.refreshToken).toBe(after.refreshToken);
  });

  it('logout revokes the session on the server and forgets the tokens', async () => {
    const { dir, cs } = await signedIn();
    const { refreshToken } = readConfig(dir).profiles.default!;

    const res = await cs(['logout']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Signed out');
    const profile = readConfig(dir).profiles.default!;
    expect(profile).not.toHaveProperty('accessToken');
    expect(profile).not.toHaveProperty('refreshToken');
    expect(profile.apiUrl).toBe(url);

    const refresh = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(refresh.statusCode).toBe(401);
    expect((await cs(['whoami'])).code).toBe(3);

    // Signing out twice is not an error.
    const again = await cs(['logout', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ signedOut: true, wasSignedIn: false });
  });
});

describe('usage errors exit 2', { timeout: slow }, () => {
  it.each([
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['whoami', '--frob'], /unknown option '--frob'/],
    ['a missing argument', ['users', 'show'], /missing required argument 'user'/],
    ['an extra argument', ['whoami', 'extra'], /too many arguments/],
    ['a bad --api-url', ['whoami', '--api-url', 'ftp://x'], /must be an http:\/\/ or https:\/\/ URL/],
    ['a bad profile name', ['whoami', '--profile', '__proto__'], /not a valid profile name/],
  ])('%s', async (_name, args, message) => {
    const res = await runCli(args, { env: { CS_CONFIG_DIR: tempConfigDir() } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
  });

  it('--help and --version exit 0', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
