// cs jobs …: the scheduled maintenance jobs (admins): when each last ran and what it did, and running one now.
import { Argument, type Command } from 'commander';
import { ApiError, type Job, type JobName, type JobRun } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { failureWith, relative, span } from '../format.ts';
import { note, paint, printJson, println, renderTable, withSpinner, type Paint } from '../output.ts';

const jobNames: JobName[] = ['release-reservations', 'expire-groups', 'reconcile-payments', 'settle-refunds', 'prune-idempotency-keys', 'expire-passes', 'deliver-notifications', 'retrain-model', 'backup-database', 'invoice-reminders', 'prune-domain-events', 'send-payouts', 'reconcile-payouts'];

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('Scheduled maintenance jobs (admins): last runs, and running one now');

  jobs
    .command('list')
    .description('List the jobs with how often they run and their last run')
    .option('--wide', 'add what each job does')
    .option('--json', 'print {items} as JSON')
    .action((opts: { wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const list = await withSpinner('Loading jobs', () => client.jobs.list(), !ctx.json);
        if (ctx.json) return printJson(list);
        if (list.items.length === 0) return note('No jobs.');
        println(
          renderTable(list.items, [
            { header: 'NAME', value: (j) => j.name },
            { header: 'EVERY', value: (j) => j.interval },
            { header: 'LAST RUN', value: (j) => j.lastRun?.outcome ?? 'never', color: (j, p) => (j.lastRun ? outcomeColor(j.lastRun, p) : p.dim) },
            { header: 'WHEN', value: (j) => (j.lastRun ? `${relative(j.lastRun.startedAt)} (${j.lastRun.trigger})` : '-') },
            { header: 'TOOK', value: (j) => (j.lastRun ? took(j.lastRun) : '-') },
            { header: 'COUNTS', value: (j) => (j.lastRun ? countsText(j.lastRun) || '-' : '-'), flex: !opts.wide },
            ...(opts.wide ? [{ header: 'DESCRIPTION', value: (j: Job) => j.description, flex: true }] : []),
          ]),
        );
      }),
    );

  jobs
    .command('run')
    .description('Run a job now and wait for it (admins)')
    .addArgument(new Argument('<name>', 'the job').choices(jobNames))
    .option('--json', 'print the run as JSON')
    .addHelpText('after', '\nExit code 1 when the run fails or the job is already running.\n\nExample:\n  $ cs jobs run reconcile-payments')
    .action((name: JobName, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        let result: JobRun;
        try {
          result = await withSpinner(`Running ${name}`, () => client.jobs.run(name), !ctx.json);
        } catch (err) {
          throw alreadyRunning(err, name) ?? err;
        }
        if (result.outcome === 'failed') process.exitCode = 1;
        if (ctx.json) return printJson(result);
        const p = paint();
        const counts = countsText(result);
        if (result.outcome === 'failed') {
          process.stderr.write(`${paint(process.stderr).red('✗')} ${name} failed after ${took(result)}: ${result.error ?? 'no error message'}\n`);
          if (counts) println(`Counts: ${counts}`);
          return;
        }
        println(`${p.green('✓')} ${name} ${result.outcome} in ${took(result)}${counts ? ` · ${counts}` : ''}`);
      }),
    );
}

/** The API's 409 carries the run under way; say since when it has been running. */
function alreadyRunning(err: unknown, name: string) {
  if (!(err instanceof ApiError) || err.status !== 409) return undefined;
  const current = (err.problem as { currentRun?: JobRun | null }).currentRun;
  const since = current?.startedAt ? ` (started ${relative(current.startedAt)}, ${current.trigger})` : '';
  return failureWith('Already running', `${name} is already running${since}; try again when it has finished`, {
    status: 409,
    currentRun: current ?? null,
    ...(err.requestId ? { requestId: err.requestId } : {}),
  });
}

const outcomeColor = (r: JobRun, p: Paint) => ({ succeeded: p.green, failed: p.red, running: p.cyan, skipped: p.dim })[r.outcome];

function countsText(r: JobRun): string {
  return Object.entries(r.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function took(r: JobRun): string {
  if (!r.finishedAt) return 'running';
  const ms = new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime();
  return ms < 1000 ? `${Math.max(0, ms)} ms` : span(ms / 1000);
}
