// cs payments …: a trader's own payments; for admins the whole ledger: browse, inspect (lines, refunds,
// why flagged) and refund.
import { Option, type Command } from 'commander';
import type { ConnectSphere, Payment, PaymentListQuery, PaymentStatus } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { checkConfirmable, confirmOrStop, idRef, matchPrefix, money, pageSize, shortId, when } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner, type Column, type Paint } from '../output.ts';
import { resolveGroupId } from './groups.ts';

const paymentStatuses: PaymentStatus[] = ['pending', 'successful', 'failed', 'abandoned', 'mismatch', 'refund_pending', 'refunded'];

interface ListOptions {
  status?: PaymentStatus;
  flagged?: boolean;
  group?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  wide?: boolean;
}

export function registerPayments(program: Command): void {
  const payments = program.command('payments').description('Your payments; admins: every payment, and refunds');

  payments
    .command('list')
    .description('List payments, newest first (your own; admins see all)')
    .addOption(new Option('--status <status>', 'only payments in this state').choices(paymentStatuses))
    .option('--flagged', 'only payments flagged for review (amount or currency mismatches)')
    .option('--group <id>', 'only payments for this group (id or the start of one)')
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--wide', 'full ids and the provider reference')
    .option('--json', 'print {items, nextCursor} as JSON')
    .addHelpText('after', '\nExamples:\n  $ cs payments list --flagged\n  $ cs payments list --group 1a2b3c4d --status successful --all --json')
    .action((opts: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const page = await withSpinner(
          'Loading payments',
          async () => {
            const query: PaymentListQuery = {
              status: opts.status,
              flagged: opts.flagged ? true : undefined,
              groupId: opts.group === undefined ? undefined : await resolveGroupId(client, opts.group),
              limit: opts.limit,
            };
            if (!opts.all) return client.payments.list({ ...query, cursor: opts.cursor });
            const items: Payment[] = [];
            for await (const payment of client.payments.iterate(query)) items.push(payment);
            return { items, nextCursor: null };
          },
          !ctx.json,
        );
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('No payments match.');
        println(renderTable(page.items, paymentColumns(page.items, Boolean(opts.wide))));
        if (page.nextCursor) note(paint(process.stderr).dim(`More payments: add --all, or --cursor ${page.nextCursor}`));
      }),
    );

  payments
    .command('show')
    .description('Show one payment: what the total is made of, its refunds, and why it is flagged')
    .argument('<id>', 'payment id (or the start of one)')
    .option('--json', 'print the payment as JSON')
    .action((ref: string, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const payment = await withSpinner('Loading payment', async () => client.payments.get(await resolvePaymentId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(payment);
        println(renderPayment(payment));
      }),
    );

  payments
    .command('refund')
    .description('Refund a successful payment in full (admins); the trader’s units leave the group')
    .argument('<id>', 'payment id (or the start of one)')
    .requiredOption('--reason <text>', 'why, for the record (3-500 characters)')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--json', 'print the refunded payment as JSON')
    .addHelpText('after', '\nExample:\n  $ cs payments refund 9c1d2e3f --reason "trader moved away" --yes')
    .action((ref: string, opts: { reason: string; yes?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const reason = opts.reason.trim();
        if (reason.length < 3 || reason.length > 500) throw usageError('--reason must be 3 to 500 characters');
        checkConfirmable(opts.yes, 'refund the payment');
        requireSession(ctx);
        const client = makeClient(ctx);
        const id = await withSpinner('Finding payment', () => resolvePaymentId(client, ref), !ctx.json);
        if (!opts.yes) {
          // Show what is about to be refunded (on stderr, so stdout stays the result).
          const payment = await withSpinner('Loading payment', () => client.payments.get(id), !ctx.json);
          process.stderr.write(`${renderPayment(payment, paint(process.stderr))}\n\n`);
          await confirmOrStop(`Refund ${money(payment.totalAmount, payment.currency)} to the trader?`, false, 'refund the payment');
        }
        const payment = await withSpinner('Refunding', () => client.payments.refund(id, { reason }), !ctx.json);
        if (ctx.json) return printJson(payment);
        const refund = payment.refunds.at(-1);
        const p = paint();
        const amount = money(refund?.amount ?? payment.totalAmount, refund?.currency ?? payment.currency);
        const state = payment.status === 'refunded' ? 'refunded' : `${payment.status.replace(/_/g, ' ')} (the provider is still processing it)`;
        println(`${p.green('✓')} Refund of ${amount} for payment ${payment.id}: ${state}`);
      }),
    );
}

