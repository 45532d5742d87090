import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { loadConfig } from '../../api/config.ts';
import type { AppContext } from '../../api/context.ts';
import { loadOrCreateKeys } from '../../api/modules/auth/keys.ts';
import { resetDatabase, testDatabase } from './db.ts';

export const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-test-'));

/** A context on this worker's database with test settings; `env` overrides any variable. */
export async function testContext(env: Record<string, string> = {}): Promise<AppContext> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SEED_DEMO_DATA: 'false',
    // Test files register many users from one address; the limit has its own test.
    REGISTER_MAX_PER_ADDRESS: '100000',
    // Tests share two cores with PGlite's work on the main thread: no shedding unless a test asks.
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const database = await testDatabase();
  const keys = await loadOrCreateKeys(config.jwt.keysFile);
  return { config, database, db: database.db, keys };
}

/** A fresh app on an emptied database. */
export async function freshApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const ctx = await testContext(env);
  await resetDatabase(ctx.database);
  const app = await buildApp(ctx, false);
  await app.ready();
  return app;
}

/**
 * The same, listening on a loopback port for the SDK and the CLI. The port is chosen first so
 * PUBLIC_URL is right: checkout and return URLs then point at this server, and a test can follow
 * them as a browser would.
 */
export async function liveServer(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await freshApp({ PUBLIC_URL: url, ...env });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, url };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
