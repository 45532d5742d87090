// cs groups …: browse group-buys, and (admins) create, cancel and move them through their lifecycle.
// Who may do what is the API's call; a refusal comes back as 403 (exit 3) or 409 (exit 1).
import { Option, type Command } from 'commander';
import type { Category, ConnectSphere, Group, GroupCreate, GroupListQuery, GroupStatus, JoinRequest } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { resolvePickupPointId, resolveProductId } from './catalog.ts';
import { registerGroupWatch } from './group-watch.ts';
import {
  collect,
  deadline,
  idRef,
  matchPrefix,
  money,
  pageSize,
  positiveInt,
  relative,
  shortId,
  span,
  uuidOption,
  when,
} from '../format.ts';
import { failure, note, paint, printJson, println, renderPairs, renderTable, withSpinner, type Column, type Paint } from '../output.ts';
import { fetchPage } from '../pages.ts';

export const groupStatuses: GroupStatus[] = [
  'draft',
  'open',
  'funded',
  'ordered',
  'shipped',
  'delivered',
  'ready_for_pickup',
  'completed',
  'expired',
  'cancelled',
];
export const categories: Category[] = [
  'mealie-meal',
  'cooking-oil',
  'sugar',
  'rice',
  'soap',
  'clothing-bales',
  'hardware',
  'phone-accessories',
  'cosmetics',
  'beverages',
];
const sorts = ['deadline', 'progress', 'price', 'newest', 'recommended'] as const;

/** What `advance` moves a group to when no --to is given: publishing a draft, then the delivery chain. */
const nextState: Partial<Record<GroupStatus, GroupStatus>> = {
  draft: 'open',
  funded: 'ordered',
  ordered: 'shipped',
  shipped: 'delivered',
  delivered: 'ready_for_pickup',
  ready_for_pickup: 'completed',
};

interface ListOptions {
  status?: GroupStatus;
  category?: Category;
  market?: string;
  sort?: (typeof sorts)[number];
  limit?: number;
  cursor?: string;
  all?: boolean;
  wide?: boolean;
}

