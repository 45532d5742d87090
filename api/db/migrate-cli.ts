// `npm run db:migrate`: apply pending migrations to the configured database and exit.
import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from '../runtime.ts';

const database = await openConfiguredDatabase(loadConfig());
await database.migrate();
const status = await database.migrationStatus();
console.log(`migrated ${database.kind} at ${database.location}: ${status.applied} applied, ${status.pending} pending`);
await database.close();
