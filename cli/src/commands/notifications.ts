// cs notifications …: one's own in-app notifications and language/channel choices; for admins, the
// outbox (what was sent, what waits, the dead letters) and resending.
import type { Command } from 'commander';
import type { NotificationSettings, NotificationStatus, OutboxNotification } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { idRef, matchPrefix, relative, shortId } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner } from '../output.ts';

const statuses: NotificationStatus[] = ['queued', 'sending', 'sent', 'failed', 'skipped'];
const channels = ['email', 'sms', 'in_app'] as const;

export function registerNotifications(program: Command): void {
  const notifications = program
    .command('notifications')
    .description('Your in-app notifications and settings; for admins, the outbox and resending');

  notifications
    .command('inbox')
    .description('Your in-app notifications, newest first')
    .option('--unread', 'only the unread ones')
    .option('--read', 'mark the ones shown as read')
    .option('--limit <n>', 'how many', (v) => Number(v), 20)
    .option('--json', 'print the page as JSON')
    .action((opts: { unread?: boolean; read?: boolean; limit: number }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const inbox = await withSpinner('Loading', () => client.notifications.inbox({ limit: opts.limit, ...(opts.unread ? { unread: true } : {}) }), !ctx.json);
        if (opts.read) for (const m of inbox.items.filter((i) => !i.readAt)) await client.notifications.markRead(m.id);
        if (ctx.json) return printJson(inbox);
        if (!inbox.items.length) return note(opts.unread ? 'No unread notifications.' : 'No notifications.');
        const p = paint();
        for (const m of inbox.items) println(`${m.readAt ? ' ' : p.yellow('●')} ${p.bold(m.subject)} ${p.dim(relative(m.createdAt))}\n  ${m.text}`);
        println(p.dim(`\n${inbox.unread} unread`));
      }),
    );

  notifications
    .command('settings')
    .description('Show or change the language (en, sn = Shona) and channels you get notifications on')
    .option('--locale <locale>', 'en or sn')
    .option('--channels <list>', `comma-separated: ${channels.join(', ')} (in_app is always kept)`)
    .option('--json', 'print the settings as JSON')
    .action((opts: { locale?: string; channels?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (opts.locale && !['en', 'sn'].includes(opts.locale)) throw usageError('--locale must be en or sn');
        const chosen = opts.channels?.split(',').map((c) => c.trim());
        const unknown = chosen?.find((c) => !(channels as readonly string[]).includes(c));
        if (unknown) throw usageError(`--channels: ${unknown} is not one of ${channels.join(', ')}`);
        requireSession(ctx);
        const client = makeClient(ctx);
        let settings = await client.notifications.settings();
        if (opts.locale || chosen) {
          const next = { locale: (opts.locale ?? settings.locale) as NotificationSettings['locale'], channels: (chosen ?? settings.channels) as NotificationSettings['channels'] };
          settings = await withSpinner('Saving', () => client.notifications.updateSettings(next), !ctx.json);
        }
        if (ctx.json) return printJson(settings);
        println(renderPairs([['Language', settings.locale === 'sn' ? 'Shona (sn)' : 'English (en)'], ['Channels', settings.channels.join(', ')]]));
      }),
    );

  notifications
    .command('list')
    .description('The outbox, newest first (admins): filter by --status failed for the dead letters')
    .option('--status <status>', statuses.join(', '))
    .option('--channel <channel>', 'email or sms')
    .option('--limit <n>', 'how many', (v) => Number(v), 50)
    .option('--json', 'print the page as JSON')
    .action((opts: { status?: string; channel?: string; limit: number }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (opts.status && !statuses.includes(opts.status as NotificationStatus)) throw usageError(`--status must be one of ${statuses.join(', ')}`);
        if (opts.channel && !['email', 'sms'].includes(opts.channel)) throw usageError('--channel must be email or sms');
        requireSession(ctx);
        const client = makeClient(ctx);
        const query = { limit: opts.limit, ...(opts.status ? { status: opts.status as NotificationStatus } : {}), ...(opts.channel ? { channel: opts.channel as 'email' | 'sms' } : {}) };
        const outbox = await withSpinner('Loading', () => client.admin.notifications.list(query), !ctx.json);
        if (ctx.json) return printJson(outbox);
        if (!outbox.items.length) return note('Nothing in the outbox matches.');
        const p = paint();
        const color = (n: OutboxNotification) => (n.status === 'sent' ? p.green : n.status === 'failed' ? p.red : n.status === 'skipped' ? p.dim : p.yellow);
        println(
          renderTable(outbox.items, [
            { header: 'ID', value: (n) => shortId(n.id) },
            { header: 'CHANNEL', value: (n) => n.channel },
            { header: 'TO', value: (n) => n.recipient },
            { header: 'TEMPLATE', value: (n) => n.template },
            { header: 'STATUS', value: (n) => n.status, color: (n) => color(n) },
            { header: 'TRIES', value: (n) => String(n.attempts) },
            { header: 'WHEN', value: (n) => relative(n.createdAt) },
            { header: 'LAST ERROR', value: (n) => n.lastError ?? '', flex: true },
          ]),
        );
      }),
    );

  notifications
    .command('resend')
    .description('Queue a notification again with fresh attempts (admins): a dead letter, a skipped or a sent one')
    .argument('<id>', 'notification id or unique prefix (as `cs notifications list` shows)')
    .option('--json', 'print the notification as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const parsed = idRef(ref, 'notification');
        const id = 'id' in parsed ? parsed.id : await matchPrefix(parsed.prefix, 'notification', client.admin.notifications.iterate({ limit: 100 }));
        const n = await withSpinner('Queuing', () => client.admin.notifications.resend(id), !ctx.json);
        if (ctx.json) return printJson(n);
        println(`${paint().green('✓')} ${n.template} to ${n.recipient} (${n.channel}) is queued again`);
      }),
    );
}
