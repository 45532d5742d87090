// cs supplier invoices …, cs supplier payouts, cs supplier analytics (a supplier's own, with a
// session or CS_API_KEY of scope invoices:read), and cs payouts list (admins).
import fs from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ConnectSphere, Invoice, Payout } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { money, pageSize, when } from '../format.ts';
import { note, printJson, println, renderPairs, renderTable, usageError, withSpinner } from '../output.ts';
import { fetchPage, moreHint } from '../pages.ts';

const invoiceStatuses = ['issued', 'paid', 'overdue'] as const;
const payoutStatuses = ['pending', 'sending', 'processing', 'paid', 'failed'] as const;

const isoDate = (value: string) => {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('must be a date, e.g. 2026-11-01 or 2026-11-01T00:00:00Z');
  return d.toISOString();
};

const listOptions = (c: Command) =>
  c
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--wide', 'full ids')
    .option('--json', 'print {items, nextCursor} as JSON');

interface ListOptions {
  status?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  wide?: boolean;
}

const invoiceColumns = (wide: boolean) => [
  { header: 'INVOICE', value: (i: Invoice) => i.number },
  { header: 'STATUS', value: (i: Invoice) => i.status },
  { header: 'ORDER', value: (i: Invoice) => i.orderNumber },
  { header: 'TOTAL', value: (i: Invoice) => money(i.total, i.currency) },
  { header: 'PAYABLE', value: (i: Invoice) => money(i.payableAmount, i.currency) },
  { header: 'ISSUED', value: (i: Invoice) => when(i.issuedAt) },
  { header: 'DUE', value: (i: Invoice) => when(i.dueAt) },
  { header: 'ID', value: (i: Invoice) => (wide ? i.id : i.id.slice(0, 8)) },
];

const payoutColumns = (wide: boolean) => [
  { header: 'REFERENCE', value: (p: Payout) => p.reference },
  { header: 'STATUS', value: (p: Payout) => (p.flaggedReason ? `${p.status} (flagged)` : p.status) },
  { header: 'ORDER', value: (p: Payout) => p.orderNumber },
  { header: 'AMOUNT', value: (p: Payout) => money(p.amount, p.currency) },
  { header: 'TO', value: (p: Payout) => accountText(p.account), flex: true },
  { header: 'CREATED', value: (p: Payout) => when(p.createdAt) },
  { header: 'PAID', value: (p: Payout) => (p.paidAt ? when(p.paidAt) : '-') },
  { header: 'ID', value: (p: Payout) => (wide ? p.id : p.id.slice(0, 8)) },
];

function accountText(a: Payout['account']): string {
  const r = a as Record<string, string | undefined>;
  return [r.bankName ?? r.provider ?? r.method, r.accountNumber ?? r.number].filter(Boolean).join(' ');
}

/** An invoice reference: its id, its number (INV-MGT-000001), or the start of its id. */
async function resolveInvoiceId(client: ConnectSphere, ref: string): Promise<string> {
  if (/^[0-9a-f-]{36}$/i.test(ref)) return ref;
  const hits: Invoice[] = [];
  for await (const i of client.supplier.invoices.iterate({ limit: 100 })) {
    if (i.number.toLowerCase() === ref.toLowerCase()) return i.id;
    if (i.id.startsWith(ref.toLowerCase())) hits.push(i);
  }
  if (hits.length === 1) return hits[0]!.id;
  if (hits.length > 1) throw usageError(`${ref} is the start of ${hits.length} invoice ids; give more of it or the invoice number`);
  throw usageError(`no invoice of yours is ${ref} (an id, its start, or a number like INV-MGT-000001)`);
}

function printInvoice(i: Invoice) {
  const m = (n: number) => money(n, i.currency);
  println(
    renderPairs([
      ['Invoice', `${i.number} (${i.id})`],
      ['Status', i.status],
      ['Order', i.orderNumber],
      ['Issuer', `${i.issuer.name}, BP ${i.issuer.taxNumber ?? '-'}`],
      ...i.lines.map((l, n) => [n === 0 ? 'Lines' : '', `${l.quantity} × ${l.description} at ${m(l.unitPrice)} = ${m(l.amount)}`] as [string, string]),
      ['Subtotal', m(i.subtotal)],
      [`VAT ${i.vatRate}%`, m(i.vatAmount)],
      ['Total', m(i.total)],
      [`Commission ${i.commissionRate}%`, m(i.commissionAmount)],
      ['Paid out', m(i.payableAmount)],
      ['Issued', when(i.issuedAt)],
      ['Due', when(i.dueAt)],
      ['Paid', i.paidAt ? when(i.paidAt) : '-'],
    ]),
  );
}