interface CreateOptions {
  product: string;
  moq: number;
  deadline: string;
  pickupPoint: string[];
  max?: number;
  minPerTrader?: number;
  maxPerTrader?: number;
  title?: string;
  description?: string;
  draft?: boolean;
}

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('Browse and join group-buys; admins create, cancel and advance them');

  groups
    .command('list')
    .description('List group-buys (open ones unless --status says otherwise)')
    .addOption(new Option('--status <status>', 'only groups in this state (default open)').choices(groupStatuses))
    .addOption(new Option('--category <category>', 'only this product category').choices(categories))
    .option('--market <market>', 'only groups with a pickup point in this market')
    .addOption(new Option('--sort <order>', 'deadline (soonest first), progress, price, newest, or recommended (best for you first)').choices(sorts))
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--wide', 'full ids and more columns')
    .option('--json', 'print {items, nextCursor} as JSON')
    .addHelpText(
      'after',
      `
IDs are shortened to 8 characters; every command takes such a prefix (or the full id, shown with --wide).

Examples:
  $ cs groups list --category cooking-oil --market "Mbare Musika" --sort progress
  $ cs groups list --status funded --all --json`,
    )
    .action((opts: ListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const query: GroupListQuery = { status: opts.status, category: opts.category, market: opts.market, sort: opts.sort, limit: opts.limit };
        const page = await fetchPage('Loading groups', opts, { page: (cursor) => client.groups.list({ ...query, cursor }), every: () => client.groups.iterate(query) }, !ctx.json);
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note(`No ${opts.status ?? 'open'} groups match.`);
        println(renderTable(page.items, groupColumns(Boolean(opts.wide))));
        if (page.nextCursor) note(paint(process.stderr).dim(`More groups: add --all, or --cursor ${page.nextCursor}`));
      }),
    );

  groups
    .command('show')
    .description('Show one group: price, progress, pickup points and your own contribution')
    .argument('<id>', 'group id (or the start of one)')
    .option('--json', 'print the group as JSON')
    .action((ref: string, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const group = await withSpinner('Loading group', async () => client.groups.get(await resolveGroupId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(group);
        println(renderGroup(group));
      }),
    );

  registerGroupWatch(groups);

  groups
    .command('join')
    .description('Reserve a share of an open group; pay for it with `cs pay` before the reservation lapses')
    .argument('<id>', 'group id (or the start of one)')
    .requiredOption('--quantity <n>', 'units to reserve', positiveInt)
    .option('--pickup-point <point>', "where you will collect: one of the group's points, by id prefix or market (default: its first)")
    .option('--recommendation <id>', 'the recommendationId this join follows (from `cs recs --json`), to credit it', uuidOption)
    .option('--json', 'print the contribution as JSON')
    .addHelpText('after', '\nExample:\n  $ cs groups join 1a2b3c4d --quantity 5 --pickup-point "Glen View"\n  $ cs pay 1a2b3c4d')
    .action((ref: string, opts: { quantity: number; pickupPoint?: string; recommendation?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const { group, contribution } = await withSpinner(
          'Joining group',
          async () => {
            const group = await client.groups.get(await resolveGroupId(client, ref));
            const body: JoinRequest = { quantity: opts.quantity };
            if (opts.pickupPoint !== undefined) body.pickupPointId = groupPickupPoint(group, opts.pickupPoint).id;
            if (opts.recommendation) body.recommendationId = opts.recommendation;
            return { group, contribution: await client.groups.join(group.id, body) };
          },
          !ctx.json,
        );
        if (ctx.json) return printJson(contribution);
        const p = paint();
        const point = group.pickupPoints.find((pt) => pt.id === contribution.pickupPointId);
        println(
          `${p.green('✓')} Reserved ${contribution.quantity} × ${group.product.unit} of ${group.title}: ${money(contribution.amount, contribution.currency)} before the platform fee`,
        );
        if (point) println(`  collect at ${point.name}, ${point.market}`);
        if (contribution.reservedUntil) println(`  pay by ${when(contribution.reservedUntil)} (${relative(contribution.reservedUntil)}), or the reservation lapses`);
        note(p.dim(`Pay with: cs pay ${shortId(group.id)}`));
      }),
    );

  groups
    .command('create')
    .description('Create a group-buy of a product (admins); its price is the product tier for the MOQ')
    .requiredOption('--product <id>', 'product id (or the start of one, as `cs products list` shows)')
    .requiredOption('--moq <n>', 'minimum order quantity: paid units needed to fund the group', positiveInt)
    .requiredOption('--deadline <when>', 'ISO date-time, a date, or a duration from now (7d, 12h, 2w)', (v) => deadline(v))
    .requiredOption('--pickup-point <id>', 'a pickup point id (or the start of one); repeat for several', collect)
    .option('--max <n>', 'most units the group will take (default: no maximum)', positiveInt)
    .option('--min-per-trader <n>', 'fewest units one trader may join with (default 1)', positiveInt)
    .option('--max-per-trader <n>', 'most units one trader may join with', positiveInt)
    .option('--title <title>', 'default: the product name and unit')
    .option('--description <text>', 'longer description for traders')
    .option('--draft', 'create as a draft (publish later with `cs groups advance`)')
    .option('--json', 'print the new group as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ cs groups create --product 7f0c0e9a --moq 100 --max 300 --deadline 7d --pickup-point 5d9c5b7e --pickup-point 0b1e4f0a

Find the ids with \`cs products list\` and \`cs pickup-points list\`.`,
    )
    .action((opts: CreateOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const body: GroupCreate = {
          productId: await resolveProductId(client, opts.product),
          moq: opts.moq,
          deadline: opts.deadline,
          pickupPointIds: [...new Set(await Promise.all(opts.pickupPoint.map((ref) => resolvePickupPointId(client, ref))))],
          maxQuantity: opts.max,
          minPerTrader: opts.minPerTrader,
          maxPerTrader: opts.maxPerTrader,
          title: opts.title,
          description: opts.description,
          status: opts.draft ? 'draft' : 'open',
        };
        const group = await withSpinner('Creating group', () => client.groups.create(body), !ctx.json);
        if (ctx.json) return printJson(group);
        const p = paint();
        println(`${p.green('✓')} Created ${group.status} group ${p.bold(group.id)}`);
        println(
          `  ${group.title} · ${money(group.unitPrice, group.currency)} per ${group.product.unit} · MOQ ${group.moq}` +
            ` · closes ${relative(group.deadline)} (${when(group.deadline)})`,
        );
        if (group.status === 'draft') note(p.dim(`Publish it with: cs groups advance ${group.id}`));
      }),
    );

  groups
    .command('cancel')
    .description('Cancel a group (admins): reservations are released and every payment refunded')
    .argument('<id>', 'group id (or the start of one)')
    .option('--reason <text>', 'why, for the record and the traders')
    .option('--json', 'print the cancelled group as JSON')
    .action((ref: string, opts: { reason?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const group = await withSpinner('Cancelling group', async () => client.groups.cancel(await resolveGroupId(client, ref), opts.reason), !ctx.json);
        if (ctx.json) return printJson(group);
        println(`${paint().green('✓')} Cancelled ${group.title} (${group.id}); reservations released and payments refunded`);
      }),
    );

  groups
    .command('advance')
    .description('Move a group to its next state (admins): draft → open, funded → ordered → shipped → delivered → ready_for_pickup → completed')
    .argument('<id>', 'group id (or the start of one)')
    .addOption(new Option('--to <state>', 'a specific state instead of the next one').choices(groupStatuses))
    .option('--reason <text>', 'note for the record')
    .option('--json', 'print {from, to, group} as JSON')
    .addHelpText('after', '\nAn open group becomes funded by itself once paid units reach the MOQ; ready_for_pickup issues the pickup passes.')
    .action((ref: string, opts: { to?: GroupStatus; reason?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const { from, group } = await withSpinner(
          'Advancing group',
          async () => {
            const before = await client.groups.get(await resolveGroupId(client, ref));
            const to = opts.to ?? nextFrom(before);
            const after = await client.groups.transition(before.id, opts.reason === undefined ? { to } : { to, reason: opts.reason });
            return { from: before.status, group: after };
          },
          !ctx.json,
        );
        if (ctx.json) return printJson({ from, to: group.status, group });
        const p = paint();
        println(`${p.green('✓')} ${group.title} (${shortId(group.id)}): ${from} → ${p.bold(group.status)}`);
        if (group.status === 'ready_for_pickup') note(p.dim('Pickup passes are issued: traders list theirs with `cs qr list`.'));
      }),
    );
}

