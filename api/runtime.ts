import path from 'node:path';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase } from './db/client.ts';
import { loadOrCreateKeys } from './modules/auth/keys.ts';

/** Opens the database (migrating it) and loads the signing keys: everything buildApp needs. */
export async function createContext(config: Config): Promise<AppContext> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, pgliteDir: path.join(config.dataDir, 'pgdata') });
  await database.migrate();
  const keys = await loadOrCreateKeys(config.jwt.keysFile);
  return { config, database, db: database.db, keys };
}
