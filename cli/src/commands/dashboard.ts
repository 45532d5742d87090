// cs dashboard: the live operations view (admins). On a terminal it redraws as soon as the
// WebSocket's admin channel carries a change (and every --interval seconds, for what has no event)
// until q or Ctrl+C; --once prints one frame (or --json, the snapshot) and exits, for scripts.
import { InvalidArgumentError, type Command } from 'commander';
import { makeClient, requireSession, run } from '../client.ts';
import { adminChanges } from '../dashboard/changes.ts';
import { loadDashboard } from '../dashboard/data.ts';
import { colorEnabled, printJson, usageError } from '../output.ts';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > 3600) throw new InvalidArgumentError('must be a number of seconds from 1 to 3600');
  return n;
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('Admins: a live view of open groups, payments and pickups per hour, alerts and model health (q to quit)')
    .option('--once', 'print one frame and exit (what to use without a terminal)')
    .option('--interval <seconds>', 'read everything again at least this often (changes redraw at once)', seconds, 30)
    .option('--json', 'with --once: print the snapshot as JSON')
    .action((opts: { once?: boolean; interval: number }, cmd: Command) =>
      run(cmd, async (ctx) => {
        // The live view needs keys (stdin in raw mode) and a screen to redraw on.
        if (!opts.once && !(process.stdin.isTTY && process.stdout.isTTY)) {
          throw usageError('the live dashboard needs a terminal; use --once to print one frame');
        }
        if (ctx.json && !opts.once) throw usageError('--json goes with --once');
        requireSession(ctx);
        const client = makeClient(ctx);
        const load = () => loadDashboard(client);
        const { dashboardText, runDashboard } = await import('../views/dashboard.tsx');
        if (opts.once) {
          const data = await load();
          if (ctx.json) return printJson(data);
          process.stdout.write(`${dashboardText(data, colorEnabled(process.stdout), process.stdout.columns || 100)}\n`);
          return;
        }
        await runDashboard({ load, intervalMs: opts.interval * 1000, color: colorEnabled(process.stdout), changes: adminChanges(client) });
      }),
    );
}
