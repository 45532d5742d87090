// `npm start`: migrate, create the first admin, load demo data on a first start, serve the API.
import { sql } from 'drizzle-orm';
import pretty from 'pino-pretty';
import { buildApp, logOptions } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { users } from './db/schema.ts';
import { ensureFirstAdmin } from './modules/auth/service.ts';
import { startMl } from './modules/ml/startup.ts';
import { startScheduler } from './modules/jobs/scheduler.ts';
import { createContext } from './runtime.ts';
import { onShutdown } from './shutdown.ts';
import { demoAdminEmail, demoPassword, seedDemoData } from './seed/demo.ts';
import { runAnalyticsEtl } from './modules/analytics/etl.ts';

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

const ctx = await createContext(config);
// A person at a terminal reads lines (pino-pretty); anything else (a file, a log shipper) gets one JSON
// object per line. Synchronous so nothing is lost when shutdown exits the process.
const logStream = process.stdout.isTTY ? pretty({ colorize: !process.env.NO_COLOR, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true }) : undefined;
const app = await buildApp(ctx, logOptions(config.logLevel, logStream));
const log = app.log;
log.info({ database: ctx.database.kind, location: ctx.database.location }, 'database migrated');

const [{ n } = { n: 0 }] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(users);
// Whether demo data is wanted, and why, is decided with the configuration (config.ts decideDemoData).
const demo = config.demoData;
if (!demo.load) log.info({ demoData: false, reason: demo.reason }, `demo data not loaded (${demo.reason})`);
else if (n > 0) log.info({ demoData: false, reason: 'database not empty' }, `demo data not loaded (database not empty)`);
else {
  const summary = await seedDemoData(ctx.db);
  // The reports read what the ETL built: build it now rather than at the job's first tick.
  await runAnalyticsEtl(ctx);
  log.info({ demoData: true, reason: demo.reason, summary }, `demo data loaded (${demo.reason}); demo accounts use the password "${demoPassword}" (admin: ${demoAdminEmail})`);
}
const admin = await ensureFirstAdmin(ctx);
if (admin === 'created') log.info({ email: config.admin?.email }, 'first admin created from ADMIN_EMAIL');

// Loads the active recommendation model, or starts training one in a worker thread and returns:
// listening never waits for a training.
await startMl(ctx, log);
// Maintenance jobs (reservations, expiry and refunds, reconciliation, passes, notifications) run on
// Bree's schedule inside this process, which owns the database.
const scheduler = config.jobsEnabled ? await startScheduler(ctx, log) : undefined;
await app.listen({ port: config.port, host: config.host });

onShutdown(log, 'finishing requests in flight', 10_000, async () => {
  await app.close();
  if (!(await app.drained(8_000))) log.warn('some requests were still running at shutdown');
  await scheduler?.stop();
  await ctx.database.close();
});
