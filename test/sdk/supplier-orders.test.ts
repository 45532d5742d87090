// Purchase orders through the faces a supplier and an admin use: the SDK against a live server, the
// CLI as a subprocess, and examples/supplier-order-updates.ts as its own process.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, ConnectSphere, MemoryTokenStore } from '@connectsphere/sdk';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickupPasses, supplierOrders } from '../../api/db/schema.ts';
import { cliAs } from '../cli/market.ts';
import { repoRoot } from '../cli/run.ts';
import { liveServer } from '../helpers/app.ts';
import { fundedOrderGroup, orderMarket, type OrderMarket } from '../helpers/orders.ts';
import { supplierOrganisation } from '../helpers/suppliers.ts';
import type { Session } from '../helpers/users.ts';

let app: FastifyInstance;
let url: string;
let m: OrderMarket;

beforeAll(async () => {
  ({ app, url } = await liveServer());
  m = await orderMarket(app);
});
afterAll(async () => {
  await app.close();
});

const sdkAs = (s: Session) => new ConnectSphere({ baseUrl: url, tokens: new MemoryTokenStore({ accessToken: s.accessToken, refreshToken: s.refreshToken }) });
const orderOf = async (groupId: string) => (await app.ctx.db.select().from(supplierOrders).where(eq(supplierOrders.groupId, groupId)))[0]!;
const eta = new Date(Date.now() + 2 * 86_400_000).toISOString();

describe('cs.supplier.orders and cs.admin.orders (SDK, signed in)', () => {
  it('takes a funded group to ready_for_pickup: accept, prepare, ship, deliver, quality check', async () => {
    const { group } = await fundedOrderGroup(app, m);
    const supplier = sdkAs(m.org.owner);
    const admin = sdkAs(m.admin);
    const pending = await supplier.supplier.orders.list({ status: 'pending' });
    const order = pending.items.find((o) => o.group.id === group.id)!;
    expect(order).toMatchObject({ status: 'pending', quantity: 10, subtotal: 13000 });
    expect((await supplier.supplier.orders.accept(order.id)).group.status).toBe('ordered');
    expect((await supplier.supplier.orders.prepare(order.id)).status).toBe('preparing');
    expect((await supplier.supplier.orders.ship(order.id, { carrier: 'Swift Transport', trackingNumber: 'SWT-1', eta })).group.status).toBe('shipped');
    expect((await supplier.groups.get(group.id)).order).toMatchObject({ status: 'shipped', trackingNumber: 'SWT-1' });
    expect((await supplier.supplier.orders.deliver(order.id)).group.status).toBe('delivered');
    const checked = await admin.admin.orders.qualityCheck(order.id, { outcome: 'accept' });
    expect(checked).toMatchObject({ status: 'checked', group: { status: 'ready_for_pickup' } });
    expect(await app.ctx.db.select().from(pickupPasses).where(eq(pickupPasses.groupId, group.id))).toHaveLength(2);
    expect((await admin.admin.orders.get(order.id)).checkedAt).not.toBeNull();
    // An invalid move is an ApiError 409 naming the state.
    const err = await supplier.supplier.orders.accept(order.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).problem).toMatchObject({ currentState: 'checked' });
  });

  it('quotes: an admin asks, a supplier quotes, the rule accepts the best; another organisation gets 404s', async () => {
    const rival = await supplierOrganisation(app, { admin: m.admin });
    const { group } = await fundedOrderGroup(app, m);
    const admin = sdkAs(m.admin);
    const request = await admin.admin.quotes.request(group.id, { deadline: new Date(Date.now() + 86_400_000).toISOString(), requiredLeadTimeDays: 4 });
    const quoter = sdkAs(rival.owner);
    expect((await quoter.supplier.quotes.list({ status: 'open' })).items.map((r) => r.id)).toContain(request.id);
    await quoter.supplier.quotes.submit({ requestId: request.id, unitPrice: 1150, leadTimeDays: 3, validUntil: new Date(Date.now() + 2 * 86_400_000).toISOString() });
    const order = await admin.admin.quotes.acceptBest(group.id);
    expect(order).toMatchObject({ supplier: { id: rival.id }, unitPrice: 1150, status: 'pending' });
    expect((await admin.admin.quotes.list(group.id)).status).toBe('awarded');
    // The product's own organisation did not win: the order is not its to touch.
    const loser = sdkAs(m.org.owner);
    for (const attempt of [() => loser.supplier.orders.get(order.id), () => loser.supplier.orders.accept(order.id), () => loser.supplier.orders.reject(order.id, 'not ours')]) {
      const e = await attempt().catch((x: unknown) => x);
      expect((e as ApiError).status).toBe(404);
    }
    expect((await quoter.supplier.orders.accept(order.id)).status).toBe('accepted');
  });
});

