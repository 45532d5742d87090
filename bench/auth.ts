// Sign-in and the signed-in user's own record, next to the bare route.
import { freshDatabaseEnv, measure, report, startServer, tempDataDir, type Measurement } from './lib.ts';

export async function benchAuth(baseline: Measurement): Promise<void> {
  const env: Record<string, string> = {
    DATA_DIR: tempDataDir(),
    SEED_DEMO_DATA: 'false',
    JOBS_ENABLED: 'false',
    ML_TRAIN_ON_START: 'false',
    // The bench signs in thousands of times; lift the limits so it measures the work, not the limiter.
    LOGIN_MAX_PER_ACCOUNT: '100000000',
    LOGIN_MAX_PER_ADDRESS: '100000000',
    LOGIN_MAX_PER_ACCOUNT_ADDRESS: '100000000',
    REGISTER_MAX_PER_ADDRESS: '100000000',
  };
  Object.assign(env, await freshDatabaseEnv());
  const api = await startServer('api/main.ts', env, 3902);
  try {
    const credentials = { email: `bench-${Date.now()}@example.co.zw`, password: 'bench-password-2026' };
    const registered = await fetch(`${api.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials, name: 'Bench Trader', phone: '0772000000', location: { market: 'Mbare Musika' } }),
    });
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const rows = [
      await measure('API GET /health', { url: `${api.url}/health` }, api),
      await measure('API GET /api/auth/me', { url: `${api.url}/api/auth/me`, headers: { authorization: `Bearer ${accessToken}` } }, api),
      await measure('API POST /api/auth/login (argon2id)', {
        url: `${api.url}/api/auth/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(credentials),
      }, api),
    ];
    report(`Auth on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, baseline, rows);
  } finally {
    await api.stop();
  }
}
