// cs alerts list|show|ack against a live server, with alerts raised by the job's own evaluation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { jobRuns } from '../../api/db/schema.ts';
import { evaluateAlerts } from '../../api/modules/alerts/evaluate.ts';
import { liveServer } from '../helpers/app.ts';
import { userWithRole } from '../helpers/users.ts';
import { cliFor, tempConfigDir } from './run.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(() => app.close());

describe('cs alerts', { timeout: 120_000 }, () => {
  it('lists the open alerts as a table, shows one and acknowledges it by id prefix; --json for scripts', async () => {
    const admin = await userWithRole(app, 'admin');
    const cs = cliFor(tempConfigDir(), url);
    expect((await cs(['login', '--email', admin.user.email, '--password-stdin'], { input: 'mbare-market-2026' })).code).toBe(0);
    const none = await cs(['alerts', 'list']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout + none.stderr).toContain('No alerts open');

    for (let i = 0; i < 3; i += 1) await app.ctx.db.insert(jobRuns).values({ name: 'send-payouts', trigger: 'schedule', outcome: 'failed', error: 'provider timeout', finishedAt: new Date() });
    await evaluateAlerts(app.ctx);
    const list = await cs(['alerts', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ID\s+SEVERITY\s+STATUS\s+SEEN\s+SUBJECT/);
    expect(list.stdout).toMatch(/critical\s+open\s+1×, .*Job send-payouts failed 3 times/);
    const [alert] = JSON.parse((await cs(['alerts', 'list', '--json'])).stdout).items;

    const show = await cs(['alerts', 'show', alert.id.slice(0, 8)]);
    expect(show.stdout).toMatch(/Rule\s+job_failures/);
    expect(show.stdout).toContain('provider timeout');
    const ack = await cs(['alerts', 'ack', alert.id.slice(0, 8)]);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain(`acknowledged ${alert.id.slice(0, 8)}`);
    expect((await cs(['alerts', 'list'])).stdout).toMatch(/critical\s+acknowledged/);
    expect(JSON.parse((await cs(['alerts', 'list', '--status', 'open', '--json'])).stdout).items).toEqual([]);
    expect((await cs(['alerts', 'list', '--status', 'gone'])).code).toBe(2);
  });
});
