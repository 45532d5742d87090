import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { contributions, groupEvents, groups } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { market, openGroup, type Market } from '../helpers/fixtures.ts';
import { registerUser, type Session } from '../helpers/users.ts';
import { cliAs, fundedGroup, joinAndPay } from './market.ts';

// Each step spawns the CLI (about a second under tsx, more on a busy machine).
const slow = 120_000;

let app: FastifyInstance;
let url: string;
let m: Market;
let tendai: Session;
let asAdmin: ReturnType<typeof cliAs>;
let asTendai: ReturnType<typeof cliAs>;

beforeAll(async () => {
  ({ app, url } = await liveServer());
  m = await market(app);
  tendai = await registerUser(app, { name: 'Tendai Moyo' });
  asAdmin = cliAs(url, m.admin);
  asTendai = cliAs(url, tendai);
});
afterAll(async () => {
  await app.close();
});

const short = (id: string) => id.slice(0, 8);

describe('cs groups list and show', { timeout: slow }, () => {
  let small: { id: string };
  let big: { id: string };
  let funded: { id: string };

  beforeAll(async () => {
    small = await openGroup(app, m, { moq: 10, title: 'Cooking oil for Mbare' });
    big = await openGroup(app, m, { moq: 100, maxQuantity: 300, deadline: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    funded = (await fundedGroup(app, m)).group;
    await joinAndPay(app, tendai, small.id, 4);
  });

  it('lists open groups as a table with price, progress and time left, and as {items, nextCursor}', async () => {
    const table = await asTendai(['groups', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TITLE\s+STATUS\s+PRICE\s+PAID\/MOQ\s+TRADERS\s+CLOSES$/);
    expect(lines).toHaveLength(3); // the funded group is not open
    // Soonest deadline first; money from minor units; the MOQ tier price (400 for 10, 380 for 100).
    expect(lines[1]).toMatch(new RegExp(`^${short(small.id)}\\s+Cooking oil for Mbare\\s+open\\s+USD 4\\.00\\s+4/10 40%\\s+1\\s+in 2d 23h$`));
    expect(lines[2]).toMatch(new RegExp(`^${short(big.id)}\\s+Sunflower cooking oil \\(2 L bottle\\)\\s+open\\s+USD 3\\.80\\s+0/100 0%\\s+0\\s+in 6d 23h$`));

    const json = await asTendai(['groups', 'list', '--status', 'funded', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: funded.id, status: 'funded', paidQuantity: 10, moqProgress: 100 });

    // --all follows the cursor page by page (one group per page here), in the order asked for.
    const all = await asTendai(['groups', 'list', '--sort', 'price', '--limit', '1', '--all', '--json']);
    expect(JSON.parse(all.stdout).items.map((g: { id: string }) => g.id)).toEqual([big.id, small.id]);
  });

  it('shows one group by an id prefix, with its pickup points and your own share', async () => {
    const res = await asTendai(['groups', 'show', short(small.id)]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^ID\\s+${small.id}$`, 'm'));
    expect(res.stdout).toMatch(/^Price\s+USD 4\.00 per 2 L bottle$/m);
    expect(res.stdout).toMatch(/^Progress\s+█+░+ 4 of 10 paid \(40%\)$/m);
    expect(res.stdout).toMatch(/^Available\s+16 of 20 units$/m);
    expect(res.stdout).toMatch(/^Your share\s+4 × USD 4\.00 = USD 16\.00 · paid .* · collect at Glen View complex$/m);
    expect(res.stdout).toMatch(/^Pickup points \(2\)$/m);
    expect(res.stdout).toMatch(new RegExp(`^${m.pointIds[1]}\\s+Glen View complex\\s+Glen View\\s+Glen View, Harare\\s+Mon-Sat 07:00-17:00$`, 'm'));
    expect(res.stdout).toMatch(new RegExp(`^${m.pointIds[0]}\\s+Mbare Musika stall 14\\s+Mbare Musika`, 'm'));
  });
});

describe('cs groups create, advance and cancel as an admin', { timeout: slow }, () => {
  it('creates an open group from flags (deadline as a duration), and a draft it then publishes', async () => {
    const before = Date.now();
    const res = await asAdmin([
      'groups', 'create', '--product', m.productId, '--moq', '100', '--max', '300', '--max-per-trader', '20',
      '--deadline', '7d', '--pickup-point', m.pointIds[0]!, '--pickup-point', m.pointIds[1]!, '--title', 'Oil for Mbare and Glen View', '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const group = JSON.parse(res.stdout);
    expect(group).toMatchObject({ status: 'open', title: 'Oil for Mbare and Glen View', moq: 100, maxQuantity: 300, maxPerTrader: 20, unitPrice: 380 });
    expect(group.pickupPoints.map((p: { id: string }) => p.id).sort()).toEqual([...m.pointIds].sort());
    const deadline = new Date(group.deadline).getTime();
    expect(deadline).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 1000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);

    const draft = await asAdmin(['groups', 'create', '--product', m.productId, '--moq', '10', '--deadline', '2099-01-31', '--pickup-point', m.pointIds[0]!, '--draft']);
    expect(draft.code, draft.stderr).toBe(0);
    const id = /Created draft group ([0-9a-f-]{36})/.exec(draft.stdout)![1]!;
    expect(draft.stdout).toMatch(/Sunflower cooking oil \(2 L bottle\) · USD 4\.00 per 2 L bottle · MOQ 10 · closes in \d+d(?: \d+h)? \(2099-01-31 23:59 UTC\)/);
    expect(draft.stderr).toContain(`cs groups advance ${id}`);

    const publish = await asAdmin(['groups', 'advance', id]);
    expect(publish.code, publish.stderr).toBe(0);
    expect(publish.stdout.trim()).toBe(`✓ Sunflower cooking oil (2 L bottle) (${short(id)}): draft → open`);
  });

  it('advances a funded group state by state to completed, printing old → new', async () => {
    const { group } = await fundedGroup(app, m, { title: 'Oil round 2' });
    for (const [from, to] of [['funded', 'ordered'], ['ordered', 'shipped'], ['shipped', 'delivered'], ['delivered', 'ready_for_pickup']]) {
      const res = await asAdmin(['groups', 'advance', short(group.id)]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout.trim()).toBe(`✓ Oil round 2 (${short(group.id)}): ${from} → ${to}`);
    }
    const last = await asAdmin(['groups', 'advance', group.id, '--json']);
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ from: 'ready_for_pickup', to: 'completed', group: { id: group.id, status: 'completed' } });
    const [row] = await app.ctx.db.select().from(groups).where(eq(groups.id, group.id));
    expect(row!.status).toBe('completed');

    const done = await asAdmin(['groups', 'advance', group.id]);
    expect(done.code).toBe(1);
    expect(done.stderr.trim()).toBe('Error: Nothing to advance: Oil round 2 is completed, a final state');
  });

  it('will not advance an open group: it becomes funded by itself (exit 1)', async () => {
    const group = await openGroup(app, m, { title: 'Still collecting' });
    const res = await asAdmin(['groups', 'advance', group.id]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Still collecting is open: it becomes funded by itself once paid units reach the MOQ (0/10 paid so far)');
  });

  it('cancels a group with a reason: reservations released, payments refunded', async () => {
    const group = await openGroup(app, m, { title: 'Doomed oil' });
    const payer = await registerUser(app);
    const waiter = await registerUser(app);
    const paid = await joinAndPay(app, payer, group.id, 4);
    const pending = await joinAndPay(app, waiter, group.id, 2, { pay: false });

    const res = await asAdmin(['groups', 'cancel', short(group.id), '--reason', 'supplier out of stock']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(`✓ Cancelled Doomed oil (${group.id}); reservations released and payments refunded`);
    const [row] = await app.ctx.db.select().from(groups).where(eq(groups.id, group.id));
    expect(row).toMatchObject({ status: 'cancelled', paidQuantity: 0, reservedQuantity: 0 });
    const statuses = Object.fromEntries(
      (await app.ctx.db.select().from(contributions).where(eq(contributions.groupId, group.id))).map((c) => [c.id, c.status]),
    );
    expect(statuses).toEqual({ [paid.contribution.id]: 'refunded', [pending.contribution.id]: 'cancelled' });
    const events = await app.ctx.db.select().from(groupEvents).where(eq(groupEvents.groupId, group.id));
    expect(events.find((e) => e.toStatus === 'cancelled')).toMatchObject({ reason: 'supplier out of stock', actorId: m.admin.user.id });
  });
});

describe('cs groups as a trader', { timeout: slow }, () => {
  it('maps the API 403 on create to exit 3, and checks flags before any request (exit 2)', async () => {
    const args = ['groups', 'create', '--product', m.productId, '--moq', '10', '--deadline', '3d', '--pickup-point', m.pointIds[0]!];
    const res = await asTendai(args);
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^Error: Forbidden/);

    const bad = await asTendai([...args.slice(0, -4), '--deadline', 'next week', '--pickup-point', 'mbare']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("option '--deadline <when>' argument 'next week' is invalid");
  });
});
