// cs pay <group> and cs contributions: the trader's side of a group-buy from the terminal. Paying
// happens on the provider's checkout page (a browser); the CLI starts it, shows the link, opens it on
// a desktop, and waits for the outcome the provider reports to the API.
import { spawn } from 'node:child_process';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ConnectSphere, Contribution, Group, Payment } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { failureWith, money, relative, shortId, when } from '../format.ts';
import { animationsEnabled, failure, note, paint, printJson, println, renderTable, withSpinner, type Column } from '../output.ts';
import { resolveGroupId } from './groups.ts';

interface PayOptions {
  currency?: 'USD' | 'ZWG';
  method?: 'mobile_money' | 'card';
  open?: boolean;
  wait?: boolean;
  timeout: number;
}

/** "15m", "90s", "1h" to milliseconds. */
function waitFor(value: string): number {
  const m = /^(\d+)\s*([smh])$/i.exec(value.trim());
  const ms = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2]!.toLowerCase() as 's' | 'm' | 'h'] : NaN;
  if (!(ms > 0) || ms > 24 * 3_600_000) throw new InvalidArgumentError('must be a duration like 90s, 15m or 1h (at most 24h)');
  return ms;
}

/** Only a person at a desktop gets a browser: a terminal on stdout, and a display to show it on. */
export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env, platform = process.platform, tty = Boolean(process.stdout.isTTY)): boolean {
  if (!tty || env.CI) return false;
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  // Fire and forget: a missing opener only means the person clicks the printed link.
  const child = spawn(cmd as string, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

const pollMs = 1000;

async function waitForOutcome(client: ConnectSphere, payment: Payment, timeoutMs: number): Promise<Payment> {
  const until = Date.now() + timeoutMs;
  let current = payment;
  while (current.status === 'pending') {
    if (Date.now() > until) {
      throw failureWith('Still pending', `no outcome within the wait; run \`cs pay\` again to keep waiting or \`cs payments list\` to check`, {
        paymentId: payment.id,
        checkoutUrl: payment.checkoutUrl,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    current = await client.payments.get(payment.id);
  }
  return current;
}

export function registerPay(program: Command): void {
  program
    .command('pay')
    .description('Pay your share of a group on the checkout page, then wait for the outcome')
    .argument('<group>', 'the group you joined (id or the start of one)')
    .addOption(new Option('--currency <code>', 'pay in USD (default) or ZWG').choices(['USD', 'ZWG']))
    .addOption(new Option('--method <method>', 'mobile_money (default) or card').choices(['mobile_money', 'card']))
    .option('--no-open', 'do not open the checkout in a browser')
    .option('--no-wait', 'print the checkout link and stop')
    .option('--timeout <duration>', 'how long to wait for the outcome (default 15m)', waitFor, 15 * 60_000)
    .option('--json', 'print the payment as JSON once it has an outcome (the link goes to stderr)')
    .addHelpText(
      'after',
      `
The checkout link is printed and, on a desktop (a terminal and a display), opened in the browser.
The command then waits until the provider reports the payment successful or failed (exit 0 or 1).
Paying again for the same share reuses the pending payment.

Examples:
  $ cs groups join 1a2b3c4d --quantity 5
  $ cs pay 1a2b3c4d
  $ cs pay 1a2b3c4d --no-wait --json`,
    )
    .action((ref: string, opts: PayOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const { group, payment } = await withSpinner(
          'Starting payment',
          async () => {
            const group = await client.groups.get(await resolveGroupId(client, ref));
            const mine = payable(group);
            const body = { contributionId: mine.id, ...(opts.currency ? { currency: opts.currency } : {}), ...(opts.method ? { paymentMethod: opts.method } : {}) };
            return { group, payment: await client.payments.initialize(body) };
          },
          !ctx.json,
        );
        const p = paint();
        const out = ctx.json ? note : println;
        if (!ctx.json) {
          println(`${p.bold(group.title)}: ${paymentLines(payment)}`);
        }
        out(`Pay at: ${payment.checkoutUrl}`);
        if (opts.open !== false && payment.checkoutUrl && canOpenBrowser()) {
          openBrowser(payment.checkoutUrl);
          note(p.dim('Opened the checkout in your browser.'));
        }
        if (opts.wait === false) return ctx.json ? printJson(payment) : undefined;
        if (!animationsEnabled()) note('Waiting for the payment to complete on the checkout page…');
        const done = await withSpinner('Waiting for the payment (finish it on the checkout page; Ctrl+C stops waiting)', () => waitForOutcome(client, payment, opts.timeout), !ctx.json);
        if (done.status !== 'successful') {
          throw failureWith('Payment not completed', `the payment is ${done.status}${done.flaggedReason ? ` (${done.flaggedReason})` : ''}; run \`cs pay ${shortId(group.id)}\` to try again`, {
            paymentId: done.id,
            currentState: done.status,
          });
        }
        if (ctx.json) return printJson(done);
        println(`${p.green('✓')} Paid ${money(done.totalAmount, done.currency)} for ${group.title} (payment ${shortId(done.id)})`);
        note(p.dim('Your pickup pass comes when the goods are ready: cs passes list'));
      }),
    );

  program
    .command('contributions')
    .description('Your shares of group-buys, newest first: what you reserved, paid and where you collect')
    .option('--all', 'every page (default: the newest 20)')
    .option('--wide', 'full ids')
    .option('--json', 'print {items, nextCursor} as JSON')
    .action((opts: { all?: boolean; wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const { page, groups } = await withSpinner(
          'Loading your contributions',
          async () => {
            let page: { items: Contribution[]; nextCursor: string | null };
            if (opts.all) {
              const items: Contribution[] = [];
              for await (const c of client.contributions.iterate({ limit: 100 })) items.push(c);
              page = { items, nextCursor: null };
            } else page = await client.contributions.list({});
            // The table names each group; the contributions only carry its id.
            const ids = [...new Set(page.items.map((c) => c.groupId))];
            const groups = new Map((await Promise.all(ids.map((id) => client.groups.get(id)))).map((g) => [g.id, g]));
            return { page, groups };
          },
          !ctx.json,
        );
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('You have not joined a group yet: see `cs recs` or `cs groups list`, then `cs groups join <id> --quantity <n>`.');
        println(renderTable(page.items, contributionColumns(groups, Boolean(opts.wide))));
        if (page.nextCursor) note(paint(process.stderr).dim('Older contributions: add --all'));
        if (page.items.some((c) => c.status === 'pending_payment')) note(paint(process.stderr).dim('Pay a reserved share with: cs pay <group>'));
      }),
    );
}

/** The caller's share of the group that still needs paying; anything else says why not. */
function payable(group: Group) {
  const mine = group.myContribution;
  if (!mine) throw failure('Nothing to pay', `you have no share of ${group.title}; join it first: cs groups join ${shortId(group.id)} --quantity <n>`);
  if (mine.status === 'paid') throw failure('Already paid', `you paid for ${mine.quantity} of ${group.title}${mine.paidAt ? ` on ${when(mine.paidAt)}` : ''}`);
  if (mine.status !== 'pending_payment') {
    throw failure('Nothing to pay', `your share of ${group.title} is ${mine.status.replace(/_/g, ' ')}; join again to take part`);
  }
  return mine;
}

/** "Goods USD 20.00 + Platform fee USD 2.00 = USD 22.00". */
function paymentLines(payment: Payment): string {
  const amount = (minor: number) => money(minor, payment.currency);
  return `${payment.lines.map((l) => `${l.label} ${amount(l.amount)}`).join(' + ')} = ${paint().bold(amount(payment.totalAmount))}`;
}

function contributionColumns(groups: Map<string, Group>, wide: boolean): Column<Contribution>[] {
  const id = (v: string) => (wide ? v : shortId(v));
  return [
    { header: 'GROUP', value: (c) => id(c.groupId) },
    { header: 'TITLE', value: (c) => groups.get(c.groupId)?.title ?? '-', flex: true },
    { header: 'QTY', value: (c) => String(c.quantity) },
    { header: 'AMOUNT', value: (c) => money(c.amount, c.currency) },
    {
      header: 'STATUS',
      value: (c) => c.status,
      color: (c, p) => ({ paid: p.green, pending_payment: p.yellow, lapsed: p.dim, cancelled: p.dim, refunded: p.dim })[c.status],
    },
    {
      header: 'PAY BY / PAID',
      value: (c) =>
        c.status === 'paid' && c.paidAt ? when(c.paidAt) : c.status === 'pending_payment' && c.reservedUntil ? `pay ${relative(c.reservedUntil)}` : '-',
    },
    { header: 'GROUP STATUS', value: (c) => groups.get(c.groupId)?.status ?? '-' },
    {
      header: 'PICKUP',
      value: (c) => groups.get(c.groupId)?.pickupPoints.find((pt) => pt.id === c.pickupPointId)?.name ?? id(c.pickupPointId),
      flex: true,
    },
  ];
}
