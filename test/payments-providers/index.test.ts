import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/config.ts';
import type { AppContext } from '../../api/context.ts';
import { createProvider } from '../../api/modules/payments/providers/index.ts';
import { testDatabase } from '../helpers/db.ts';

async function context(env: Record<string, string>): Promise<AppContext> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
  const database = await testDatabase();
  // Providers never touch signing keys.
  return { config, database, db: database.db, keys: undefined as never };
}

describe('createProvider', () => {
  it('uses the sandbox by default', async () => {
    expect(createProvider(await context({})).name).toBe('sandbox');
  });

  it('uses Flutterwave when configured, without calling it', async () => {
    const ctx = await context({
      PAYMENT_PROVIDER: 'flutterwave',
      FLW_PUBLIC_KEY: 'FLWPUBK_TEST-x',
      FLW_SECRET_KEY: 'FLWSECK_TEST-x',
      FLW_SECRET_HASH: 'a-secret-hash',
    });
    expect(createProvider(ctx).name).toBe('flutterwave');
  });

  it('refuses Flutterwave without keys in a hand-built context', async () => {
    const ctx = await context({});
    const broken = { ...ctx, config: { ...ctx.config, payments: { ...ctx.config.payments, provider: 'flutterwave' as const } } };
    expect(() => createProvider(broken)).toThrow(/FLW_PUBLIC_KEY/);
  });
});
