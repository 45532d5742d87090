// examples/trader-journey.ts runs as its own process against a real server (sandbox payments):
// it joins, pays through the checkout page, finalizes and, playing the admin, prints the pass.
import { liveServer } from '../helpers/app.ts';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectSphere, type RegisterRequest } from '@connectsphere/sdk';
import { suppliers, users } from '../../api/db/schema.ts';
import { resetDatabase } from '../helpers/db.ts';
import { traderInput } from '../helpers/users.ts';
import { closedPort } from './stub-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
});
afterAll(async () => {
  await app.close();
});

/** An admin, a product, a pickup point and an open group of MOQ 6, with 2 units paid by another trader. */
async function setUp() {
  const input = traderInput({ name: 'Rumbi Admin' }) as RegisterRequest;
  const admin = new ConnectSphere({ baseUrl: url });
  const { user } = await admin.auth.register(input);
  await app.ctx.db.update(users).set({ role: 'admin' }).where(eq(users.id, user.id));
  const [supplier] = await app.ctx.db
    .insert(suppliers)
    .values({ name: 'Msasa Wholesalers', area: 'Msasa', phone: '+263242000000', email: 'sales@msasa.example.co.zw', status: 'verified' })
    .returning();
  const product = await admin.products.create({
    supplierId: supplier!.id,
    sku: 'SUGAR-2KG',
    name: 'White sugar',
    description: 'Refined white sugar',
    category: 'sugar',
    unit: '2 kg pack',
    unitPrice: 250,
    stock: 500,
  });
  const point = await admin.pickupPoints.create({ name: 'Mbare Musika stall 14', market: 'Mbare Musika', address: 'Stand 14, Mbare Musika', openingHours: 'Mon-Sat 07:00-17:00' });
  const group = await admin.groups.create({ productId: product.id, moq: 6, maxPerTrader: 5, deadline: new Date(Date.now() + 86_400_000).toISOString(), pickupPointIds: [point.id] });
  const other = new ConnectSphere({ baseUrl: url });
  await other.auth.register(traderInput() as RegisterRequest);
  const c = await other.groups.join(group.id, { quantity: 2 });
  const { checkoutUrl, txRef } = await other.payments.initialize({ contributionId: c.id });
  const paid = await request(checkoutUrl!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=pay' });
  await paid.body.dump();
  expect((await other.payments.finalize({ txRef })).status).toBe('successful');
  return { admin: { email: input.email, password: input.password }, group };
}

function runExample(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'examples/trader-journey.ts'],
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('examples/trader-journey.ts', () => {
  it('joins for what funds the group, pays in the sandbox, finalizes, and (playing the admin) prints the pass', async () => {
    const { admin, group } = await setUp();
    const { code, stdout, stderr } = await runExample({ CS_API_URL: url, CS_ADMIN_EMAIL: admin.email, CS_ADMIN_PASSWORD: admin.password });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`ConnectSphere 0.1.0 at ${url} is ok`);
    expect(stdout).toMatch(/Registered Farai Dube <trader-example-[0-9a-f]{8}@example\.co\.zw>/);
    expect(stdout).toContain('Group    White sugar (2 kg pack) (White sugar, per 2 kg pack)');
    expect(stdout).toContain('Price    USD 2.50 a unit, MOQ 6, 33.3% paid, 1 traders');
    expect(stdout).toContain('Joined   4 x USD 2.50');
    expect(stdout).toContain('Goods          USD 10.00');
    expect(stdout).toContain('Total    USD 11.00');
    expect(stdout).toContain(`checkout ${url}/api/payments/sandbox/checkout/`);
    expect(stdout).toContain('Checkout returned status=successful');
    expect(stdout).toContain('Payment  successful');
    expect(stdout).toContain('Group    funded, 100% of the MOQ paid');
    expect(stdout).toContain('Admin    moved the group to ready for pickup');
    expect(stdout).toContain('  4 x White sugar (2 kg pack)');
    expect(stdout).toContain('  at Mbare Musika stall 14, Stand 14, Mbare Musika (Mon-Sat 07:00-17:00)');
    const file = /QR code saved to (.+\.png)/.exec(stdout)?.[1];
    expect(file).toBeDefined();
    const png = fs.readFileSync(file!);
    fs.rmSync(file!);
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const after = await new ConnectSphere({ baseUrl: url }).auth.login(admin).then(() => app.ctx.db.select().from(users));
    expect(after).toHaveLength(3); // the admin, the other trader, the example's trader
    expect(stdout).not.toContain(group.id); // ids stay out of the printout
  });

  it('without an admin, pays and says the pass comes when the goods are ready', async () => {
    await setUp();
    const { code, stdout, stderr } = await runExample({ CS_API_URL: url, CS_ADMIN_EMAIL: '', CS_ADMIN_PASSWORD: '' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Joined   2 x USD 2.50');
    expect(stdout).toContain('Payment  successful');
    expect(stdout).toContain('Group    open, 66.7% of the MOQ paid');
    expect(stdout).toContain('Your pickup pass arrives when the goods are ready for pickup');
  });

  it('exits 1 with a clear message when the API is not running', async () => {
    const { code, stderr } = await runExample({ CS_API_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(code).toBe(1);
    expect(stderr).toContain('Could not reach ConnectSphere');
  });
});
