import type { Config } from './config.ts';
import type { Database, Db } from './db/client.ts';
import type { SigningKeys } from './modules/auth/keys.ts';

/** What every module's handlers and services are built from. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  keys: SigningKeys;
}
