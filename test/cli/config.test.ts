import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig, runCli, tempConfigDir } from './run.ts';

// Each step spawns the CLI (about a second under tsx), so these tests need more than the default 30 s on a busy machine.
const slow = 90_000;

// Profiles need no server: these runs never make a request.
const show = async (dir: string, args: string[] = [], env: Record<string, string | undefined> = {}) => {
  const res = await runCli(['config', 'show', '--json', ...args], { env: { CS_CONFIG_DIR: dir, ...env } });
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as { profile: string; apiUrl: string; apiUrlSource: string; signedIn: boolean };
};

function writeConfig(dir: string, config: unknown) {
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
}

describe('cs config', { timeout: slow }, () => {
  it('takes the API URL from --api-url, then CS_API_URL, then the profile, then the default', async () => {
    const dir = tempConfigDir();
    expect(await show(dir)).toMatchObject({ profile: 'default', apiUrl: 'http://127.0.0.1:3000', apiUrlSource: 'default' });

    const set = await runCli(['config', 'set-url', 'https://api.example.co.zw/'], { env: { CS_CONFIG_DIR: dir } });
    expect(set.code, set.stderr).toBe(0);
    expect(readConfig(dir).profiles.default!.apiUrl).toBe('https://api.example.co.zw');
    expect(fs.statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);

    expect(await show(dir)).toMatchObject({ apiUrl: 'https://api.example.co.zw', apiUrlSource: 'profile' });
    expect(await show(dir, [], { CS_API_URL: 'http://env.example' })).toMatchObject({ apiUrl: 'http://env.example', apiUrlSource: 'env' });
    expect(await show(dir, ['--api-url', 'http://flag.example'], { CS_API_URL: 'http://env.example' })).toMatchObject({
      apiUrl: 'http://flag.example',
      apiUrlSource: 'flag',
    });
  });

  it('switches profiles with `config use`, --profile and CS_PROFILE', async () => {
    const dir = tempConfigDir();
    await runCli(['config', 'set-url', 'http://prod.example'], { env: { CS_CONFIG_DIR: dir } });
    const use = await runCli(['config', 'use', 'staging', '--json'], { env: { CS_CONFIG_DIR: dir } });
    expect(JSON.parse(use.stdout)).toEqual({ currentProfile: 'staging', created: true });
    await runCli(['config', 'set-url', 'http://staging.example'], { env: { CS_CONFIG_DIR: dir } });

    expect(await show(dir)).toMatchObject({ profile: 'staging', apiUrl: 'http://staging.example' });
    expect(await show(dir, ['--profile', 'default'])).toMatchObject({ profile: 'default', apiUrl: 'http://prod.example' });
    expect(await show(dir, [], { CS_PROFILE: 'default' })).toMatchObject({ profile: 'default' });
    // The flag beats the variable.
    expect(await show(dir, ['--profile', 'staging'], { CS_PROFILE: 'default' })).toMatchObject({ profile: 'staging' });

    const list = await runCli(['config', 'list'], { env: { CS_CONFIG_DIR: dir } });
    expect(list.stdout).toMatch(/^\s+PROFILE\s+API URL\s+SIGNED IN AS$/m);
    expect(list.stdout).toMatch(/^\*\s+staging\s+http:\/\/staging\.example\s+-$/m);
    expect(list.stdout).toMatch(/^\s+default\s+http:\/\/prod\.example\s+-$/m);
  });

  it('drops a stored session when the profile moves to another URL, so it is never sent there', async () => {
    const dir = tempConfigDir();
    writeConfig(dir, {
      currentProfile: 'default',
      profiles: { default: { apiUrl: 'http://old.example', accessToken: 'a', refreshToken: 'r'.repeat(40), email: 'x@example.co.zw' } },
    });
    const same = await runCli(['config', 'set-url', 'http://old.example/'], { env: { CS_CONFIG_DIR: dir } });
    expect(same.code).toBe(0);
    expect(readConfig(dir).profiles.default!.refreshToken).toBeDefined();

    const moved = await runCli(['config', 'set-url', 'http://new.example', '--json'], { env: { CS_CONFIG_DIR: dir } });
    expect(JSON.parse(moved.stdout)).toMatchObject({ apiUrl: 'http://new.example', signedOut: true });
    expect(readConfig(dir).profiles.default).toEqual({ apiUrl: 'http://new.example' });
  });

  it('refuses a URL that is not http(s) with exit 2', async () => {
    const res = await runCli(['config', 'set-url', 'localhost:3000'], { env: { CS_CONFIG_DIR: tempConfigDir() } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('must be an http:// or https:// URL');
  });

  it('lives in $XDG_CONFIG_HOME/connectsphere when CS_CONFIG_DIR is not set', async () => {
    const xdg = tempConfigDir();
    const res = await runCli(['config', 'use', 'work'], { env: { CS_CONFIG_DIR: undefined, XDG_CONFIG_HOME: xdg } });
    expect(res.code, res.stderr).toBe(0);
    const dir = path.join(xdg, 'connectsphere');
    expect(readConfig(dir).currentProfile).toBe('work');
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('reports a corrupt config file as one line, exit 1', async () => {
    const dir = tempConfigDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    const res = await runCli(['config', 'show'], { env: { CS_CONFIG_DIR: dir } });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(`Error: Invalid config file: ${path.join(dir, 'config.json')} is not valid JSON; fix or delete it`);
  });
});
