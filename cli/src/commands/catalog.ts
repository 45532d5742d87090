// cs products … and cs pickup-points …: what an admin needs before `cs groups create`, without curl.
// Both talk to the admin catalog operations (/api/products, /api/pickup-points).
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Category, ConnectSphere, PickupPoint, PriceTier, Product, ProductCreate, ProductListQuery, ProductUpdate } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { collect, idRef, matchPrefix, money, pageSize, shortId, when } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, usageError, withSpinner, type Column } from '../output.ts';
import { categories } from './groups.ts';
import { resolveSupplierId } from './suppliers.ts';

// ---- ids ------------------------------------------------------------------------------------------------

/** A full product id, or a unique prefix of one (admins see inactive products too, so all are searched). */
export async function resolveProductId(client: ConnectSphere, ref: string): Promise<string> {
  const r = idRef(ref, 'product');
  if ('id' in r) return r.id;
  return matchPrefix(r.prefix, 'product', client.products.iterate({ limit: 100 }));
}

/** A full pickup point id, or a unique prefix of one; one request lists every point. */
export async function resolvePickupPointId(client: ConnectSphere, ref: string): Promise<string> {
  const r = idRef(ref, 'pickup point');
  if ('id' in r) return r.id;
  const { items } = await client.pickupPoints.list();
  async function* all() {
    yield* items;
  }
  return matchPrefix(r.prefix, 'pickup point', all());
}

// ---- option parsers -------------------------------------------------------------------------------------

/** "4.20" or "4" (major units, at most two decimals) to 420 minor units, exactly. */
export function price(value: string): number {
  const m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be an amount in dollars like 4.20 (at most two decimals)');
  const minor = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (minor < 1) throw new InvalidArgumentError('must be more than 0');
  return minor;
}

/** `--tier 100:3.90` (from 100 units in the group, USD 3.90 each); repeatable. */
function collectTier(value: string, previous: PriceTier[] = []): PriceTier[] {
  const m = /^(\d+):(.+)$/.exec(value.trim());
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError('must be MIN_QUANTITY:PRICE, e.g. 100:3.90');
  return [...previous, { minQuantity: Number(m[1]), unitPrice: price(m[2]!) }];
}

function stock(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2_147_483_647) throw new InvalidArgumentError('must be a whole number of at least 0');
  return n;
}

function coordinate(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || Math.abs(n) > max) throw new InvalidArgumentError(`must be a number from -${max} to ${max}`);
    return n;
  };
}

// ---- products -------------------------------------------------------------------------------------------

interface ProductListOptions {
  q?: string;
  category?: Category;
  supplier?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  wide?: boolean;
}

interface ProductFields {
  name?: string;
  description?: string;
  category?: Category;
  unit?: string;
  price?: number;
  tier?: PriceTier[];
  noTiers?: boolean;
  stock?: number;
  image?: string[];
}

/** The options `create` and `update` share; `create` marks its required ones. */
function productOptions(cmd: Command, required: boolean): Command {
  const add = (o: Option, mandatory = required) => cmd.addOption(mandatory ? o.makeOptionMandatory() : o);
  add(new Option('--name <name>', 'product name, 2-120 characters'));
  add(new Option('--description <text>', 'longer description for traders'));
  add(new Option('--category <category>', 'one of the catalog categories').choices(categories));
  add(new Option('--unit <unit>', 'what one unit is, e.g. "2 L bottle" or "10 kg bag"'));
  add(new Option('--price <usd>', 'price of one unit in USD, e.g. 4.20').argParser(price));
  add(new Option('--stock <n>', 'units the supplier holds').argParser(stock));
  add(new Option('--tier <qty:usd>', 'a volume price: from this many units in the group, this price (repeat)').argParser(collectTier), false);
  add(new Option('--image <url>', 'an image URL (repeat for several)').argParser(collect), false);
  return cmd;
}

function productBody(opts: ProductFields): ProductUpdate {
  const body: ProductUpdate = {};
  if (opts.name !== undefined) body.name = opts.name;
  if (opts.description !== undefined) body.description = opts.description;
  if (opts.category !== undefined) body.category = opts.category;
  if (opts.unit !== undefined) body.unit = opts.unit;
  if (opts.price !== undefined) body.unitPrice = opts.price;
  if (opts.stock !== undefined) body.stock = opts.stock;
  if (opts.tier !== undefined) body.priceTiers = [...opts.tier].sort((a, b) => a.minQuantity - b.minQuantity);
  if (opts.noTiers) body.priceTiers = [];
  if (opts.image !== undefined) body.imageUrls = opts.image;
  return body;
}

