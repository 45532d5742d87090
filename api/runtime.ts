import path from 'node:path';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase } from './db/client.ts';
import { loadOrCreateKeys } from './modules/auth/keys.ts';

/** The configured database: the server DATABASE_URL names (its pool sized by DATABASE_POOL_SIZE), or PGlite in the data folder. */
export function openConfiguredDatabase(config: Config) {
  return openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    pgliteDir: path.join(config.dataDir, 'pgdata'),
    readCache: config.readCache,
  });
}

/** Opens the database (migrating it) and loads the signing keys: everything buildApp needs. */
export async function createContext(config: Config): Promise<AppContext> {
  const database = await openConfiguredDatabase(config);
  await database.migrate();
  const keys = await loadOrCreateKeys(config.jwt.keysFile);
  return { config, database, db: database.db, keys };
}
