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
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY: must be false, a hop count or a comma list of proxy addresses/CIDRs'],
    [{ TRUST_PROXY: '10.0.0.1,proxy.local' }, 'TRUST_PROXY: must be false, a hop count or a comma list of proxy addresses/CIDRs (not "proxy.local")'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ NODE_ENV: 'production', SEED_DEMO_DATA: 'true' }, 'SEED_DEMO_DATA: demo data (accounts with a published password) is refused when NODE_ENV=production'],
    [{ SEED_DEMO_DATA: 'yes' }, 'SEED_DEMO_DATA'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS: must be a comma list of origins such as https://app.example.co.zw (not "*")'],
    [{ CORS_ORIGINS: 'https://ok.example,https://app.example/path' }, 'CORS_ORIGINS: must be a comma list of origins such as https://app.example.co.zw (not "https://app.example/path")'],
    [{ LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: '1.5' }, 'LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION'],
  ])('refuses %j with a message naming the variable', (env, expected) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(expected);
  });

  it('trusts no proxy by default; takes a hop count or proxy addresses and CIDRs', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,::1' }).trustProxy).toEqual(['10.0.0.1', '172.16.0.0/12', '::1']);
  });

  it.each([
    [{}, true, 'embedded database and SEED_DEMO_DATA unset'],
    [{ DATABASE_URL: 'postgres://127.0.0.1/cs' }, false, 'DATABASE_URL is set (SEED_DEMO_DATA=true asks for it)'],
    [{ DATABASE_URL: 'postgres://127.0.0.1/cs', SEED_DEMO_DATA: 'true' }, true, 'SEED_DEMO_DATA=true'],
    [{ SEED_DEMO_DATA: 'false' }, false, 'SEED_DEMO_DATA=false'],
    [{ NODE_ENV: 'production' }, false, 'NODE_ENV=production'],
    [{ NODE_ENV: 'production', SEED_DEMO_DATA: 'false' }, false, 'NODE_ENV=production'],
  ])('demo data for %j: %s (%s)', (env, load, reason) => {
    expect(loadConfig(env).demoData).toEqual({ load, reason });
  });

  it('reads the CORS allow-list and the load-shedding thresholds', () => {
    const c = loadConfig({ CORS_ORIGINS: 'https://app.partner.co.zw, http://localhost:5173', LOAD_SHED_MAX_HEAP_USED_MB: '512' });
    expect(c.corsOrigins).toEqual(['https://app.partner.co.zw', 'http://localhost:5173']);
    expect(c.loadShedding).toEqual({ maxEventLoopDelayMs: 1000, maxEventLoopUtilization: 0, maxHeapUsedBytes: 512 * 1024 * 1024, maxRssBytes: 0, retryAfterSeconds: 10 });
    expect(loadConfig({}).corsOrigins).toEqual([]);
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