export function registerCatalog(program: Command): void {
  const products = program.command('products').description('The catalog: find products; admins add and change them');

  products
    .command('list')
    .description('Search and list products (admins also see inactive ones)')
    .option('--q <words>', 'full-text search over name, description and category')
    .addOption(new Option('--category <category>', 'only this category').choices(categories))
    .option('--supplier <id>', 'only this supplier (id or the start of one)')
    .option('--limit <n>', 'page size, 1-100 (default 20)', pageSize)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .addOption(new Option('--all', 'follow every page').conflicts('cursor'))
    .option('--wide', 'full ids, SKU and supplier')
    .option('--json', 'print {items, nextCursor} as JSON')
    .addHelpText('after', '\nExamples:\n  $ cs products list --q "cooking oil"\n  $ cs products list --category sugar --all --json')
    .action((opts: ProductListOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const page = await withSpinner(
          'Loading products',
          async () => {
            const query: ProductListQuery = { q: opts.q, category: opts.category, limit: opts.limit };
            if (opts.supplier !== undefined) query.supplierId = await resolveSupplierId(client, opts.supplier);
            if (!opts.all) return client.products.list({ ...query, cursor: opts.cursor });
            const items: Product[] = [];
            for await (const x of client.products.iterate(query)) items.push(x);
            return { items, nextCursor: null };
          },
          !ctx.json,
        );
        if (ctx.json) return printJson(page);
        if (page.items.length === 0) return note('No products match.');
        println(renderTable(page.items, productColumns(Boolean(opts.wide))));
        if (page.nextCursor) note(paint(process.stderr).dim(`More products: add --all, or --cursor ${page.nextCursor}`));
      }),
    );

  products
    .command('show')
    .description('Show one product: prices by volume, stock, supplier')
    .argument('<id>', 'product id (or the start of one)')
    .option('--json', 'print the product as JSON')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const product = await withSpinner('Loading product', async () => client.products.get(await resolveProductId(client, ref)), !ctx.json);
        if (ctx.json) return printJson(product);
        println(renderProduct(product));
      }),
    );

  productOptions(
    products
      .command('create')
      .description('Add a product to the catalog (admins)')
      .requiredOption('--supplier <id>', 'the supplier organisation (id or the start of one, as `cs suppliers list` shows)')
      .requiredOption('--sku <sku>', "the supplier's stock code (letters, digits . _ -)"),
    true,
  )
    .option('--json', 'print the new product as JSON')
    .addHelpText(
      'after',
      `
Prices are in USD with up to two decimals; the API stores them as cents.

Example:
  $ cs products create --supplier 7f0c0e9a --sku OIL-2L-B --name "Sunflower cooking oil" \\
      --description "Refined sunflower oil" --category cooking-oil --unit "2 L bottle" \\
      --price 4.20 --stock 500 --tier 100:3.90 --tier 250:3.70`,
    )
    .action((opts: ProductFields & { supplier: string; sku: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const product = await withSpinner(
          'Creating product',
          async () => {
            const body = { ...productBody(opts), supplierId: await resolveSupplierId(client, opts.supplier), sku: opts.sku } as ProductCreate;
            return client.products.create(body);
          },
          !ctx.json,
        );
        if (ctx.json) return printJson(product);
        const p = paint();
        println(`${p.green('✓')} Created product ${p.bold(product.id)}`);
        println(`  ${product.name} (${product.unit}) · ${money(product.unitPrice, product.currency)} · stock ${product.stock}`);
        note(p.dim(`Start a group-buy of it with: cs groups create --product ${shortId(product.id)} --moq … --deadline 7d --pickup-point …`));
      }),
    );

  productOptions(products.command('update').description('Change a product (admins): only the fields given change'), false)
    .argument('<id>', 'product id (or the start of one)')
    .option('--no-tiers', 'remove every volume price')
    .addOption(new Option('--active', 'offer it to traders again').conflicts('inactive'))
    .option('--inactive', 'hide it from traders (groups already open keep it)')
    .option('--json', 'print the updated product as JSON')
    .addHelpText('after', '\nExamples:\n  $ cs products update 7f0c0e9a --price 4.00 --stock 800\n  $ cs products update 7f0c0e9a --inactive')
    .action((ref: string, opts: ProductFields & { tiers?: boolean; active?: boolean; inactive?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const body = productBody({ ...opts, noTiers: opts.tiers === false });
        if (opts.tier && opts.tiers === false) throw usageError('--tier and --no-tiers do not go together');
        if (opts.active) body.active = true;
        if (opts.inactive) body.active = false;
        if (Object.keys(body).length === 0) throw usageError('nothing to change: give at least one of --name, --price, --stock, --tier, --active, …');
        requireSession(ctx);
        const client = makeClient(ctx);
        const product = await withSpinner('Saving product', async () => client.products.update(await resolveProductId(client, ref), body), !ctx.json);
        if (ctx.json) return printJson(product);
        println(`${paint().green('✓')} Updated ${product.name} (${product.id})`);
        println(renderProduct(product));
      }),
    );

  // ---- pickup points ----------------------------------------------------------------------------------

  const points = program.command('pickup-points').description('Where traders collect their goods; admins add points');

  points
    .command('list')
    .description('Every pickup point')
    .option('--market <market>', 'only points in this market (case-insensitive)')
    .option('--wide', 'full ids and coordinates')
    .option('--json', 'print {items} as JSON')
    .action((opts: { market?: string; wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const { items: all } = await withSpinner('Loading pickup points', () => makeClient(ctx).pickupPoints.list(), !ctx.json);
        const market = opts.market?.trim().toLowerCase();
        const items = market ? all.filter((pt) => pt.market.toLowerCase() === market) : all;
        if (ctx.json) return printJson({ items });
        if (items.length === 0) return note(market ? `No pickup point in ${opts.market}.` : 'No pickup points yet; add one with `cs pickup-points create`.');
        println(renderTable(items, pointColumns(Boolean(opts.wide))));
      }),
    );

  points
    .command('create')
    .description('Add a pickup point (admins)')
    .requiredOption('--name <name>', 'e.g. "Mbare Musika stall 14"')
    .requiredOption('--market <market>', 'the market traders know it by, e.g. "Mbare Musika"')
    .requiredOption('--address <address>', 'street address or directions')
    .requiredOption('--hours <hours>', 'opening hours, e.g. "Mon-Sat 07:00-17:00"')
    .option('--lat <degrees>', 'latitude, for distance in recommendations', coordinate(90))
    .option('--lng <degrees>', 'longitude', coordinate(180))
    .option('--json', 'print the new pickup point as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ cs pickup-points create --name "Glen View complex" --market "Glen View" --address "Glen View 3, Harare" \\\n      --hours "Mon-Sat 07:00-17:00" --lat -17.9088 --lng 30.9555',
    )
    .action((opts: { name: string; market: string; address: string; hours: string; lat?: number; lng?: number }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if ((opts.lat === undefined) !== (opts.lng === undefined)) throw usageError('give --lat and --lng together, or neither');
        requireSession(ctx);
        const body = { name: opts.name, market: opts.market, address: opts.address, openingHours: opts.hours, lat: opts.lat, lng: opts.lng };
        const point = await withSpinner('Creating pickup point', () => makeClient(ctx).pickupPoints.create(body), !ctx.json);
        if (ctx.json) return printJson(point);
        println(`${paint().green('✓')} Created pickup point ${paint().bold(point.id)}: ${point.name}, ${point.market}`);
      }),
    );
}

