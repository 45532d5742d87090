// The trader's journey from the terminal, every step a real `cs` process: register (with
// preferences), own recommendations with reasons, join, pay on the sandbox checkout (the test
// presses its Pay button over HTTP while `cs pay` waits), contributions, own payments, and the pass.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { seedDemoData } from '../../api/seed/demo.ts';
import { liveServer } from '../helpers/app.ts';
import { market, openGroup, type Market } from '../helpers/fixtures.ts';
import { bearer, type Session } from '../helpers/users.ts';
import { demoAdmin, train, waitForRun } from '../ml-api/helpers.ts';
import { advanceTo, joinAndPay } from './market.ts';
import { envFor, readConfig, runCli, startCli, tempConfigDir } from './run.ts';

const slow = 180_000;

let app: FastifyInstance;
let url: string;
let m: Market;
let group: { id: string };
const dir = tempConfigDir();
const cs = (args: string[], input?: string) => runCli(args, envFor(dir, url, { input }));
const email = 'rudo.chikwanha@example.co.zw';

beforeAll(async () => {
  ({ app, url } = await liveServer({ ML_TRAIN_ON_START: 'false' }));
  await seedDemoData(app.ctx.db, { traders: 60 });
  const admin = await demoAdmin(app);
  const { run } = await waitForRun(app, admin, (await train(app, admin)).id, 120_000);
  expect(run.status, run.error ?? '').toBe('succeeded');
  m = await market(app);
  // MOQ 10, so Rudo's 4 and a neighbour's 6 fund it.
  group = await openGroup(app, m, { title: 'Oil for Glen View' });
});
afterAll(async () => {
  await app.close();
});

