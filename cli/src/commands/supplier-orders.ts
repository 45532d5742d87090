// cs supplier orders …, cs supplier quotes … (a supplier's own), and cs orders … (admins).
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { OrderStatus, QualityCheck, SupplierOrder } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { money, pageSize, when } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, withSpinner } from '../output.ts';
import { fetchPage } from '../pages.ts';

const statuses: OrderStatus[] = ['pending', 'accepted', 'rejected', 'preparing', 'shipped', 'delivered', 'checked', 'cancelled'];

const int = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a whole number`);
  return n;
};
const isoDate = (value: string) => {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('must be a date, e.g. 2026-12-05 or 2026-12-05T10:00:00Z');
  return d.toISOString();
};

function orderColumns(wide: boolean, withSupplier: boolean) {
  return [
    { header: 'ORDER', value: (o: SupplierOrder) => o.number },
    { header: 'STATUS', value: (o: SupplierOrder) => o.status },
    { header: 'GROUP', value: (o: SupplierOrder) => o.group.title, flex: true },
    ...(withSupplier ? [{ header: 'SUPPLIER', value: (o: SupplierOrder) => o.supplier.name }] : []),
    { header: 'QTY', value: (o: SupplierOrder) => `${o.quantity} ${o.product.unit}` },
    { header: 'SUBTOTAL', value: (o: SupplierOrder) => money(o.subtotal, o.currency) },
    { header: 'TRACKING', value: (o: SupplierOrder) => (o.trackingNumber ? `${o.carrier} ${o.trackingNumber}` : '-') },
    { header: 'CREATED', value: (o: SupplierOrder) => when(o.createdAt) },
    { header: 'ID', value: (o: SupplierOrder) => (wide ? o.id : o.id.slice(0, 8)) },
  ];
}

function printOrder(o: SupplierOrder) {
  println(
    renderPairs([
      ['Order', `${o.number} (${o.id})`],
      ['Status', `${o.status}${o.allowedTransitions.length ? ` → ${o.allowedTransitions.join(', ')}` : ''}`],
      ['Group', `${o.group.title} (${o.group.status}, ${o.group.id})`],
      ['Supplier', o.supplier.name],
      ['Product', `${o.product.name} (${o.product.unit})`],
      ['Quantity', String(o.quantity)],
      ['Unit price', money(o.unitPrice, o.currency)],
      ['Subtotal', money(o.subtotal, o.currency)],
      ...(o.refundedAmount ? ([['Refunded', money(o.refundedAmount, o.currency)]] as [string, string][]) : []),
      ...(o.reason ? ([['Reason', o.reason]] as [string, string][]) : []),
      ...(o.trackingNumber ? ([['Shipped', `${o.carrier} ${o.trackingNumber}, ETA ${o.eta ? when(o.eta) : '-'}`]] as [string, string][]) : []),
      ...(o.qualityNote ? ([['Quality', o.qualityNote]] as [string, string][]) : []),
      ['Created', when(o.createdAt)],
    ]),
  );
}

interface ListOptions {
  status?: OrderStatus;
  group?: string;
  supplier?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  wide?: boolean;
}

/** An order reference: its id, or its number (PO-1001) looked up in the list. */
async function resolveOrderId(list: (q: { cursor?: string }) => Promise<{ items: SupplierOrder[]; nextCursor: string | null }>, ref: string): Promise<string> {
  if (/^[0-9a-f-]{36}$/i.test(ref)) return ref;
  const number = ref.toUpperCase().startsWith('PO-') ? ref.toUpperCase() : `PO-${ref}`;
  let cursor: string | undefined;
  do {
    const page = await list({ cursor });
    const hit = page.items.find((o) => o.number === number);
    if (hit) return hit.id;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ref;
}

export function registerSupplierOrders(supplier: Command) {
  const orders = supplier.command('orders').description("Your organisation's purchase orders: accept, reject, ship, deliver");

  orders
    .command('list')
    .description('Your orders, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(statuses))
    .option('--group <id>', 'only this group')
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--wide', 'full ids')
    .option('--json', 'print {items, nextCursor} as JSON')
    .action((opts: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const query = { status: opts.status, groupId: opts.group, limit: opts.limit };
        const page = await fetchPage('Loading orders', opts, { page: (cursor) => client.supplier.orders.list({ ...query, cursor }), every: () => client.supplier.orders.iterate(query) }, !ctx.json);
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('No orders match.');
        println(renderTable(page.items, orderColumns(Boolean(opts.wide), false)));
        if (page.nextCursor) note(paint(process.stderr).dim(`More orders: add --all, or --cursor ${page.nextCursor}`));
      }),
    );

  const act = (name: string, description: string, configure: (c: Command) => Command, call: (client: ReturnType<typeof makeClient>, id: string, opts: Record<string, string>) => Promise<SupplierOrder>) =>
    configure(orders.command(name).description(description).argument('<order>', 'order id or number (PO-1001)').option('--json', 'print the order as JSON')).action(
      (ref: string, opts: Record<string, string>, cmd: Command) =>
        run(cmd, async (ctx) => {
          requireSession(ctx);
          const client = makeClient(ctx);
          const id = await resolveOrderId((q) => client.supplier.orders.list({ ...q, limit: 100 }), ref);
          const order = await withSpinner(`${name[0]!.toUpperCase()}${name.slice(1)}`, () => call(client, id, opts), !ctx.json);
          if (ctx.json) return printJson(order);
          printOrder(order);
        }),
    );

  act('show', 'One of your orders', (c) => c, (client, id) => client.supplier.orders.get(id));
  act('accept', 'Accept a pending order (the group becomes ordered)', (c) => c, (client, id) => client.supplier.orders.accept(id));
  act('reject', 'Reject a pending order with a reason (admins are told)', (c) => c.requiredOption('--reason <text>', 'why (told to the admins)'), (client, id, o) =>
    client.supplier.orders.reject(id, o.reason!),
  );
  act('prepare', 'Mark an accepted order as being prepared', (c) => c, (client, id) => client.supplier.orders.prepare(id));
  act(
    'ship',
    'Ship an order with its carrier, tracking number and ETA (the traders are told)',
    (c) => c.requiredOption('--carrier <name>', 'who carries it').requiredOption('--tracking <number>', 'tracking number').requiredOption('--eta <date>', 'expected at the pickup point', isoDate),
    (client, id, o) => client.supplier.orders.ship(id, { carrier: o.carrier!, trackingNumber: o.tracking!, eta: o.eta! }),
  );
  act('deliver', 'Mark a shipped order delivered at the pickup point', (c) => c, (client, id) => client.supplier.orders.deliver(id));

  const quotes = supplier.command('quotes').description('Requests for quotes sent to your organisation, and your quotes');
  quotes
    .command('list')
    .description('Requests for quotes, newest first, with your quote')
    .addOption(new Option('--status <status>', 'only this status').choices(['open', 'awarded', 'cancelled']))
    .option('--json', 'print {items} as JSON')
    .action((opts: { status?: 'open' | 'awarded' | 'cancelled' }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const list = await withSpinner('Loading requests', () => makeClient(ctx).supplier.quotes.list({ status: opts.status }), !ctx.json);
        if (ctx.json) return printJson(list);
        if (list.items.length === 0) return note('No requests for quotes.');
        println(
          renderTable(list.items, [
            { header: 'REQUEST', value: (r) => r.id },
            { header: 'STATUS', value: (r) => r.status },
            { header: 'GROUP', value: (r) => r.group.title, flex: true },
            { header: 'QTY', value: (r) => `${r.quantity} ${r.product.unit}` },
            { header: 'LEAD TIME', value: (r) => (r.requiredLeadTimeDays === null ? 'any' : `≤ ${r.requiredLeadTimeDays} d`) },
            { header: 'DEADLINE', value: (r) => when(r.deadline) },
            { header: 'YOUR QUOTE', value: (r) => (r.myQuote ? `${money(r.myQuote.unitPrice, r.myQuote.currency)}, ${r.myQuote.leadTimeDays} d (${r.myQuote.status})` : '-') },
          ]),
        );
      }),
    );
  quotes
    .command('submit')
    .description('Quote on a request (quoting again replaces your quote)')
    .argument('<request>', 'request id')
    .requiredOption('--unit-price <minor>', 'unit price in minor units (cents)', int('--unit-price'))
    .requiredOption('--lead-time <days>', 'days from acceptance to delivery', int('--lead-time'))
    .requiredOption('--valid-until <date>', 'the quote holds until then', isoDate)
    .option('--note <text>', 'anything the admin should know')
    .option('--json', 'print the quote as JSON')
    .action((requestId: string, opts: { unitPrice: number; leadTime: number; validUntil: string; note?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const quote = await withSpinner(
          'Submitting quote',
          () => makeClient(ctx).supplier.quotes.submit({ requestId, unitPrice: opts.unitPrice, leadTimeDays: opts.leadTime, validUntil: opts.validUntil, note: opts.note }),
          !ctx.json,
        );
        if (ctx.json) return printJson(quote);
        println(renderPairs([['Quote', quote.id], ['Unit price', money(quote.unitPrice, quote.currency)], ['Lead time', `${quote.leadTimeDays} days`], ['Valid until', when(quote.validUntil)], ['Status', quote.status]]));
      }),
    );
}

/** cs orders … for admins: every order, the quality check, re-routing and requests for quotes. */
export function registerOrders(program: Command) {
  const orders = program.command('orders').description('Purchase orders (admins): list, show, quality check, re-route, quotes');
  orders
    .command('list')
    .description('Every order, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(statuses))
    .option('--group <id>', 'only this group')
    .option('--supplier <id>', 'only this organisation')
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .option('--wide', 'full ids')
    .option('--json', 'print {items, nextCursor} as JSON')
    .action((opts: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const page = await withSpinner(
          'Loading orders',
          () => makeClient(ctx).admin.orders.list({ status: opts.status, groupId: opts.group, supplierId: opts.supplier, limit: opts.limit, cursor: opts.cursor }),
          !ctx.json,
        );
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('No orders match.');
        println(renderTable(page.items, orderColumns(Boolean(opts.wide), true)));
        if (page.nextCursor) note(paint(process.stderr).dim(`More orders: --cursor ${page.nextCursor}`));
      }),
    );
  orders
    .command('show')
    .argument('<order>', 'order id or number (PO-1001)')
    .description('One order')
    .option('--json', 'print the order as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const id = await resolveOrderId((q) => client.admin.orders.list({ ...q, limit: 100 }), ref);
        const order = await withSpinner('Loading order', () => client.admin.orders.get(id), !ctx.json);
        if (ctx.json) return printJson(order);
        printOrder(order);
      }),
    );
  orders
    .command('qc')
    .argument('<order>', 'order id or number (PO-1001)')
    .description('Quality check of a delivered order: the group becomes ready for pickup (passes issued)')
    .addOption(new Option('--accept', 'it is fine').conflicts('issue'))
    .option('--issue <note>', 'record what was wrong')
    .option('--refund <contribution=amount...>', 'with --issue: refund part of a contribution\'s payment, in minor units (repeat)')
    .option('--json', 'print the order as JSON')
    .action((ref: string, opts: { accept?: boolean; issue?: string; refund?: string[] }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        if (!opts.accept && !opts.issue) throw new InvalidArgumentError('give --accept or --issue "<what was wrong>"');
        const refunds = (opts.refund ?? []).map((r) => {
          const [contributionId, amount] = r.split('=');
          if (!contributionId || !amount || !/^\d+$/.test(amount)) throw new InvalidArgumentError(`--refund ${r}: use <contributionId>=<minor units>`);
          return { contributionId, amount: Number(amount) };
        });
        const check: QualityCheck = opts.issue ? { outcome: 'issue', note: opts.issue, ...(refunds.length ? { refunds } : {}) } : { outcome: 'accept' };
        const client = makeClient(ctx);
        const id = await resolveOrderId((q) => client.admin.orders.list({ ...q, limit: 100 }), ref);
        const order = await withSpinner('Recording the quality check', () => client.admin.orders.qualityCheck(id, check), !ctx.json);
        if (ctx.json) return printJson(order);
        printOrder(order);
      }),
    );
  orders
    .command('route')
    .argument('<group>', 'a funded group id')
    .requiredOption('--supplier <id>', 'the organisation to send the order to')
    .description("Send a funded group's order to an organisation (after a rejection)")
    .option('--json', 'print the order as JSON')
    .action((group: string, opts: { supplier: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const order = await withSpinner('Routing the order', () => makeClient(ctx).admin.orders.route(group, opts.supplier), !ctx.json);
        if (ctx.json) return printJson(order);
        printOrder(order);
      }),
    );
  orders
    .command('request-quotes')
    .argument('<group>', 'a funded group id')
    .requiredOption('--deadline <date>', 'quotes are taken until then', isoDate)
    .option('--lead-time <days>', 'the longest acceptable lead time', int('--lead-time'))
    .description('Open a funded group for quotes instead of the direct order')
    .option('--json', 'print the request as JSON')
    .action((group: string, opts: { deadline: string; leadTime?: number }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const request = await withSpinner('Asking for quotes', () => makeClient(ctx).admin.quotes.request(group, { deadline: opts.deadline, requiredLeadTimeDays: opts.leadTime }), !ctx.json);
        if (ctx.json) return printJson(request);
        println(renderPairs([['Request', request.id], ['Group', request.group.title], ['Quantity', String(request.quantity)], ['Deadline', when(request.deadline)]]));
      }),
    );
  orders
    .command('quotes')
    .argument('<group>', 'group id')
    .description("The group's latest request for quotes, cheapest first")
    .option('--accept <quote>', 'accept this quote')
    .option('--best', 'accept the cheapest valid quote meeting the lead time')
    .option('--json', 'print as JSON')
    .action((group: string, opts: { accept?: string; best?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        if (opts.accept || opts.best) {
          const order = await withSpinner('Accepting', () => (opts.accept ? client.admin.quotes.accept(opts.accept) : client.admin.quotes.acceptBest(group)), !ctx.json);
          if (ctx.json) return printJson(order);
          return printOrder(order);
        }
        const request = await withSpinner('Loading quotes', () => client.admin.quotes.list(group), !ctx.json);
        if (ctx.json) return printJson(request);
        if (request.quotes.length === 0) return note(`No quotes yet (request ${request.status}, deadline ${when(request.deadline)}).`);
        println(
          renderTable(request.quotes, [
            { header: 'QUOTE', value: (q) => q.id },
            { header: 'SUPPLIER', value: (q) => q.supplier.name, flex: true },
            { header: 'UNIT PRICE', value: (q) => money(q.unitPrice, q.currency) },
            { header: 'LEAD TIME', value: (q) => `${q.leadTimeDays} d` },
            { header: 'VALID UNTIL', value: (q) => when(q.validUntil) },
            { header: 'STATUS', value: (q) => q.status },
          ]),
        );
      }),
    );
}
