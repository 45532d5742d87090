// cs groups watch as a subprocess against a live API: lines as traders join and pay, the end when
// the group is funded, and a refusal for someone who may not watch it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { liveServer } from '../helpers/app.ts';
import { market, openGroup, payInSandbox, type Market } from '../helpers/fixtures.ts';
import { registerUser } from '../helpers/users.ts';
import { joinAndPay, signedInEnv } from './market.ts';
import { startCli } from './run.ts';

let app: FastifyInstance;
let url: string;
let m: Market;

beforeAll(async () => {
  ({ app, url } = await liveServer());
  m = await market(app);
});
afterAll(() => app.close());

describe('cs groups watch', { timeout: 120_000 }, () => {
  it("streams a group's progress as traders join and pay, and ends when it is funded (--until funded)", async () => {
    const group = await openGroup(app, m, { moq: 5, maxPerTrader: 10 });
    const first = await registerUser(app, { name: 'Rudo Chikwanha' });
    await joinAndPay(app, first, group.id, 1);
    const watcher = startCli(['groups', 'watch', group.id.slice(0, 8), '--until', 'funded'], { env: signedInEnv(url, first) });
    await watcher.output(/1\/5 paid \(20%\)/);
    // Subscribed before anything else happens (the note goes to stderr).
    for (let i = 0; i < 100 && !watcher.stderr().includes('Watching'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(watcher.stderr()).toContain('Watching');

    const second = await registerUser(app, { name: 'Tendai Moyo' });
    await joinAndPay(app, second, group.id, 4, { pay: false });
    await watcher.output(/1\/5 paid \(20%\), 4 reserved/);
    const contribution = (await app.inject({ url: `/api/groups/${group.id}`, headers: { authorization: `Bearer ${second.accessToken}` } })).json().myContribution;
    await payInSandbox(app, second, contribution.id);
    const result = await watcher.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/open → funded/);
    expect(result.stdout).toMatch(/5\/5 paid \(100%\)/);
    expect(result.stderr).toContain('The group is funded.');
  });

  it('prints one JSON event per line with --json, and refuses a trader who has no share (exit 3)', async () => {
    const group = await openGroup(app, m, { moq: 20 });
    const outsider = await registerUser(app, { name: 'Farai Outsider' });
    const refused = startCli(['groups', 'watch', group.id], { env: signedInEnv(url, outsider) });
    const r = await refused.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Cannot watch this group');

    const trader = await registerUser(app, { name: 'Chipo Ncube' });
    await joinAndPay(app, trader, group.id, 2);
    const watcher = startCli(['groups', 'watch', group.id, '--json'], { env: signedInEnv(url, trader) });
    // --json prints no note: give the subscription a moment, then cause an event.
    await new Promise((res) => setTimeout(res, 1500));
    const other = await registerUser(app, { name: 'Nyasha Dube' });
    await joinAndPay(app, other, group.id, 3, { pay: false });
    const [line] = await watcher.output(/^\{.*"group\.progress".*\}$/m);
    const event = JSON.parse(line) as { type: string; groupId: string; data: { reservedQuantity: number; paidQuantity: number } };
    expect(event).toMatchObject({ type: 'group.progress', groupId: group.id, data: { reservedQuantity: 3, paidQuantity: 2 } });
    watcher.child.kill('SIGINT');
    expect((await watcher.done).code).toBe(0);
  });
});
