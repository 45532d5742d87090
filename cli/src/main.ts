// The `cs` / `connectsphere` program: global options, the command tree, and exit codes for usage errors.
import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAlerts } from './commands/alerts.ts';
import { registerReports } from './commands/reports.ts';
import { registerAuth } from './commands/auth.ts';
import { registerBackups } from './commands/backups.ts';
import { registerCatalog } from './commands/catalog.ts';
import { registerChat } from './commands/chat.ts';
import { registerDashboard } from './commands/dashboard.ts';
import { registerConfig } from './commands/config.ts';
import { registerGroups } from './commands/groups.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerMl } from './commands/ml.ts';
import { registerNotifications } from './commands/notifications.ts';
import { registerPay } from './commands/pay.ts';
import { registerPayments } from './commands/payments.ts';
import { registerQr } from './commands/qr.ts';
import { registerRecs } from './commands/recs.ts';
import { registerServe } from './commands/serve.ts';
import { registerStaff } from './commands/staff.ts';
import { registerSupplier } from './commands/supplier.ts';
import { registerSupplierCatalog } from './commands/supplier-catalog.ts';
import { registerOrders, registerSupplierOrders } from './commands/supplier-orders.ts';
import { registerSupplierKeys } from './commands/supplier-keys.ts';
import { registerAdminPayouts, registerSupplierMoney } from './commands/supplier-money.ts';
import { registerWebhooks } from './commands/webhooks.ts';
import { registerSuppliers } from './commands/suppliers.ts';
import { registerUsers } from './commands/users.ts';
import { ExitCode, reportFailure, toFailure } from './output.ts';

const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('cs')
    .description('ConnectSphere command line: register and sign in, group-buys, payments, pickup passes, recommendations, the catalog, jobs, users, run the API')
    .version(version, '-v, --version')
    .option('--profile <name>', 'config profile to use (env CS_PROFILE)')
    .option('--api-url <url>', 'API base URL (env CS_API_URL; default: the profile, else http://127.0.0.1:3000)')
    // Throw instead of exiting so usage errors get exit code 2 below, not commander's 1.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText(
      'after',
      `
Every command takes --json: JSON on stdout, errors as problem JSON on stderr.

Environment:
  CS_API_URL     API base URL (below --api-url, above the profile)
  CS_PROFILE     profile to use (below --profile)
  CS_CONFIG_DIR  where config.json lives (default $XDG_CONFIG_HOME/connectsphere or ~/.config/connectsphere)
  NO_COLOR       disable colour

Exit codes:
  0 ok   1 failure   2 usage error   3 not signed in or not allowed`,
    );

  // Subcommands are created with .command() (not addCommand) so they inherit exitOverride and the help settings.
  registerAuth(program);
  registerUsers(program);
  registerGroups(program);
  registerPay(program);
  registerPayments(program);
  registerQr(program);
  registerStaff(program);
  registerCatalog(program);
  registerSuppliers(program);
  const supplier = registerSupplier(program);
  registerSupplierCatalog(supplier);
  registerSupplierOrders(supplier);
  registerOrders(program);
  registerSupplierKeys(supplier);
  registerSupplierMoney(supplier);
  registerAdminPayouts(program);
  registerWebhooks(program);
  registerRecs(program);
  registerMl(program);
  registerJobs(program);
  registerNotifications(program);
  registerChat(program);
  registerDashboard(program);
  registerAlerts(program);
  registerReports(program);
  registerBackups(program);
  registerConfig(program);
  registerServe(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has already printed the message or the help.
    process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? ExitCode.ok : ExitCode.usage;
  } else {
    // Failures inside commands are reported by run(); anything here escaped it.
    const failure = toFailure(err);
    reportFailure(failure, process.argv.includes('--json'));
    process.exitCode = failure.exitCode;
  }
}

// Exit now rather than when the event loop drains: idle keep-alive sockets or a spinner still loading Ink
// would otherwise hold a finished command open. Flush stdout/stderr first, since pipes can be asynchronous.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
process.exit();
