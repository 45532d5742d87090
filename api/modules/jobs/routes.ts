import type { AppContext } from '../../context.ts';
import { conflict } from '../../errors.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { jobNames, jobs } from './registry.ts';
import { currentRun, lastRuns, runJob } from './run.ts';

// The admin jobs API (listJobs, runJob). Both are admin-only by the spec's x-roles; an unknown
// job name is refused by the spec's JobName enum (400) before a handler runs.
export function jobHandlers(ctx: AppContext) {
  return {
    listJobs: async () => {
      const last = await lastRuns(ctx);
      return {
        items: jobNames.map((name) => ({
          name,
          description: jobs[name].description,
          interval: jobs[name].interval,
          lastRun: last.get(name) ?? null,
        })),
      };
    },
    runJob: async (req) => {
      const { name } = req.params;
      const run = await runJob(ctx, name, 'manual', req.log);
      if (run.outcome === 'skipped') {
        // The problem carries the run under way, so the admin sees since when.
        const running = await currentRun(ctx, name);
        throw conflict(`${name} is already running; try again when it has finished`, { name, currentRun: running ?? null });
      }
      // A failed run is still the run asked for: 200 with outcome 'failed' and its error.
      return run;
    },
  } satisfies SomeHandlers;
}
