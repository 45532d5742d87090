import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { payments } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { market, openGroup, type Market } from '../helpers/fixtures.ts';
import { registerUser, type Session } from '../helpers/users.ts';
import { cliAs, fundedGroup, joinAndPay } from './market.ts';

// Each step spawns the CLI (about a second under tsx, more on a busy machine).
const slow = 120_000;

let app: FastifyInstance;
let url: string;
let m: Market;
let asAdmin: ReturnType<typeof cliAs>;
let funded: Awaited<ReturnType<typeof fundedGroup>>;
let other: { group: { id: string }; payer: Session; payment: { id: string } };

const short = (id: string) => id.slice(0, 8);
const flag = 'Paid USD 40.00, expected USD 44.00';

beforeAll(async () => {
  ({ app, url } = await liveServer());
  m = await market(app);
  asAdmin = cliAs(url, m.admin);
  funded = await fundedGroup(app, m);
  const group = await openGroup(app, m);
  const payer = await registerUser(app);
  const { payment } = await joinAndPay(app, payer, group.id, 3);
  other = { group, payer, payment: payment! };
  await app.ctx.db.update(payments).set({ flaggedReason: flag }).where(eq(payments.id, other.payment.id));
});
afterAll(async () => {
  await app.close();
});

describe('cs payments as an admin', { timeout: slow }, () => {
  it('lists payments newest first as a table (flags shown) and filters by group and by flag', async () => {
    const table = await asAdmin(['payments', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+TOTAL\s+GROUP\s+TRADER\s+PROVIDER\s+CREATED\s+FLAGGED$/);
    expect(lines).toHaveLength(3);
    // 3 × USD 4.00 plus the 10% platform fee; 10 × USD 4.00 plus fee.
    expect(lines[1]).toMatch(
      new RegExp(`^${short(other.payment.id)}\\s+successful\\s+USD 13\\.20\\s+${short(other.group.id)}\\s+${short(other.payer.user.id)}\\s+sandbox\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+${flag}$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^${short(funded.payment.id)}\\s+successful\\s+USD 44\\.00\\s+${short(funded.group.id)}\\s+${short(funded.buyer.user.id)}\\s+sandbox\\s+\\S+ \\S+ UTC$`));

    const byGroup = await asAdmin(['payments', 'list', '--group', short(funded.group.id), '--status', 'successful', '--json']);
    expect(byGroup.code, byGroup.stderr).toBe(0);
    expect(JSON.parse(byGroup.stdout)).toMatchObject({ items: [{ id: funded.payment.id, totalAmount: 4400, flaggedReason: null }], nextCursor: null });

    const flagged = await asAdmin(['payments', 'list', '--flagged', '--json']);
    expect(JSON.parse(flagged.stdout).items.map((p: { id: string }) => p.id)).toEqual([other.payment.id]);
  });

  it('shows a payment with its lines, refunds and why it is flagged', async () => {
    const res = await asAdmin(['payments', 'show', short(other.payment.id)]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^ID\\s+${other.payment.id}$`, 'm'));
    expect(res.stdout).toMatch(/^Status\s+successful$/m);
    expect(res.stdout).toMatch(/^Provider\s+sandbox · tx ref \S+$/m);
    expect(res.stdout).toMatch(new RegExp(`^Flagged\\s+${flag}$`, 'm'));
    expect(res.stdout).toContain(['Lines', '  Goods         USD 12.00', '  Platform fee   USD 1.20', '  Total         USD 13.20'].join('\n'));
    expect(res.stdout).toContain('Refunds (0)\n  none');
  });

  it('refunds only with --yes when nobody can confirm, then shows the refund', async () => {
    const refused = await asAdmin(['payments', 'refund', funded.payment.id, '--reason', 'trader moved to Bulawayo']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes to refund the payment');
    expect((await app.ctx.db.select().from(payments).where(eq(payments.id, funded.payment.id)))[0]!.status).toBe('successful');

    const res = await asAdmin(['payments', 'refund', short(funded.payment.id), '--reason', 'trader moved to Bulawayo', '--yes']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(`✓ Refund of USD 44.00 for payment ${funded.payment.id}: refunded`);

    const show = await asAdmin(['payments', 'show', funded.payment.id, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({
      status: 'refunded',
      refunds: [{ amount: 4400, currency: 'USD', status: 'succeeded', reason: 'trader moved to Bulawayo' }],
    });

    const again = await asAdmin(['payments', 'refund', funded.payment.id, '--reason', 'twice', '--yes', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ status: 409 });
  });
});