describe('a trader from the terminal', { timeout: slow }, () => {
  it('registers and is signed in; preferences need all three of their flags', async () => {
    const res = await cs(
      ['register', '--email', email, '--name', 'Rudo Chikwanha', '--phone', '0772123456', '--market', 'Glen View', '--password-stdin',
        '--category', 'cooking-oil', '--category', 'sugar', '--budget', '20-150', '--frequency', 'weekly'],
      'glen-view-2026\n',
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`✓ Registered ${email} on ${url} and signed in · profile default`);
    expect(readConfig(dir).profiles.default).toMatchObject({ email, apiUrl: url });
    const me = await cs(['whoami', '--json']);
    expect(JSON.parse(me.stdout)).toMatchObject({ email, role: 'trader', location: { market: 'Glen View' } });

    const half = await cs(['register', '--email', 'x@example.co.zw', '--name', 'X Y', '--phone', '0772000000', '--market', 'CBD', '--password-stdin', '--category', 'rice'], 'abcdefgh12');
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--category (one or more), --budget and --frequency together');
  });

  it('sees its own recommendations with reasons', async () => {
    const res = await cs(['recs', '--limit', '5']);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RANK\s+GROUP\s+ID\s+SCORE\s+TOP REASONS$/);
    expect(lines.length).toBeGreaterThan(1);
    expect(res.stderr).toMatch(/^you · \d+ groups? · model \S+/m);
    const json = JSON.parse((await cs(['recs', '--limit', '3', '--json'])).stdout);
    expect(json.items.length).toBeGreaterThan(0);
    for (const item of json.items) expect(item.explanation.reasons.length).toBeGreaterThan(0);
    // Every listed reason of the first one is on its table row (the two first).
    expect(lines[1]).toContain(json.items[0].explanation.reasons[0]);
  });

  it('joins, pays while `cs pay` waits, and lists its contributions and payments', async () => {
    const join = await cs(['groups', 'join', group.id.slice(0, 8), '--quantity', '4', '--pickup-point', 'glen view']);
    expect(join.code, join.stderr).toBe(0);
    expect(join.stdout).toContain('✓ Reserved 4 × 2 L bottle of Oil for Glen View: USD 16.00 before the platform fee');
    expect(join.stdout).toContain('collect at Glen View complex, Glen View');
    expect(join.stderr).toContain(`cs pay ${group.id.slice(0, 8)}`);

    const wrongPoint = await cs(['groups', 'join', group.id, '--quantity', '1', '--pickup-point', 'Budiriro']);
    expect(wrongPoint.code).toBe(1);
    expect(wrongPoint.stderr).toContain('has no pickup point "Budiriro"');

    const pending = await cs(['contributions']);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/^GROUP\s+TITLE\s+QTY\s+AMOUNT\s+STATUS\s+PAY BY \/ PAID\s+GROUP STATUS\s+PICKUP$/m);
    expect(pending.stdout).toMatch(new RegExp(`^${group.id.slice(0, 8)}\\s+Oil for Glen View\\s+4\\s+USD 16\\.00\\s+pending_payment\\s+pay in \\S+`, 'm'));

    // No terminal here: the link is printed, never opened, and the wait is announced on stderr.
    const pay = startCli(['pay', group.id.slice(0, 8)], envFor(dir, url, { env: { DISPLAY: ':0' } }));
    const [, checkout] = await pay.output(/^Pay at: (\S+)$/m);
    const summary = await pay.output(/^Oil for Glen View: .*$/m);
    expect(summary[0]).toBe('Oil for Glen View: Goods USD 16.00 + Platform fee USD 1.60 = USD 17.60');
    // The checkout page says what is paid for, then its Pay button is pressed as a browser would.
    const page = await fetch(checkout!);
    const html = await page.text();
    for (const text of ['Oil for Glen View', 'USD 16.00', 'USD 1.60', 'USD 17.60']) expect(html).toContain(text);
    const submit = await fetch(checkout!, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' });
    expect(submit.status).toBe(303);
    const paid = await pay.done;
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.stderr).toContain('Waiting for the payment to complete on the checkout page');
    expect(paid.stderr).not.toContain('Opened the checkout');
    expect(paid.stdout).toMatch(/^✓ Paid USD 17\.60 for Oil for Glen View \(payment [0-9a-f]{8}\)$/m);

    const again = await cs(['pay', group.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Already paid');

    const mine = await cs(['payments', 'list', '--json']);
    expect(mine.code, mine.stderr).toBe(0);
    const items = JSON.parse(mine.stdout).items as { status: string; totalAmount: number; traderId: string }[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: 'successful', totalAmount: 1760 });
    const paidRow = await cs(['contributions']);
    expect(paidRow.stdout).toMatch(new RegExp(`^${group.id.slice(0, 8)}\\s+Oil for Glen View\\s+4\\s+USD 16\\.00\\s+paid\\s+\\d{4}-`, 'm'));
  });

  it('`cs pay --no-wait --json` gives the pending payment and its link, and stops', async () => {
    const other = await openGroup(app, m, { title: 'Second oil group' });
    expect((await cs(['groups', 'join', other.id, '--quantity', '2'])).code).toBe(0);
    const res = await cs(['pay', other.id, '--no-wait', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const payment = JSON.parse(res.stdout);
    expect(payment).toMatchObject({ status: 'pending', totalAmount: 880 });
    expect(res.stderr).toContain(`Pay at: ${payment.checkoutUrl}`);
  });

  it('shows its pickup pass once the goods are ready', async () => {
    const config = readConfig(dir).profiles.default!;
    const rudo = { accessToken: config.accessToken!, refreshToken: config.refreshToken! } as Session;
    const neighbour = (await app.inject({ method: 'POST', url: '/api/auth/register', payload: {
      email: 'farai@example.co.zw', name: 'Farai Dube', password: 'mbare-2026-oil', phone: '0772999999', location: { market: 'Mbare Musika' },
    } })).json() as Session;
    await joinAndPay(app, neighbour, group.id, 6);
    await advanceTo(app, m, group.id, ['ordered', 'shipped', 'delivered', 'ready_for_pickup']);
    const passes = (await app.inject({ url: '/api/qr/passes', headers: bearer(rudo.accessToken) })).json().items as { id: string }[];
    expect(passes).toHaveLength(1);

    const list = await cs(['passes', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${passes[0]!.id}\\s+4 × Sunflower cooking oil \\(2 L bottle\\)\\s+Glen View complex\\s+active`, 'm'));
    const show = await cs(['passes', 'show', passes[0]!.id.slice(0, 8)]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^Collect\s+4 × Sunflower cooking oil \(2 L bottle\)$/m);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