/** One of the group's pickup points by id, id prefix or market name (case-insensitive). */
function groupPickupPoint(group: Group, ref: string) {
  const wanted = ref.trim().toLowerCase();
  const matches = group.pickupPoints.filter((pt) => pt.id.startsWith(wanted) || pt.market.toLowerCase() === wanted || pt.name.toLowerCase() === wanted);
  if (matches.length === 1) return matches[0]!;
  const offered = group.pickupPoints.map((pt) => `${shortId(pt.id)} ${pt.name} (${pt.market})`).join('; ');
  if (matches.length === 0) throw failure('Not found', `${group.title} has no pickup point "${ref}"; it has: ${offered}`);
  throw failure('Ambiguous pickup point', `"${ref}" matches ${matches.length} of ${group.title}'s pickup points (${offered}); give the id`);
}

function nextFrom(group: Group): GroupStatus {
  const next = nextState[group.status];
  if (next) return next;
  if (group.status === 'open') {
    throw failure(
      'Nothing to advance',
      `${group.title} is open: it becomes funded by itself once paid units reach the MOQ (${group.paidQuantity}/${group.moq} paid so far)`,
    );
  }
  throw failure('Nothing to advance', `${group.title} is ${group.status}, a final state`);
}

/** Accepts a full id (one request) or a prefix, which is looked up across every state's list. */
export async function resolveGroupId(client: ConnectSphere, ref: string): Promise<string> {
  const r = idRef(ref, 'group');
  if ('id' in r) return r.id;
  async function* everyGroup() {
    for (const status of groupStatuses) yield* client.groups.iterate({ status, limit: 100 });
  }
  return matchPrefix(r.prefix, 'group', everyGroup());
}

