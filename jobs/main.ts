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

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'stopping: waiting for runs in flight');
  const force = setTimeout(() => {
    log.error('runs still going after 60 s; exiting (their rows will be marked interrupted by the next run)');
    process.exit(1);
  }, 60_000);
  force.unref();
  await scheduler.stop();
  await ctx.database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
