// cs chat …: a group's chat (read the history, post, follow it), and for admins its moderation
// (hide a message, mute someone for a while, work through the reports).
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { ChatMessage, ChatReport, ConnectSphere, ImageType } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { idRef, matchPrefix, pageSize, relative, shortId, when } from '../format.ts';
import { note, paint, printJson, println, renderTable, usageError, withSpinner, type Paint } from '../output.ts';
import { resolveGroupId } from './groups.ts';
import { resolveUserId } from './users.ts';

/** "90m", "2h", "7d", "1w" (or plain minutes) as minutes, for `--for`. */
export function minutesOption(value: string): number {
  const m = /^(\d+)\s*([mhdw]?)$/i.exec(value.trim());
  const unit = { '': 1, m: 1, h: 60, d: 1440, w: 10_080 }[(m?.[2] ?? '').toLowerCase()];
  const minutes = m && unit ? Number(m[1]) * unit : NaN;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 525_600) throw new InvalidArgumentError('must be a duration like 30m, 2h, 7d (at most a year)');
  return minutes;
}

function messageLine(m: ChatMessage, p: Paint): string {
  const who = m.author.organisation ? `${m.author.name} (${m.author.organisation})` : m.author.role === 'trader' ? m.author.name : `${m.author.name} (${m.author.role})`;
  const head = `${p.dim(shortId(m.id))} ${p.dim(when(m.createdAt).slice(11, 16))} ${p.bold(who)}`;
  if (m.hidden && m.text === null) return `${head}: ${p.dim('[hidden by a moderator]')}`;
  const body = [m.text, m.image ? `[image ${m.image.url}]` : null].filter(Boolean).join(' ');
  const flag = m.hidden ? ` ${p.red(`[hidden: ${m.hiddenReason ?? 'no reason'}]`)}` : '';
  return `${head}: ${body}${flag}`;
}

async function resolveMessageId(client: ConnectSphere, ref: string, group: string | undefined): Promise<string> {
  const r = idRef(ref, 'message');
  if ('id' in r) return r.id;
  if (!group) throw usageError('a shortened message id needs --group <group> to look it up in; or give the whole id');
  return matchPrefix(r.prefix, 'message', client.chat.iterate(await resolveGroupId(client, group), { limit: 100 }));
}

async function resolveReportId(client: ConnectSphere, ref: string): Promise<string> {
  const r = idRef(ref, 'report');
  if ('id' in r) return r.id;
  return matchPrefix(r.prefix, 'report', client.chat.moderation.iterateReports({ status: 'open', limit: 100 }));
}

/**
 * Prints messages as they arrive on the group's WebSocket channel (`chat.message`), until Ctrl+C.
 * After a gap too long to resume, the newest page is read again and what was not shown is printed.
 */
async function follow(client: ConnectSphere, groupId: string, shown: ChatMessage[], json: boolean, p: Paint): Promise<void> {
  const seen = new Set<string>(shown.map((m) => m.id));
  const print = (m: ChatMessage) => {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    println(json ? JSON.stringify(m) : messageLine(m, p));
  };
  const channel = `group:${groupId}` as const;
  const rt = client.realtime({ channels: [channel] });
  try {
    await new Promise<void>((resolve, reject) => {
      // Ctrl+C ends following as a normal finish (exit code 0), not a failure.
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
      rt.on('message', (m) => {
        if (m.type === 'subscribed' && m.channel === channel) note(p.dim('Following; Ctrl+C to stop.'));
        if (m.type === 'error' && m.channel === channel) reject(new Error(`cannot follow this chat: ${m.message}`));
      });
      rt.on('event', (e) => {
        if (e.type === 'chat.message' && e.groupId === groupId) print(e.data as unknown as ChatMessage);
      });
      rt.on('resync', () => {
        void client.chat.history(groupId, { limit: 50 }).then((page) => [...page.items].reverse().forEach(print), reject);
      });
      rt.connect().catch(reject);
    });
  } finally {
    rt.close();
  }
}