const statusColor = (status: string, p: Paint) =>
  ({ open: p.green, funded: p.cyan, ready_for_pickup: p.cyan, completed: p.dim, expired: p.red, cancelled: p.red, draft: p.yellow })[status];

export const progressText = (g: Group) => `${g.paidQuantity}/${g.moq} ${Math.floor(g.moqProgress)}%`;

function closes(g: Group): string {
  if (['completed', 'expired', 'cancelled'].includes(g.status)) return '-';
  return g.secondsLeft > 0 ? `in ${span(g.secondsLeft)}` : 'closed';
}

function groupColumns(wide: boolean): Column<Group>[] {
  const columns: Column<Group>[] = [
    { header: 'ID', value: (g) => (wide ? g.id : shortId(g.id)) },
    { header: 'TITLE', value: (g) => g.title, flex: true },
    { header: 'STATUS', value: (g) => g.status, color: (g, p) => statusColor(g.status, p) },
    { header: 'PRICE', value: (g) => money(g.unitPrice, g.currency) },
    { header: 'PAID/MOQ', value: progressText, color: (g, p) => (g.moqProgress >= 100 ? p.green : undefined) },
    { header: 'TRADERS', value: (g) => String(g.participantCount) },
    { header: 'CLOSES', value: closes },
  ];
  if (wide) {
    columns.push(
      { header: 'CATEGORY', value: (g) => g.product.category },
      { header: 'PICKUP', value: (g) => [...new Set(g.pickupPoints.map((pt) => pt.market))].join(', '), flex: true },
    );
  }
  return columns;
}

function bar(percent: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export function renderGroup(g: Group): string {
  const p = paint();
  const price = (minor: number) => money(minor, g.currency);
  const pairs: [string, string][] = [
    ['ID', g.id],
    ['Title', g.title],
    ['Status', statusColor(g.status, p)?.(g.status) ?? g.status],
    ['Product', `${g.product.name} (${g.product.unit}) · ${g.product.category}`],
    ['Price', `${price(g.unitPrice)} per ${g.product.unit}`],
    ['Progress', `${bar(g.moqProgress)} ${g.paidQuantity} of ${g.moq} paid (${Math.floor(g.moqProgress)}%)${g.reservedQuantity ? `, ${g.reservedQuantity} reserved` : ''}`],
    ['Available', g.maxQuantity === null ? 'no maximum' : `${g.remainingQuantity ?? 0} of ${g.maxQuantity} units`],
    ['Per trader', `${g.minPerTrader} to ${g.maxPerTrader ?? 'any number'}`],
    ['Participants', String(g.participantCount)],
    ['Deadline', `${when(g.deadline)} (${g.secondsLeft > 0 ? `closes in ${span(g.secondsLeft)}` : 'passed'})`],
    ['Created', when(g.createdAt)],
  ];
  if (g.description) pairs.push(['Description', g.description]);
  const mine = g.myContribution;
  if (mine) {
    const point = g.pickupPoints.find((pt) => pt.id === mine.pickupPointId);
    const state =
      mine.status === 'paid'
        ? `paid ${mine.paidAt ? when(mine.paidAt) : ''}`.trim()
        : mine.status === 'pending_payment' && mine.reservedUntil
          ? `awaiting payment, reserved until ${when(mine.reservedUntil)} (${relative(mine.reservedUntil)})`
          : mine.status.replace(/_/g, ' ');
    pairs.push([
      'Your share',
      `${mine.quantity} × ${price(mine.unitPrice)} = ${price(mine.amount)} · ${state}${point ? ` · collect at ${point.name}` : ''}`,
    ]);
  } else {
    pairs.push(['Your share', p.dim('none')]);
  }
  const lines = [renderPairs(pairs, p), '', p.bold(`Pickup points (${g.pickupPoints.length})`)];
  if (g.pickupPoints.length) {
    lines.push(
      renderTable(g.pickupPoints, [
        { header: 'ID', value: (pt) => pt.id },
        { header: 'NAME', value: (pt) => pt.name, flex: true },
        { header: 'MARKET', value: (pt) => pt.market },
        { header: 'ADDRESS', value: (pt) => pt.address, flex: true },
        { header: 'HOURS', value: (pt) => pt.openingHours },
      ]),
    );
  }
  return lines.join('\n');
}