export function registerSupplierMoney(supplier: Command): void {
  const invoices = supplier.command('invoices').description("Your organisation's invoices: list, show, download the PDF");

  listOptions(invoices.command('list').description('Your invoices, newest first').addOption(new Option('--status <status>', 'only this status').choices(invoiceStatuses))).action(
    (opts: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const query = { status: opts.status as Invoice['status'] | undefined, limit: opts.limit };
        const page = await fetchPage(
          'Loading invoices',
          opts,
          { page: (cursor) => client.supplier.invoices.list({ ...query, cursor }), every: () => client.supplier.invoices.iterate(query) },
          !ctx.json,
        );
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('No invoices match.');
        println(renderTable(page.items, invoiceColumns(Boolean(opts.wide))));
        moreHint(page, 'invoices');
      }),
  );

  invoices
    .command('show')
    .description('One invoice: lines, VAT, total, commission and what is paid out')
    .argument('<invoice>', 'invoice id, its start, or its number (INV-MGT-000001)')
    .option('--json', 'print the invoice as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const invoice = await withSpinner('Loading invoice', async () => client.supplier.invoices.get(await resolveInvoiceId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(invoice);
        printInvoice(invoice);
      }),
    );

  invoices
    .command('download')
    .description('Save an invoice as PDF (default file: <number>.pdf)')
    .argument('<invoice>', 'invoice id, its start, or its number (INV-MGT-000001)')
    .option('--out <file>', 'where to write it; - for standard output')
    .action((ref: string, opts: { out?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const id = await resolveInvoiceId(client, ref);
        const [invoice, pdf] = await withSpinner('Rendering the PDF', () => Promise.all([client.supplier.invoices.get(id), client.supplier.invoices.pdf(id)]), opts.out !== '-');
        if (opts.out === '-') return void process.stdout.write(pdf);
        const file = opts.out ?? `${invoice.number}.pdf`;
        fs.writeFileSync(file, pdf);
        if (ctx.json) return printJson({ invoice: invoice.number, file, bytes: pdf.length });
        note(`Wrote ${file} (${invoice.number}, ${(pdf.length / 1024).toFixed(1)} kB)`);
      }),
    );

  listOptions(
    supplier
      .command('payouts')
      .description("Your organisation's payouts (order total less commission), newest first")
      .addOption(new Option('--status <status>', 'only this status').choices(payoutStatuses)),
  ).action((opts: ListOptions, cmd: Command) =>
    run(cmd, async (ctx) => {
      requireSession(ctx);
      const client = makeClient(ctx);
      const query = { status: opts.status as Payout['status'] | undefined, limit: opts.limit };
      const page = await fetchPage(
        'Loading payouts',
        opts,
        { page: (cursor) => client.supplier.payouts.list({ ...query, cursor }), every: () => client.supplier.payouts.iterate(query) },
        !ctx.json,
      );
      if (ctx.json) return printJson(page);
      if (page.items.length === 0) return note('No payouts yet: one is made for each order after its quality check.');
      println(renderTable(page.items, payoutColumns(Boolean(opts.wide))));
      moreHint(page, 'payouts');
    }),
  );

  supplier
    .command('analytics')
    .description('Revenue, orders, fulfilment time, on-time rate, rating and repeat buyers (default: the last 30 days)')
    .option('--from <date>', 'from this date (inclusive)', isoDate)
    .option('--to <date>', 'to this date (exclusive)', isoDate)
    .option('--json', 'print the figures as JSON')
    .action((opts: { from?: string; to?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const a = await withSpinner('Computing', () => client.supplier.analytics({ from: opts.from, to: opts.to }), !ctx.json);
        if (ctx.json) return printJson(a);
        const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(0)}%`);
        println(
          renderPairs([
            ['Period', `${when(a.from)} to ${when(a.to)}`],
            ['Revenue', a.revenue.length ? a.revenue.map((r) => money(r.amount, r.currency)).join(', ') : '-'],
            ['Orders', `${a.orders} (${a.units} units), ${a.deliveredOrders} delivered`],
            ['Fulfilment', a.averageFulfilmentHours === null ? '-' : `${a.averageFulfilmentHours.toFixed(1)} h from acceptance to delivery on average`],
            ['On time', pct(a.onTimeRate)],
            ['Rating', a.rating.count ? `${a.rating.average?.toFixed(2)} of 5 (${a.rating.count} ratings)` : 'no ratings yet'],
            ['Buyers', `${a.buyers}, of whom ${a.repeatBuyers} bought again`],
          ]),
        );
      }),
    );
}

/** cs payouts list (admins): every organisation's payouts, flagged ones first to check. */
export function registerAdminPayouts(program: Command): void {
  const payouts = program.command('payouts').description("Admins: every organisation's payouts");
  listOptions(
    payouts
      .command('list')
      .description('Payouts, newest first')
      .addOption(new Option('--status <status>', 'only this status').choices(payoutStatuses))
      .option('--flagged', 'only those a webhook or the provider contradicted, or whose sender stopped mid-send'),
  ).action((opts: ListOptions & { flagged?: boolean }, cmd: Command) =>
    run(cmd, async (ctx) => {
      requireSession(ctx);
      const client = makeClient(ctx);
      const query = { status: opts.status as Payout['status'] | undefined, flagged: opts.flagged, limit: opts.limit };
      const page = await fetchPage(
        'Loading payouts',
        opts,
        { page: (cursor) => client.admin.payouts.list({ ...query, cursor }), every: () => client.admin.payouts.iterate(query) },
        !ctx.json,
      );
      if (ctx.json) return printJson(page);
      if (page.items.length === 0) return note('No payouts match.');
      println(renderTable(page.items, payoutColumns(Boolean(opts.wide))));
      moreHint(page, 'payouts');
    }),
  );
}