const imageTypes: Record<string, ImageType> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

async function uploadImage(client: ConnectSphere, groupId: string, file: string) {
  const type = imageTypes[path.extname(file).toLowerCase()];
  if (!type) throw usageError(`--image takes a .png, .jpg or .webp file, not ${path.basename(file)}`);
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (err) {
    throw usageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return client.chat.uploadImage(groupId, data, type);
}

export function registerChat(program: Command): void {
  const chat = program
    .command('chat')
    .description("A group's chat: history, posting (--message) and following it; `cs chat moderate` for admins")
    .argument('[group]', 'group id or unique prefix')
    .option('-m, --message <text>', 'post this message first')
    .option('--image <file>', 'attach this PNG, JPEG or WebP file to the message (with or without --message)')
    .option('--limit <n>', 'how many of the latest messages to show', pageSize, 20)
    .option('--before <cursor>', 'older messages: the cursor printed under the previous page')
    .option('-f, --follow', 'keep printing new messages as they arrive (Ctrl+C to stop)')
    .option('--json', 'print the page (and the posted message) as JSON; with --follow, one message per line')
    .action((ref: string | undefined, opts: { message?: string; image?: string; limit: number; before?: string; follow?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (!ref) throw usageError('name a group: cs chat <group> (or cs chat moderate --help)');
        requireSession(ctx);
        const client = makeClient(ctx);
        const p = paint();
        const groupId = await resolveGroupId(client, ref);
        const posted =
          opts.message !== undefined || opts.image !== undefined
            ? await withSpinner(
                'Posting',
                async () => {
                  const image = opts.image === undefined ? undefined : await uploadImage(client, groupId, opts.image);
                  return client.chat.post(groupId, { ...(opts.message !== undefined ? { text: opts.message } : {}), ...(image ? { imageId: image.id } : {}) });
                },
                !ctx.json,
              )
            : undefined;
        const page = await withSpinner('Loading', () => client.chat.history(groupId, { limit: opts.limit, ...(opts.before ? { cursor: opts.before } : {}) }), !ctx.json);
        if (ctx.json && !opts.follow) return printJson(posted ? { posted, ...page } : page);
        if (ctx.json) {
          for (const m of [...page.items].reverse()) println(JSON.stringify(m));
        } else {
          if (!page.items.length) note('No messages yet.');
          // Oldest first, as a conversation reads; the page itself is the newest ones.
          for (const m of [...page.items].reverse()) println(messageLine(m, p));
          if (page.nextCursor && !opts.follow) note(p.dim(`older: cs chat ${ref} --before ${page.nextCursor}`));
        }
        if (opts.follow) await follow(client, groupId, page.items, ctx.json, p);
      }),
    );

  const moderate = chat.command('moderate').description('Admins: hide messages, mute people in a group, handle reports');

  moderate
    .command('hide')
    .description('Hide a message with a reason; others see it as hidden')
    .argument('<message>', 'message id (or a prefix, with --group)')
    .requiredOption('--reason <text>', 'why (shown to admins)')
    .option('--group <group>', 'the group, to look a shortened message id up in')
    .option('--json', 'print the message as JSON')
    .action((ref: string, opts: { reason: string; group?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const id = await resolveMessageId(client, ref, opts.group);
        const m = await withSpinner('Hiding', () => client.chat.moderation.hide(id, opts.reason), !ctx.json);
        if (ctx.json) return printJson(m);
        println(`${paint().green('✓')} hid ${shortId(m.id)} by ${m.author.name}: ${m.hiddenReason}`);
      }),
    );

  moderate
    .command('mute')
    .description("Mute someone in a group's chat for a while (they can still read)")
    .argument('<group>', 'group id or unique prefix')
    .argument('<user>', 'user id or email')
    .requiredOption('--for <duration>', 'how long: 30m, 2h, 7d', minutesOption)
    .option('--reason <text>', 'why')
    .option('--json', 'print the mute as JSON')
    .action((groupRef: string, userRef: string, opts: { for: number; reason?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const [groupId, userId] = [await resolveGroupId(client, groupRef), await resolveUserId(client, userRef)];
        const mute = await withSpinner('Muting', () => client.chat.moderation.mute(groupId, userId, opts.for, opts.reason), !ctx.json);
        if (ctx.json) return printJson(mute);
        println(`${paint().green('✓')} ${mute.userName} is muted in this group until ${when(mute.until)} (${relative(mute.until)})`);
      }),
    );

  moderate
    .command('unmute')
    .description("End someone's mute in a group's chat")
    .argument('<group>', 'group id or unique prefix')
    .argument('<user>', 'user id or email')
    .option('--json', 'print {"unmuted": true}')
    .action((groupRef: string, userRef: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const [groupId, userId] = [await resolveGroupId(client, groupRef), await resolveUserId(client, userRef)];
        await client.chat.moderation.unmute(groupId, userId);
        if (ctx.json) return printJson({ unmuted: true, groupId, userId });
        println(`${paint().green('✓')} they may post again`);
      }),
    );

  moderate
    .command('reports')
    .description('Reported messages, newest first: the open ones unless --resolved')
    .option('--resolved', 'the resolved ones instead')
    .option('--group <group>', 'only this group')
    .option('--limit <n>', 'how many', pageSize, 50)
    .option('--json', 'print the page as JSON')
    .action((opts: { resolved?: boolean; group?: string; limit: number }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const groupId = opts.group ? await resolveGroupId(client, opts.group) : undefined;
        const page = await withSpinner(
          'Loading',
          () => client.chat.moderation.reports({ status: opts.resolved ? 'resolved' : 'open', limit: opts.limit, ...(groupId ? { groupId } : {}) }),
          !ctx.json,
        );
        if (ctx.json) return printJson(page);
        if (!page.items.length) return note(opts.resolved ? 'No resolved reports.' : 'No open reports.');
        println(
          renderTable<ChatReport>(page.items, [
            { header: 'ID', value: (r) => shortId(r.id) },
            { header: 'GROUP', value: (r) => shortId(r.groupId) },
            { header: 'MESSAGE', value: (r) => `${r.message.author.name}: ${r.message.text ?? '[image]'}`, flex: true },
            { header: 'REPORTED BY', value: (r) => r.reporter.name },
            { header: 'REASON', value: (r) => r.reason, flex: true },
            { header: opts.resolved ? 'RESOLUTION' : 'WHEN', value: (r) => (opts.resolved ? (r.resolution ?? '') : relative(r.createdAt)) },
          ]),
        );
      }),
    );

  moderate
    .command('resolve')
    .description('Resolve a report: --hide the message (resolving its other reports too) or --dismiss the report')
    .argument('<report>', 'report id or unique prefix (as `cs chat moderate reports` shows)')
    .option('--hide', 'hide the message')
    .option('--dismiss', 'leave the message as it is')
    .option('--note <text>', 'a note (the reason shown to admins, when hiding)')
    .option('--json', 'print the report as JSON')
    .action((ref: string, opts: { hide?: boolean; dismiss?: boolean; note?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (Boolean(opts.hide) === Boolean(opts.dismiss)) throw usageError('say what to do: --hide or --dismiss');
        requireSession(ctx);
        const client = makeClient(ctx);
        const id = await resolveReportId(client, ref);
        const report = await withSpinner(
          'Resolving',
          () => client.chat.moderation.resolve(id, { action: opts.hide ? 'hide' : 'dismiss', ...(opts.note ? { note: opts.note } : {}) }),
          !ctx.json,
        );
        if (ctx.json) return printJson(report);
        println(`${paint().green('✓')} report ${shortId(report.id)} resolved: message ${report.resolution}`);
      }),
    );
}
