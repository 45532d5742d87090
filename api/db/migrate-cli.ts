// `npm run db:migrate`: apply pending migrations to the configured database and exit.
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { openDatabase } from './client.ts';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, pgliteDir: path.join(config.dataDir, 'pgdata') });
await database.migrate();
const status = await database.migrationStatus();
console.log(`migrated ${database.kind} at ${database.location}: ${status.applied} applied, ${status.pending} pending`);
await database.close();
