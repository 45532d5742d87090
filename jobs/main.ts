// `npm run jobs`: the scheduled jobs in a process of their own, beside one or more API processes on
// the same PostgreSQL server (DATABASE_URL). Every job takes an advisory lock per name, so this
// runner and API processes that also schedule jobs (JOBS_ENABLED=true) never run the same job twice
// at once; set JOBS_ENABLED=false on the API processes to leave the jobs to this one.
//
// Not for PGlite: its files can be opened by one process only, the API's. With PGlite the API runs
// the jobs itself (JOBS_ENABLED=true, the default), so this runner refuses to start.
import Fastify from 'fastify';
import { ConfigError, loadConfig, type Config } from '../api/config.ts';
import { startScheduler } from '../api/modules/jobs/scheduler.ts';
import { createContext } from '../api/runtime.ts';
import { onShutdown } from '../api/shutdown.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

if (!config.databaseUrl) {
  console.error(
    [
      'npm run jobs needs DATABASE_URL (a PostgreSQL server).',
      'Without it the database is PGlite, whose files only one process may open: the API.',
      'With PGlite, `npm start` runs the jobs itself (JOBS_ENABLED=true, the default).',
    ].join('\n'),
  );
  process.exit(1);
}

// Fastify's logger (pino) with the configured level, so these lines look like the API's.
const log = Fastify({ logger: { level: config.logLevel } }).log.child({ process: 'jobs' });

const ctx = await createContext(config);
log.info({ database: ctx.database.kind, location: ctx.database.location }, 'database migrated');
const scheduler = await startScheduler(ctx, log);

// Runs still going are waited for; if they outlast the limit their rows are marked interrupted by
// the next run.
onShutdown(log, 'waiting for runs in flight', 60_000, async () => {
  await scheduler.stop();
  await ctx.database.close();
});
