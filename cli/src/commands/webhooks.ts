// cs webhooks …: the organisation's webhook endpoints (owners), or with --platform the platform's
// (admins), their deliveries, and `listen`, which forwards events to a local server while developing,
// signed as real deliveries are, the way `stripe listen` does.
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { signatureHeader, signPayload, webhookEvent, type ConnectSphere, type RealtimeEvent, type WebhookDelivery, type WebhookEndpoint } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { idRef, matchPrefix, pageSize, when } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner } from '../output.ts';
import { fetchPage, moreHint } from '../pages.ts';

interface Scope {
  platform?: boolean;
}

const resource = (client: ConnectSphere, o: Scope) => (o.platform ? client.admin.webhooks : client.supplier.webhooks);
const platformOption = () => new Option('--platform', "the platform's endpoints (admins), not your organisation's");
const eventsList = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

async function resolveEndpointId(client: ConnectSphere, o: Scope, ref: string): Promise<string> {
  const r = idRef(ref, 'webhook endpoint');
  if ('id' in r) return r.id;
  async function* all() {
    yield* (await resource(client, o).list()).items;
  }
  return matchPrefix(r.prefix, 'webhook endpoint', all());
}

const endpointColumns = (wide: boolean) => [
  { header: 'ID', value: (e: WebhookEndpoint) => (wide ? e.id : e.id.slice(0, 8)) },
  { header: 'URL', value: (e: WebhookEndpoint) => e.url, flex: true },
  { header: 'EVENTS', value: (e: WebhookEndpoint) => (e.events.length ? e.events.join(',') : '*') },
  { header: 'ENABLED', value: (e: WebhookEndpoint) => (e.enabled ? 'yes' : 'no') },
  { header: 'CREATED', value: (e: WebhookEndpoint) => when(e.createdAt) },
];

const deliveryColumns = (wide: boolean) => [
  { header: 'ID', value: (d: WebhookDelivery) => (wide ? d.id : d.id.slice(0, 8)) },
  { header: 'EVENT', value: (d: WebhookDelivery) => d.eventType },
  { header: 'STATUS', value: (d: WebhookDelivery) => d.status },
  { header: 'ATTEMPTS', value: (d: WebhookDelivery) => String(d.attempts) },
  { header: 'LAST', value: (d: WebhookDelivery) => (d.lastStatusCode ? String(d.lastStatusCode) : (d.lastError ?? '-')), flex: true },
  { header: 'NEXT', value: (d: WebhookDelivery) => (d.nextAttemptAt ? when(d.nextAttemptAt) : '-') },
  { header: 'CREATED', value: (d: WebhookDelivery) => when(d.createdAt) },
];

function printSecret(secret: string) {
  note(paint(process.stderr).bold(`Signing secret (shown only now): ${secret}`));
  note('Check deliveries with constructEvent(rawBody, headers["connectsphere-signature"], secret) from @connectsphere/sdk.');
}

/** Whether a pattern list (`order.updated`, `order.*`; empty: all) takes an event type. */
const wants = (events: string[], type: string) => events.length === 0 || events.includes(type) || events.includes('*') || events.includes(`${type.split('.')[0]}.*`);

/**
 * Forwards the organisation's (or, --platform, every) event from the WebSocket to `target`, as a
 * delivery would post it (same body, same signature header, with this session's own secret), and
 * prints each with the local answer, until Ctrl+C.
 */
