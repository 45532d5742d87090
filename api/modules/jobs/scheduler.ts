import { fileURLToPath } from 'node:url';
import Bree from 'bree';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { isJobName, jobNames, jobs, type JobName } from './registry.ts';
import { runJob, type Outcome } from './run.ts';

/**
 * How Bree and the work meet. Bree keeps the timetable and starts a worker thread (jobs/worker.js)
 * on each tick. The work cannot run in that thread: it needs the database, and PGlite lives inside
 * this process and cannot be opened by another thread or process. So the worker only posts
 * { type: 'run', name } and waits; the handler below (on the main thread, which owns the AppContext)
 * runs the job through runJob, which records it and takes the job's advisory lock, then answers
 * { type: 'finished', outcome }, and the worker exits. A worker is alive exactly as long as its
 * run, so Bree will not start a job again in this process while it is still running, and stop()
 * waits for runs in flight.
 *
 * Nothing runs at start-up: each job first runs one interval after start. The intervals are short
 * (at most 15 minutes) and every job catches up on everything overdue when it runs, so nothing is
 * lost by waiting, while start-up (migrations, seeding, several instances booting at once) is not
 * crowded with every job at the same moment. An admin who cannot wait uses POST
 * /api/admin/jobs/{name}/run.
 */

export interface SchedulerOptions {
  /** Only these jobs (all of them by default). */
  only?: readonly JobName[];
  /** Intervals in place of the registry's, in Bree's notation or milliseconds (tests use '1s'). */
  intervals?: Partial<Record<JobName, string | number>>;
}

export interface Scheduler {
  /** The jobs whose worker is alive now, i.e. running or about to. */
  running(): string[];
  /** Stops the timers and waits for runs in flight to finish; no worker is left behind. */
  stop(): Promise<void>;
}

interface RunRequest {
  type: 'run';
}
export interface RunFinished {
  type: 'finished';
  outcome: Outcome;
}

const workerPath = fileURLToPath(new URL('../../../jobs/worker.js', import.meta.url));

const isRunRequest = (m: unknown): m is RunRequest =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'run';

export async function startScheduler(ctx: AppContext, log: FastifyBaseLogger, options: SchedulerOptions = {}): Promise<Scheduler> {
  const jobsLog = log.child({ module: 'jobs' });
  const inFlight = new Set<Promise<void>>();
  const text = (m: unknown) => (m instanceof Error ? m.message : String(m));
  // JOB_INTERVALS from the config, then the caller's overrides, then the registry's intervals.
  const configured = ctx.config.jobIntervals ?? {};
  const unknown = Object.keys(configured).filter((name) => !isJobName(name));
  if (unknown.length) throw new Error(`JOB_INTERVALS names no such job: ${unknown.join(', ')} (jobs: ${jobNames.join(', ')})`);
  const intervals: Partial<Record<JobName, string | number>> = { ...configured, ...options.intervals };
  const schedule = (options.only ?? jobNames).map((name) => ({ name, interval: intervals[name] ?? jobs[name].interval }));

  const bree: Bree = new Bree({
    root: false,
    // Bree says "online" and "exited with code 0" on every tick: debug, not info.
    logger: {
      info: (m: unknown) => jobsLog.debug(text(m)),
      warn: (m: unknown) => jobsLog.warn(text(m)),
      error: (m: unknown) => jobsLog.error(text(m)),
    },
    // The worker is plain JavaScript and needs none of this process's flags (such as tsx's loader).
    worker: { execArgv: [] },
    jobs: schedule.map(({ name, interval }) => ({ name, path: workerPath, interval })),
    workerMessageHandler: ({ name, message }) => {
      if (!isRunRequest(message) || !isJobName(name)) return;
      // The worker that asked; it waits for this answer.
      const worker = bree.workers.get(name);
      const work = runJob(ctx, name, 'schedule', jobsLog)
        .then(
          (run) => run.outcome,
          (err: unknown) => {
            jobsLog.error({ err, job: name }, 'could not run a scheduled job');
            return 'failed' as const;
          },
        )
        .then((outcome) => {
          const answer: RunFinished = { type: 'finished', outcome };
          worker?.postMessage(answer);
        })
        .catch((err: unknown) => jobsLog.error({ err, job: name }, 'could not answer a job worker'));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    errorHandler: (err, data) => jobsLog.error({ err, job: data.name }, 'job worker failed'),
  });

  await bree.start();
  jobsLog.info({ jobs: schedule.map((j) => `${j.name} every ${j.interval}`) }, 'job scheduler started');

  let stopping: Promise<void> | undefined;
  return {
    running: () => [...bree.workers.keys()],
    stop() {
      stopping ??= (async () => {
        await bree.stop();
        await Promise.allSettled([...inFlight]);
        jobsLog.info('job scheduler stopped');
      })();
      return stopping;
    },
  };
}