describe('cs supplier orders / cs orders (CLI subprocess)', () => {
  it('lists, accepts, ships and delivers as the supplier; the admin lists and checks it; --json for scripts', async () => {
    const { group } = await fundedOrderGroup(app, m);
    const order = await orderOf(group.id);
    const cs = cliAs(url, m.org.owner);
    const table = await cs(['supplier', 'orders', 'list', '--status', 'pending']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/ORDER\s+STATUS\s+GROUP/);
    expect(table.stdout).toContain(`PO-${order.number}`);
    const listed = await cs(['supplier', 'orders', 'list', '--json']);
    expect(JSON.parse(listed.stdout).items.map((o: { id: string }) => o.id)).toContain(order.id);
    const accepted = await cs(['supplier', 'orders', 'accept', `PO-${order.number}`, '--json']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ status: 'accepted', group: { status: 'ordered' } });
    const again = await cs(['supplier', 'orders', 'accept', order.id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('accepted');
    const shipped = await cs(['supplier', 'orders', 'ship', order.id, '--carrier', 'Swift Transport', '--tracking', 'SWT-9', '--eta', '2026-12-24']);
    expect(shipped.code, shipped.stderr).toBe(0);
    expect(shipped.stdout).toContain('Swift Transport SWT-9');
    expect((await cs(['supplier', 'orders', 'deliver', order.id, '--json'])).code).toBe(0);

    const adminCs = cliAs(url, m.admin);
    const all = await adminCs(['orders', 'list', '--status', 'delivered', '--json']);
    expect(JSON.parse(all.stdout).items.map((o: { id: string }) => o.id)).toContain(order.id);
    const qc = await adminCs(['orders', 'qc', `PO-${order.number}`, '--accept']);
    expect(qc.code, qc.stderr).toBe(0);
    expect(qc.stdout).toMatch(/Status\s+checked/);
    expect((await orderOf(group.id)).status).toBe('checked');
  }, 120_000);
});

describe('examples/supplier-order-updates.ts', () => {
  it('ships the accepted orders listed in the CSV and leaves the others waiting', async () => {
    const one = await fundedOrderGroup(app, m);
    const two = await fundedOrderGroup(app, m);
    const supplier = sdkAs(m.org.owner);
    const a = await orderOf(one.group.id);
    const b = await orderOf(two.group.id);
    await supplier.supplier.orders.accept(a.id);
    await supplier.supplier.orders.accept(b.id);
    const csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cs-ship-')), 'shipments.csv');
    fs.writeFileSync(csv, `order,carrier,trackingNumber,eta\nPO-${a.number},Swift Transport,SWT-77,2026-12-24\n`);
    const env = { ...process.env, CS_API_URL: url, CS_EMAIL: m.org.owner.user.email, CS_PASSWORD: 'msasa-grain-2026' };
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'examples/supplier-order-updates.ts', csv], { cwd: repoRoot, env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`PO-${a.number}  shipped with Swift Transport, tracking SWT-77`);
    expect(result.stdout).toContain(`PO-${b.number}  waiting`);
    expect(result.stdout).toContain('Shipped 1 order(s).');
    expect((await orderOf(one.group.id)).status).toBe('shipped');
    expect((await orderOf(two.group.id)).status).toBe('accepted');
  }, 90_000);
});
