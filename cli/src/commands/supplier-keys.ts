// cs supplier keys …: the organisation's API keys for scripts (owners). A script then runs `cs` (or
// the SDK) with CS_API_KEY=csk_… instead of a session.
import type { Command } from 'commander';
import type { ApiKey, ApiKeyScope } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { idRef, matchPrefix, relative, shortId } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, usageError } from '../output.ts';

const scopes: ApiKeyScope[] = ['catalog:read', 'catalog:write', 'orders:read', 'orders:write', 'invoices:read', 'webhooks:write'];

function parseScopes(list: string): ApiKeyScope[] {
  const wanted = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((s) => !scopes.includes(s as ApiKeyScope));
  if (unknown.length || wanted.length === 0) throw usageError(`--scopes takes a comma-separated list of ${scopes.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`);
  return [...new Set(wanted)] as ApiKeyScope[];
}

const status = (k: ApiKey) => (k.revokedAt ? 'revoked' : 'active');

export function registerSupplierKeys(supplier: Command): void {
  const keys = supplier.command('keys').description('API keys for scripts (owners): create, list, revoke; use one with CS_API_KEY');

  keys
    .command('create')
    .description('Create an API key; it is printed once, store it now')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <list>', `comma-separated: ${scopes.join(', ')}`)
    .option('--json', 'print the key as JSON')
    .action((opts: { name: string; scopes: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const wanted = parseScopes(opts.scopes);
        requireSession(ctx);
        const created = await makeClient(ctx).supplier.keys.create({ name: opts.name, scopes: wanted });
        if (ctx.json) return printJson(created);
        println(renderPairs([
          ['Key', created.key],
          ['Name', created.name],
          ['Scopes', created.scopes.join(', ')],
          ['ID', created.id],
        ]));
        note('This is the only time the key is shown. Use it with CS_API_KEY=<key> cs … or new ConnectSphere({ baseUrl, apiKey }).');
      }),
    );

  keys
    .command('list')
    .description("The organisation's keys (revoked ones too) with their scopes and when each was last used")
    .option('--wide', 'show full ids')
    .option('--json', 'print as JSON')
    .action((opts: { wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const { items } = await makeClient(ctx).supplier.keys.list();
        if (ctx.json) return printJson(items);
        if (items.length === 0) return println('No API keys yet; create one with `cs supplier keys create --name … --scopes …`.');
        println(
          renderTable(items, [
            { header: 'ID', value: (k) => (opts.wide ? k.id : shortId(k.id)) },
            { header: 'NAME', value: (k) => k.name, flex: true },
            { header: 'PREFIX', value: (k) => `${k.prefix}…` },
            { header: 'SCOPES', value: (k) => k.scopes.join(',') },
            { header: 'CREATED', value: (k) => relative(k.createdAt) },
            { header: 'LAST USED', value: (k) => (k.lastUsedAt ? relative(k.lastUsedAt) : 'never') },
            { header: 'STATUS', value: status, color: (k, c: ReturnType<typeof paint>) => (k.revokedAt ? c.dim : undefined) },
          ]),
        );
      }),
    );

  keys
    .command('revoke')
    .description('Revoke a key: refused from its next request on')
    .argument('<id>', 'key id (or the first characters of it, as the list shows)')
    .option('--json', 'print the key as JSON')
    .action((ref: string, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        const target = idRef(ref, 'API key');
        requireSession(ctx);
        const client = makeClient(ctx);
        const id =
          'id' in target
            ? target.id
            : await matchPrefix(target.prefix, 'API key', (async function* () {
                yield* (await client.supplier.keys.list()).items;
              })());
        const key = await client.supplier.keys.revoke(id);
        if (ctx.json) return printJson(key);
        println(`Revoked ${key.name} (${key.prefix}…)`);
      }),
    );
}
