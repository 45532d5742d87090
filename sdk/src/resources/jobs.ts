import type { Transport } from '../client.ts';
import type { JobList, JobName, JobRun } from '../types.ts';

/** Scheduled maintenance jobs (admin). */
export class JobsResource {
  constructor(private readonly t: Transport) {}

  /** Every job with its interval and latest run, as `{ items }`. */
  list(): Promise<JobList> {
    return this.t.call('get', '/api/admin/jobs', {});
  }

  /** Runs a job now and waits for its outcome; ApiError 409 while it is already running. */
  run(name: JobName): Promise<JobRun> {
    return this.t.call('post', '/api/admin/jobs/{name}/run', { path: { name } });
  }
}
