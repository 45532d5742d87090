import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { jobs } from '../../api/modules/jobs/registry.ts';
import { loadSpec } from '../../api/openapi/spec.ts';
import { liveServer } from '../helpers/app.ts';
import { bearer, userWithRole, type Session } from '../helpers/users.ts';
import { cliAs } from './market.ts';

// Each step spawns the CLI (about a second under tsx, more on a busy machine).
const slow = 120_000;

// Guard kept from before the jobs operations were in openapi.yaml: without them these tests skip.
const wired = loadSpec().operations.some((op) => op.operationId === 'listJobs');

/** A promise to wait on and a function to settle it, for holding a job mid-run. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe.runIf(wired)('cs jobs as an admin (needs the jobs operations in openapi.yaml)', { timeout: slow }, () => {
  let app: FastifyInstance;
  let url: string;
  let admin: Session;
  let cs: ReturnType<typeof cliAs>;

  beforeAll(async () => {
    ({ app, url } = await liveServer({ NOTIFY_TRANSPORT: 'log' }));
    admin = await userWithRole(app, 'admin');
    cs = cliAs(url, admin);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await app.close();
  });

  const runNow = (name: string) => app.inject({ method: 'POST', url: `/api/admin/jobs/${name}/run`, headers: bearer(admin.accessToken) });

  it('lists every job with its interval and last run: outcome, when, how long, counts', async () => {
    expect((await runNow('expire-passes')).statusCode).toBe(200);

    const table = await cs(['jobs', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+EVERY\s+LAST RUN\s+WHEN\s+TOOK\s+COUNTS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(Object.keys(jobs));
    expect(lines.find((l) => l.startsWith('expire-passes'))).toMatch(/^expire-passes\s+15m\s+succeeded\s+(just now|\d+s ago) \(manual\)\s+\d+ ms\s+expired 0$/);
    expect(lines.find((l) => l.startsWith('expire-groups'))).toMatch(/^expire-groups\s+5m\s+never\s+-\s+-\s+-$/);

    const json = await cs(['jobs', 'list', '--json']);
    const items = JSON.parse(json.stdout).items;
    expect(items).toHaveLength(Object.keys(jobs).length);
    expect(items.find((j: { name: string }) => j.name === 'expire-passes')).toMatchObject({ interval: '15m', lastRun: { outcome: 'succeeded', counts: { expired: 0 } } });
  });

  it('runs a job and prints its outcome and counts; --json prints the run', async () => {
    const res = await cs(['jobs', 'run', 'expire-passes']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toMatch(/^✓ expire-passes succeeded in \d+ ms · expired 0$/);

    const json = await cs(['jobs', 'run', 'release-reservations', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'release-reservations', trigger: 'manual', outcome: 'succeeded', error: null });
  });

  it('exits 1 when the job is already running (409) or its run fails', async () => {
    const hold = gate();
    const entered = gate();
    vi.spyOn(jobs['expire-passes'], 'run').mockImplementationOnce(async () => {
      entered.open();
      await hold.opened;
      return { expired: 0 };
    });
    const first = runNow('expire-passes');
    await entered.opened;
    const busy = await cs(['jobs', 'run', 'expire-passes']);
    hold.open();
    await first;
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/^Error: Already running: expire-passes is already running \(started (just now|\d+s ago), manual\); try again when it has finished/);

    vi.spyOn(jobs['expire-groups'], 'run').mockRejectedValueOnce(new Error('provider unreachable'));
    const failed = await cs(['jobs', 'run', 'expire-groups']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^✗ expire-groups failed after \d+ ms: provider unreachable$/m);
  });
});
