// cs groups watch <id>: a group's progress as it happens, from the WebSocket's group:{id} channel
// (README "Real time"). One line per change; the watch ends by itself when the group reaches the
// state asked for (--until) or a final one, and Ctrl+C ends it as a normal finish.
import { Option, type Command } from 'commander';
import type { ConnectSphere, Group, GroupProgressData, GroupStatus, RealtimeEvent } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { CliError, ExitCode, note, paint, println, type Paint } from '../output.ts';
import { groupStatuses, resolveGroupId } from './groups.ts';

const final: GroupStatus[] = ['completed', 'expired', 'cancelled'];

interface Progress {
  status: string;
  moq: number;
  paidQuantity: number;
  reservedQuantity: number;
}

function bar(paid: number, moq: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round((paid / Math.max(1, moq)) * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function progressLine(at: Date, g: Progress, p: Paint): string {
  const pct = Math.floor((g.paidQuantity / Math.max(1, g.moq)) * 100);
  const reserved = g.reservedQuantity ? `, ${g.reservedQuantity} reserved` : '';
  return `${p.dim(at.toISOString().slice(11, 19))}  ${g.status.padEnd(16)} ${bar(g.paidQuantity, g.moq)} ${g.paidQuantity}/${g.moq} paid (${pct}%)${reserved}`;
}

/** Resolves when the group reaches `until` (or a final state), or on Ctrl+C; rejects on refusal. */
async function watch(client: ConnectSphere, group: Group, opts: { json: boolean; until?: GroupStatus }, p: Paint): Promise<void> {
  const channel = `group:${group.id}` as const;
  const rt = client.realtime({ channels: [channel] });
  const done = (status: string) => status === opts.until || final.includes(status as GroupStatus);
  let current: Progress = group;
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = () => resolve();
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      rt.on('message', (m) => {
        if (m.type === 'error' && m.channel === channel) {
          reject(new CliError(m.code === 'forbidden' ? ExitCode.auth : ExitCode.failure, { type: 'https://connectsphere.dev/problems/cli/realtime', title: 'Cannot watch this group', detail: m.message }));
        }
        if (m.type === 'subscribed' && m.channel === channel && !opts.json) note(p.dim('Watching; Ctrl+C to stop.'));
      });
      rt.on('event', (e: RealtimeEvent) => {
        if (e.groupId !== group.id || (e.type !== 'group.progress' && e.type !== 'group.status')) return;
        const data = e.data as unknown as GroupProgressData & { from?: string; to?: string; reason?: string | null };
        current = data;
        if (opts.json) println(JSON.stringify(e));
        else if (e.type === 'group.status') println(`${p.dim(e.createdAt.slice(11, 19))}  ${p.bold(`${data.from} → ${data.to}`)}${data.reason ? ` (${data.reason})` : ''}`);
        else println(progressLine(new Date(e.createdAt), data, p));
        if (done(data.status)) resolve();
      });
      // Missed more than the server keeps: read the group again and carry on live.
      rt.on('resync', () => {
        void client.groups.get(group.id).then((g) => {
          current = g;
          if (!opts.json) println(progressLine(new Date(), g, p));
          if (done(g.status)) resolve();
        }, reject);
      });
      rt.connect().catch(reject);
    });
  } finally {
    rt.close();
  }
  if (!opts.json && done(current.status)) note(p.dim(`The group is ${current.status}.`));
}

export function registerGroupWatch(groups: Command): void {
  groups
    .command('watch')
    .description("Stream a group's progress and status changes as they happen (participants, its supplier, admins)")
    .argument('<id>', 'group id (or the start of one)')
    .addOption(new Option('--until <status>', 'stop when the group reaches this state (default: a final one)').choices(groupStatuses))
    .option('--json', 'print each event as one JSON line')
    .action((ref: string, opts: { until?: GroupStatus }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const p = paint();
        const group = await client.groups.get(await resolveGroupId(client, ref));
        if (!ctx.json) {
          println(`${p.bold(group.title)} ${p.dim(group.id)}`);
          println(progressLine(new Date(), group, p));
        }
        if (final.includes(group.status) || group.status === opts.until) return note(p.dim(`The group is ${group.status}.`));
        await watch(client, group, { json: ctx.json, until: opts.until }, p);
      }),
    );
}
