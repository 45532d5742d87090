// cs alerts list|show|ack (admins): what the evaluate-alerts job found, and taking an alert on.
import { Option, type Command } from 'commander';
import type { Alert, AlertListQuery } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { idRef, matchPrefix, pageSize, relative, shortId } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, withSpinner } from '../output.ts';
import { fetchPage, moreHint } from '../pages.ts';

const statuses = ['active', 'open', 'acknowledged', 'resolved'] as const;
const severities = ['warning', 'critical'] as const;

function severityCell(a: Alert): string {
  const p = paint();
  return a.severity === 'critical' ? p.red('critical') : p.yellow('warning');
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('Admins: alerts raised from the thresholds in config (ALERT_*)');

  alerts
    .command('list')
    .description('Alerts, the most recently seen first (open and acknowledged ones unless --status says otherwise)')
    .addOption(new Option('--status <status>', 'which ones').choices(statuses).default('active'))
    .addOption(new Option('--severity <severity>', 'only this severity').choices(severities))
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--wide', 'full ids')
    .option('--json', 'print {items, nextCursor} as JSON')
    .action((opts: { status: AlertListQuery['status']; severity?: Alert['severity']; limit?: number; cursor?: string; all?: boolean; wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const query: AlertListQuery = { status: opts.status, severity: opts.severity, limit: opts.limit };
        const page = await fetchPage(
          'Loading alerts',
          opts,
          { page: (cursor) => client.admin.alerts.list({ ...query, cursor }), every: () => client.admin.alerts.iterate(query) },
          !ctx.json,
        );
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note(opts.status === 'active' ? `${paint().green('✓')} No alerts open.` : 'No alerts match.');
        println(
          renderTable(page.items, [
            { header: 'ID', value: (a) => (opts.wide ? a.id : shortId(a.id)) },
            { header: 'SEVERITY', value: severityCell },
            { header: 'STATUS', value: (a) => a.status },
            { header: 'SEEN', value: (a) => `${a.occurrences}×, ${relative(a.lastSeenAt)}` },
            { header: 'SUBJECT', value: (a) => a.subject, flex: true },
          ]),
        );
        moreHint(page, 'alerts');
      }),
    );

  const find = async (client: ReturnType<typeof makeClient>, ref: string) => {
    const parsed = idRef(ref, 'alert');
    return 'id' in parsed ? parsed.id : matchPrefix(parsed.prefix, 'alert', client.admin.alerts.iterate({ limit: 100 }));
  };

  alerts
    .command('show')
    .description('One alert: what was measured, against which threshold, and where to look')
    .argument('<id>', 'alert id or unique prefix (as `cs alerts list` shows)')
    .option('--json', 'print the alert as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const a = await client.admin.alerts.get(await find(client, ref));
        if (ctx.json) return printJson(a);
        println(
          renderPairs([
            ['Alert', a.id],
            ['Rule', a.rule],
            ['Severity', severityCell(a)],
            ['Status', a.status],
            ['Subject', a.subject],
            ['Message', a.message],
            ['Value', `${a.value} (threshold ${a.threshold})`],
            ['Opened', relative(a.openedAt)],
            ['Last seen', `${relative(a.lastSeenAt)} (${a.occurrences} time(s))`],
            ['Acknowledged', a.acknowledgedAt ? relative(a.acknowledgedAt) : '-'],
            ['Resolved', a.resolvedAt ? relative(a.resolvedAt) : '-'],
          ]),
        );
      }),
    );

  alerts
    .command('ack')
    .description('Take an alert on: no more repeat mails; it resolves by itself when the condition clears')
    .argument('<id>', 'alert id or unique prefix (as `cs alerts list` shows)')
    .option('--json', 'print the alert as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const id = await find(client, ref);
        const a = await withSpinner('Acknowledging', () => client.admin.alerts.acknowledge(id), !ctx.json);
        if (ctx.json) return printJson(a);
        println(`${paint().green('✓')} acknowledged ${shortId(a.id)}: ${a.subject}`);
      }),
    );
}