function tiersText(x: Product): string {
  return x.priceTiers.map((t) => `${t.minQuantity}+ ${money(t.unitPrice, x.currency)}`).join(', ');
}

function productColumns(wide: boolean): Column<Product>[] {
  const columns: Column<Product>[] = [
    { header: 'ID', value: (x) => (wide ? x.id : shortId(x.id)) },
    { header: 'NAME', value: (x) => x.name, flex: true },
    { header: 'UNIT', value: (x) => x.unit },
    { header: 'CATEGORY', value: (x) => x.category },
    { header: 'PRICE', value: (x) => money(x.unitPrice, x.currency) },
    { header: 'TIERS', value: (x) => tiersText(x) || '-', flex: true },
    { header: 'STOCK', value: (x) => String(x.stock) },
    { header: 'ACTIVE', value: (x) => (x.active ? 'yes' : 'no'), color: (x, p) => (x.active ? undefined : p.dim) },
  ];
  if (wide) columns.push({ header: 'SKU', value: (x) => x.sku }, { header: 'SUPPLIER', value: (x) => x.supplierName, flex: true });
  return columns;
}

export function renderProduct(x: Product): string {
  const p = paint();
  return renderPairs(
    [
      ['ID', x.id],
      ['Name', x.name],
      ['SKU', x.sku],
      ['Category', x.category],
      ['Unit', x.unit],
      ['Price', `${money(x.unitPrice, x.currency)} per ${x.unit}`],
      ['Volume prices', tiersText(x) || p.dim('none')],
      ['Stock', String(x.stock)],
      ['Supplier', `${x.supplierName} (${x.supplierId})`],
      ['Active', x.active ? 'yes' : p.yellow('no: hidden from traders')],
      ['Rating', x.ratingAverage === null ? p.dim('not rated yet') : `${x.ratingAverage} from ${x.ratingCount}`],
      ['Description', x.description || p.dim('none')],
      ['Created', when(x.createdAt)],
    ],
    p,
  );
}

function pointColumns(wide: boolean): Column<PickupPoint>[] {
  const columns: Column<PickupPoint>[] = [
    { header: 'ID', value: (pt) => (wide ? pt.id : shortId(pt.id)) },
    { header: 'NAME', value: (pt) => pt.name, flex: true },
    { header: 'MARKET', value: (pt) => pt.market },
    { header: 'ADDRESS', value: (pt) => pt.address, flex: true },
    { header: 'HOURS', value: (pt) => pt.openingHours },
  ];
  if (wide) columns.push({ header: 'LAT,LNG', value: (pt) => (pt.lat === null || pt.lng === null ? '-' : `${pt.lat},${pt.lng}`) });
  return columns;
}
