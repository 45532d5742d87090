// cs admin backup …: backups made by the API, where the data is (PGlite's files belong to the API
// process), so the CLI stays a client of the API like every other command.
import type { Command } from 'commander';
import type { Backup } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { confirmOrStop, relative } from '../format.ts';
import { note, printJson, println, renderTable, withSpinner } from '../output.ts';

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`);

export function registerBackups(program: Command): void {
  const admin = program.commands.find((c) => c.name() === 'admin') ?? program.command('admin').description('Administration of the running API (admins)');
  const backup = admin.command('backup').description('Backups of the database, signing keys and models, kept by the API in BACKUP_DIR');

  backup
    .command('create')
    .description('Make a backup now')
    .option('--json', 'print the backup as JSON')
    .action((_opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const made = await withSpinner('Backing up', () => makeClient(ctx).admin.backups.create(), !ctx.json);
        if (ctx.json) return printJson(made);
        println(`Backup ${made.id}: ${made.database}, ${made.files.length} files, ${size(made.sizeBytes)}`);
      }),
    );

  backup
    .command('list')
    .description('List the backups, newest first')
    .option('--json', 'print {items} as JSON')
    .action((_opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const list = await withSpinner('Loading backups', () => makeClient(ctx).admin.backups.list(), !ctx.json);
        if (ctx.json) return printJson(list);
        if (list.items.length === 0) return note('No backups yet: cs admin backup create');
        println(
          renderTable(list.items, [
            { header: 'ID', value: (b: Backup) => b.id },
            { header: 'MADE', value: (b: Backup) => relative(b.createdAt) },
            { header: 'DATABASE', value: (b: Backup) => b.database },
            { header: 'FILES', value: (b: Backup) => String(b.files.length) },
            { header: 'SIZE', value: (b: Backup) => size(b.sizeBytes) },
          ]),
        );
      }),
    );

  backup
    .command('restore')
    .description('Put the database, keys and models back as they were in a backup (then restart the API)')
    .argument('<id>', 'the backup, as `cs admin backup list` shows it')
    .option('--yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option('--json', 'print the restored backup as JSON')
    .action((id: string, opts: { yes?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        await confirmOrStop(`Replace every row, the signing keys and the models with backup ${id}?`, opts.yes, 'restore the backup');
        const restored = await withSpinner(`Restoring ${id}`, () => makeClient(ctx).admin.backups.restore(id), !ctx.json);
        if (ctx.json) return printJson(restored);
        println(`Restored backup ${restored.id} (made ${relative(restored.createdAt)}). Restart the API to load its signing keys and model.`);
      }),
    );
}
