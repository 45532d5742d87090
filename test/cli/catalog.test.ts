// cs products and cs pickup-points as an admin, then cs groups create from what they show: the whole
// set-up of a group-buy without curl, with ids shortened to the prefixes the tables print.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { suppliers } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { registerUser, userWithRole, type Session } from '../helpers/users.ts';
import { cliAs } from './market.ts';

const slow = 120_000;

let app: FastifyInstance;
let url: string;
let admin: Session;
let supplierId: string;

beforeAll(async () => {
  ({ app, url } = await liveServer());
  admin = await userWithRole(app, 'admin');
  const [s] = await app.ctx.db
    .insert(suppliers)
    .values({ name: 'Southerton Oils', area: 'Southerton', phone: '+263242111111', email: 'oils@example.co.zw', status: 'verified' })
    .returning();
  supplierId = s!.id;
});
afterAll(async () => {
  await app.close();
});

describe('cs products and cs pickup-points', { timeout: slow }, () => {
  it('an admin adds pickup points and products, finds them, changes one, and opens a group from the short ids', async () => {
    const cs = cliAs(url, admin);
    const point = await cs([
      'pickup-points', 'create', '--name', 'Mbare Musika stall 14', '--market', 'Mbare Musika',
      '--address', 'Mbare Musika, Harare', '--hours', 'Mon-Sat 07:00-17:00', '--lat', '-17.8615', '--lng', '31.0395', '--json',
    ]);
    expect(point.code, point.stderr).toBe(0);
    const pointId = JSON.parse(point.stdout).id as string;
    expect(JSON.parse(point.stdout)).toMatchObject({ name: 'Mbare Musika stall 14', lat: -17.8615, lng: 31.0395 });
    const halfLat = await cs(['pickup-points', 'create', '--name', 'x stall', '--market', 'Mbare', '--address', 'Mbare', '--hours', 'daily', '--lat', '1']);
    expect(halfLat.code).toBe(2);
    expect(halfLat.stderr).toContain('--lat and --lng together');

    const points = await cs(['pickup-points', 'list', '--market', 'mbare musika']);
    expect(points.code, points.stderr).toBe(0);
    expect(points.stdout).toMatch(/^ID\s+NAME\s+MARKET\s+ADDRESS\s+HOURS$/m);
    expect(points.stdout).toMatch(new RegExp(`^${pointId.slice(0, 8)}\\s+Mbare Musika stall 14\\s+Mbare Musika\\s+Mbare Musika, Harare\\s+Mon-Sat 07:00-17:00$`, 'm'));

    const created = await cs([
      'products', 'create', '--supplier', supplierId.slice(0, 8), '--sku', 'OIL-2L-B', '--name', 'Sunflower cooking oil',
      '--description', 'Refined sunflower oil', '--category', 'cooking-oil', '--unit', '2 L bottle', '--price', '4.20', '--stock', '500',
      '--tier', '250:3.70', '--tier', '100:3.9',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const productId = /Created product (\S+)/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain('Sunflower cooking oil (2 L bottle) · USD 4.20 · stock 500');
    expect(created.stderr).toContain(`cs groups create --product ${productId.slice(0, 8)}`);

    const missing = await cs(['products', 'create', '--supplier', supplierId, '--sku', 'X-1', '--name', 'Soap']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--description <text>' not specified/);
    const badPrice = await cs(['products', 'update', productId, '--price', '4.205']);
    expect(badPrice.code).toBe(2);
    expect(badPrice.stderr).toContain('at most two decimals');

    const list = await cs(['products', 'list', '--q', 'sunflower oil']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+UNIT\s+CATEGORY\s+PRICE\s+TIERS\s+STOCK\s+ACTIVE$/m);
    expect(list.stdout).toMatch(new RegExp(`^${productId.slice(0, 8)}\\s+Sunflower cooking oil\\s+2 L bottle\\s+cooking-oil\\s+USD 4\\.20\\s+100\\+ USD 3\\.90, 250\\+ USD 3\\.70\\s+500\\s+yes$`, 'm'));

    const show = await cs(['products', 'show', productId.slice(0, 6)]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^Supplier\\s+Southerton Oils \\(${supplierId}\\)$`, 'm'));
    expect(show.stdout).toMatch(/^Volume prices\s+100\+ USD 3\.90, 250\+ USD 3\.70$/m);

    const updated = await cs(['products', 'update', productId.slice(0, 8), '--price', '4', '--stock', '800', '--no-tiers', '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id: productId, unitPrice: 400, stock: 800, priceTiers: [] });
    const nothing = await cs(['products', 'update', productId]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to change');

    const group = await cs([
      'groups', 'create', '--product', productId.slice(0, 8), '--pickup-point', pointId.slice(0, 8), '--moq', '20', '--deadline', '7d', '--json',
    ]);
    expect(group.code, group.stderr).toBe(0);
    expect(JSON.parse(group.stdout)).toMatchObject({ product: { id: productId }, pickupPoints: [{ id: pointId }], unitPrice: 400, status: 'open' });

    const hidden = await cs(['products', 'update', productId, '--inactive']);
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(hidden.stdout).toMatch(/^Active\s+no: hidden from traders$/m);
  });

  it('says which prefix is unknown, and refuses traders (exit 3)', async () => {
    const cs = cliAs(url, admin);
    const unknown = await cs(['products', 'show', 'ffff0000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no product id starts with ffff0000');
    const notAnId = await cs(['pickup-points', 'list', '--json']);
    expect(notAnId.code).toBe(0);
    const group = await cs(['groups', 'create', '--product', 'zz', '--pickup-point', 'ffff', '--moq', '2', '--deadline', '7d']);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('"zz" is not a product id');

    const trader = cliAs(url, await registerUser(app));
    const refused = await trader(['pickup-points', 'create', '--name', 'My stall', '--market', 'Mbare', '--address', 'Mbare', '--hours', 'daily']);
    expect(refused.code).toBe(3);
    const browse = await trader(['pickup-points', 'list', '--json']);
    expect(browse.code, browse.stderr).toBe(0);
    expect(JSON.parse(browse.stdout).items.length).toBeGreaterThan(0);
  });
});
