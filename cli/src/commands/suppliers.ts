// cs suppliers …: the admin's view of supplier organisations: the verification queue, verify, reject.
import type { Command } from 'commander';
import type { ConnectSphere, SupplierOrganisation, SupplierStatus } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { idRef, matchPrefix, relative, shortId } from '../format.ts';
import { paint, printJson, println, renderPairs, renderTable, usageError, withSpinner } from '../output.ts';

const statuses: SupplierStatus[] = ['pending', 'verified', 'rejected'];

/** A full id, or a unique prefix of one (as `cs suppliers list` shows them). */
export async function resolveSupplierId(client: ConnectSphere, ref: string): Promise<string> {
  const parsed = idRef(ref, 'supplier');
  return 'id' in parsed ? parsed.id : matchPrefix(parsed.prefix, 'supplier', client.admin.suppliers.iterate({ limit: 100 }));
}

export function registerSuppliers(program: Command): void {
  const suppliers = program.command('suppliers').description('Supplier organisations: verify or reject them (admins only)');

  suppliers
    .command('list')
    .description('Organisations, pending first (the queue to verify)')
    .option('--status <status>', `only ${statuses.join(', ')}`)
    .option('--json', 'print the organisations as JSON')
    .action((opts: { status?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (opts.status && !statuses.includes(opts.status as SupplierStatus)) throw usageError(`--status must be one of ${statuses.join(', ')}`);
        requireSession(ctx);
        const client = makeClient(ctx);
        const items = await withSpinner(
          'Loading suppliers',
          async () => {
            const all: SupplierOrganisation[] = [];
            for await (const s of client.admin.suppliers.iterate({ limit: 100, ...(opts.status ? { status: opts.status as SupplierStatus } : {}) })) all.push(s);
            return all;
          },
          !ctx.json,
        );
        if (ctx.json) return printJson({ items });
        const p = paint();
        println(
          renderTable(items, [
            { header: 'ID', value: (s) => shortId(s.id) },
            { header: 'NAME', value: (s) => s.name, flex: true },
            { header: 'AREA', value: (s) => s.area },
            { header: 'STATUS', value: (s) => (s.status === 'verified' ? p.green(s.status) : s.status === 'pending' ? p.yellow(s.status) : p.red(s.status)) },
            { header: 'BP NUMBER', value: (s) => s.taxNumber ?? '—' },
            { header: 'REGISTERED', value: (s) => relative(s.createdAt) },
          ]),
        );
      }),
    );

  suppliers
    .command('show')
    .description('One organisation in full')
    .argument('<id>', 'organisation id or unique prefix')
    .option('--json', 'print the organisation as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const s = await withSpinner('Loading', async () => client.admin.suppliers.get(await resolveSupplierId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(s);
        println(renderPairs(organisationPairs(s)));
      }),
    );

  suppliers
    .command('verify')
    .description('Verify an organisation so it can sell (its owners are told)')
    .argument('<id>', 'organisation id or unique prefix')
    .option('--json', 'print the organisation as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const s = await withSpinner('Verifying', async () => client.admin.suppliers.verify(await resolveSupplierId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(s);
        println(`${paint().green('✓')} ${s.name} is verified and can sell`);
      }),
    );

  suppliers
    .command('reject')
    .description('Reject an organisation; its owners are told the reason')
    .argument('<id>', 'organisation id or unique prefix')
    .requiredOption('--reason <text>', 'why, in words the supplier can act on')
    .option('--json', 'print the organisation as JSON')
    .action((ref: string, opts: { reason: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const s = await withSpinner('Rejecting', async () => client.admin.suppliers.reject(await resolveSupplierId(client, ref), opts.reason), !ctx.json);
        if (ctx.json) return printJson(s);
        println(`${paint().red('✗')} ${s.name} is rejected: ${s.rejectionReason}`);
      }),
    );
}

export function organisationPairs(s: SupplierOrganisation): [string, string][] {
  const payout = s.payoutAccount
    ? s.payoutAccount.method === 'bank'
      ? `${s.payoutAccount.bankName} ${s.payoutAccount.accountNumber} (${s.payoutAccount.accountName})`
      : `${s.payoutAccount.network} ${s.payoutAccount.phone} (${s.payoutAccount.accountName})`
    : 'not set';
  return [
    ['ID', s.id],
    ['Name', s.name],
    ['Status', s.status + (s.rejectionReason ? ` (${s.rejectionReason})` : '')],
    ['Registration', s.registrationNumber ?? '—'],
    ['ZIMRA BP number', s.taxNumber ?? '—'],
    ['Contact', `${s.contactName}, ${s.phone}, ${s.email}`],
    ['Address', s.address],
    ['Categories', s.categories.join(', ')],
    ['Payout account', payout],
  ];
}