async function listen(client: ConnectSphere, o: Scope & { forwardTo: string; events: string[]; json: boolean }) {
  const channel = o.platform ? ('admin' as const) : (`supplier:${(await client.supplier.organisation()).id}` as const);
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const p = paint(process.stderr);
  const rt = client.realtime({ channels: [channel] });
  await new Promise<void>((resolve, reject) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    rt.on('message', (m) => {
      if (m.type === 'subscribed' && m.channel === channel) {
        note(p.bold(`Ready. Forwarding ${o.platform ? 'every' : "your organisation's"} events to ${o.forwardTo}; Ctrl+C to stop.`));
        note(`Signing secret for this session: ${secret}`);
      }
      if (m.type === 'error' && m.channel === channel) reject(usageError(`cannot listen: ${m.message}`));
    });
    rt.on('event', (e: RealtimeEvent) => {
      if (e.type === 'chat.typing' || !wants(o.events, e.type)) return;
      const event = webhookEvent(e);
      const body = JSON.stringify(event);
      void fetch(o.forwardTo, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [signatureHeader]: signPayload(body, [secret], Math.floor(Date.now() / 1000)), 'connectsphere-event-id': event.id },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(
        (res) => println(o.json ? JSON.stringify({ id: event.id, type: event.type, status: res.status }) : `${when(event.created)}  ${event.type.padEnd(20)} ${event.id}  [${res.status}]`),
        (err: Error) => println(o.json ? JSON.stringify({ id: event.id, type: event.type, error: err.message }) : `${when(event.created)}  ${event.type.padEnd(20)} ${event.id}  [not delivered: ${err.message}]`),
      );
    });
    rt.connect().catch(reject);
  }).finally(() => rt.close());
}

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description("Webhook endpoints for your organisation's events (owners; --platform: admins, every event)");

  webhooks
    .command('add')
    .description('Register an endpoint; prints its signing secret once')
    .argument('<url>', 'where events are POSTed (https; http where WEBHOOK_ALLOW_HTTP allows it)')
    .option('--events <types>', 'comma-separated types or families (order.updated,invoice.*); default all', eventsList)
    .option('--description <text>', 'what it is for')
    .addOption(platformOption())
    .option('--json', 'print the endpoint, secret included, as JSON')
    .action((url: string, opts: Scope & { events?: string[]; description?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const made = await withSpinner('Registering', () => resource(makeClient(ctx), opts).create({ url, events: opts.events, description: opts.description }), !ctx.json);
        if (ctx.json) return printJson(made);
        println(renderPairs([['ID', made.id], ['URL', made.url], ['Events', made.events.length ? made.events.join(', ') : 'all']]));
        printSecret(made.secret);
      }),
    );

  webhooks
    .command('list')
    .description('The endpoints, newest first')
    .addOption(platformOption())
    .option('--wide', 'full ids')
    .option('--json', 'print {items} as JSON')
    .action((opts: Scope & { wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const list = await withSpinner('Loading endpoints', () => resource(makeClient(ctx), opts).list(), !ctx.json);
        if (ctx.json) return printJson(list);
        if (!list.items.length) return note('No webhook endpoints yet: cs webhooks add <url>');
        println(renderTable(list.items, endpointColumns(Boolean(opts.wide))));
      }),
    );

  const onEndpoint = (name: string, description: string, act: (client: ConnectSphere, o: Scope, id: string) => Promise<unknown>, show: (result: unknown) => void) =>
    webhooks
      .command(name)
      .description(description)
      .argument('<endpoint>', 'endpoint id or its start')
      .addOption(platformOption())
      .option('--json', 'print the result as JSON')
      .action((ref: string, opts: Scope, cmd: Command) =>
        run(cmd, async (ctx) => {
          requireSession(ctx);
          const client = makeClient(ctx);
          const result = await withSpinner(name, async () => act(client, opts, await resolveEndpointId(client, opts, ref)), !ctx.json);
          if (ctx.json) return printJson(result ?? { removed: true });
          show(result);
        }),
      );

  onEndpoint('rotate', 'A new signing secret (printed once); the old one signs too for the grace period', (c, o, id) => resource(c, o).rotateSecret(id), (r) => {
    const e = r as WebhookEndpoint & { secret: string };
    println(`Rotated. The previous secret signs too until ${e.secretRotatedUntil ? when(e.secretRotatedUntil) : 'now (no grace period)'}.`);
    printSecret(e.secret);
  });
  onEndpoint('remove', 'Remove an endpoint and its deliveries', (c, o, id) => resource(c, o).remove(id), () => println('Removed.'));
  onEndpoint('test', 'Queue a webhook.test event to the endpoint', (c, o, id) => resource(c, o).test(id), (r) =>
    println(`Queued delivery ${(r as WebhookDelivery).id.slice(0, 8)}; the deliver-webhooks job posts it within seconds.`),
  );

  webhooks
    .command('deliveries')
    .description("An endpoint's deliveries, newest first, each with its last attempt")
    .argument('<endpoint>', 'endpoint id or its start')
    .addOption(new Option('--status <status>', 'only this status').choices(['pending', 'sending', 'succeeded', 'failed', 'dead']))
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .addOption(platformOption())
    .option('--wide', 'full ids')
    .option('--json', 'print {items, nextCursor} as JSON')
    .action((ref: string, opts: Scope & { status?: WebhookDelivery['status']; limit?: number; cursor?: string; all?: boolean; wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const id = await resolveEndpointId(client, opts, ref);
        const query = { status: opts.status, limit: opts.limit };
        const page = await fetchPage('Loading deliveries', opts, { page: (cursor) => resource(client, opts).deliveries(id, { ...query, cursor }), every: () => resource(client, opts).iterateDeliveries(id, query) }, !ctx.json);
        if (ctx.json) return printJson(page);
        if (!page.items.length) return note('No deliveries match.');
        println(renderTable(page.items, deliveryColumns(Boolean(opts.wide))));
        moreHint(page, 'deliveries');
      }),
    );

  webhooks
    .command('replay')
    .description("Send a delivery's event again (a new delivery, due now)")
    .argument('<delivery>', 'delivery id (full, as `deliveries --wide` shows it)')
    .addOption(platformOption())
    .option('--json', 'print the new delivery as JSON')
    .action((ref: string, opts: Scope, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const r = idRef(ref, 'delivery');
        if (!('id' in r)) throw usageError('replay takes the whole delivery id (cs webhooks deliveries <endpoint> --wide)');
        const copy = await withSpinner('Replaying', () => resource(makeClient(ctx), opts).replay(r.id), !ctx.json);
        if (ctx.json) return printJson(copy);
        println(`Queued delivery ${copy.id.slice(0, 8)} of ${copy.eventType} (a replay of ${copy.replayOf?.slice(0, 8)}).`);
      }),
    );

  webhooks
    .command('listen')
    .description('Forward events to a local server while you develop, signed as deliveries are (like `stripe listen`)')
    .requiredOption('--forward-to <url>', 'where to POST them, e.g. http://localhost:4242/webhooks')
    .option('--events <types>', 'comma-separated types or families; default all', eventsList)
    .addOption(platformOption())
    .option('--json', 'one JSON line per event forwarded')
    .action((opts: Scope & { forwardTo: string; events?: string[] }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        try {
          new URL(opts.forwardTo);
        } catch {
          throw usageError('--forward-to must be a URL, e.g. http://localhost:4242/webhooks');
        }
        await listen(makeClient(ctx), { ...opts, events: opts.events ?? [], json: ctx.json });
      }),
    );
}
