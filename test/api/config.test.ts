import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../api/config.ts';

describe('configuration', () => {
  it('has working defaults for the embedded database', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, logLevel: 'info' });
    expect(c.jwt.keysFile).toBe(`${c.dataDir}/keys/jwt-keys.json`);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mongodb://localhost/cs' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ADMIN_EMAIL: 'root@example.co.zw' }, 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together'],
    [{ ADMIN_EMAIL: 'root@example.co.zw', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD: must be at least 10 characters'],
  ])('refuses %j with a message naming the variable', (env, expected) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(expected);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });
});

describe('.env.example', () => {
  it('documents every variable the configuration reads, and loads as it stands', async () => {
    const fs = await import('node:fs');
    const source = fs.readFileSync('api/config.ts', 'utf8');
    const example = fs.readFileSync('.env.example', 'utf8');
    const read = [...source.matchAll(/^ {2}([A-Z_]+): z\./gm)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(20);
    expect(read.filter((name) => !new RegExp(`^${name}=`, 'm').test(example))).toEqual([]);
    const values = Object.fromEntries(
      example.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(() => loadConfig(values)).not.toThrow();
  });
});
