// cs staff …: which pickup points a staff account works at (admins only). Staff redeem passes only
// there; admins redeem anywhere.
import type { Command } from 'commander';
import type { StaffPickupPoints } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { collect } from '../format.ts';
import { resolvePickupPointId } from './catalog.ts';
import { note, paint, printJson, println, renderTable, usageError, withSpinner } from '../output.ts';
import { resolveUserId } from './users.ts';

export function registerStaff(program: Command): void {
  const staff = program.command('staff').description('Pickup-point staff: where each staff account works (admins only)');

  staff
    .command('assign')
    .description("Assign a staff account to one or a few pickup points (replaces its assignment)")
    .argument('<user>', 'user id or email')
    .option('--pickup-point <id>', 'a pickup point id or the start of one (repeat for several)', collect)
    .option('--none', 'unassign the account from every pickup point')
    .option('--json', 'print the assignment as JSON')
    .addHelpText('after', '\nExample:\n  $ cs staff assign staff1@demo.connectsphere.co.zw --pickup-point 5d9c5b7e-8f43-4a59-9a63-1b3c7e0f6a21')
    .action((ref: string, opts: { pickupPoint?: string[]; none?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const ids = opts.pickupPoint ?? [];
        if (!ids.length && !opts.none) throw usageError('give --pickup-point <id> (one or more), or --none to unassign');
        if (ids.length && opts.none) throw usageError('--none and --pickup-point do not go together');
        requireSession(ctx);
        const client = makeClient(ctx);
        const result = await withSpinner(
          'Saving',
          async () => {
            const pointIds = [...new Set(await Promise.all(ids.map((id) => resolvePickupPointId(client, id))))];
            return client.admin.users.setPickupPoints(await resolveUserId(client, ref), pointIds);
          },
          !ctx.json,
        );
        if (ctx.json) return printJson(result);
        printAssignment(result, ref);
      }),
    );

  staff
    .command('show')
    .description('Show the pickup points a staff account works at')
    .argument('<user>', 'user id or email')
    .option('--json', 'print the assignment as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const result = await withSpinner('Loading', async () => client.admin.users.pickupPoints(await resolveUserId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(result);
        printAssignment(result, ref);
      }),
    );
}

function printAssignment(result: StaffPickupPoints, ref: string): void {
  if (!result.pickupPoints.length) return note(`${ref} works at no pickup point and can redeem no pass`);
  println(`${paint().green('✓')} ${ref} works at ${result.pickupPoints.length === 1 ? '1 pickup point' : `${result.pickupPoints.length} pickup points`}:`);
  println(
    renderTable(result.pickupPoints, [
      { header: 'ID', value: (pt) => pt.id },
      { header: 'NAME', value: (pt) => pt.name, flex: true },
      { header: 'MARKET', value: (pt) => pt.market },
    ]),
  );
}