/** Accepts a full id (one request) or a prefix, looked up in the payments list. */
export async function resolvePaymentId(client: ConnectSphere, ref: string): Promise<string> {
  const r = idRef(ref, 'payment');
  if ('id' in r) return r.id;
  return matchPrefix(r.prefix, 'payment', client.payments.iterate({ limit: 100 }));
}

const statusColor = (status: PaymentStatus, p: Paint) =>
  ({ successful: p.green, failed: p.red, mismatch: p.red, refund_pending: p.yellow, refunded: p.dim, abandoned: p.dim, pending: undefined })[status];

function paymentColumns(rows: Payment[], wide: boolean): Column<Payment>[] {
  const id = (v: string) => (wide ? v : shortId(v));
  const columns: Column<Payment>[] = [
    { header: 'ID', value: (x) => id(x.id) },
    { header: 'STATUS', value: (x) => x.status, color: (x, p) => statusColor(x.status, p) },
    { header: 'TOTAL', value: (x) => money(x.totalAmount, x.currency) },
    { header: 'GROUP', value: (x) => id(x.groupId) },
    { header: 'TRADER', value: (x) => id(x.traderId) },
    { header: 'PROVIDER', value: (x) => x.provider },
    { header: 'CREATED', value: (x) => when(x.createdAt) },
  ];
  if (wide) columns.push({ header: 'TX REF', value: (x) => x.txRef });
  // Only when something is flagged: an empty last column would just pad every line.
  if (rows.some((x) => x.flaggedReason)) columns.push({ header: 'FLAGGED', value: (x) => x.flaggedReason ?? '', color: (_x, p) => p.red, flex: true });
  return columns;
}

export function renderPayment(x: Payment, p: Paint = paint()): string {
  const amount = (minor: number) => money(minor, x.currency);
  const pairs: [string, string][] = [
    ['ID', x.id],
    ['Status', statusColor(x.status, p)?.(x.status) ?? x.status],
    ['Total', amount(x.totalAmount)],
    ['Provider', `${x.provider} · tx ref ${x.txRef}`],
    ['Group', x.groupId],
    ['Contribution', x.contributionId],
    ['Trader', x.traderId],
    ['Created', when(x.createdAt)],
    ['Verified', x.verifiedAt ? when(x.verifiedAt) : p.dim('not yet')],
    ['Flagged', x.flaggedReason ? p.red(x.flaggedReason) : p.dim('no')],
  ];
  const width = Math.max(...x.lines.map((l) => l.label.length), 'Total'.length);
  const figures = [...x.lines.map((l) => amount(l.amount)), amount(x.totalAmount)];
  const figureWidth = Math.max(...figures.map((f) => f.length));
  const row = (label: string, figure: string) => `  ${label.padEnd(width)}  ${figure.padStart(figureWidth)}`;
  const out = [renderPairs(pairs, p), '', p.bold('Lines')];
  for (const l of x.lines) out.push(row(l.label, amount(l.amount)));
  out.push(p.bold(row('Total', amount(x.totalAmount))));
  out.push('', p.bold(`Refunds (${x.refunds.length})`));
  if (x.refunds.length === 0) out.push(p.dim('  none'));
  else {
    out.push(
      renderTable(
        x.refunds,
        [
          { header: 'ID', value: (r) => r.id },
          { header: 'AMOUNT', value: (r) => money(r.amount, r.currency) },
          { header: 'STATUS', value: (r) => r.status, color: (r, pp) => (r.status === 'failed' ? pp.red : undefined) },
          { header: 'CREATED', value: (r) => when(r.createdAt) },
          { header: 'REASON', value: (r) => r.reason + (r.error ? ` (error: ${r.error})` : ''), flex: true },
        ],
        p,
      ),
    );
  }
  return out.join('\n');
}
