import { and, desc, eq, lt, ne, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { jobRuns } from '../../db/schema.ts';
import { jobs, type JobName } from './registry.ts';

export type Trigger = 'schedule' | 'manual';
export type Outcome = 'running' | 'succeeded' | 'failed' | 'skipped';
type JobRunRow = typeof jobRuns.$inferSelect;

/** The one mapping from a job_runs row to the API's JobRun. */
export function jobRunView(r: JobRunRow) {
  return {
    id: r.id,
    name: r.name as JobName,
    trigger: r.trigger as Trigger,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
    outcome: r.outcome as Outcome,
    counts: r.counts,
    error: r.error,
  };
}

export type JobRunView = ReturnType<typeof jobRunView>;

/** Runs are kept this long, then pruned by the next run of the same job. */
const keepRunsDays = 30;

/**
 * Runs one job now and records it in job_runs: 'running' while it works, then 'succeeded' with its
 * counts or 'failed' with the error. The same job never runs twice at once, in this process or
 * any other on the same database: an advisory lock per job name is tried, never waited for, and a
 * run that cannot take it is recorded as 'skipped' and does nothing.
 */
export async function runJob(ctx: AppContext, name: JobName, trigger: Trigger, log?: FastifyBaseLogger): Promise<JobRunView> {
  const logger = (log ?? silentLogger).child({ job: name, trigger });
  const locked = await ctx.database.withAdvisoryLock(`connectsphere:job:${name}`, async () => {
    // Holding the lock, no other run of this job is alive: a row still 'running' belongs to a
    // process that stopped mid-run.
    await ctx.db
      .update(jobRuns)
      .set({ outcome: 'failed', finishedAt: new Date(), error: 'interrupted: the process running it stopped' })
      .where(and(eq(jobRuns.name, name), eq(jobRuns.outcome, 'running')));
    const [started] = await ctx.db.insert(jobRuns).values({ name, trigger, outcome: 'running' }).returning();
    const run = started!;
    let finished: JobRunRow | undefined;
    try {
      const counts = await jobs[name].run(ctx, logger);
      [finished] = await ctx.db
        .update(jobRuns)
        .set({ outcome: 'succeeded', finishedAt: new Date(), counts })
        .where(eq(jobRuns.id, run.id))
        .returning();
      // A run that found nothing to do is the usual case: logged at debug, recorded all the same.
      const level = Object.values(counts).some((n) => n !== 0) ? 'info' : 'debug';
      logger[level]({ counts, ms: Date.now() - run.startedAt.getTime() }, 'job succeeded');
    } catch (err) {
      logger.error({ err }, 'job failed');
      [finished] = await ctx.db
        .update(jobRuns)
        .set({ outcome: 'failed', finishedAt: new Date(), error: describe(err) })
        .where(eq(jobRuns.id, run.id))
        .returning();
    }
    // Housekeeping: its failure is logged, never turned into the run's failure.
    await ctx.db
      .delete(jobRuns)
      .where(and(eq(jobRuns.name, name), lt(jobRuns.startedAt, sql`now() - make_interval(days => ${keepRunsDays})`)))
      .catch((err: unknown) => logger.warn({ err }, 'could not prune old job runs'));
    return finished!;
  });
  if (locked.acquired) return jobRunView(locked.value);

  logger.debug('job skipped: already running');
  const now = new Date();
  const [skipped] = await ctx.db
    .insert(jobRuns)
    .values({ name, trigger, outcome: 'skipped', startedAt: now, finishedAt: now })
    .returning();
  return jobRunView(skipped!);
}

/** Each job's latest run that did something (skipped attempts are recorded but not shown here). */
export async function lastRuns(ctx: AppContext): Promise<Map<string, JobRunView>> {
  const rows = await ctx.db
    .selectDistinctOn([jobRuns.name])
    .from(jobRuns)
    .where(ne(jobRuns.outcome, 'skipped'))
    .orderBy(jobRuns.name, desc(jobRuns.startedAt));
  return new Map(rows.map((r) => [r.name, jobRunView(r)]));
}

/** The run of this job under way now, if any (in this process or another). */
export async function currentRun(ctx: AppContext, name: JobName): Promise<JobRunView | undefined> {
  const [row] = await ctx.db
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.name, name), eq(jobRuns.outcome, 'running')))
    .orderBy(desc(jobRuns.startedAt))
    .limit(1);
  return row ? jobRunView(row) : undefined;
}

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.slice(0, 2000);
}

const noop = () => {};
/** For callers without a logger (tests, scripts): a logger that writes nothing. */
export const silentLogger: FastifyBaseLogger = {
  level: 'silent',
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  silent: noop,
  child: () => silentLogger,
} as unknown as FastifyBaseLogger;
